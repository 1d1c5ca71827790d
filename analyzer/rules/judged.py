"""Findings per trust statement: each statement judged on its own, the widest deciding (issue 14).

A grant merges the statements that allow it and keeps the narrowest conditions, so a rule that read
the merged grant would let a public statement hide behind a narrower one. Rules here read the
statements themselves, each judged by `credmint.analyzer.admits`; `widest_finding` is the one place where a
statement's base severity becomes the finding's, so that a later scaling (the target's power)
composes with it.
"""

from __future__ import annotations

from typing import Callable, Iterator, Mapping

from credmint.analyzer.admits import Admission, statements_admitting
from credmint.analyzer.model import Grant
from credmint.analyzer.policy import Labelled
from credmint.analyzer.principals import TrustEntry
from credmint.analyzer.rules.base import Finding, Rule, Severity
from credmint.analyzer.trust import TrustedRole
from credmint.analyzer.walk import Analysis

Judged = tuple[Labelled, TrustEntry, Admission]
SeverityOf = Callable[[Admission], "Severity | None"]
"""A rule's base severity for one statement's admission; None when the statement is fine."""
MessageOf = Callable[[Grant, Labelled, Admission], str]


def roles_by_id(analysis: Analysis) -> Mapping[str, list[TrustedRole]]:
    """Roles by identity; several roles may share one (the same name in two templates, or a name
    known only after apply), and the grant to that identity is made by all of them."""
    roles: dict[str, list[TrustedRole]] = {}
    for role in analysis.world.roles:
        roles.setdefault(role.id, []).append(role)
    return roles


def judged_statements(roles: Mapping[str, list[TrustedRole]], grant: Grant) -> list[Judged]:
    """The Allow statements of the grant's target trusts that name its principal for its action."""
    return [
        judged
        for role in roles.get(grant.target, ())
        for judged in statements_admitting(role.items, grant.principal, grant.action.value)
    ]


def widest_finding(
    rule: Rule, grant: Grant, judged: list[Judged], severity_of: SeverityOf, message_of: MessageOf
) -> Finding | None:
    """The finding of the statement whose base severity is highest (the first among equals)."""
    worst: tuple[Severity, Judged] | None = None
    for each in judged:
        severity = severity_of(each[2])
        if severity is not None and (worst is None or severity.rank > worst[0].rank):
            worst = (severity, each)
    if worst is None:
        return None
    severity, (item, _, admission) = worst
    return rule.finding(grant, message_of(grant, item, admission), severity, item.statement.source)


def statement_findings(
    rule: Rule, analysis: Analysis, wanted: Callable[[Grant], bool], severity_of: SeverityOf, message_of: MessageOf
) -> Iterator[Finding]:
    """One finding per wanted grant whose widest statement has a severity."""
    roles = roles_by_id(analysis)
    for grant in analysis.grants:
        if wanted(grant):
            found = widest_finding(rule, grant, judged_statements(roles, grant), severity_of, message_of)
            if found is not None:
                yield found
