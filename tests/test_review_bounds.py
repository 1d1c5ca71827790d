"""Issue 15 §7 bounds, attacked after they landed with issue 13 §11's worlds: deploy-time choices
read a template up to 64 times, and the bounds that were per read multiplied."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

import credmint.analyzer.walk as walk
from credmint.analyzer.app.cli import main

CHOICES = 30


def _choices_module(folder: Path) -> Path:
    """30 variables read both ways, 26 of them only behind the first (so the worlds are read in
    rounds: 1 + 16 + 30 flips + 1), and a regular expression that backtracks for hours."""
    folder.mkdir(parents=True, exist_ok=True)
    variables = "".join(f'variable "c{i}" {{\n  default = true\n}}\n' for i in range(CHOICES))
    hidden = "".join(f'${{var.c{i} ? "a" : "b"}}' for i in range(4, CHOICES))
    shown = "".join(f'${{var.c{i} ? "a" : "b"}}' for i in range(1, 4))
    (folder / "main.tf").write_text(
        variables
        + f'''resource "aws_iam_role" "r" {{
  name = "r${{var.c0 ? "x" : "{hidden}"}}{shown}-${{length(regexall("(a|aa)+$", "{"a" * 40}!"))}}"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ AWS = "arn:aws:iam::222222222222:root" }}, Action = "sts:AssumeRole" }}]
  }})
}}
''',
        encoding="utf-8",
    )
    return folder


def test_the_regex_time_is_one_root_module_s_over_all_its_worlds(tmp_path: Path) -> None:
    """2 KB: 136 s before (2 s of backtracking in each of 48 reads), now one 2 s."""
    folder = _choices_module(tmp_path / "tf")
    out = tmp_path / "report.json"
    started = time.monotonic()
    code = main(["scan", str(folder), "--no-cache", "--account-id", "111111111111",
                 "--format", "json", "-o", str(out)])
    elapsed = time.monotonic() - started
    report = json.loads(out.read_text(encoding="utf-8"))
    assert code == 2
    assert any("regular expressions ran more than 2 s" in d["message"] for d in report["diagnostics"])
    assert elapsed < 30  # 48 worlds × 2 s would be 96 s


def _unknown_principals(folder: Path, roles: int) -> Path:
    """Roles trusting `*` (as a trust read with every deploy-time choice unknown does), each with a
    policy allowing sts:AssumeRole on any role: every role is a candidate caller of every role."""
    folder.mkdir(parents=True, exist_ok=True)
    resources = {
        f"R{k}": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": f"r{k}",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                   "Action": "sts:AssumeRole"}],
                },
                "Policies": [{"PolicyName": "p", "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
                }}],
            },
        }
        for k in range(roles)
    }
    template = {"Resources": resources}
    (folder / "template.json").write_text(json.dumps(template), encoding="utf-8")
    return folder


def test_caller_role_pairs_are_bounded_and_the_bound_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 1 MB template of 2,700 such roles ran 162 s; the walk now stops at the bound (500,000
    pairs, lowered here) with an error naming it, and what it found until then is reported."""
    monkeypatch.setattr(walk, "MAX_TRUST_PAIRS", 30 * 30)
    folder = _unknown_principals(tmp_path / "cfn", 40)
    out = tmp_path / "report.json"
    code = main(["scan", str(folder), "--account-id", "111111111111", "--format", "json",
                 "-o", str(out), "--fail-on", "none"])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert code == 2
    assert [d["message"] for d in report["diagnostics"] if d["level"] == "error"] == [
        "more than 900 caller-role pairs to evaluate (trust policies whose principal is unknown "
        "or `*` offer every caller): the rest are not analysed"
    ]
    assert report["grants"]  # the pairs evaluated before the bound still give their grants


def test_under_the_pair_bound_nothing_changes(tmp_path: Path) -> None:
    folder = _unknown_principals(tmp_path / "cfn", 40)
    out = tmp_path / "report.json"
    code = main(["scan", str(folder), "--account-id", "111111111111", "--format", "json",
                 "-o", str(out), "--fail-on", "none"])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert code == 0
    assert not [d for d in report["diagnostics"] if d["level"] == "error"]
