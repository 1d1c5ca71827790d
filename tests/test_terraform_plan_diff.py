"""`credmint diff --base prior-state PLAN` on fixtures/terraform_plan/modules/plan.json (issue 6).

The prior state holds carol and role legacy (trusting carol's ARN); the plan deletes legacy and
adds bob, group devs (may assume role/team-*) and two team roles that trust the account. Expected
differences derived from SEMANTICS.md §1 and DECISIONS.md, matched by (principal, action, target).
"""

from __future__ import annotations

import json
from pathlib import Path

from credmint.analyzer.app.cli import main

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "fixtures" / "terraform_plan" / "modules" / "plan.json"
ACCOUNT = "111111111111"


def arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def test_prior_state_diff_lists_what_the_plan_adds_and_removes(tmp_path):
    out = tmp_path / "diff.json"
    code = main(
        [
            "diff",
            "--base",
            "prior-state",
            str(PLAN),
            "--account-id",
            ACCOUNT,
            "--fail-on",
            "none",
            "--format",
            "json",
            "-o",
            str(out),
        ]
    )
    diff = json.loads(out.read_text())
    bob = arn("user", "bob")
    assert code == 0
    assert {(g["principal"], g["action"], g["target"], g["certainty"]) for g in diff["added"]} == {
        (bob, "sts:AssumeRole", arn("role", "team-0"), "definite"),
        (bob, "sts:AssumeRole", arn("role", "team-1"), "definite"),
        (bob, "sts:AssumeRole", arn("role", "team-*"), "uncertain"),
        (bob, "sts:GetSessionToken", bob, "definite"),
    }
    assert [(g["principal"], g["action"], g["target"]) for g in diff["removed"]] == [
        (arn("user", "carol"), "sts:AssumeRole", arn("role", "legacy")),
    ]
    assert diff["changed"] == []
    assert (diff["base"]["grants"], diff["head"]["grants"]) == (2, 5)
