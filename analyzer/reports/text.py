"""`--format text`: the answer first, for a terminal or a job log (issue 16).

A summary (grants, findings by severity, what is uncertain and why, counts of what is left out),
then the findings, then who can mint what as a compact table grouped by target, then uncertain
grants grouped under the unknown that would decide them. Reasons, conditions, sources, every
service path and info diagnostic only with `--verbose`. Lines fit 80 columns; colour only when
asked (the CLI asks on a terminal without NO_COLOR).
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from itertools import groupby

from credmint.analyzer.inventory import DiagnosticLevel
from credmint.analyzer.inventory import render as render_value
from credmint.analyzer.model import Action, Grant, PrincipalType
from credmint.analyzer.report import Report
from credmint.analyzer.reports import plain
from credmint.analyzer.reports.summary import (
    SEVERITIES,
    minting_grants,
    service_paths_by_role,
    severity_counts,
    short_id,
    uncertainty_groups,
)
from credmint.analyzer.rules import Severity, at_or_above
from credmint.analyzer.session_tokens import session_tokens

INDENT = "    "
WIDTH = 80
RED, YELLOW, BOLD, DIM, RESET = "\033[31m", "\033[33m", "\033[1m", "\033[2m", "\033[0m"
COLOURS = {Severity.CRITICAL: RED + BOLD, Severity.HIGH: RED, Severity.MEDIUM: YELLOW, Severity.LOW: DIM}
SHOWN_PER_GROUP = 3
"""Roles listed for each service without --verbose; the rest are counted."""


def _fit(line: str) -> list[str]:
    """A long line wrapped to 80 columns under its own indentation."""
    if len(line) <= WIDTH:
        return [line]
    indent = line[: len(line) - len(line.lstrip())]
    return textwrap.wrap(line.strip(), WIDTH, initial_indent=indent, subsequent_indent=indent + "  ",
                         break_on_hyphens=False)


class _Lines:
    def __init__(self, color: bool) -> None:
        self.lines: list[str] = []
        self.color = color

    def add(self, line: str = "", colour: str = "") -> None:
        for wrapped in _fit(plain.line(line)) or [""]:
            self.lines.append(f"{colour}{wrapped}{RESET}" if colour and self.color else wrapped)


def render(report: Report, *, verbose: bool = False, color: bool = False) -> str:
    out = _Lines(color)
    account = report.account_id
    _summary(out, report)
    _findings(out, report)
    _table(out, report, account, verbose)
    _uncertain(out, report, account, verbose)
    _chains(out, report, account, verbose)
    _service_paths(out, report, account, verbose)
    _suppressed(out, report)
    _diagnostics(out, report, verbose)
    if not verbose:
        out.add("Reasons, conditions and sources of each grant: --verbose (or --format json).", DIM)
    return plain.guarded("\n".join(out.lines).rstrip("\n") + "\n")


def _summary(out: _Lines, report: Report) -> None:
    analysis = report.analysis
    shown = minting_grants(analysis.grants)
    principals = {g.principal for g in shown}
    targets = {g.target for g in shown}
    account = f"account {report.account_id}" if report.account_id else "no --account-id"
    out.add(f"credmint: {len(shown)} grants from {len(principals)} principals to {len(targets)} targets; "
            f"{account}", BOLD)
    failing = sum(1 for f in report.findings if at_or_above(f.severity, report.fail_on))
    verdict = "fails" if failing else "passes"
    out.add(f"  findings: {severity_counts(report.findings) if report.findings else 'none'} "
            f"(--fail-on {report.fail_on}: {verdict})", RED if failing else "")
    uncertain = uncertainty_groups(analysis.grants)
    if uncertain:
        total = sum(len(u.grants) for u in uncertain)
        out.add(f"  uncertain: {_count(total, 'grant')}, decided by {_count(len(uncertain), 'unknown')} "
                "(see Uncertain)")
    tokens = session_tokens(analysis)
    if tokens.users:
        out.add(f"  {tokens.line}")
    if analysis.paths:
        out.add(f"  role chains: {len(analysis.paths)}")
    if analysis.service_paths:
        roles = service_paths_by_role(analysis.service_paths)
        ways = _count(sum(len(r.entries) for r in roles), "way")
        out.add(f"  through services: {ways} to {_count(len(roles), 'role')} (iam:PassRole and a launch call; "
                "not grants; --verbose lists them)")
    levels = Counter(d.level for d in analysis.diagnostics)
    if levels:
        out.add("  diagnostics: " + ", ".join(f"{levels[level]} {level.value}" for level in DiagnosticLevel),
                RED if levels[DiagnosticLevel.ERROR] else "")
    out.add()


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _findings(out: _Lines, report: Report) -> None:
    if not report.findings:
        return
    out.add("Findings:", BOLD)
    order = {s: n for n, s in enumerate(SEVERITIES)}
    for finding in sorted(report.findings, key=lambda f: (order[f.severity], f.rule, f.principal, f.target)):
        out.add(f"  [{finding.severity.value}] {finding.rule} {finding.title}", COLOURS[finding.severity])
        out.add(f"{INDENT}{finding.message}")
        if finding.source:
            out.add(f"{INDENT}at: {finding.source}")
    out.add()


def _table(out: _Lines, report: Report, account: str | None, verbose: bool) -> None:
    shown = sorted(minting_grants(report.analysis.grants), key=lambda g: (g.target, g.principal, g.action.value))
    services_only: list[tuple[str, list[Grant]]] = []
    others: list[tuple[str, list[Grant]]] = []
    for target, group in groupby(shown, key=lambda g: g.target):
        grants = list(group)
        (services_only if not verbose and _services_only(grants) else others).append((target, grants))
    if others:
        out.add("Who can mint what, by target (assume, web-identity, saml: AssumeRole…):", BOLD)
    powers = report.analysis.powers
    for target, grants in others:
        power = powers.get(target)
        out.add(f"  {short_id(target, account)}" + (f"  [power: {power.summary}]" if power is not None else ""))
        width = max((len(p) for p in (short_id(g.principal, account) for g in grants) if len(p) <= 30), default=0)
        for grant in grants:
            principal = short_id(grant.principal, account)
            rest = f"{ACTIONS[grant.action]:<12} {grant.certainty.value:<11} {_where(grant)}".rstrip()
            row = f"{INDENT}{principal:<{width}}  {rest}"
            if len(row) > WIDTH:  # the principal on a line of its own, the rest beneath it
                out.add(f"{INDENT}{principal}")
                row = f"{INDENT}  {rest}"
            out.add(row)
            if verbose:
                _details(out, grant)
    if others:
        out.add()
    if services_only:
        out.add(f"Roles only AWS services assume ({len(services_only)}; --verbose for details):", BOLD)
        by_service: dict[str, list[str]] = {}
        for target, grants in services_only:
            for service in sorted({g.principal.removesuffix(".amazonaws.com") for g in grants}):
                by_service.setdefault(service, []).append(short_id(target, account))
        for service, roles in sorted(by_service.items()):
            shown = roles if len(roles) <= SHOWN_PER_GROUP else roles[:1]
            more = f" and {len(roles) - len(shown)} more" if len(shown) < len(roles) else ""
            out.add(f"  {service} ({len(roles)}): {', '.join(shown)}{more}")
        out.add()


ACTIONS = {
    Action.ASSUME_ROLE: "assume",
    Action.ASSUME_ROLE_WITH_WEB_IDENTITY: "web-identity",
    Action.ASSUME_ROLE_WITH_SAML: "saml",
    Action.GET_FEDERATION_TOKEN: "federation",
    Action.GET_SESSION_TOKEN: "session",
}
"""Short names of the five minting calls for the table (the legend is in the header line)."""


def _services_only(grants: list[Grant]) -> bool:
    """Only AWS services can assume it: people reach it through service paths (counted above)."""
    return all(g.principal_type is PrincipalType.SERVICE for g in grants)


def _where(grant: Grant) -> str:
    return str(grant.sources[0]) if grant.sources else ""


def _details(out: _Lines, grant: Grant) -> None:
    deeper = INDENT * 2
    for condition in grant.conditions:
        out.add(f"{deeper}if: {condition.operator} {condition.key} = "
                f"{', '.join(render_value(v) for v in condition.values)}")
    if grant.excepted:
        out.add(f"{deeper}except: {', '.join(grant.excepted)}")
    for reason in grant.reasons:
        out.add(f"{deeper}why: {reason}")
    if len(grant.sources) > 1:
        out.add(f"{deeper}at: {', '.join(str(s) for s in grant.sources)}")


def _uncertain(out: _Lines, report: Report, account: str | None, verbose: bool) -> None:
    """Each unknown with how many grants it leaves uncertain and what would decide it; the grants
    themselves (marked `uncertain` in the table) are listed under it with --verbose."""
    groups = uncertainty_groups(report.analysis.grants)
    if not groups:
        return
    out.add("Uncertain, by what would decide them:", BOLD)
    for group in groups:
        out.add(f"  {group.cause} — {_count(len(group.grants), 'grant')}")
        out.add(f"{INDENT}decided by: {group.decider}", DIM)
        if verbose or len(group.grants) == 1:
            for grant in group.grants:
                out.add(f"{INDENT}{short_id(grant.principal, account)} -> {short_id(grant.target, account)}")
    out.add()


def _chains(out: _Lines, report: Report, account: str | None, verbose: bool) -> None:
    paths = report.analysis.paths
    if not paths:
        return
    out.add("Role chains:", BOLD)
    listed = paths if verbose else paths[:20]
    for path in listed:
        hops = " -> ".join([short_id(path.principal, account), *(short_id(h.target, account) for h in path.hops)])
        out.add(f"  {hops}")
    if len(listed) < len(paths):
        out.add(f"  … and {len(paths) - len(listed)} more (--verbose)")
    out.add()


def _service_paths(out: _Lines, report: Report, account: str | None, verbose: bool) -> None:
    if not verbose or not report.analysis.service_paths:
        return
    out.add("Through services (iam:PassRole and a launch call; not grants):", BOLD)
    for role in service_paths_by_role(report.analysis.service_paths):
        out.add(f"  {short_id(role.role, account)}")
        for principal, service, actions in role.entries:
            out.add(f"{INDENT}{short_id(principal, account)} via {service} ({actions})")
    out.add()


def _suppressed(out: _Lines, report: Report) -> None:
    if not report.suppressed:
        return
    out.add(f"Suppressed findings ({len(report.suppressed)}):", BOLD)
    for s in report.suppressed:
        f = s.finding
        out.add(f"  {f.rule} {f.principal} -> {f.target}: {s.reason} ({s.origin})")
    out.add()


def _diagnostics(out: _Lines, report: Report, verbose: bool) -> None:
    diagnostics = report.analysis.diagnostics
    errors = [d for d in diagnostics if d.level is DiagnosticLevel.ERROR]
    warnings = [d for d in diagnostics if d.level is DiagnosticLevel.WARNING]
    infos = [d for d in diagnostics if d.level is DiagnosticLevel.INFO]
    if errors:
        out.add("Errors (inputs that could not be read; the run fails):", RED + BOLD)
        for d in errors:
            out.add(f"  {d.file}:{d.line}: {d.message}", RED)
        out.add()
    if warnings:
        out.add("Warnings:", BOLD)
        if verbose:
            for d in warnings:
                out.add(f"  {d.file}:{d.line}: {d.message}")
        else:
            for kind, found in _by_kind(warnings):
                first = f"{found[0].file}:{found[0].line}"
                out.add(f"  {len(found)} × {kind} (first at {first})" if len(found) > 1 else f"  {first}: {found[0].message}")
        out.add()
    if infos and verbose:
        out.add("Info:", BOLD)
        for d in infos:
            out.add(f"  {d.file}:{d.line}: {d.message}")
        out.add()


_NAMES = re.compile(r"`[^`]*`|\{[^}]*\}|'[^']*'|\"[^\"]*\"|[^\s,;()]*[\w\]][./:_\[\d][^\s,;()]*|\b\d+\b")


def _by_kind(diagnostics: list) -> list[tuple[str, list]]:
    """Warnings grouped by what they say, the names in them left out: code, quoted text, numbers,
    addresses and paths become `…`."""
    kinds: dict[str, list] = {}
    for d in diagnostics:
        kind = _NAMES.sub("…", d.message)
        kind = re.sub(r"…(?:\W*…)+", "…", kind)
        kinds.setdefault(kind, []).append(d)
    return sorted(kinds.items(), key=lambda item: (-len(item[1]), item[0]))
