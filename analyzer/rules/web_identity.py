"""Web identity trust: OIDC subjects and Cognito audiences (SEMANTICS.md §4)."""

from __future__ import annotations

from typing import Iterator

from analyzer.inventory import Condition, render
from analyzer.model import Action, Grant
from analyzer.rules.base import Finding, Rule, Settings, Severity
from analyzer.walk import Analysis

GITHUB = "token.actions.githubusercontent.com"
COGNITO = "cognito-identity.amazonaws.com"


def issuer(principal: str) -> str:
    """The provider's issuer as condition keys name it: the URL without `https://`."""
    return principal.split(":oidc-provider/", 1)[-1]


def _conditions_on(grant: Grant, key: str) -> list[Condition]:
    return [c for c in grant.conditions if c.key.lower() == key.lower()]


def _web_identity_grants(analysis: Analysis) -> Iterator[Grant]:
    for grant in analysis.grants:
        if grant.action is Action.ASSUME_ROLE_WITH_WEB_IDENTITY:
            yield grant


def web_identity_without_subject(rule: Rule, analysis: Analysis, settings: Settings) -> Iterator[Finding]:
    """Without `sub` (or Cognito `aud`), every identity of the provider can assume the role."""
    for grant in _web_identity_grants(analysis):
        name = issuer(grant.principal)
        if name == COGNITO:
            if not _conditions_on(grant, f"{COGNITO}:aud"):
                yield rule.finding(grant, f"{grant.target} trusts identities of every Cognito identity pool")
            continue
        subjects = _conditions_on(grant, f"{name}:sub")
        if not subjects or all(_admits_everything(c) for c in subjects):
            who = "workflows of any GitHub repository" if name == GITHUB else f"every subject of {name}"
            yield rule.finding(grant, f"{grant.target} can be assumed by {who}: no sub condition narrows it")


def _admits_everything(condition: Condition) -> bool:
    return "like" in condition.operator.lower() and any(render(v) in ("*", "repo:*") for v in condition.values)


def wildcard_subject(rule: Rule, analysis: Analysis, settings: Settings) -> Iterator[Finding]:
    """`StringLike` with `repo:ORG/*` admits every repository of ORG, every branch and environment."""
    for grant in _web_identity_grants(analysis):
        if issuer(grant.principal) != GITHUB:
            continue
        for condition in _conditions_on(grant, f"{GITHUB}:sub"):
            if "like" not in condition.operator.lower() or _admits_everything(condition):
                continue
            wide = [render(v) for v in condition.values if _wild_owner_or_repo(render(v))]
            if wide:
                yield rule.finding(
                    grant,
                    f"{grant.target} admits GitHub subjects {', '.join(wide)}: a wildcard in the organisation "
                    "or repository part admits repositories you do not control or did not mean",
                )


def _wild_owner_or_repo(subject: str) -> bool:
    body = subject[len("repo:"):] if subject.startswith("repo:") else subject
    owner_and_repo = body.split(":", 1)[0]
    return any(char in owner_and_repo for char in "*?")


def literal_star_subject(rule: Rule, analysis: Analysis, settings: Settings) -> Iterator[Finding]:
    """`StringEquals` takes `*` literally: the condition matches no real subject (a mistake)."""
    for grant in _web_identity_grants(analysis):
        name = issuer(grant.principal)
        for condition in grant.conditions:
            if not condition.key.lower().startswith(name.lower() + ":"):
                continue
            if "like" in condition.operator.lower() or "not" in condition.operator.lower():
                continue
            starred = [render(v) for v in condition.values if "*" in render(v)]
            if starred:
                yield rule.finding(
                    grant,
                    f"{condition.operator} compares {condition.key} with {', '.join(starred)} literally; "
                    "it matches no real subject — use StringLike",
                    Severity.LOW,
                )
