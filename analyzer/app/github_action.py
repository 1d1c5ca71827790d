"""`credmint github-action`: the Action's entry point (issue 7 §1, §4; issue 15).

It reads the inputs (`INPUT_*`, passed by action.yml through `env:` only) and the runner's
`GITHUB_*` variables, diffs against the pull request's base (or scans), and then writes: the SARIF
file and the JSON report, the Markdown job summary, `::error file=...,line=...::` annotations
(at most 10 per type, the overflow notice included), the sticky PR comment, and the step outputs.
A fork's read-only token only costs the comment: a warning, nothing else.

It fails closed on every exit: whatever goes wrong (an unusable input, a path outside the
workspace, a missing base, an exception), the step still writes `exit-code=2`, an `::error::`, a
SARIF log of a failed invocation and the summary. Outputs use `$GITHUB_OUTPUT`'s heredoc form with
a random delimiter, so no value can add a line of its own.
"""

from __future__ import annotations

import json
import secrets
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote
from typing import Callable, Iterator, Mapping, Sequence, TextIO, Union

from dataclasses import replace

from credmint.analyzer.diff import Diff
from credmint.analyzer.app.git_base import current_commit, fetch_commit
from credmint.analyzer.app.github_comment import BOT_LOGIN, CommentApi, CommentError, CommentRefused
from credmint.analyzer.inventory import DiagnosticLevel
from credmint.analyzer.model import Certainty, Grant
from credmint.analyzer.report import Report
from credmint.analyzer.reports import diff_json, json_report, markdown, sarif
from credmint.analyzer.rules import FAIL_ON_CHOICES, Severity
from credmint.analyzer.app.workspace import check_input, workspace, write_inside

Subject = Union[Report, Diff]
Evaluate = Callable[[Sequence[str]], "tuple[Subject, int]"]

