"""Issue 15 §4, §5, §9: the Action stays inside its workspace, fails closed on every exit, diffs
the pull request's head under `pull_request_target`, and tells its 403s apart."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from credmint.analyzer.app.cli import main
from credmint.analyzer.app.github_action import annotations
from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel, Source
from credmint.analyzer.reports.markdown import MARKER
from credmint.analyzer.rules import Finding, Severity
from cfn_trees import PARTNER
from test_github_action import FakeApi, api, git, outputs, workspace  # noqa: F401 (fixtures)


def refused(capsys: pytest.CaptureFixture, workspace: Path, words: str) -> None:
    out = capsys.readouterr().out
    assert out.startswith("::error::credmint: ") and words in out
    assert outputs(workspace)["exit-code"] == "2"


def test_a_committed_symlink_as_sarif_output_is_never_followed(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    victim = workspace / "victim.txt"
    victim.write_text("precious\n")
    (workspace / "repo" / "credmint.sarif").symlink_to(victim)
    monkeypatch.setenv("INPUT_SARIF_FILE", "credmint.sarif")
    assert main(["github-action"]) == 2
    refused(capsys, workspace, "output 'credmint.sarif' cannot be written safely")
    assert victim.read_text() == "precious\n"
    assert outputs(workspace) == {
        "exit-code": "2", "sarif-file": "", "report-json": "", "inventory-file": ""
    }


@pytest.mark.parametrize(
    ("sarif_file", "words"),
    [
        ("/tmp/credmint-outside.sarif", "is outside the workspace"),
        ("../outside.sarif", "is outside the workspace"),
        ("linked/credmint.sarif", "is a link or not a folder"),
    ],
)
def test_outputs_outside_the_workspace_are_refused(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
    sarif_file: str, words: str,
) -> None:
    (workspace / "elsewhere").mkdir()
    (workspace / "repo" / "linked").symlink_to(workspace / "elsewhere")
    monkeypatch.setenv("INPUT_SARIF_FILE", sarif_file)
    assert main(["github-action"]) == 2
    refused(capsys, workspace, words)
    assert list((workspace / "elsewhere").iterdir()) == [] and not (workspace / "outside.sarif").exists()
    assert not Path("/tmp/credmint-outside.sarif").exists()
    assert json.loads((workspace / "repo" / "credmint.sarif").read_text())["runs"][0]["invocations"][0][
        "executionSuccessful"] is False


def test_an_output_folder_that_does_not_exist_is_created_and_the_run_goes_on(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INPUT_SARIF_FILE", "reports/deep/credmint.sarif")
    monkeypatch.setenv("INPUT_COMMENT", "off")
    assert main(["github-action"]) == 1
    assert (workspace / "repo" / "reports" / "deep" / "credmint.sarif").is_file()
    assert outputs(workspace)["sarif-file"] == "reports/deep/credmint.sarif"


@pytest.mark.parametrize("name", ["INPUT_PATHS", "INPUT_CONFIG_FILE", "INPUT_BASELINE", "INPUT_PLAN_JSON"])
def test_inputs_that_lead_outside_the_workspace_are_refused(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, name: str
) -> None:
    (workspace / "repo" / "escape").symlink_to("/")
    monkeypatch.setenv(name, "escape")
    assert main(["github-action"]) == 2
    refused(capsys, workspace, "'escape' leads outside the workspace")


def test_a_path_that_looks_like_an_option_stays_a_path(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("INPUT_PATHS", "--fail-on=none infra")
    monkeypatch.setenv("INPUT_COMMENT", "off")
    assert main(["github-action"]) == 2
    assert "--fail-on=none does not exist" in capsys.readouterr().out
    assert outputs(workspace)["exit-code"] == "2"


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("INPUT_FAIL_ON", "severe", "input fail-on must be one of none, low, medium, high, critical"),
        ("INPUT_ANNOTATIONS", "maybe", "input annotations must be true or false"),
        ("INPUT_ACCOUNT_ID", "12", "the command line built from the inputs was refused"),
    ],
)
def test_every_unusable_input_fails_closed_with_sarif_and_summary(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture,
    name: str, value: str, words: str,
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["github-action"]) == 2
    refused(capsys, workspace, words)
    log = json.loads((workspace / "repo" / "out" / "credmint.sarif").read_text())
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False
    summary = (workspace / "summary.md").read_text()
    assert summary.startswith(MARKER) and "**fails: " in summary


def test_an_exception_anywhere_fails_closed(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("credmint.analyzer.reports.sarif.render", broken)
    assert main(["github-action"]) == 2
    refused(capsys, workspace, "disk on fire")


def pull_request_target(workspace: Path, head: str, base: str) -> None:
    event = workspace / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7, "base": {"sha": base}, "head": {"sha": head}}}))


def test_pull_request_target_diffs_the_pull_request_s_head_not_the_base_against_itself(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = workspace / "repo"
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "add", "infra")
    git(repo, "commit", "-qm", "head")
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", base)  # the default checkout of pull_request_target
    monkeypatch.setenv("INPUT_COMMENT", "off")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request_target")
    pull_request_target(workspace, head, base)
    assert main(["github-action"]) == 1
    assert {k: outputs(workspace)[k] for k in ("new-grants", "exit-code")} == {"new-grants": "1", "exit-code": "1"}
    report = json.loads((repo / "out" / "credmint.json").read_text())
    assert report["head"]["ref"] == head
    assert [(g["principal"]) for g in report["added"]] == [PARTNER]


def test_pull_request_target_without_the_head_refuses(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    repo = workspace / "repo"
    base = git(repo, "rev-parse", "HEAD")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request_target")
    pull_request_target(workspace, "1" * 40, base)
    assert main(["github-action"]) == 2
    refused(capsys, workspace, f"the pull request's head {'1' * 40} is not checked out and cannot be fetched")


def test_pull_request_target_never_scans_the_base_checkout_as_the_head(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    base = git(workspace / "repo", "rev-parse", "HEAD")
    monkeypatch.setenv("GITHUB_EVENT_NAME", "pull_request_target")
    monkeypatch.setenv("INPUT_DIFF", "off")
    pull_request_target(workspace, "2" * 40, base)
    assert main(["github-action"]) == 2
    refused(capsys, workspace, "with diff: off would scan the base checkout")


def test_a_secondary_rate_limit_is_waited_for_once(workspace: Path, api: FakeApi, capsys: pytest.CaptureFixture) -> None:
    api.status, api.failures, api.headers = 403, 1, {"Retry-After": "0"}
    api.message = "You have exceeded a secondary rate limit"
    assert main(["github-action"]) == 1
    assert [m for m, _, _, _ in api.requests] == ["GET", "GET", "POST"]
    assert "credmint: PR comment created" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("headers", "message", "words"),
    [
        ({"Retry-After": "0"}, "You have exceeded a secondary rate limit", "GitHub's secondary rate limit (retry after 0 s)"),
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1700000000"}, "API rate limit exceeded", "primary rate limit is used up (resets at 1700000000)"),
        ({}, "Resource not accessible by integration", "the token may not write comments (Resource not accessible by integration)"),
    ],
    ids=["secondary", "primary", "read-only-token"],
)
def test_each_403_says_which_it_was(
    workspace: Path, api: FakeApi, capsys: pytest.CaptureFixture, headers: dict, message: str, words: str
) -> None:
    api.status, api.headers, api.message = 403, headers, message
    assert main(["github-action"]) == 1
    out = capsys.readouterr().out
    assert "::warning::credmint: PR comment" in out and words in out
    assert [m for m, _, _, _ in api.requests] == (["GET", "GET"] if "Retry-After" in headers else ["GET"])


def test_a_configured_comment_author_is_the_only_one_edited(
    workspace: Path, api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.comments = [
        {"id": 5, "body": MARKER, "user": {"login": "github-actions[bot]"}},
        {"id": 6, "body": MARKER, "user": {"login": "credmint-app[bot]"}},
    ]
    monkeypatch.setenv("INPUT_COMMENT_AUTHOR", "credmint-app[bot]")
    assert main(["github-action"]) == 1
    assert [(m, p) for m, p, _, _ in api.requests][-1] == ("PATCH", "/repos/octo/infra/issues/comments/6")


def test_a_marker_in_someone_else_s_comment_is_not_ours(workspace: Path, api: FakeApi) -> None:
    api.comments = [{"id": 5, "body": f"{MARKER}\npasses", "user": {"login": "mallory"}}]
    assert main(["github-action"]) == 1
    assert [m for m, _, _, _ in api.requests] == ["GET", "POST"]


def finding(index: int, severity: Severity) -> Finding:
    return Finding(
        rule="CM999", severity=severity, title="t", message=f"m{index}",
        principal=f"p{index}", target="t", source=Source(file="a.tf", line=index + 1),
    )


def test_the_overflow_notice_is_within_the_runner_s_10_notices() -> None:
    subject = SimpleNamespace(diagnostics=(), findings=[finding(i, Severity.LOW) for i in range(15)])
    lines = list(annotations(subject))
    notices = [line for line in lines if line.startswith("::notice")]
    assert len(notices) == 10
    assert notices[-1] == "::notice::6 more credmint annotations not shown; see the job summary"


def test_warnings_leave_room_for_the_comment_s_own() -> None:
    subject = SimpleNamespace(diagnostics=(), findings=[finding(i, Severity.MEDIUM) for i in range(12)])
    assert sum(1 for line in annotations(subject) if line.startswith("::warning")) == 9


@pytest.mark.parametrize("file", ["", "."])
def test_errors_at_no_file_are_annotated_without_a_file(file: str) -> None:
    error = Diagnostic(level=DiagnosticLevel.ERROR, message="no input found", file=file, line=0)
    subject = SimpleNamespace(diagnostics=(error,), findings=[])
    assert list(annotations(subject)) == ["::error title=credmint%3A input error::no input found"]


def test_the_cli_creates_a_missing_output_folder_and_refuses_an_unwritable_one(tmp_path: Path) -> None:
    from cfn_trees import ALICE, run, write_tree

    write_tree(tmp_path / "t", [ALICE])
    assert run(["scan", "--fail-on", "none", "--format", "sarif", "-o", str(tmp_path / "new" / "x.sarif"), str(tmp_path / "t")]) == 0
    assert (tmp_path / "new" / "x.sarif").is_file()
    (tmp_path / "file").write_text("")
    assert run(["scan", "--fail-on", "none", "--format", "sarif", "-o", str(tmp_path / "file" / "x.sarif"), str(tmp_path / "t")]) == 2
