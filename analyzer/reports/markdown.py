"""`--format markdown`: the PR comment and job summary (issue 7 §2), for a scan or a diff.

A one-line verdict, a table of the (changed) grants with the lines that cause them, the findings,
the suppressed findings (counted and listed, never dropped), diagnostics, and a collapsed Mermaid
graph of the changed edges capped under GitHub's limits. The hidden marker lets the Action find
and update its own comment. The document is trimmed (graph first, then list lengths) to fit
`limit` bytes: under 60,000 for a comment, 1 MiB for a step summary.
"""

from __future__ import annotations

from typing import Iterable, Sequence, Union
from urllib.parse import quote

from credmint.analyzer.diff import ADDED_TITLE, Diff
from credmint.analyzer.inventory import DiagnosticLevel, Source
from credmint.analyzer.model import Grant
from credmint.analyzer.power import Power
from credmint.analyzer.report import Report
from credmint.analyzer.session_tokens import session_tokens
from credmint.analyzer.reports.edges import powers_of, select_edges
from credmint.analyzer.reports.mermaid import render_edges
from credmint.analyzer.reports.summary import uncertainty_groups
from credmint.analyzer.rules import Finding, at_or_above
from credmint.analyzer.suppressions import SuppressedFinding

MARKER = "<!-- credmint-report -->"
COMMENT_LIMIT = 60_000
SUMMARY_LIMIT = 1024 * 1024
MERMAID_MAX_EDGES = 500
MERMAID_MAX_CHARS = 50_000
CAPS: tuple[int | None, ...] = (None, 1000, 500, 200, 100, 50, 20, 10, 0)
SOURCES_PER_ROW = 3
PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?[\\]^_`{|}~")

Subject = Union[Report, Diff]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def text(value: str) -> str:
    """Any string from a template or a run, made inert Markdown: the one escape of this format.

    Line breaks and other control characters become spaces (a `\\r` or `\\n` would end a table
    row or leave a block); every ASCII punctuation mark is backslash-escaped (no link, image,
    emphasis, HTML, autolink, table cell or code span can start); `@` is followed by a zero-width
    space, as Dependabot and Renovate do, so that no one is mentioned (issue 15 §3)."""
    out = []
    for char in value:
        if not char.isprintable():
            out.append(" ")
        elif char == "@":
            out.append("\\@&#8203;")
        elif char in PUNCTUATION:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def _code(value: str) -> str:
    """An identity in code style: inline HTML `<code>` keeps the escapes (a code span would not)."""
    return f"<code>{text(value)}</code>"


def _where(source: Source, link_base: str | None) -> str:
    label = text(str(source))
    if not link_base:
        return label
    return f"[{label}]({link_base.rstrip('/')}/{quote(source.file)}#L{source.line})"


def _gate(subject: Subject) -> str:
    report = subject if isinstance(subject, Report) else subject.head
    diagnostics = (
        report.analysis.diagnostics if isinstance(subject, Report) else subject.diagnostics
    )
    errors = sum(1 for d in diagnostics if d.level is DiagnosticLevel.ERROR)
    if errors:
        return f"fails: {_plural(errors, 'input error')}"
    if any(at_or_above(f.severity, report.fail_on) for f in subject.findings):
        return f"fails fail-on: {report.fail_on}"
    return f"passes fail-on: {report.fail_on}"


def verdict(subject: Subject) -> str:
    """One line: "2 new credential grants, 0 removed — fails fail-on: high"."""
    if isinstance(subject, Report):
        grants = len(subject.analysis.grants)
        head = f"{_plural(grants, 'credential grant')}, {_plural(len(subject.findings), 'finding')}"
    else:
        head = (
            f"{_plural(len(subject.added), 'new credential grant')}, {len(subject.removed)} removed"
        )
        if subject.changed:
            head += f", {len(subject.changed)} changed"
    return f"{head} — {_gate(subject)}"


def _severity(grant: Grant, findings: Sequence[Finding]) -> str:
    mine = [f for f in findings if (f.principal, f.target) == (grant.principal, grant.target)]
    if not mine:
        return "—"
    worst = max(mine, key=lambda f: f.severity.rank)
    return f"{worst.severity.value} ({', '.join(sorted({f.rule for f in mine}))})"


def _row(
    change: str | None, grant: Grant, certainty: str, findings: Sequence[Finding], link: str | None,
    power: Power | None = None,
) -> str:
    sources = ", ".join(_where(s, link) for s in grant.sources[:SOURCES_PER_ROW])
    if len(grant.sources) > SOURCES_PER_ROW:
        sources += f" (+{len(grant.sources) - SOURCES_PER_ROW})"
    cells = [
        _code(grant.principal),
        _code(grant.target),
        grant.action.value.removeprefix("sts:"),
        certainty,
        _severity(grant, findings),
        text(power.summary) if power is not None else "—",
        sources or "—",
    ]
    return "| " + " | ".join(([change] if change else []) + cells) + " |"


def _rows(subject: Subject, link: str | None) -> tuple[list[str], list[str]]:
    columns = ["who", "can mint for", "how", "certainty", "severity", "power", "file:line"]
    if isinstance(subject, Report):
        powers = subject.analysis.powers
        rows = [
            _row(None, g, g.certainty.value, subject.findings, link, powers.get(g.target))
            for g in subject.analysis.grants
        ]
        return columns, rows
    findings = subject.findings
    powers, before = subject.head.analysis.powers, subject.base.analysis.powers
    rows = [_row("added", g, g.certainty.value, findings, link, powers.get(g.target)) for g in subject.added]
    # A removed grant's lines are the base's: a link to the head's blob would point elsewhere.
    rows += [_row("removed", g, g.certainty.value, findings, None, before.get(g.target)) for g in subject.removed]
    rows += [
        _row(
            "changed",
            c.after,
            f"{c.before.certainty.value} → {c.after.certainty.value}",
            findings,
            link,
            powers.get(c.after.target),
        )
        for c in subject.changed
    ]
    return ["change", *columns], rows


def _capped(lines: list[str], cap: int | None, what: str) -> list[str]:
    if cap is None or len(lines) <= cap:
        return lines
    return lines[:cap] + [f"\n_… {len(lines) - cap} more {what} not shown: see the full report._"]


def _section(title: str, lines: list[str], cap: int | None, what: str) -> list[str]:
    return ["", f"#### {title}", "", *_capped(lines, cap, what)] if lines else []


def _finding_line(finding: Finding, link: str | None) -> str:
    where = f" — {_where(finding.source, link)}" if finding.source else ""
    return f"- **{finding.severity.value}** {finding.rule} {text(finding.message)}{where}"


def _suppressed_line(s: SuppressedFinding) -> str:
    expires = f", expires {s.expires}" if s.expires else ""
    return (
        f"- {text(s.finding.rule)} {_code(s.finding.principal)} → {_code(s.finding.target)}: "
        f"{text(s.reason)} ({text(s.origin + expires)})"
    )


def _uncertain_lines(subject: Subject) -> list[str]:
    """Uncertain grants (the diff's added and changed ones) grouped under the unknown deciding them."""
    grants = subject.analysis.grants if isinstance(subject, Report) else (
        *subject.added, *(c.after for c in subject.changed))
    return [
        f"- {text(group.cause)}: {_plural(len(group.grants), 'grant')} "
        f"({', '.join(_code(g.principal + ' → ' + g.target) for g in group.grants[:3])}"
        f"{', …' if len(group.grants) > 3 else ''}); decided by {_code(group.decider)}"
        for group in uncertainty_groups(grants)
    ]


def _graph(subject: Subject) -> list[str]:
    edges = select_edges(subject)
    if not edges:
        return []
    title = "Graph of the changed grants" if isinstance(subject, Diff) else "Graph of the grants"
    chart = render_edges(edges, max_edges=MERMAID_MAX_EDGES, max_chars=MERMAID_MAX_CHARS, powers=powers_of(subject))
    return [
        "",
        f"<details><summary>{title} ({_plural(len(edges), 'edge')})</summary>",
        "",
        "```mermaid",
        chart.rstrip("\n"),
        "```",
        "",
        "</details>",
    ]


