"""Web identity trust: OIDC subjects and Cognito audiences (SEMANTICS.md §4).

Whether a subject is pinned is `credmint.analyzer.admits`'s judgement (negations, `Null`, `IfExists`,
wildcards in the owner, Denies): these rules only say what the judgement means for each provider.
"""

from __future__ import annotations

from typing import Iterator

from credmint.analyzer.admits import (
    GITHUB,
    ONE,
    STAR,
    Admission,
    Reach,
    KeyRole,
    has_known_wildcard,
    issuer_of,
    value_tokens,
)
from credmint.analyzer.inventory import Value, render
from credmint.analyzer.model import Action, Grant
from credmint.analyzer.policy import Labelled
from credmint.analyzer.rules.base import Finding, Rule, Settings, Severity
from credmint.analyzer.rules.judged import judged_statements, roles_by_id, statement_findings
from credmint.analyzer.walk import Analysis


def _is_web_identity(grant: Grant) -> bool:
    return grant.action is Action.ASSUME_ROLE_WITH_WEB_IDENTITY


def unpinned_severity(admission: Admission) -> Severity | None:
    """CM102: critical unless every admitted token's subject (Cognito's pool, Google's client) is pinned."""
    return None if admission.reach <= Reach.IDENTITY else Severity.CRITICAL


def _unpinned_message(grant: Grant, item: Labelled, admission: Admission) -> str:
    name = issuer_of(grant.principal)
    who = "workflows of any GitHub repository" if name.startswith(GITHUB) else f"every identity of {name}"
    return (
        f"{grant.target} can be assumed by {who} ({item.statement.source}): no condition pins the subject "
        "(sub; aud for Cognito and Google) to values an outsider cannot have"
    )


def web_identity_without_subject(rule: Rule, analysis: Analysis, settings: Settings) -> Iterator[Finding]:
    """Without a pinned subject, every identity of the provider can assume the role."""
    yield from statement_findings(rule, analysis, _is_web_identity, unpinned_severity, _unpinned_message)


def wildcard_subject(rule: Rule, analysis: Analysis, settings: Settings) -> Iterator[Finding]:
    """`StringLike` with `repo:ORG/*` admits every repository of ORG, every branch and environment.

    Only subjects that do pin the owner are read here: a wildcard in the owner pins nothing (CM102).
    """
    roles = roles_by_id(analysis)
    for grant in analysis.grants:
        if not _is_web_identity(grant) or not issuer_of(grant.principal).startswith(GITHUB):
            continue
        wide: dict[str, Labelled] = {}
        for item, _, admission in judged_statements(roles, grant):
            for verdict in admission.narrowing():
                condition = verdict.condition
                if verdict.role is not KeyRole.IDENTITY or condition is None:
                    continue
                if "like" not in condition.operator.lower():
                    continue
                wide.update((render(v), item) for v in condition.values if _wild_repository(v, item.version))
        if wide:
            yield rule.finding(
                grant,
                f"{grant.target} admits GitHub subjects {', '.join(wide)}: a wildcard in the "
                "repository part admits repositories you did not mean",
                source=next(iter(wide.values())).statement.source,
            )


def _wild_repository(subject: Value, version: str | None) -> bool:
    """A wildcard in the known text of `repo:OWNER/REPO` (a placeholder's text never counts)."""
    tokens = value_tokens(subject, like=True, version=version)
    if "/" not in tokens:
        return False
    repository = tokens[tokens.index("/") + 1:]
    end = repository.index(":") if ":" in repository else len(repository)
    return any(t in (STAR, ONE) for t in repository[:end])


def literal_star_subject(rule: Rule, analysis: Analysis, settings: Settings) -> Iterator[Finding]:
    """`StringEquals` takes `*` literally: the condition matches no real subject (a mistake).

    Read in every statement that allows the grant, not only the one the merged grant kept."""
    roles = roles_by_id(analysis)
    for grant in analysis.grants:
        if not _is_web_identity(grant):
            continue
        name = issuer_of(grant.principal)
        starred: dict[str, Labelled] = {}
        for item, _, _ in judged_statements(roles, grant):
            for condition in item.statement.conditions:
                operator = condition.operator.lower()
                if not condition.key.lower().startswith(name + ":") or "like" in operator or "not" in operator:
                    continue
                starred.update(
                    (f"{condition.operator} {condition.key} {render(v)}", item)
                    for v in condition.values if has_known_wildcard(v)
                )
        if starred:
            yield rule.finding(
                grant,
                f"{'; '.join(starred)}: compared literally, it matches no real subject — use StringLike",
                Severity.LOW,
                source=next(iter(starred.values())).statement.source,
            )
