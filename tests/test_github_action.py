"""`credmint github-action` (issue 7 §1, §4): driven with a fake GITHUB_* environment, event
payload, output and summary files, and a local fake REST API (including a fork's 403)."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from credmint.analyzer.app.cli import main
from credmint.analyzer.app.github_action import escape_data, escape_property
from credmint.analyzer.reports.markdown import MARKER, text
from cfn_trees import ACCOUNT, ADMIN, ALICE, DEPLOY, PARTNER, git, write_tree

CM105_MESSAGE = (
    f"{DEPLOY} trusts {PARTNER} of account 222222222222, which is not in trusted_accounts, "
    "without sts:ExternalId or aws:PrincipalOrgID"
)


class FakeApi(ThreadingHTTPServer):
    """GitHub's issue-comment endpoints, recording every request; `status` forces an answer."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.requests: list[tuple[str, str, str, dict | None]] = []
        self.comments: list[dict] = []
        self.status: int | None = None
        self.failures: int | None = None
        """How many answers `status` applies to (None: all)."""
        self.headers: dict[str, str] = {}
        self.message = "Resource not accessible by integration"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: FakeApi
    timeout = 10

    def _answer(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.server.requests.append(
            (self.command, self.path, self.headers.get("Authorization", ""), body)
        )
        if self.server.status is not None and self.server.failures != 0:
            if self.server.failures is not None:
                self.server.failures -= 1
            self._answer(self.server.status, {"message": self.server.message}, self.server.headers)
        elif self.command == "GET":
            self._answer(200, self.server.comments)
        elif self.command == "POST":
            self._answer(201, {"id": 1, **(body or {})})
        else:
            self._answer(200, {"id": 99, **(body or {})})

    do_GET = do_POST = do_PATCH = _handle

    def log_message(self, *args: object) -> None:
        """Quiet: the test asserts on the recorded requests."""


@pytest.fixture
def api() -> Iterator[FakeApi]:
    server = FakeApi()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, api: FakeApi) -> Path:
    """A checked-out PR: the base commit trusts alice, the head adds the partner account."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    write_tree(repo / "infra", [ALICE])
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "base")
    base = git(repo, "rev-parse", "HEAD")
    write_tree(repo / "infra", [ALICE, PARTNER])
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": 7, "base": {"sha": base}, "head": {"sha": "f00d"}}})
    )
    monkeypatch.chdir(repo)
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "INPUT_", "CREDMINT_")):
            monkeypatch.delenv(name)
    env = {
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_REPOSITORY": "octo/infra",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_API_URL": api.url,
        "GITHUB_SHA": "beef",
        "GITHUB_WORKSPACE": str(repo),
        "GITHUB_EVENT_NAME": "pull_request",
        "INPUT_PATHS": "infra",
        "INPUT_ACCOUNT_ID": ACCOUNT,
        "INPUT_SARIF_FILE": "out/credmint.sarif",
        "INPUT_REPORT_JSON": "out/credmint.json",
        "INPUT_GITHUB_TOKEN": "token-123",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def outputs(workspace: Path) -> dict[str, str]:
    """`$GITHUB_OUTPUT` read as the runner reads it: `name<<DELIMITER` blocks only."""
    lines = iter((workspace / "output.txt").read_text(encoding="utf-8").splitlines())
    found = {}
    for line in lines:
        name, delimiter = line.split("<<", 1)
        value = []
        for body in lines:
            if body == delimiter:
                break
            value.append(body)
        found[name] = "\n".join(value)
    return found


def test_a_pull_request_diff_sets_outputs_summary_annotations_and_comment(
    workspace: Path, api: FakeApi, capsys: pytest.CaptureFixture
) -> None:
    assert main(["github-action"]) == 1
    assert outputs(workspace) == {
        "new-grants": "1",
        "removed-grants": "0",
        "uncertain": "1",
        "total-grants": "4",
        "exit-code": "1",
        "sarif-file": "out/credmint.sarif",
        "report-json": "out/credmint.json",
        "inventory-file": "credmint.inventory.json",
    }
    summary = (workspace / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith(MARKER + "\n")
    assert "**1 new credential grant, 0 removed — fails fail-on: high**" in summary
    assert (
        f"[{text('infra/template.yaml:14')}](https://github.com/octo/infra/blob/f00d/infra/template.yaml#L14)"
        in summary
    )
    stdout = capsys.readouterr().out.splitlines()
    assert stdout[0] == (
        "::error file=infra/template.yaml,line=14,"
        "title=CM105 Cross-account trust without ExternalId or organisation condition::"
        + CM105_MESSAGE
    )
    assert stdout[-2:] == [
        "credmint: PR comment created",
        "credmint: 1 new credential grant, 0 removed — fails fail-on: high",
    ]
    diff = json.loads((workspace / "repo" / "out" / "credmint.json").read_text(encoding="utf-8"))
    assert [(g["principal"], g["target"]) for g in diff["added"]] == [(PARTNER, DEPLOY)]
    sarif = json.loads((workspace / "repo" / "out" / "credmint.sarif").read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["CM105"]
    assert [(m, p, auth) for m, p, auth, _ in api.requests] == [
        ("GET", "/repos/octo/infra/issues/7/comments?per_page=100&page=1", "Bearer token-123"),
        ("POST", "/repos/octo/infra/issues/7/comments", "Bearer token-123"),
    ]
    body = api.requests[1][3]["body"]
    assert body.startswith(MARKER) and len(body) < 60_000


def test_the_comment_is_sticky(workspace: Path, api: FakeApi) -> None:
    api.comments = [
        {"id": 5, "body": "another bot", "user": {"login": "other[bot]"}},
        {"id": 99, "body": f"{MARKER}\nold report", "user": {"login": "github-actions[bot]"}},
    ]
    assert main(["github-action"]) == 1
    assert [(m, p) for m, p, _, _ in api.requests] == [
        ("GET", "/repos/octo/infra/issues/7/comments?per_page=100&page=1"),
        ("PATCH", "/repos/octo/infra/issues/comments/99"),
    ]


def test_comment_new_always_posts(
    workspace: Path, api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.comments = [{"id": 99, "body": MARKER, "user": {"login": "github-actions[bot]"}}]
    monkeypatch.setenv("INPUT_COMMENT", "new")
    assert main(["github-action"]) == 1
    assert [(m, p) for m, p, _, _ in api.requests] == [
        ("POST", "/repos/octo/infra/issues/7/comments")
    ]


def test_a_fork_token_403_is_a_warning_and_keeps_summary_and_annotations(
    workspace: Path, api: FakeApi, capsys: pytest.CaptureFixture
) -> None:
    api.status = 403
    assert main(["github-action"]) == 1
    stdout = capsys.readouterr().out
    assert (
        "::warning::credmint: PR comment not written: HTTP 403 from GET "
        "/issues/7/comments?per_page=100&page=1: the token may not write comments "
        "(Resource not accessible by integration)"
    ) in stdout
    assert "::error file=infra/template.yaml,line=14," in stdout
    assert "fails fail-on: high" in (workspace / "summary.md").read_text(encoding="utf-8")
    assert outputs(workspace)["exit-code"] == "1"


def test_comment_off_and_diff_off_scan_without_any_request(
    workspace: Path, api: FakeApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INPUT_COMMENT", "off")
    monkeypatch.setenv("INPUT_DIFF", "off")
    monkeypatch.setenv("INPUT_FAIL_ON", "none")
    assert main(["github-action"]) == 0
    assert api.requests == []
    assert outputs(workspace) | {"sarif-file": "", "report-json": "", "inventory-file": ""} == {
        "new-grants": "4",
        "removed-grants": "0",
        "uncertain": "1",
        "total-grants": "4",
        "exit-code": "0",
        "sarif-file": "",
        "report-json": "",
        "inventory-file": "",
    }
    assert "grants" in json.loads((workspace / "repo" / "out" / "credmint.json").read_text(encoding="utf-8"))


def test_annotations_are_capped_at_10_per_level_with_a_notice(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    accounts = [f"arn:aws:iam::{300000000000 + i}:root" for i in range(12)]
    write_tree(workspace / "repo" / "infra", [ALICE, *accounts])
    monkeypatch.setenv("INPUT_COMMENT", "off")
    assert main(["github-action"]) == 1
    stdout = capsys.readouterr().out.splitlines()
    assert sum(1 for line in stdout if line.startswith("::error ")) == 10
    assert "::notice::2 more credmint annotations not shown; see the job summary" in stdout


def test_unusable_inputs_fail_closed_with_exit_code_2(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("INPUT_DIFF", "sometimes")
    assert main(["github-action"]) == 2
    assert capsys.readouterr().out.startswith("::error::credmint: input diff must be one of")
    assert outputs(workspace) == {
        "exit-code": "2",
        "sarif-file": "out/credmint.sarif",
        "report-json": "",
        "inventory-file": "",
    }


def test_a_base_missing_from_a_shallow_checkout_fails_closed(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("INPUT_BASE_REF", "0" * 40)
    assert main(["github-action"]) == 2
    assert f"::error::credmint: revision '{'0' * 40}' is not in the repository" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("raw", "data", "prop"),
    [
        ("a%b", "a%25b", "a%25b"),
        ("line\nnext\r", "line%0Anext%0D", "line%0Anext%0D"),
        ("x:y,z", "x:y,z", "x%3Ay%2Cz"),
    ],
)
def test_workflow_command_escaping(raw: str, data: str, prop: str) -> None:
    assert (escape_data(raw), escape_property(raw)) == (data, prop)


PLAN = Path(__file__).resolve().parents[1] / "fixtures" / "terraform_plan" / "modules" / "plan.json"


def test_prior_state_diffs_the_plan_input(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INPUT_DIFF", "prior-state")
    (workspace / "repo" / "plan.json").write_bytes(PLAN.read_bytes())
    monkeypatch.setenv("INPUT_PLAN_JSON", "plan.json")
    monkeypatch.setenv("INPUT_COMMENT", "off")
    assert main(["github-action"]) == 0
    assert {k: v for k, v in outputs(workspace).items() if k.endswith("grants")} == {
        "new-grants": "4",
        "removed-grants": "1",
        "total-grants": "5",
    }


def test_prior_state_without_a_plan_fails_closed(
    workspace: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("INPUT_DIFF", "prior-state")
    assert main(["github-action"]) == 2
    assert "::error::credmint: diff: prior-state needs input plan-json" in capsys.readouterr().out


def test_the_heads_inventory_is_written_for_the_organisations_merged_scan(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 18 §3: the head's inventory, named by the repository, inside the workspace."""
    from credmint.analyzer.inventory import render
    from credmint.analyzer.inventory_json import loads

    monkeypatch.setenv("INPUT_COMMENT", "off")
    monkeypatch.setenv("INPUT_INVENTORY_FILE", "out/infra.inventory.json")
    assert main(["github-action"]) == 1
    assert outputs(workspace)["inventory-file"] == "out/infra.inventory.json"
    data = (workspace / "repo" / "out" / "infra.inventory.json").read_bytes()
    assert json.loads(data)["source_name"] == "octo/infra"
    inventory = loads(data, file="infra.inventory.json")
    assert {render(r.arn) for r in inventory.roles} == {DEPLOY, ADMIN}
    assert {r.source.file for r in inventory.roles} == {"octo/infra:infra/template.yaml"}