ANNOTATIONS_PER_LEVEL = {"error": 10, "warning": 9, "notice": 9}
"""The runner shows 10 annotations of each type per step: one warning is kept for the comment's
own, and one notice for the overflow notice."""
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
}
DIFF_MODES = ("auto", "base-ref", "prior-state", "off")
COMMENT_MODES = ("off", "update", "new")
EXIT_ERROR = 2
DEFAULT_SARIF = "credmint.sarif"
DEFAULT_INVENTORY = "credmint.inventory.json"


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
    trust_head_suppressions: bool = False
    comment_author: str = BOT_LOGIN
    inventory_file: str = DEFAULT_INVENTORY


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
        sarif_file=get("sarif-file", DEFAULT_SARIF),
        report_json=get("report-json", "credmint-report.json"),
        annotations=_flag(get("annotations", "true"), "annotations"),
        summary=_flag(get("summary", "true"), "summary"),
        comment=get("comment", "update"),
        config_file=get("config-file"),
        token=get("github-token"),
        trust_head_suppressions=_flag(
            get("trust-head-suppressions", "false"), "trust-head-suppressions"
        ),
        comment_author=get("comment-author", BOT_LOGIN),
        inventory_file=get("inventory-file", DEFAULT_INVENTORY),
    )
    if inputs.fail_on and inputs.fail_on not in FAIL_ON_CHOICES:
        raise ActionError(
            f"input fail-on must be one of {', '.join(FAIL_ON_CHOICES)}, got {inputs.fail_on!r}"
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


def _base_sha(event: Mapping) -> str:
    """The pull request's base, or a merge queue's (`merge_group.base_sha`): the merge queue's
    commit holds the pull request's own settings file too."""
    group = event.get("merge_group")
    if isinstance(group, Mapping) and group.get("base_sha"):
        return str(group["base_sha"])
    base = _pull_request(event).get("base")
    return str(base.get("sha") or "") if isinstance(base, Mapping) else ""


def base_revision(inputs: Inputs, event: Mapping) -> str | None:
    """What to diff against: the input, else the PR's base SHA; None to scan instead."""
    if inputs.diff == "off":
        return None
    if inputs.diff == "prior-state":
        return "prior-state"
    base = inputs.base_ref or _base_sha(event)
    if not base and inputs.diff == "base-ref":
        raise ActionError("diff: base-ref needs input base-ref or a pull_request event")
    return base or None


def head_revision(env: Mapping[str, str], event: Mapping, base: str | None, root: Path) -> str | None:
    """Under `pull_request_target` the checkout is the base: the head is the PR's head commit,
    read from a temporary worktree (fetched, never run), or the run is refused (issue 15 §5)."""
    if env.get("GITHUB_EVENT_NAME") != "pull_request_target" or base == "prior-state":
        return None
    head = str(_pull_request(event).get("head", {}).get("sha") or "")
    if not head:
        raise ActionError("pull_request_target without pull_request.head.sha: nothing to diff")
    if current_commit(root) == head:
        return None
    if base is None:  # a scan reads the checkout: the base's, not the pull request's
        raise ActionError(
            f"pull_request_target with diff: off would scan the base checkout, not the pull "
            f"request's head {head}: check the head out or let credmint diff it"
        )
    if not fetch_commit(root, head):
        raise ActionError(
            f"pull_request_target: the pull request's head {head} is not checked out and cannot "
            "be fetched; check it out (actions/checkout with ref: the head SHA, fetch-depth: 0) "
            "— credmint refuses to diff the base against itself"
        )
    return head


def settings_revision(inputs: Inputs, event: Mapping, base: str | None, root: Path) -> str | None:
    """A scan (`diff: off`) of a pull request reads the settings, baseline and inline suppressions
    of its base, fetched when missing, or is refused: the head's would let it silence its own
    findings (issue 15 §1). None when there is no pull request, or its head is trusted."""
    if base is not None or inputs.trust_head_suppressions:
        return None
    revision = inputs.base_ref or _base_sha(event)
    if not revision:
        return None
    if not fetch_commit(root, revision):
        raise ActionError(
            f"diff: off on a pull request reads the settings of its base {revision}, which is not "
            "in the clone and cannot be fetched (actions/checkout with fetch-depth: 0), or set "
            "trust-head-suppressions: true"
        )
    return revision


def command_line(
    inputs: Inputs,
    base: str | None,
    head: str | None = None,
    settings_from: str | None = None,
    inventory: Path | None = None,
    source_name: str | None = None,
) -> list[str]:
    """The CLI arguments, every value as `--option=value` and the paths after `--`, so that no
    input can become an option (issue 15 §4). A prior-state diff reads the plan alone. The head's
    inventory goes to `inventory`, named `source_name` (the repository, issue 18)."""
    if base == "prior-state" and not inputs.plan_json:
        raise ActionError("diff: prior-state needs input plan-json")
    argv = ["diff", f"--base={base}"] if base else ["scan"]
    for option, value in (
        ("--head", head),
        ("--settings-from", settings_from),
        ("--export-inventory", inventory),
        ("--source-name", source_name),
        ("--account-id", inputs.account_id),
        ("--fail-on", inputs.fail_on),
        ("--config", inputs.config_file),
        ("--baseline", inputs.baseline),
    ):
        if value:
            argv.append(f"{option}={value}")
    if base and inputs.trust_head_suppressions:
        argv.append("--trust-head-suppressions")
    if base == "prior-state":
        return [*argv, "--", inputs.plan_json]
    return [*argv, "--", *inputs.paths, *([inputs.plan_json] if inputs.plan_json else [])]


def check_inputs(inputs: Inputs, root: Path) -> None:
    """Every path the Action reads resolves inside the workspace, links followed (issue 15 §4)."""
    for what, value in (
        *(("input paths", p) for p in inputs.paths),
        ("input plan-json", inputs.plan_json),
        ("input config-file", inputs.config_file),
        ("input baseline", inputs.baseline),
    ):
        if value:
            check_input(value, what, root)


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotations(subject: Subject) -> Iterator[str]:
    """Workflow commands for input errors and findings, worst first, within the runner's 10 per
    type (`ANNOTATIONS_PER_LEVEL`), then one overflow notice."""
    diagnostics = (
        subject.analysis.diagnostics if isinstance(subject, Report) else subject.diagnostics
    )
    items = [
        ("error", "" if d.file in ("", ".") else d.file, d.line, "credmint: input error", d.message)
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
        if shown[level] >= ANNOTATIONS_PER_LEVEL[level]:
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
        "inventory-file": inputs.inventory_file,
    }


def output_lines(values: Mapping[str, str]) -> str:
    """`$GITHUB_OUTPUT` in its multiline form, `name<<DELIMITER`, with a random delimiter that no
    value contains (GitHub's "workflow commands" page, multiline strings)."""
    out = []
    for name, value in values.items():
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        while delimiter in value:
            delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        out.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    return "".join(out)


def _append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)


