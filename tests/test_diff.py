"""`credmint diff` (CONTRACT.md "Diff report", issue 6 §3): grants matched by (principal, action,
target), never by line; only what the change introduces gates `--fail-on`; git revisions as base."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from credmint.analyzer.reports.markdown import text as md
from cfn_trees import ACCOUNT, ADMIN, ALICE, DEPLOY, PARTNER, git, run, run_json, write_tree

PARTNER_GRANT = {
    "principal": PARTNER,
    "action": "sts:AssumeRole",
    "target": DEPLOY,
    "certainty": "uncertain",
    "conditions": [],
    "except": [],
    "reasons": [
        "trust policy of role/deploy allows account 222222222222 (head/template.yaml:14)",
        "the policies of account 222222222222 are not analysed",
    ],
    "sources": [{"file": "head/template.yaml", "line": 14}],
}
PARTNER_FINDING = {
    "rule": "CM105",
    "severity": "high",
    "title": "Cross-account trust without ExternalId or organisation condition",
    "message": f"{DEPLOY} trusts {PARTNER} of account 222222222222, which is not in "
    "trusted_accounts, "
    "without sts:ExternalId or aws:PrincipalOrgID",
    "principal": PARTNER,
    "target": DEPLOY,
    "source": {"file": "head/template.yaml", "line": 14},
}


def diff(tmp_path: Path, *extra: str) -> tuple[int, dict]:
    return run_json(
        [
            "diff",
            "--base",
            str(tmp_path / "base"),
            str(tmp_path / "head"),
            "--root",
            str(tmp_path),
            *extra,
        ],
        tmp_path / "diff.json",
    )


def test_one_more_trust_principal_is_exactly_one_added_grant(tmp_path: Path) -> None:
    write_tree(tmp_path / "base", [ALICE])
    write_tree(tmp_path / "head", [ALICE, PARTNER])
    code, report = diff(tmp_path)
    assert code == 1  # CM105 (high) is new and --fail-on defaults to high
    assert report["schema_version"] == 1
    assert report["base"] == {"ref": str(tmp_path / "base"), "grants": 3}
    assert report["head"] == {"ref": str(tmp_path / "head"), "grants": 4}
    assert report["added"] == [PARTNER_GRANT]
    assert report["removed"] == []
    assert report["changed"] == []
    assert report["added_paths"] == [
        {
            "principal": PARTNER,
            "target": ADMIN,
            "hops": [
                {"principal": PARTNER, "action": "sts:AssumeRole", "target": DEPLOY},
                {"principal": DEPLOY, "action": "sts:AssumeRole", "target": ADMIN},
            ],
        }
    ]
    assert report["findings"] == [PARTNER_FINDING]
    assert report["suppressed"] == []
    assert report["diagnostics"] == []
    assert list(report) == [
        "schema_version",
        "base",
        "head",
        "added",
        "removed",
        "changed",
        "added_paths",
        "findings",
        "suppressed",
        "suppressions_added",
        "diagnostics",
    ]


def test_fail_on_applies_only_to_what_the_change_introduces(tmp_path: Path) -> None:
    write_tree(tmp_path / "base", [ALICE, PARTNER])
    write_tree(tmp_path / "head", [ALICE, PARTNER], padding=3)
    code, report = diff(tmp_path, "--fail-on", "low")
    assert code == 0  # CM105 exists in both trees: not introduced
    assert report["findings"] == []


def test_fail_on_none_passes_new_findings(tmp_path: Path) -> None:
    write_tree(tmp_path / "base", [ALICE])
    write_tree(tmp_path / "head", [ALICE, PARTNER])
    code, report = diff(tmp_path, "--fail-on", "none")
    assert code == 0
    assert [f["rule"] for f in report["findings"]] == ["CM105"]


def test_identical_trees_give_empty_lists_and_exit_0(tmp_path: Path) -> None:
    write_tree(tmp_path / "base", [ALICE, PARTNER])
    write_tree(tmp_path / "head", [ALICE, PARTNER])
    code, report = diff(tmp_path)
    assert code == 0
    assert (
        report["added"],
        report["removed"],
        report["changed"],
        report["added_paths"],
        report["findings"],
    ) == ([], [], [], [], [])


def test_moved_lines_are_no_change(tmp_path: Path) -> None:
    write_tree(tmp_path / "base", [ALICE])
    write_tree(tmp_path / "head", [ALICE], padding=7)
    code, report = diff(tmp_path)
    assert code == 0
    assert (report["added"], report["removed"], report["changed"]) == ([], [], [])


def test_removed_principal_is_removed_not_added(tmp_path: Path) -> None:
    write_tree(tmp_path / "base", [ALICE, PARTNER])
    write_tree(tmp_path / "head", [ALICE])
    code, report = diff(tmp_path)
    assert code == 0
    assert report["added"] == []
    assert [(g["principal"], g["action"], g["target"]) for g in report["removed"]] == [
        (PARTNER, "sts:AssumeRole", DEPLOY)
    ]


def test_a_new_condition_is_a_changed_grant_with_before_and_after(tmp_path: Path) -> None:
    write_tree(tmp_path / "base", [ALICE])
    write_tree(tmp_path / "head", [ALICE], mfa=True)
    code, report = diff(tmp_path)
    assert code == 0
    assert report["added"] == [] and report["removed"] == []
    assert [
        (c["principal"], c["action"], c["target"], c["before"], c["after"])
        for c in report["changed"]
    ] == [
        (
            ALICE,
            "sts:AssumeRole",
            DEPLOY,
            {"certainty": "definite", "conditions": [], "except": []},
            {
                "certainty": "conditional",
                "conditions": [
                    {"operator": "Bool", "key": "aws:MultiFactorAuthPresent", "values": ["true"]}
                ],
                "except": [],
            },
        )
    ]


def test_markdown_diff_lists_exactly_the_added_grant(tmp_path: Path) -> None:
    write_tree(tmp_path / "base", [ALICE])
    write_tree(tmp_path / "head", [ALICE, PARTNER])
    out = tmp_path / "diff.md"
    code = run(
        [
            "diff",
            "--base",
            str(tmp_path / "base"),
            str(tmp_path / "head"),
            "--root",
            str(tmp_path),
            "--account-id",
            ACCOUNT,
            "--format",
            "markdown",
            "-o",
            str(out),
        ]
    )
    text = out.read_text(encoding="utf-8")
    assert code == 1
    assert "**1 new credential grant, 0 removed — fails fail-on: high**" in text
    rows = [
        line
        for line in text.splitlines()
        if line.startswith("| added") or line.startswith("| removed")
    ]
    assert rows == [
        f"| added | <code>{md(PARTNER)}</code> | <code>{md(DEPLOY)}</code> | AssumeRole "
        f"| uncertain | high (CM105) | unknown | {md('head/template.yaml:14')} |"
    ]


def test_markdown_diff_of_identical_trees_says_nothing_changed(tmp_path: Path) -> None:
    write_tree(tmp_path / "base", [ALICE])
    write_tree(tmp_path / "head", [ALICE])
    out = tmp_path / "diff.md"
    code = run(
        [
            "diff",
            "--base",
            str(tmp_path / "base"),
            str(tmp_path / "head"),
            "--root",
            str(tmp_path),
            "--account-id",
            ACCOUNT,
            "--format",
            "markdown",
            "-o",
            str(out),
        ]
    )
    text = out.read_text(encoding="utf-8")
    assert code == 0
    assert "**0 new credential grants, 0 removed — passes fail-on: high**" in text
    assert "| added" not in text and "| removed" not in text


def test_an_unreadable_base_is_exit_2_with_its_error(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "template.yaml").write_text(
        "AWSTemplateFormatVersion: [unclosed\n", encoding="utf-8"
    )
    write_tree(tmp_path / "head", [ALICE])
    code, report = diff(tmp_path)
    assert code == 2
    assert [(d["level"], d["message"].startswith("in base: ")) for d in report["diagnostics"]] == [
        ("error", True)
    ]


# --- git revisions ---------------------------------------------------------------------------


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A repository whose first commit trusts alice and whose working tree adds the partner."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write_tree(root / "infra", [ALICE])
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    write_tree(root / "infra", [ALICE, PARTNER])
    return root


def _leftover_worktrees() -> list[str]:
    return sorted(p.name for p in Path(tempfile.gettempdir()).glob("credmint-base-*"))


def test_git_revision_base_is_analysed_in_a_worktree_that_is_removed(
    repo: Path, tmp_path: Path
) -> None:
    before = _leftover_worktrees()
    code, report = run_json(["diff", "--base", "HEAD", str(repo / "infra")], tmp_path / "diff.json")
    assert code == 1
    assert report["base"] == {"ref": "HEAD", "grants": 3}
    assert report["head"] == {"ref": "working tree", "grants": 4}
    assert [(g["principal"], g["target"], g["sources"]) for g in report["added"]] == [
        (PARTNER, DEPLOY, [{"file": "infra/template.yaml", "line": 14}])
    ]
    assert report["removed"] == [] and report["changed"] == []
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert _leftover_worktrees() == before


def test_a_path_new_in_head_has_an_empty_base(repo: Path, tmp_path: Path) -> None:
    write_tree(repo / "new", [ALICE])
    code, report = run_json(["diff", "--base", "HEAD", str(repo / "new")], tmp_path / "diff.json")
    assert code == 0
    assert report["base"]["grants"] == 0
    assert [(g["principal"], g["action"], g["target"]) for g in report["added"]] == [
        (DEPLOY, "sts:AssumeRole", ADMIN),
        (ALICE, "sts:AssumeRole", DEPLOY),
        (ALICE, "sts:GetSessionToken", ALICE),
    ]


def test_a_missing_revision_is_exit_2_with_a_clear_error(
    repo: Path, capsys: pytest.CaptureFixture
) -> None:
    code = run(["diff", "--base", "no-such-branch", str(repo / "infra"), "--format", "json"])
    assert code == 2
    assert "revision 'no-such-branch' is not in the repository" in capsys.readouterr().err
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_a_shallow_clone_says_to_fetch_the_history(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    git(repo, "commit", "-qam", "second")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(clone))
    code = run(["diff", "--base", "HEAD~1", str(clone / "infra"), "--format", "json"])
    assert code == 2
    assert "shallow clone" in capsys.readouterr().err


# --- a plan's prior state ----------------------------------------------------------------------

PLAN = Path(__file__).resolve().parents[1] / "fixtures" / "terraform_plan" / "modules" / "plan.json"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"


def test_prior_state_base_compares_a_plan_with_its_prior_state(tmp_path: Path) -> None:
    code, report = run_json(["diff", "--base", "prior-state", str(PLAN)], tmp_path / "diff.json")
    assert code == 0
    assert (report["base"], report["head"]) == (
        {"ref": "prior-state", "grants": 2},
        {"ref": "planned values", "grants": 5},
    )
    assert [(g["principal"], g["action"], g["target"]) for g in report["added"]] == [
        (BOB, "sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/team-*"),
        (BOB, "sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/team-0"),
        (BOB, "sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/team-1"),
        (BOB, "sts:GetSessionToken", BOB),
    ]
    assert [(g["principal"], g["action"], g["target"]) for g in report["removed"]] == [
        (
            f"arn:aws:iam::{ACCOUNT}:user/carol",
            "sts:AssumeRole",
            f"arn:aws:iam::{ACCOUNT}:role/legacy",
        )
    ]


def test_prior_state_needs_plan_files(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    write_tree(tmp_path / "head", [ALICE])
    assert run(["diff", "--base", "prior-state", str(tmp_path / "head")]) == 2
    assert "give only plan JSON files as PATH" in capsys.readouterr().err


def test_the_worktree_is_removed_when_the_base_analysis_fails(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from credmint.analyzer.app import cli

    real = cli._report

    def failing(paths, args, settings, root, **kwargs):
        if root is not None and "credmint-base-" in str(root):
            raise RuntimeError("analysis failed")
        return real(paths, args, settings, root, **kwargs)

    before = _leftover_worktrees()
    monkeypatch.setattr(cli, "_report", failing)
    with pytest.raises(RuntimeError):
        cli.main(["diff", "--base", "HEAD", str(repo / "infra"), "--format", "json"])
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert _leftover_worktrees() == before
