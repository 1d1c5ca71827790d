"""Findings: the grants that should block a merge, one pure function per risk in one table.

Rule ids are stable (CM1xx trust, CM2xx identity side); severities gate `--fail-on`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, Iterator

from analyzer.inventory import Source
from analyzer.model import Action, Certainty, Grant, PrincipalType
from analyzer.walk import Analysis


class Severity(str, Enum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return ("low", "medium", "high", "critical").index(self.value) + 1


FAIL_ON_CHOICES = ("none", "low", "medium", "high", "critical")


def at_or_above(severity: Severity, fail_on: str) -> bool:
    """Does a finding of this severity fail a run with `--fail-on fail_on`?"""
    if fail_on == "none":
        return False
    return severity.rank >= Severity(fail_on).rank


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    rule: str
    severity: Severity
    title: str
    message: str
    principal: str
    target: str
    source: Source | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "title": self.title,
            "message": self.message,
            "principal": self.principal,
            "target": self.target,
            "source": None if self.source is None else {"file": self.source.file, "line": self.source.line},
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    id: str
    severity: Severity
    title: str
    rationale: str
    fix: str
    check: Callable[["Rule", Analysis], Iterator[Finding]]


def _finding(rule: Rule, grant: Grant, message: str, severity: Severity | None = None) -> Finding:
    return Finding(
        rule=rule.id,
        severity=severity or rule.severity,
        title=rule.title,
        message=message,
        principal=grant.principal,
        target=grant.target,
        source=grant.sources[-1] if grant.sources else None,
    )


def trust_allows_anyone(rule: Rule, analysis: Analysis) -> Iterator[Finding]:
    """A role trusting `*` can be assumed by any AWS principal of any account."""
    for grant in analysis.grants:
        if grant.principal_type is not PrincipalType.ANY:
            continue
        if grant.certainty is Certainty.CONDITIONAL:
            yield _finding(
                rule,
                grant,
                f"{grant.target} trusts every AWS principal, narrowed only by conditions",
                Severity.HIGH,
            )
        else:
            yield _finding(rule, grant, f"{grant.target} trusts every AWS principal of every account")


GITHUB_ISSUER = "token.actions.githubusercontent.com"


def web_identity_without_subject(rule: Rule, analysis: Analysis) -> Iterator[Finding]:
    """OIDC trust without a `sub` condition admits every identity of the provider (SEMANTICS §4)."""
    for grant in analysis.grants:
        if grant.action is not Action.ASSUME_ROLE_WITH_WEB_IDENTITY:
            continue
        keys = {c.key.lower() for c in grant.conditions}
        if grant.principal.endswith("cognito-identity.amazonaws.com"):
            if "cognito-identity.amazonaws.com:aud" not in keys:
                yield _finding(rule, grant, f"{grant.target} trusts identities of any Cognito identity pool")
            continue
        if not any(key.endswith(":sub") for key in keys):
            who = "any GitHub repository" if GITHUB_ISSUER in grant.principal else "any subject of the provider"
            yield _finding(rule, grant, f"{grant.target} can be assumed by {who}: no sub condition")


RULES: tuple[Rule, ...] = (
    Rule(
        id="CM101",
        severity=Severity.CRITICAL,
        title="Role trusts any principal",
        rationale="Principal '*' lets every AWS account assume the role.",
        fix="Name the accounts or roles that may assume it, or add aws:PrincipalOrgID.",
        check=trust_allows_anyone,
    ),
    Rule(
        id="CM102",
        severity=Severity.CRITICAL,
        title="Web identity trust without a subject condition",
        rationale="Without a sub (or Cognito aud) condition every identity of the provider qualifies.",
        fix="Add a StringEquals/StringLike condition on the provider's sub (or aud for Cognito).",
        check=web_identity_without_subject,
    ),
)


def find_findings(analysis: Analysis) -> tuple[Finding, ...]:
    found = [f for rule in RULES for f in rule.check(rule, analysis)]
    return tuple(sorted(found, key=lambda f: (f.rule, f.principal, f.target)))