def _head_sha(env: Mapping[str, str], event: Mapping) -> str:
    return str(_pull_request(event).get("head", {}).get("sha") or env.get("GITHUB_SHA", ""))


def _link_base(env: Mapping[str, str], event: Mapping) -> str | None:
    sha = _head_sha(env, event)
    server, repository = (
        env.get("GITHUB_SERVER_URL", "https://github.com"),
        env.get("GITHUB_REPOSITORY"),
    )
    if not repository or not sha:
        return None
    return f"{server}/{quote(repository, safe='/')}/blob/{quote(sha, safe='')}"


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
            author=inputs.comment_author,
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
    """The Action: analyse, publish everywhere asked, set outputs; returns the CLI's exit status.
    Any failure on the way still leaves the step's outputs, SARIF and summary (fail closed)."""
    log = log or sys.stdout
    try:
        return _publish(env, evaluate, log)
    except BaseException as problem:  # noqa: BLE001 (argparse's SystemExit included): fail closed
        if isinstance(problem, KeyboardInterrupt):
            raise
        return _failed(env, log, _why(problem))


def _why(problem: BaseException) -> str:
    if isinstance(problem, SystemExit):
        return "the command line built from the inputs was refused (see the log above)"
    return str(problem) or type(problem).__name__


def _publish(env: Mapping[str, str], evaluate: Evaluate, log: TextIO) -> int:
    root = workspace(env)
    inputs = read_inputs(env)
    check_inputs(inputs, root)
    event = read_event(env)
    base = base_revision(inputs, event)
    head = head_revision(env, event, base, root)
    settings_from = settings_revision(inputs, event, base, root)
    with tempfile.TemporaryDirectory(prefix="credmint-") as private:
        # the CLI writes the export outside the workspace; it is then written inside it as every
        # output is, never through a link the pull request committed
        exported = Path(private) / "inventory.json"
        argv = command_line(inputs, base, head, settings_from, exported, env.get("GITHUB_REPOSITORY"))
        subject, code = evaluate(argv)
        inventory = exported.read_text(encoding="utf-8") if exported.is_file() else None
    if inventory is None:
        raise ActionError("the inventory of the head was not exported")
    write_inside(inputs.inventory_file, inventory, root)
    if isinstance(subject, Diff) and _head_sha(env, event):
        subject = replace(subject, head_ref=_head_sha(env, event))
    write_inside(inputs.sarif_file, sarif.render(subject), root)
    as_json = (
        diff_json.render(subject) if isinstance(subject, Diff) else json_report.render(subject)
    )
    write_inside(inputs.report_json, as_json, root)
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
    _append(env.get("GITHUB_OUTPUT"), output_lines(outputs(subject, code, inputs)))
    log.write(f"credmint: {escape_data(markdown.verdict(subject))}\n")
    return code


def _failed(env: Mapping[str, str], log: TextIO, why: str) -> int:
    """The failure path: an `::error::`, a failed-invocation SARIF, the summary, exit-code=2."""
    log.write(f"::error::credmint: {escape_data(why)}\n")
    root = workspace(env)
    written = ""
    given = env.get("INPUT_SARIF_FILE", "").strip()
    for candidate in dict.fromkeys([given or DEFAULT_SARIF, DEFAULT_SARIF]):
        try:
            write_inside(candidate, sarif.render_failure(why), root)
        except Exception:  # noqa: BLE001 (a refused path: try the default, else none)
            continue
        written = candidate
        break
    try:
        _append(env.get("GITHUB_STEP_SUMMARY"), markdown.render_failure(why))
    except OSError:
        pass
    _append(
        env.get("GITHUB_OUTPUT"),
        output_lines(
            {"exit-code": str(EXIT_ERROR), "sarif-file": written, "report-json": "", "inventory-file": ""}
        ),
    )
    return EXIT_ERROR
