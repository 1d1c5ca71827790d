"""`--format text`: a readable listing grouped by principal, fit for an 80-column terminal."""

from __future__ import annotations

import textwrap
from itertools import groupby

from analyzer.inventory import render as render_value
from analyzer.model import Grant
from analyzer.power import Power
from analyzer.report import Report
from analyzer.session_tokens import session_tokens

INDENT = "    "
WIDTH = 80


def _fit(line: str) -> list[str]:
    """A long line wrapped to 80 columns under its own indentation (issue 7 §9)."""
    if len(line) <= WIDTH:
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    return textwrap.wrap(line.strip(), WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False)


def _condition(grant: Grant) -> list[str]:
    return [
        f"{c.operator} {c.key} = {', '.join(render_value(v) for v in c.values)}" for c in grant.conditions
    ]


def _grant_lines(grant: Grant, power: Power | None = None) -> list[str]:
    lines = [f"  {grant.action.value} -> {grant.target}", f"{INDENT}certainty: {grant.certainty.value}"]
    if power is not None:
        lines.append(f"{INDENT}power: {power.summary}")
    lines += [f"{INDENT}if: {text}" for text in _condition(grant)]
    if grant.excepted:
        lines.append(f"{INDENT}except: {', '.join(grant.excepted)}")
    lines += [f"{INDENT}why: {reason}" for reason in grant.reasons]
    if grant.sources:
        lines.append(f"{INDENT}at: {', '.join(str(s) for s in grant.sources)}")
    return lines


def render(report: Report) -> str:
    analysis = report.analysis
    principals = {p.id: p for p in analysis.principals}
    account = report.account_id or "not given (--account-id)"
    out = [
        f"credmint: {len(analysis.grants)} grants to "
        f"{len({g.principal for g in analysis.grants})} principals; account {account}",
        "",
    ]
    tokens = session_tokens(analysis)
    if tokens.users:
        out[1:1] = [tokens.line]
    for principal_id, grants in groupby(analysis.grants, key=lambda g: g.principal):
        principal = principals.get(principal_id)
        label = principal_id
        if principal is not None:
            where = f", {principal.source}" if principal.source else ""
            label += f"  ({principal.type.value}{where})"
        out.append(label)
        for grant in grants:
            out += _grant_lines(grant, analysis.powers.get(grant.target))
        out.append("")
    if analysis.paths:
        out.append("Role chains:")
        for path in analysis.paths:
            out.append(f"  {path.principal}")
            out += [f"{INDENT}-> {hop.target} ({hop.action.value})" for hop in path.hops]
        out.append("")
    if analysis.service_paths:
        out.append("Through services (iam:PassRole and a launch call; not grants):")
        for found in analysis.service_paths:
            out.append(f"  {found.principal}")
            out.append(f"{INDENT}-> {found.role} via {found.service} ({', '.join(found.actions)}), {found.certainty.value}")
        out.append("")
    if report.findings:
        out.append("Findings:")
        for finding in report.findings:
            out.append(f"  [{finding.severity.value}] {finding.rule} {finding.title}: {finding.message}")
            out.append(f"{INDENT}at: {finding.source}")
        out.append("")
    if report.suppressed:
        out.append(f"Suppressed findings ({len(report.suppressed)}):")
        for s in report.suppressed:
            f = s.finding
            out.append(f"  {f.rule} {f.principal} -> {f.target}: {s.reason} ({s.origin})")
        out.append("")
    if analysis.diagnostics:
        out.append("Diagnostics:")
        for d in analysis.diagnostics:
            out.append(f"  {d.level.value}: {d.file}:{d.line}: {d.message}")
        out.append("")
    return "\n".join(wrapped for line in out for wrapped in _fit(line))
