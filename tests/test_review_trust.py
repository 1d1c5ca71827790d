"""Issue 15 §1, attacked after it landed: paths by which a pull request still silenced its own
finding. Each case passed with exit 0 and listed nothing before the fix; each must fail closed."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main
from cfn_trees import ACCOUNT, ALICE, DEPLOY, PARTNER, git, run, write_tree
from test_github_action import api, outputs, workspace  # noqa: F401 (fixtures)

OTHER = "arn:aws:iam::333333333333:root"
STATEMENT = """\
data "aws_iam_policy_document" "{name}" {{
  # credmint:ignore CM105 reason="audit"
  statement {{
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "AWS"
      identifiers = ["{principal}"]
    }}
  }}
}}
resource "aws_iam_role" "{name}" {{
  name               = "{name}"
  assume_role_policy = data.aws_iam_policy_document.{name}.json
}}
"""


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("CREDMINT_"):
            monkeypatch.delenv(name)


def _commit(root: Path, message: str) -> None:
    git(root, "add", ".")
    git(root, "commit", "-qm", message)


def _diff(cwd: Path, monkeypatch: pytest.MonkeyPatch, *argv: str) -> tuple[int, dict]:
    monkeypatch.chdir(cwd)
    out = cwd / "diff.json"
    code = run(["diff", "--base", "HEAD", "--format", "json", "-o", str(out), *argv])
    return code, json.loads(out.read_text(encoding="utf-8"))


def test_a_copied_suppression_on_a_block_line_that_repeats_does_not_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    """The base accepts CM105 above role a's `statement {`; the change copies the comment above a
    new `statement {` trusting another account. Both anchors read `statement {`."""
    root = tmp_path / "repo"
    (root / "tf").mkdir(parents=True)
    git(root, "init", "-q")
    (root / ".credmint.yaml").write_text(f'account_id: "{ACCOUNT}"\n', encoding="utf-8")
    first = STATEMENT.format(name="a", principal=PARTNER)
    (root / "tf" / "main.tf").write_text(first, encoding="utf-8")
    _commit(root, "base")
    (root / "tf" / "main.tf").write_text(
        first + STATEMENT.format(name="b", principal=OTHER), encoding="utf-8"
    )
    code, report = _diff(root, monkeypatch, "tf")
    new = ("CM105", OTHER, f"arn:aws:iam::{ACCOUNT}:role/b")
    assert code == 1
    assert [(f["rule"], f["principal"], f["target"]) for f in report["findings"]] == [new]
    assert [
        (s["rule"], s["principal"], s["target"], s["suppression"]["origin"])
        for s in report["suppressions_added"]
    ] == [(*new, "tf/main.tf:16")]


def test_a_suppression_moved_to_another_top_level_block_does_not_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    """Same count, another block: the anchor names the top-level block that holds the line."""
    root = tmp_path / "repo"
    (root / "tf").mkdir(parents=True)
    git(root, "init", "-q")
    (root / ".credmint.yaml").write_text(f'account_id: "{ACCOUNT}"\n', encoding="utf-8")
    (root / "tf" / "main.tf").write_text(STATEMENT.format(name="a", principal=ALICE), encoding="utf-8")
    _commit(root, "base")
    plain = STATEMENT.format(name="a", principal=ALICE).replace(
        '  # credmint:ignore CM105 reason="audit"\n', ""
    )
    (root / "tf" / "main.tf").write_text(
        plain + STATEMENT.format(name="b", principal=OTHER), encoding="utf-8"
    )
    code, report = _diff(root, monkeypatch, "tf")
    assert code == 1
    assert [s["target"] for s in report["suppressions_added"]] == [f"arn:aws:iam::{ACCOUNT}:role/b"]


def test_a_settings_file_named_inside_the_repository_is_the_base_s_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    """The repository checked out in a subfolder of the workspace (actions/checkout `path:`), run
    from the workspace with `--config src/.credmint.yaml`: the head's file was read."""
    root = tmp_path / "src"
    root.mkdir()
    git(root, "init", "-q")
    write_tree(root / "infra", [ALICE])
    (root / ".credmint.yaml").write_text(f'account_id: "{ACCOUNT}"\n', encoding="utf-8")
    _commit(root, "base")
    write_tree(root / "infra", [ALICE, PARTNER])
    (root / ".credmint.yaml").write_text(
        f'account_id: "{ACCOUNT}"\nignore: [CM105]\n', encoding="utf-8"
    )
    code, report = _diff(tmp_path, monkeypatch, "--config", "src/.credmint.yaml", "src/infra")
    assert code == 1
    assert [(f["rule"], f["target"]) for f in report["findings"]] == [("CM105", DEPLOY)]
    assert [s["suppression"]["reason"] for s in report["suppressions_added"]] == [
        "rule CM105 ignored in src/.credmint.yaml"
    ]


