"""`credmint github-action`: the Action's entry point (issue 7 §1, §4).

It reads the inputs (`INPUT_*`, passed by action.yml through `env:` only) and the runner's
`GITHUB_*` variables, diffs against the pull request's base (or scans), and then writes: the SARIF
file and the JSON report, the Markdown job summary, `::error file=...,line=...::` annotations
(at most 10 per level, then one notice pointing to the summary), the sticky PR comment, and the
step outputs. A fork's read-only token only costs the comment: a warning, nothing else.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping, Sequence, TextIO, Union

from analyzer.diff import Diff
from analyzer.github_comment import CommentApi, CommentError, CommentRefused
from analyzer.inventory import DiagnosticLevel
from analyzer.model import Certainty, Grant
from analyzer.report import Report
from analyzer.reports import diff_json, json_report, markdown, sarif
from analyzer.rules import Severity

Subject = Union[Report, Diff]
Evaluate = Callable[[Sequence[str]], "tuple[Subject, int]"]

ANNOTATIONS_PER_LEVEL = 10
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
}
DIFF_MODES = ("auto", "base-ref", "prior-state", "off")
COMMENT_MODES = ("off", "update", "new")
EXIT_ERROR = 2


class ActionError(Exception):
    """Inputs that cannot be used; the step fails with exit status 2."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Inputs:
    paths: tuple[str, ...]
    plan_json: str
    account_id: str
    fail_on: str
    diff: str
    base_ref: str
    baseline: str
    sarif_file: str
    report_json: str
    annotations: bool
    summary: bool
    comment: str
    config_file: str
    token: str


def _flag(value: str, name: str) -> bool:
    if value.strip().lower() in ("true", "yes", "1", ""):
        return True
    if value.strip().lower() in ("false", "no", "0"):
        return False
    raise ActionError(f"input {name} must be true or false, got {value!r}")


def read_inputs(env: Mapping[str, str]) -> Inputs:
    def get(name: str, default: str = "") -> str:
        return env.get("INPUT_" + name.upper().replace("-", "_"), "").strip() or default

    inputs = Inputs(
        paths=tuple(get("paths", ".").split()),
        plan_json=get("plan-json"),
        account_id=get("account-id"),
        fail_on=get("fail-on"),
        diff=get("diff", "auto"),
        base_ref=get("base-ref"),
        baseline=get("baseline"),
        sarif_file=get("sarif-file", "credmint.sarif"),
        report_json=get("report-json", "credmint-report.json"),
        annotations=_flag(get("annotations", "true"), "annotations"),
        summary=_flag(get("summary", "true"), "summary"),
        comment=get("comment", "update"),
        config_file=get("config-file"),
        token=get("github-token"),
    )
    if inputs.diff not in DIFF_MODES:
        raise ActionError(f"input diff must be one of {', '.join(DIFF_MODES)}, got {inputs.diff!r}")
    if inputs.comment not in COMMENT_MODES:
        raise ActionError(
            f"input comment must be one of {', '.join(COMMENT_MODES)}, got {inputs.comment!r}"
        )
    return inputs


def read_event(env: Mapping[str, str]) -> dict:
    path = env.get("GITHUB_EVENT_PATH")
    if not path or not Path(path).is_file():
        return {}
    try:
        event = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return event if isinstance(event, dict) else {}


def _pull_request(event: Mapping) -> Mapping:
    pull = event.get("pull_request")
    return pull if isinstance(pull, Mapping) else {}


def base_revision(inputs: Inputs, event: Mapping) -> str | None:
    """What to diff against: the input, else the PR's base SHA; None to scan instead."""
    if inputs.diff == "off":
        return None
    if inputs.diff == "prior-state":
        return "prior-state"
    base = inputs.base_ref or str(_pull_request(event).get("base", {}).get("sha") or "")
    if not base and inputs.diff == "base-ref":
        raise ActionError("diff: base-ref needs input base-ref or a pull_request event")
    return base or None


