"""Issue 15 §8: action.yml run as a runner runs it (tests/action_runner.py) against a fake GitHub
REST API on 127.0.0.1: first run, second push, fork token, hijack attempt, hostile names, broken
input, missing base. Each attack must fail closed."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator

import pytest

from action_runner import (
    ACTION_DIR,
    BOT,
    FORK_TOKEN,
    WRITE_TOKEN,
    ActionRunner,
    FakeGitHub,
    Run,
)
from credmint.analyzer.reports.markdown import MARKER
from cfn_trees import ACCOUNT, ALICE, PARTNER, git, write_tree

EVIL = 'evil\r| x @admin [l](http://e.example) <b>hi</b> ``` %0A ::error::'




@pytest.fixture
def api() -> Iterator[FakeGitHub]:
    with FakeGitHub() as server:
        yield server


class Pull:
    """A checked-out pull request: the base trusts alice; `push` commits a head and runs."""

    def __init__(self, tmp_path: Path, api: FakeGitHub) -> None:
        self.tmp, self.api = tmp_path, api
        self.repo = tmp_path / "workspace"
        self.repo.mkdir()
        git(self.repo, "init", "-q")
        write_tree(self.repo / "infra", [ALICE])
        git(self.repo, "add", ".")
        git(self.repo, "commit", "-qm", "base")
        self.base = git(self.repo, "rev-parse", "HEAD")
        self.runs = 0

    def push(self, principals: list[str], template: str | None = None) -> str:
        write_tree(self.repo / "infra", principals)
        if template is not None:
            (self.repo / "infra" / "template.yaml").write_text(template, encoding="utf-8")
        git(self.repo, "add", ".")
        git(self.repo, "commit", "-q", "--allow-empty", "-m", f"head {self.runs}")
        return git(self.repo, "rev-parse", "HEAD")

    def run(self, token: str = WRITE_TOKEN, base: str | None = None, **given: str) -> Run:
        self.runs += 1
        head = git(self.repo, "rev-parse", "HEAD")
        event = self.tmp / f"event-{self.runs}.json"
        event.write_text(json.dumps({"pull_request": {
            "number": 7, "base": {"sha": base or self.base}, "head": {"sha": head}}}))
        runner = ActionRunner(self.repo, self.tmp / f"runner-{self.runs}", {
            "token": token,
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(event),
            "GITHUB_REPOSITORY": "octo/infra",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_API_URL": self.api.url,
            "GITHUB_SHA": head,
        })
        return runner.run({"account-id": ACCOUNT, "paths": "infra", **given})


@pytest.fixture
def pull(tmp_path: Path, api: FakeGitHub) -> Pull:
    return Pull(tmp_path, api)


def bot_comments(api: FakeGitHub) -> list[dict]:
    return [c for c in api.comments if c["user"]["login"] == BOT]


def test_first_run_and_second_push_keep_one_comment_updated_in_place(pull: Pull, api: FakeGitHub) -> None:
    head = pull.push([ALICE, PARTNER])
    first = pull.run()
    assert first.failed and first.steps[-1].code == 1
    assert {k: first.outputs[k] for k in ("new-grants", "exit-code", "sarif-file")} == {
        "new-grants": "1", "exit-code": "1", "sarif-file": "credmint.sarif",
    }
    assert [(a.level, a.properties.get("file"), a.properties.get("line")) for a in first.annotations] == [
        ("error", "infra/template.yaml", "14")
    ]
    assert "**1 new credential grant, 0 removed — fails fail-on: high**" in first.summary
    (comment,) = bot_comments(api)
    assert comment["body"].startswith(MARKER) and head in comment["body"]
    assert "working tree" not in comment["body"]
    sarif = json.loads((pull.repo / "credmint.sarif").read_text(encoding="utf-8"))
    assert [r["ruleId"] for r in sarif["runs"][0]["results"]] == ["CM105"]

    second_head = pull.push([ALICE])
    second = pull.run()
    assert not second.failed and second.outputs["exit-code"] == "0"
    assert [c["id"] for c in bot_comments(api)] == [comment["id"]]
    assert second_head in bot_comments(api)[0]["body"]
    assert [m for m, _, _ in api.requests].count("PATCH") == 1


def test_the_install_step_builds_from_a_copy_outside_the_action_folder(pull: Pull) -> None:
    pull.push([ALICE])
    before = sorted(p.name for p in ACTION_DIR.iterdir())
    done = pull.run(comment="off")
    (install,) = [json.loads(line) for line in (pull.tmp / "runner-1" / "pip-install.log").read_text().splitlines()]
    source = Path(install[-1])
    assert done.steps[0].code == 0
    assert not source.is_relative_to(ACTION_DIR) and (source / "pyproject.toml").is_file()
    assert sorted(p.name for p in ACTION_DIR.iterdir()) == before


def test_a_fork_token_loses_only_the_comment(pull: Pull, api: FakeGitHub) -> None:
    pull.push([ALICE, PARTNER])
    done = pull.run(token=FORK_TOKEN)
    assert done.outputs["exit-code"] == "1"
    assert [a.level for a in done.annotations] == ["error", "warning"]
    assert "the token may not write comments (Resource not accessible by integration)" in (
        done.annotations[1].message
    )
    assert "fails fail-on: high" in done.summary and (pull.repo / "credmint.sarif").is_file()
    assert api.comments == []


def test_a_marker_in_another_user_s_comment_is_never_edited(pull: Pull, api: FakeGitHub) -> None:
    planted = api.post("mallory", f"{MARKER}\n**0 new credential grants — passes**")
    pull.push([ALICE, PARTNER])
    pull.run()
    assert planted["body"] == f"{MARKER}\n**0 new credential grants — passes**"
    assert [m for m, _, _ in api.requests] == ["GET", "POST"]
    assert len(bot_comments(api)) == 1


def test_hostile_names_stay_text_everywhere(pull: Pull, api: FakeGitHub) -> None:
    template = (pull.repo / "infra" / "template.yaml")
    pull.push([ALICE, PARTNER])
    text = template.read_text(encoding="utf-8").replace(
        "RoleName: deploy", "RoleName: " + json.dumps(EVIL)
    )
    pull.push([ALICE, PARTNER], template=text)
    done = pull.run()
    assert done.outputs["exit-code"] == "1"
    body = bot_comments(api)[0]["body"]
    for found in (body, done.summary):
        outside = found.split("```mermaid\n", 1)[0]  # GitHub links no @mention in a code block
        assert "\r" not in found and "@admin" not in outside and "](http://e" not in outside
        assert "<b>" not in found and not any(line.startswith("::") for line in found.splitlines())
        header, _, *rows = [line for line in found.splitlines() if line.startswith("| ")] or [""]
        cells = len(re.split(r"(?<!\\)\|", header))
        assert all(len(re.split(r"(?<!\\)\|", row)) == cells for row in rows)
        chart = found.split("```mermaid\n", 1)[1].split("\n```\n", 1)[0]
        node = r'n\d+\["[^"]*"\]'
        edge = r'n\d+ (==>|-->|-\.->)\|"[^"]*"\| n\d+'
        for line in chart.splitlines()[1:]:
            power = r"classDef power_[a-z_]+ [^\n]*|class n\d+(,n\d+)* power_[a-z_]+"
            assert re.fullmatch(rf"  ({node}|{edge}|linkStyle \d+ [^\n]*|{power})", line), line
    assert [a.level for a in done.annotations] == ["error"]
    assert EVIL in done.annotations[0].message  # the workflow command carried it whole, as data


def test_broken_input_fails_closed(pull: Pull) -> None:
    pull.push([ALICE, PARTNER])
    done = pull.run(**{"fail-on": "severe"})
    assert done.failed and done.steps[-1].code == 2
    assert done.outputs["exit-code"] == "2" and done.outputs["sarif-file"] == "credmint.sarif"
    assert [a.level for a in done.annotations] == ["error"]
    assert done.annotations[0].message.startswith("credmint: input fail-on must be one of")
    sarif = json.loads((pull.repo / "credmint.sarif").read_text(encoding="utf-8"))
    assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is False
    assert "**fails: input fail\\-on must be one of" in done.summary


def test_a_missing_base_fails_closed(pull: Pull) -> None:
    pull.push([ALICE, PARTNER])
    done = pull.run(base="0" * 40)
    assert done.steps[-1].code == 2 and done.outputs["exit-code"] == "2"
    assert done.annotations[0].message.startswith(f"credmint: revision '{'0' * 40}' is not in")


def test_an_input_with_a_newline_cannot_set_another_output(pull: Pull) -> None:
    pull.push([ALICE, PARTNER])
    done = pull.run(**{"report-json": "out/report.json\nexit-code=0"})
    assert done.outputs["exit-code"] == "1"
    assert done.outputs["report-json"] == "out/report.json\nexit-code=0"