def _document(subject: Subject, link: str | None, cap: int | None, with_graph: bool) -> str:
    columns, rows = _rows(subject, link)
    out = [MARKER, "### credmint: who can mint AWS credentials", "", f"**{verdict(subject)}**"]
    tokens = session_tokens((subject if isinstance(subject, Report) else subject.head).analysis)
    if tokens.users:
        out += ["", text(tokens.line) + "."]
    if isinstance(subject, Diff):
        out += [
            "",
            f"Base {_code(subject.base_ref)} ({_plural(len(subject.base.analysis.grants), 'grant')}), "
            f"head {_code(subject.head_ref)} ({_plural(len(subject.head.analysis.grants), 'grant')}).",
        ]
    if isinstance(subject, Diff):
        added = [_suppressed_line(s) for s in subject.added_suppressions]
        out += _section(f"{ADDED_TITLE} ({len(added)})", added, cap, "suppressions")
    if rows:
        table = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns), *rows]
        out += ["", *_capped(table, None if cap is None else cap + 2, "grants")]
    if isinstance(subject, Diff):
        chains = [
            f"- {_code(' → '.join([p.principal, *(h.target for h in p.hops)]))}"
            for p in subject.added_paths
        ]
        out += _section("New role chains", chains, cap, "chains")
    out += _section("Uncertain, by what would decide them", _uncertain_lines(subject), cap, "unknowns")
    title = "Findings this change introduces" if isinstance(subject, Diff) else "Findings"
    out += _section(title, [_finding_line(f, link) for f in subject.findings], cap, "findings")
    suppressed = [_suppressed_line(s) for s in subject.suppressed]
    out += _section(
        f"Suppressed findings ({len(suppressed)})", suppressed, cap, "suppressed findings"
    )
    diagnostics = (
        subject.analysis.diagnostics if isinstance(subject, Report) else subject.diagnostics
    )
    notes = [f"- {d.level.value}: {text(f'{d.file}:{d.line}')}: {text(d.message)}" for d in diagnostics]
    out += _section("Diagnostics", notes, cap, "diagnostics")
    if with_graph:
        out += _graph(subject)
    return "\n".join(out) + "\n"


def _fitting(documents: Iterable[str], limit: int) -> str:
    last = ""
    for document in documents:
        last = document
        if len(document.encode("utf-8")) < limit:
            return document
    return last.encode("utf-8")[: limit - 1].decode("utf-8", "ignore")


def render(subject: Subject, *, link_base: str | None = None, limit: int = COMMENT_LIMIT) -> str:
    """The Markdown report, under `limit` bytes; `link_base` makes file:line links (blob URL)."""
    shapes = [(None, True), *((cap, False) for cap in CAPS)]
    candidates = (_document(subject, link_base, cap, graph) for cap, graph in shapes)
    return _fitting(candidates, limit)


def render_failure(why: str) -> str:
    """The summary of a run that could not analyse: the verdict is a failure and says why."""
    return "\n".join(
        [MARKER, "### credmint: who can mint AWS credentials", "", f"**fails: {text(why)}**", ""]
    )
