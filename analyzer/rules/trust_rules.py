"""Trust policies that let outsiders in: anyone (`*`), other accounts, SAML and Roles Anywhere."""

from __future__ import annotations

from typing import Iterator

from analyzer.inventory import render
from analyzer.model import Action, Grant, PrincipalType
from analyzer.principals import ACCOUNT_ID
from analyzer.rules.base import Finding, Rule, Settings, Severity
from analyzer.walk import Analysis

# Keys that pin who the caller is: with a positive operator they narrow `*` to known parties.
NARROWING_KEYS = frozenset(
    {
        "aws:principalorgid",
        "aws:principalorgpaths",
        "aws:principalaccount",
        "aws:principalarn",
        "aws:userid",
        "aws:sourceaccount",
        "aws:sourceorgid",
        "aws:sourceorgpaths",
        "aws:sourcearn",
    }
)
CROSS_ACCOUNT_GUARDS = frozenset({"sts:externalid", "aws:principalorgid", "aws:principalorgpaths"})
ROLES_ANYWHERE = "rolesanywhere.amazonaws.com"


def _narrows(grant: Grant) -> bool:
    for condition in grant.conditions:
        operator = condition.operator.lower()
        negated = "not" in operator.split(":")[-1]
        values = [str(v) for v in condition.values]
        if condition.key.lower() in NARROWING_KEYS and not negated and "*" not in values:
            return True
    return False


def trust_allows_anyone(rule: Rule, analysis: Analysis, settings: Settings) -> Iterator[Finding]:
    """`Principal: "*"` lets every AWS principal of every account in (SEMANTICS.md §1)."""
    for grant in analysis.grants:
        if grant.principal_type is not PrincipalType.ANY:
            continue
        if _narrows(grant):
            continue
        if grant.conditions:
            yield rule.finding(
                grant,
                f"{grant.target} trusts every AWS principal, with only conditions that do not pin the caller",
                Severity.HIGH,
            )
        else:
            yield rule.finding(grant, f"{grant.target} trusts every AWS principal of every account")


def _account_of(principal: str) -> str | None:
    parts = principal.split(":")
    if len(parts) >= 5 and ACCOUNT_ID.match(parts[4]):
        return parts[4]
    return None


def cross_account_without_guard(rule: Rule, analysis: Analysis, settings: Settings) -> Iterator[Finding]:
    """Another account trusted without ExternalId or an organisation condition (confused deputy).

    Accounts analysed together (`--account-map`) are the user's own and count as trusted.
    """
    analysed = {render(caller.account) for caller in analysis.world.callers}
    for grant in analysis.grants:
        if grant.action is not Action.ASSUME_ROLE:
            continue
        if grant.principal_type not in (PrincipalType.ACCOUNT, PrincipalType.USER, PrincipalType.ROLE):
            continue
        account = _account_of(grant.principal)
        own = _account_of(grant.target)
        if account is None or account == own or account == settings.account_id:
            continue
        if account in settings.trusted_accounts or account in analysed:
            continue
        if any(c.key.lower() in CROSS_ACCOUNT_GUARDS for c in grant.conditions):
            continue
        yield rule.finding(
            grant,
            f"{grant.target} trusts {grant.principal} of account {account}, which is not in trusted_accounts, "
            "without sts:ExternalId or aws:PrincipalOrgID",
        )


def saml_or_roles_anywhere_without_conditions(
    rule: Rule, analysis: Analysis, settings: Settings
) -> Iterator[Finding]:
    """Every identity the IdP maps, or any certificate of any trust anchor (SEMANTICS.md §4)."""
    for grant in analysis.grants:
        if grant.conditions:
            continue
        if grant.action is Action.ASSUME_ROLE_WITH_SAML:
            yield rule.finding(grant, f"{grant.target} trusts every identity of SAML provider {grant.principal}")
        elif grant.principal == ROLES_ANYWHERE:
            yield rule.finding(
                grant, f"{grant.target} trusts any certificate of any Roles Anywhere trust anchor in the account"
            )
