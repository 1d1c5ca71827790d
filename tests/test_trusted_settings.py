"""Issue 15 §1: a change cannot silence its own finding. In a diff against a git revision the
settings, the baseline, the rules' allowances and the inline suppressions come from the base; what
the change adds is listed as "suppressions this change adds (need review)" in every format."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from credmint.analyzer.reports.markdown import text as md
from credmint.analyzer.app.trusted import ALLOWANCE_REASON
from cfn_trees import ACCOUNT, ALICE, DEPLOY, PARTNER, git, run, write_tree

IGNORE_PARTNER = """\
    Metadata:
      credmint:
        ignore:
          - {rule: CM105, reason: "audit", expires: 9999-12-31}
"""
TERRAFORM = """\
{comment}resource "aws_iam_role" "deploy" {{
  name = "deploy"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ AWS = [{principals}] }}
      Action    = "sts:AssumeRole"
    }}]
  }})
}}
"""




@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository whose base commit has alice trusted and a settings file with the account."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write_tree(root / "infra", [ALICE])
    (root / ".credmint.yaml").write_text(f'account_id: "{ACCOUNT}"\n', encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    monkeypatch.chdir(root)
    for name in list(os.environ):
        if name.startswith("CREDMINT_"):
            monkeypatch.delenv(name)
    return root


def diff(root: Path, *extra: str) -> tuple[int, dict]:
    out = root.parent / "diff.json"
    code = run(["diff", "--base", "HEAD", "--format", "json", "-o", str(out), *extra, "infra"])
    return code, json.loads(out.read_text(encoding="utf-8")) if out.exists() else {}


def added(report: dict) -> list[tuple[str, str, str]]:
    return [
        (s["rule"], s["suppression"]["reason"], s["suppression"]["origin"])
        for s in report["suppressions_added"]
    ]


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ("ignore: [CM105]", ("rule CM105 ignored in {file}", "config")),
        ("trusted_principals: ['*']", None),
        ("fail_on: none", None),
        (f"trusted_principals: ['{PARTNER}']", ("trusted principal", "config")),
        ("trusted_accounts: ['222222222222']", (ALLOWANCE_REASON, "{file}")),
    ],
    ids=["ignore", "trust-anyone", "fail-on-none", "trusted-principal", "trusted-accounts"],
)
def test_settings_the_change_adds_do_not_silence_its_finding(
    repo: Path, settings: str, reason: tuple[str, str] | None
) -> None:
    write_tree(repo / "infra", [ALICE, PARTNER])
    (repo / ".credmint.yaml").write_text(f'account_id: "{ACCOUNT}"\n{settings}\n', encoding="utf-8")
    code, report = diff(repo)
    assert code == 1
    assert [(f["rule"], f["principal"], f["target"]) for f in report["findings"]] == [
        ("CM105", PARTNER, DEPLOY)
    ]
    if reason is None:  # `*` names no principal, fail_on silences nothing: both simply not used
        assert report["suppressions_added"] == []
    else:
        file = str(repo / ".credmint.yaml")
        assert added(report) == [("CM105", *(r.format(file=file) for r in reason))]


def test_another_account_id_in_the_change_is_not_used(repo: Path) -> None:
    write_tree(repo / "infra", [ALICE, PARTNER])
    (repo / ".credmint.yaml").write_text('account_id: "222222222222"\n', encoding="utf-8")
    code, report = diff(repo)
    assert code == 1
    assert [f["rule"] for f in report["findings"]] == ["CM105"]
    assert report["added"][0]["target"] == DEPLOY  # the base's account 111111111111


def test_an_inline_suppression_the_change_adds_is_listed_not_obeyed(repo: Path) -> None:
    write_tree(repo / "infra", [ALICE, PARTNER], deploy_metadata=IGNORE_PARTNER)
    code, report = diff(repo)
    assert code == 1
    assert added(report) == [("CM105", "audit", "infra/template.yaml:7")]
    assert report["suppressions_added"][0]["suppression"]["expires"] == "9999-12-31"


def test_an_inline_suppression_the_base_had_on_the_same_block_still_counts(repo: Path) -> None:
    write_tree(repo / "infra", [ALICE], deploy_metadata=IGNORE_PARTNER)
    git(repo, "commit", "-qam", "accepted suppression")
    write_tree(repo / "infra", [ALICE, PARTNER], deploy_metadata=IGNORE_PARTNER)
    code, report = diff(repo)
    assert code == 0
    assert report["findings"] == [] and report["suppressions_added"] == []
    assert [s["suppression"]["reason"] for s in report["suppressed"]] == ["audit"]


@pytest.mark.parametrize("base_comment", [False, True], ids=["added-comment", "base-comment"])
def test_a_terraform_comment_counts_only_when_the_base_had_it(repo: Path, base_comment: bool) -> None:
    comment = '# credmint:ignore CM105 reason="audit" expires=9999-12-31\n'
    (repo / "tf").mkdir()
    (repo / "tf" / "main.tf").write_text(
        TERRAFORM.format(comment=comment if base_comment else "", principals=f'"{ALICE}"'),
        encoding="utf-8",
    )
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "terraform")
    (repo / "tf" / "main.tf").write_text(
        TERRAFORM.format(comment=comment, principals=f'"{ALICE}", "{PARTNER}"'), encoding="utf-8"
    )
    out = repo.parent / "tf.json"
    code = run(["diff", "--base", "HEAD", "--format", "json", "-o", str(out), "tf"])
    report = json.loads(out.read_text(encoding="utf-8"))
    assert code == (0 if base_comment else 1)
    assert added(report) == ([] if base_comment else [("CM105", "audit", "tf/main.tf:1")])


def test_settings_the_base_has_still_apply(repo: Path) -> None:
    (repo / ".credmint.yaml").write_text(
        f'account_id: "{ACCOUNT}"\ntrusted_accounts: ["222222222222"]\n', encoding="utf-8"
    )
    git(repo, "commit", "-qam", "partner accepted")
    write_tree(repo / "infra", [ALICE, PARTNER])
    code, report = diff(repo)
    assert code == 0
    assert report["findings"] == [] and report["suppressions_added"] == []


def test_a_baseline_the_change_adds_is_listed_not_obeyed(repo: Path) -> None:
    write_tree(repo / "infra", [ALICE, PARTNER])
    baseline = {"schema_version": 1, "findings": [{"rule": "CM105", "principal": PARTNER, "target": DEPLOY}]}
    (repo / "baseline.json").write_text(json.dumps(baseline), encoding="utf-8")
    code, report = diff(repo, "--baseline", "baseline.json")
    assert code == 1
    assert added(report) == [("CM105", "accepted in the baseline", "baseline.json")]


def test_trust_head_suppressions_restores_the_change_s_settings(repo: Path) -> None:
    write_tree(repo / "infra", [ALICE, PARTNER], deploy_metadata=IGNORE_PARTNER)
    (repo / ".credmint.yaml").write_text(f'account_id: "{ACCOUNT}"\nignore: [CM101]\n', encoding="utf-8")
    code, report = diff(repo, "--trust-head-suppressions")
    assert code == 0
    assert report["findings"] == [] and report["suppressions_added"] == []
    assert [s["suppression"]["reason"] for s in report["suppressed"]] == ["audit"]


@pytest.mark.parametrize("fmt", ["markdown", "text", "sarif", "mermaid", "dot"])
def test_every_format_lists_the_suppressions_the_change_adds(repo: Path, fmt: str) -> None:
    write_tree(repo / "infra", [ALICE, PARTNER], deploy_metadata=IGNORE_PARTNER)
    out = repo.parent / f"diff.{fmt}"
    assert run(["diff", "--base", "HEAD", "--format", fmt, "-o", str(out), "infra"]) == 1
    rendered = out.read_text(encoding="utf-8")
    expected = {
        "markdown": f"#### Suppressions this change adds (need review) (1)\n\n- CM105 <code>{md(PARTNER)}</code>",
        "text": f"Suppressions this change adds (need review) (1):\n  CM105 {PARTNER} -> {DEPLOY}:\n"
        "    audit (infra/template.yaml:7)\n",
        "sarif": '"unreviewedSuppression": {',
        "mermaid": f"%% suppressions this change adds (need review): CM105 {PARTNER} -> {DEPLOY}: audit",
        "dot": f"// suppressions this change adds (need review): CM105 {PARTNER} -> {DEPLOY}: audit",
    }[fmt]
    assert expected in rendered


def test_the_markdown_section_comes_before_the_grant_table(repo: Path) -> None:
    write_tree(repo / "infra", [ALICE, PARTNER], deploy_metadata=IGNORE_PARTNER)
    out = repo.parent / "diff.md"
    run(["diff", "--base", "HEAD", "--format", "markdown", "-o", str(out), "infra"])
    rendered = out.read_text(encoding="utf-8")
    assert rendered.index("Suppressions this change adds") < rendered.index("| change | who |")


def test_a_symlinked_settings_file_that_leads_outside_is_refused(
    repo: Path, capsys: pytest.CaptureFixture
) -> None:
    outside = repo.parent / "secret.yaml"
    outside.write_text("password: hunter2\n", encoding="utf-8")
    (repo / ".credmint.yaml").unlink()
    (repo / ".credmint.yaml").symlink_to(outside)
    assert run(["scan", "--format", "json", "infra"]) == 2
    err = capsys.readouterr().err
    assert "is a symlink that leads outside" in err and "hunter2" not in err and "password" not in err
