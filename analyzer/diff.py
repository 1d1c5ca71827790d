"""What a change adds or removes: two reports compared grant by grant (CONTRACT.md "Diff report").

A grant is the same grant in base and head when principal, action and target are equal; line
numbers never matter, so moving a block is no change. A finding is the same finding when rule,
principal and target are equal; only the findings the change introduces — new ones, and ones whose
severity rises — gate `--fail-on`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Mapping

from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel
from credmint.analyzer.model import ChainPath, Grant
from credmint.analyzer.report import (
    SCHEMA_VERSION,
    Report,
    condition_dict,
    diagnostic_dict,
    grant_dict,
    path_dict,
    suppressed_dict,
)
from credmint.analyzer.rules import Finding
from credmint.analyzer.suppressions import SuppressedFinding

ADDED_TITLE = "Suppressions this change adds (need review)"
"""The section every diff format gives the suppressions a change adds but does not get to use."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GrantChange:
    """A grant held in both trees whose certainty, conditions or exceptions differ."""

    before: Grant
    after: Grant


@dataclass(frozen=True, slots=True, kw_only=True)
class Diff:
    base_ref: str
    head_ref: str
    base: Report
    head: Report
    added: tuple[Grant, ...]
    removed: tuple[Grant, ...]
    changed: tuple[GrantChange, ...]
    added_paths: tuple[ChainPath, ...]
    findings: tuple[Finding, ...]
    suppressed: tuple[SuppressedFinding, ...]
    diagnostics: tuple[Diagnostic, ...]
    added_suppressions: tuple[SuppressedFinding, ...] = ()
    """Suppressions the change itself adds: not obeyed, listed for review (issue 15 §1)."""


def path_key(path: ChainPath) -> tuple:
    return (path.principal, path.target, path.hops)


def _meaning(grant: Grant) -> tuple:
    """What a grant allows, without where it is written (reasons and sources may move freely)."""
    return (grant.certainty, grant.conditions, grant.excepted)


def diff_reports(base: Report, head: Report, *, base_ref: str, head_ref: str) -> Diff:
    before = {g.key: g for g in base.analysis.grants}
    after = {g.key: g for g in head.analysis.grants}
    base_paths = {path_key(p) for p in base.analysis.paths}
    base_findings = _severities((*base.findings, *(s.finding for s in base.suppressed)))
    return Diff(
        base_ref=base_ref,
        head_ref=head_ref,
        base=base,
        head=head,
        added=tuple(g for k, g in sorted(after.items()) if k not in before),
        removed=tuple(g for k, g in sorted(before.items()) if k not in after),
        changed=tuple(
            GrantChange(before=before[k], after=g)
            for k, g in sorted(after.items())
            if k in before and _meaning(before[k]) != _meaning(g)
        ),
        added_paths=tuple(p for p in head.analysis.paths if path_key(p) not in base_paths),
        findings=tuple(f for f in head.findings if _introduced(f, base_findings)),
        suppressed=tuple(s for s in head.suppressed if _introduced(s.finding, base_findings)),
        diagnostics=_diagnostics(base, head),
    )


def _severities(findings: Iterable[Finding]) -> dict[tuple[str, str, str], int]:
    """The highest severity rank of each finding key in a report."""
    ranks: dict[tuple[str, str, str], int] = {}
    for finding in findings:
        ranks[finding.key] = max(ranks.get(finding.key, 0), finding.severity.rank)
    return ranks


def _introduced(finding: Finding, base: Mapping[tuple[str, str, str], int]) -> bool:
    """New in the head, or more severe than in the base (a condition dropped: high → critical),
    so that `--fail-on critical` sees a change that makes a finding critical (issue 14)."""
    return finding.severity.rank > base.get(finding.key, 0)


def _diagnostics(base: Report, head: Report) -> tuple[Diagnostic, ...]:
    """The head's diagnostics, and the base's errors (a base that cannot be read is no baseline)."""
    held = {(d.file, d.line, d.message) for d in head.analysis.diagnostics}
    base_errors = [
        replace(d, message=f"in base: {d.message}")
        for d in base.analysis.diagnostics
        if d.level is DiagnosticLevel.ERROR and (d.file, d.line, d.message) not in held
    ]
    merged = dict.fromkeys([*head.analysis.diagnostics, *base_errors])
    return tuple(sorted(merged, key=lambda d: (d.file, d.line, d.level.value, d.message)))


def _state(grant: Grant) -> dict[str, Any]:
    return {
        "certainty": grant.certainty.value,
        "conditions": [condition_dict(c) for c in grant.conditions],
        "except": list(grant.excepted),
    }


def change_dict(change: GrantChange) -> dict[str, Any]:
    after = change.after
    return {
        "principal": after.principal,
        "action": after.action.value,
        "target": after.target,
        "before": _state(change.before),
        "after": _state(after),
        "reasons": list(after.reasons),
        "sources": grant_dict(after)["sources"],
    }


def diff_dict(diff: Diff) -> dict[str, Any]:
    """The diff report of CONTRACT.md, field for field, plus the suppressed findings it adds."""
    return {
        "schema_version": SCHEMA_VERSION,
        "base": {"ref": diff.base_ref, "grants": len(diff.base.analysis.grants)},
        "head": {"ref": diff.head_ref, "grants": len(diff.head.analysis.grants)},
        "added": [grant_dict(g) for g in diff.added],
        "removed": [grant_dict(g) for g in diff.removed],
        "changed": [change_dict(c) for c in diff.changed],
        "added_paths": [path_dict(p) for p in diff.added_paths],
        "findings": [f.as_dict() for f in diff.findings],
        "suppressed": [suppressed_dict(s) for s in diff.suppressed],
        "suppressions_added": [suppressed_dict(s) for s in diff.added_suppressions],
        "diagnostics": [diagnostic_dict(d) for d in diff.diagnostics],
    }
