"""Suppressions: findings a user accepted, kept apart and listed, never dropped (issue 7 §7).

Four sources, checked in this order: trusted principals and `ignore` entries of the settings file,
the baseline file, and inline comments (`# credmint:ignore RULE reason="..."` in HCL,
`Metadata: credmint: ignore:` in CloudFormation). An inline suppression needs a reason; one whose
`expires` date has passed suppresses nothing and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable, Iterator, NamedTuple, Sequence

from credmint.analyzer.baseline import Baseline, is_accepted
from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel, Source
from credmint.analyzer.model import Grant
from credmint.analyzer.rules import Finding


class InlineIgnore(NamedTuple):
    """One inline suppression as written in a template, at `where` (a plain tuple, so that the
    reader in `parsers/` needs nothing from the analyzer but the inventory)."""

    rule: str
    reason: str
    expires: str | None
    where: Source


InlineLookup = Callable[[Source], Sequence[tuple[str, str, "str | None", Source]]]
"""The inline suppressions (rule, reason, expires, where) of the blocks a source line belongs to."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IgnoreEntry:
    """An `ignore` entry of the settings file: a rule, a grant, or a rule on a grant."""

    rule: str | None = None
    principal: str | None = None
    action: str | None = None
    target: str | None = None
    reason: str = ""

    def covers(self, finding: Finding, grants: Sequence[Grant]) -> bool:
        if self.rule is not None and self.rule != finding.rule:
            return False
        if self.principal is not None and self.principal != finding.principal:
            return False
        if self.target is not None and self.target != finding.target:
            return False
        return self.action is None or any(g.action.value == self.action for g in grants)


@dataclass(frozen=True, slots=True, kw_only=True)
class SuppressedFinding:
    finding: Finding
    reason: str
    origin: str
    """`config`, the baseline file, or the template line of an inline suppression."""
    expires: str | None = None
    in_source: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Suppressions:
    trusted_principals: frozenset[str] = frozenset()
    ignores: tuple[IgnoreEntry, ...] = ()
    baseline: Baseline = field(default_factory=dict)
    baseline_file: str = ""
    inline: InlineLookup | None = None
    today: date | None = None


def apply_suppressions(
    findings: Iterable[Finding], grants: Iterable[Grant], rules: Suppressions
) -> tuple[tuple[Finding, ...], tuple[SuppressedFinding, ...], tuple[Diagnostic, ...]]:
    """Split findings into kept and suppressed; problems with inline suppressions are warnings."""
    by_pair: dict[tuple[str, str], list[Grant]] = {}
    for grant in grants:
        by_pair.setdefault((grant.principal, grant.target), []).append(grant)
    kept: list[Finding] = []
    suppressed: list[SuppressedFinding] = []
    diagnostics: dict[Diagnostic, None] = {}
    for finding in findings:
        related = by_pair.get((finding.principal, finding.target), [])
        verdict = _configured(finding, related, rules) or _inline(
            finding, related, rules, diagnostics
        )
        if verdict is None:
            kept.append(finding)
        else:
            suppressed.append(verdict)
    return tuple(kept), tuple(suppressed), tuple(diagnostics)


def _configured(
    finding: Finding, grants: Sequence[Grant], rules: Suppressions
) -> SuppressedFinding | None:
    if finding.principal in rules.trusted_principals:
        return SuppressedFinding(finding=finding, reason="trusted principal", origin="config")
    for entry in rules.ignores:
        if entry.covers(finding, grants):
            return SuppressedFinding(
                finding=finding, reason=entry.reason or "ignored by config", origin="config"
            )
    if is_accepted(finding, rules.baseline):
        return SuppressedFinding(
            finding=finding, reason="accepted in the baseline", origin=rules.baseline_file
        )
    return None


def _inline(
    finding: Finding,
    grants: Sequence[Grant],
    rules: Suppressions,
    diagnostics: dict[Diagnostic, None],
) -> SuppressedFinding | None:
    if rules.inline is None:
        return None
    for ignore in _inline_candidates(finding, grants, rules.inline):
        if ignore.rule not in (finding.rule, "*"):
            continue
        problem = _problem(ignore, rules.today or date.today())
        if problem:
            diagnostics[
                Diagnostic(
                    level=DiagnosticLevel.WARNING,
                    message=problem,
                    file=ignore.where.file,
                    line=ignore.where.line,
                )
            ] = None
            continue
        return SuppressedFinding(
            finding=finding,
            reason=ignore.reason,
            origin=str(ignore.where),
            expires=ignore.expires,
            in_source=True,
        )
    return None


def _inline_candidates(
    finding: Finding, grants: Sequence[Grant], lookup: InlineLookup
) -> Iterator[InlineIgnore]:
    """Comments above any block that makes the grant: the trust statement or the identity policy."""
    sources = [finding.source] if finding.source else []
    sources += [s for g in grants for s in g.sources]
    seen: set[InlineIgnore] = set()
    for source in dict.fromkeys(sources):
        for ignore in map(InlineIgnore._make, lookup(source)):
            if ignore not in seen:
                seen.add(ignore)
                yield ignore


def _problem(ignore: InlineIgnore, today: date) -> str:
    if not ignore.reason.strip():
        return f'credmint:ignore {ignore.rule} has no reason="...": not applied'
    if ignore.expires is None:
        return ""
    try:
        expiry = date.fromisoformat(ignore.expires)
    except ValueError:
        return (
            f"credmint:ignore {ignore.rule} has an invalid expires={ignore.expires} "
            "(YYYY-MM-DD): not applied"
        )
    if expiry < today:
        return f"credmint:ignore {ignore.rule} expired on {ignore.expires}: not applied"
    return ""
