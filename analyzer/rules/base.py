"""What a rule is and what it produces: severities, findings, the settings rules read."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable, Iterator

from credmint.analyzer.inventory import Source
from credmint.analyzer.model import Grant
from credmint.analyzer.walk import Analysis


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
class Settings:
    """What the rules are told by configuration (`.credmint.yaml`)."""

    account_id: str | None = None
    trusted_accounts: frozenset[str] = frozenset()
    """Accounts whose trust needs no ExternalId or organisation condition (CM105)."""
    federation_allowance: tuple[str, ...] = ()
    """Federated-user name patterns a user may mint without a finding (CM106)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    rule: str
    severity: Severity
    title: str
    message: str
    principal: str
    target: str
    source: Source | None

    @property
    def key(self) -> tuple[str, str, str]:
        """A finding is the same finding in two runs when rule, principal and target are equal."""
        return (self.rule, self.principal, self.target)

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


Check = Callable[["Rule", Analysis, Settings], Iterator[Finding]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Rule:
    id: str
    severity: Severity
    title: str
    rationale: str
    fix: str
    check: Check

    def finding(
        self, grant: Grant, message: str, severity: Severity | None = None, source: Source | None = None
    ) -> Finding:
        """A finding about a grant, located at the statement that decides it (`source`), else at
        the first statement that creates the grant."""
        return Finding(
            rule=self.id,
            severity=severity or self.severity,
            title=self.title,
            message=message,
            principal=grant.principal,
            target=grant.target,
            source=source or (grant.sources[0] if grant.sources else None),
        )