def test_a_scan_of_a_pull_request_reads_the_base_s_settings(
    workspace: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811 (fixture)
) -> None:
    """`diff: off` on a pull_request: the head's `.credmint.yaml` adding `ignore: [CM105]` was
    obeyed (exit 0)."""
    repo = workspace / "repo"
    (repo / ".credmint.yaml").write_text("ignore: [CM105]\n", encoding="utf-8")
    monkeypatch.setenv("INPUT_DIFF", "off")
    monkeypatch.setenv("INPUT_COMMENT", "off")
    assert main(["github-action"]) == 1
    report = json.loads((repo / "out" / "credmint.json").read_text(encoding="utf-8"))
    assert [(f["rule"], f["target"]) for f in report["findings"]] == [("CM105", DEPLOY)]
    assert outputs(workspace)["exit-code"] == "1"


def test_a_scan_of_a_pull_request_whose_base_cannot_be_had_is_refused(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture  # noqa: F811
) -> None:
    monkeypatch.setenv("INPUT_DIFF", "off")
    monkeypatch.setenv("INPUT_COMMENT", "off")
    monkeypatch.setenv("INPUT_BASE_REF", "0" * 40)
    assert main(["github-action"]) == 2
    assert "::error::credmint: diff: off on a pull request reads the settings of its base" in (
        capsys.readouterr().out
    )
    assert outputs(workspace)["exit-code"] == "2"


def test_scan_settings_from_keeps_a_head_inline_suppression_a_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    write_tree(root / "infra", [ALICE])
    _commit(root, "base")
    write_tree(
        root / "infra",
        [ALICE, PARTNER],
        deploy_metadata=(
            "    Metadata:\n      credmint:\n        ignore:\n"
            '          - {rule: CM105, reason: "audit", expires: 9999-12-31}\n'
        ),
    )
    monkeypatch.chdir(root)
    out = tmp_path / "scan.json"
    argv = ["scan", "--account-id", ACCOUNT, "--format", "json", "-o", str(out), "infra"]
    assert run(argv) == 0
    assert run([*argv[:1], "--settings-from", "HEAD", *argv[1:]]) == 1
    report = json.loads(out.read_text(encoding="utf-8"))
    assert [(f["rule"], f["target"]) for f in report["findings"]] == [("CM105", DEPLOY)]


def test_a_merge_queue_run_diffs_against_the_queue_s_base(
    workspace: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811 (fixture)
) -> None:
    """`merge_group` has no `pull_request`: the Action scanned the queued commit with its own
    settings file (exit 0); it now diffs against `merge_group.base_sha` with the base's."""
    event = json.loads((workspace / "event.json").read_text(encoding="utf-8"))
    base = event["pull_request"]["base"]["sha"]
    (workspace / "event.json").write_text(
        json.dumps({"merge_group": {"base_sha": base, "head_sha": "f00d"}}), encoding="utf-8"
    )
    monkeypatch.setenv("GITHUB_EVENT_NAME", "merge_group")
    (workspace / "repo" / ".credmint.yaml").write_text("ignore: [CM105]\n", encoding="utf-8")
    assert main(["github-action"]) == 1
    report = json.loads((workspace / "repo" / "out" / "credmint.json").read_text(encoding="utf-8"))
    assert [(f["rule"], f["target"]) for f in report["findings"]] == [("CM105", DEPLOY)]
    assert [s["suppression"]["reason"] for s in report["suppressions_added"]] == [
        f"rule CM105 ignored in {workspace / 'repo' / '.credmint.yaml'}"
    ]


def test_the_action_writes_the_head_s_inventory_for_an_organisation_scan(
    workspace: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811 (fixture)
) -> None:
    """Issue 18 §3: README's organisation workflow uploads `outputs.inventory-file`, which the
    Action did not have (the upload step had no path)."""
    from credmint.analyzer.inventory_json import loads

    monkeypatch.setenv("INPUT_COMMENT", "off")
    monkeypatch.setenv("INPUT_INVENTORY_FILE", "out/team.inventory.json")
    assert main(["github-action"]) == 1
    assert outputs(workspace)["inventory-file"] == "out/team.inventory.json"
    written = (workspace / "repo" / "out" / "team.inventory.json").read_bytes()
    roles = loads(written, file="team.inventory.json").roles
    assert sorted(r.name for r in roles) == ["admin", "deploy"]  # the head's, which trusts PARTNER
    assert PARTNER.encode() in written


def test_a_committed_symlink_as_inventory_output_is_never_followed(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture  # noqa: F811
) -> None:
    victim = workspace / "victim.txt"
    victim.write_text("precious\n", encoding="utf-8")
    (workspace / "repo" / "credmint.inventory.json").symlink_to(victim)
    monkeypatch.setenv("INPUT_COMMENT", "off")
    assert main(["github-action"]) == 2
    assert "output 'credmint.inventory.json' cannot be written safely" in capsys.readouterr().out
    assert victim.read_text(encoding="utf-8") == "precious\n"
    assert outputs(workspace)["exit-code"] == "2"
