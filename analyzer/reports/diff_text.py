"""`diff --format text`: what the change adds, removes and changes, readable at 80 columns.

Colour (green added, red removed) only when asked: the CLI asks on a terminal without NO_COLOR.
"""

from __future__ import annotations

import textwrap

from credmint.analyzer.diff import ADDED_TITLE, Diff
from credmint.analyzer.model import Grant
from credmint.analyzer.reports import plain

WIDTH = 80
GREEN, RED, YELLOW, RESET = "\033[32m", "\033[31m", "\033[33m", "\033[0m"


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        plain.line(text),
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_long_words=True,
        break_on_hyphens=False,
    ) or [indent]


def _paint(lines: list[str], colour: str, color: bool) -> list[str]:
    return [f"{colour}{line}{RESET}" for line in lines] if color else lines


def _grant(mark: str, grant: Grant, detail: str) -> list[str]:
    lines = _wrap(f"{mark} {grant.principal}", "")
    lines += _wrap(f"{grant.action.value} -> {grant.target} ({detail})", "    ")
    lines += (
        _wrap("at: " + ", ".join(str(s) for s in grant.sources), "    ") if grant.sources else []
    )
    return lines


def verdict(diff: Diff) -> str:
    counts = f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed"
    return f"credmint diff: {counts}"


def render(diff: Diff, *, color: bool = False) -> str:
    out = _wrap(f"{verdict(diff)} (base {diff.base_ref}, head {diff.head_ref})", "") + [""]
    if diff.added_suppressions:
        out += [f"{ADDED_TITLE} ({len(diff.added_suppressions)}):"]
        for s in diff.added_suppressions:
            out += _wrap(
                f"{s.finding.rule} {s.finding.principal} -> {s.finding.target}: {s.reason} "
                f"({s.origin})",
                "  ",
            )
        out += [""]
    for grant in diff.added:
        out += _paint(_grant("+", grant, grant.certainty.value), GREEN, color)
    for grant in diff.removed:
        out += _paint(_grant("-", grant, grant.certainty.value), RED, color)
    for change in diff.changed:
        detail = f"{change.before.certainty.value} -> {change.after.certainty.value}"
        out += _paint(_grant("~", change.after, detail), YELLOW, color)
    if diff.added_paths:
        out += ["", "New role chains:"]
        for path in diff.added_paths:
            out += _wrap(" -> ".join([path.principal, *(h.target for h in path.hops)]), "  ")
    if diff.findings:
        out += ["", "Findings this change introduces:"]
        for f in diff.findings:
            out += _wrap(f"[{f.severity.value}] {f.rule} {f.message} ({f.source})", "  ")
    if diff.suppressed:
        out += ["", f"Suppressed findings: {len(diff.suppressed)}"]
        for s in diff.suppressed:
            out += _wrap(
                f"{s.finding.rule} {s.finding.principal} -> {s.finding.target}: {s.reason}", "  "
            )
    if diff.diagnostics:
        out += ["", "Diagnostics:"]
        for d in diff.diagnostics:
            out += _wrap(f"{d.level.value}: {d.file}:{d.line}: {d.message}", "  ")
    return plain.guarded("\n".join(out) + "\n")