def command_line(inputs: Inputs, base: str | None) -> list[str]:
    """The CLI arguments: a prior-state diff reads the plan alone, other runs the paths and plan."""
    if base == "prior-state" and not inputs.plan_json:
        raise ActionError("diff: prior-state needs input plan-json")
    argv = ["diff", "--base", base] if base else ["scan"]
    for option, value in (
        ("--account-id", inputs.account_id),
        ("--fail-on", inputs.fail_on),
        ("--config", inputs.config_file),
        ("--baseline", inputs.baseline),
    ):
        if value:
            argv += [option, value]
    if base == "prior-state":
        return [*argv, inputs.plan_json]
    return argv + list(inputs.paths) + ([inputs.plan_json] if inputs.plan_json else [])


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(subject: Subject) -> Iterator[str]:
    """Workflow commands for input errors and findings, worst first, 10 per level at most."""
    diagnostics = (
        subject.analysis.diagnostics if isinstance(subject, Report) else subject.diagnostics
    )
    items = [
        ("error", d.file, d.line, "credmint: input error", d.message)
        for d in diagnostics
        if d.level is DiagnosticLevel.ERROR
    ]
    findings = sorted(subject.findings, key=lambda f: (-f.severity.rank, f.key))
    items += [
        (
            LEVELS[f.severity],
            f.source.file if f.source else "",
            f.source.line if f.source else 0,
            f"{f.rule} {f.title}",
            f.message,
        )
        for f in findings
    ]
    shown: Counter[str] = Counter()
    hidden = 0
    for level, file, line, title, message in items:
        if shown[level] >= ANNOTATIONS_PER_LEVEL:
            hidden += 1
            continue
        shown[level] += 1
        where = f"file={escape_property(file)},line={max(line, 1)}," if file else ""
        yield f"::{level} {where}title={escape_property(title)}::{escape_data(message)}"
    if hidden:
        yield f"::notice::{hidden} more credmint annotations not shown; see the job summary"


def outputs(subject: Subject, code: int, inputs: Inputs) -> dict[str, str]:
    if isinstance(subject, Report):
        grants: Sequence[Grant] = subject.analysis.grants
        new, removed, total, touched = len(grants), 0, len(grants), grants
    else:
        new, removed, total = (
            len(subject.added),
            len(subject.removed),
            len(subject.head.analysis.grants),
        )
        touched = [*subject.added, *(c.after for c in subject.changed)]
    return {
        "new-grants": str(new),
        "removed-grants": str(removed),
        "uncertain": str(sum(1 for g in touched if g.certainty is Certainty.UNCERTAIN)),
        "total-grants": str(total),
        "exit-code": str(code),
        "sarif-file": inputs.sarif_file,
        "report-json": inputs.report_json,
    }


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)


def _link_base(env: Mapping[str, str], event: Mapping) -> str | None:
    sha = str(_pull_request(event).get("head", {}).get("sha") or env.get("GITHUB_SHA", ""))
    server, repository = (
        env.get("GITHUB_SERVER_URL", "https://github.com"),
        env.get("GITHUB_REPOSITORY"),
    )
    return f"{server}/{repository}/blob/{sha}" if repository and sha else None


def _comment(
    env: Mapping[str, str], inputs: Inputs, event: Mapping, body: str, log: TextIO
) -> None:
    number = _pull_request(event).get("number")
    if inputs.comment == "off" or not isinstance(number, int):
        return
    if not inputs.token or not env.get("GITHUB_REPOSITORY"):
        log.write("::warning::credmint: no github-token or repository: PR comment skipped\n")
        return
    try:
        api = CommentApi(
            env.get("GITHUB_API_URL", "https://api.github.com"),
            env["GITHUB_REPOSITORY"],
            inputs.token,
        )
        done = api.publish(number, body, markdown.MARKER, sticky=inputs.comment == "update")
        log.write(f"credmint: PR comment {done}\n")
    except CommentRefused as problem:
        log.write(
            f"::warning::credmint: PR comment not written: {escape_data(str(problem))}; "
            "the job summary and annotations carry the report\n"
        )
    except CommentError as problem:
        log.write(f"::warning::credmint: PR comment failed: {escape_data(str(problem))}\n")


def run(env: Mapping[str, str], evaluate: Evaluate, log: TextIO | None = None) -> int:
    """The Action: analyse, publish everywhere asked, set outputs; returns the CLI's exit status."""
    log = log or sys.stdout
    try:
        inputs = read_inputs(env)
        event = read_event(env)
        subject, code = evaluate(command_line(inputs, base_revision(inputs, event)))
    except Exception as problem:  # the gate fails closed, and says why in the job log
        log.write(f"::error::credmint: {escape_data(str(problem))}\n")
        _append(env.get("GITHUB_OUTPUT"), f"exit-code={EXIT_ERROR}\n")
        return EXIT_ERROR
    Path(inputs.sarif_file).write_text(sarif.render(subject), encoding="utf-8")
    as_json = (
        diff_json.render(subject) if isinstance(subject, Diff) else json_report.render(subject)
    )
    Path(inputs.report_json).write_text(as_json, encoding="utf-8")
    link = _link_base(env, event)
    if inputs.summary:
        _append(
            env.get("GITHUB_STEP_SUMMARY"),
            markdown.render(subject, link_base=link, limit=markdown.SUMMARY_LIMIT),
        )
    if inputs.annotations:
        log.writelines(line + "\n" for line in annotations(subject))
    _comment(
        env,
        inputs,
        event,
        markdown.render(subject, link_base=link, limit=markdown.COMMENT_LIMIT),
        log,
    )
    _append(
        env.get("GITHUB_OUTPUT"),
        "".join(f"{k}={v}\n" for k, v in outputs(subject, code, inputs).items()),
    )
    log.write(f"credmint: {markdown.verdict(subject)}\n")
    return code
