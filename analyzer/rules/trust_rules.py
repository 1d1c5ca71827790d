"""Trust policies that let outsiders in: anyone (`*`), other accounts, SAML and Roles Anywhere.

Each trust statement is judged by `credmint.analyzer.admits` (who a stranger can be and still get in),
never by the names of its condition keys (issue 14).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterator

from credmint.analyzer.admits import Admission, KeyRole, Reach, Verdict
from credmint.analyzer.inventory import render
from credmint.analyzer.model import Action, Grant, PrincipalType
from credmint.analyzer.policy import Labelled
from credmint.analyzer.principals import ACCOUNT_ID
from credmint.analyzer.rules.base import Finding, Rule, Settings, Severity
from credmint.analyzer.rules.judged import statement_findings
from credmint.analyzer.walk import Analysis

ROLES_ANYWHERE = "rolesanywhere.amazonaws.com"


def public_severity(admission: Admission) -> Severity | None:
    """CM101: critical when nothing stops a stranger; high when only a secret or the request does
    (MFA, source IP, ExternalId: conditions that do not pin who the caller is)."""
    reach = admission.reach
    if reach is Reach.ANYONE:
        return Severity.CRITICAL
    if reach in (Reach.REQUEST, Reach.SECRET):
        return Severity.HIGH
    return None


def _public_message(grant: Grant, item: Labelled, admission: Admission) -> str:
    where = item.statement.source
    if admission.reach is Reach.ANYONE:
        return f"{grant.target} trusts every AWS principal of every account ({where}): no condition pins the caller"
    return (
        f"{grant.target} trusts every AWS principal ({where}), with only conditions that do not pin the caller"
    )


def trust_allows_anyone(rule: Rule, analysis: Analysis, settings: Settings) -> Iterator[Finding]:
    """`Principal: "*"` lets every AWS principal of every account in (SEMANTICS.md §1)."""
    yield from statement_findings(
        rule, analysis, lambda g: g.principal_type is PrincipalType.ANY, public_severity, _public_message
    )


def _account_of(principal: str) -> str | None:
    parts = principal.split(":")
    if len(parts) >= 5 and ACCOUNT_ID.match(parts[4]):
        return parts[4]
    return None


def is_guarded(admission: Admission) -> bool:
    """CM105's guard: every caller it admits must hold a secret (ExternalId) or belong to a pinned
    organisation; a statement that admits nobody needs none."""
    return all(kind.nobody or any(_guards(v) for v in kind.narrowing) for kind in admission.kinds)


def _guards(verdict: Verdict) -> bool:
    return verdict.role is KeyRole.SECRET or (
        verdict.role is KeyRole.IDENTITY and verdict.dimension == "organisation"
    )


def cross_account_severity(admission: Admission) -> Severity | None:
    return None if is_guarded(admission) else Severity.HIGH


def cross_account_without_guard(rule: Rule, analysis: Analysis, settings: Settings) -> Iterator[Finding]:
    """Another account trusted without ExternalId or an organisation condition (confused deputy).

    Accounts analysed together (`--account-map`) are the user's own and count as trusted.
    """
    analysed = {render(caller.account) for caller in analysis.world.callers}
    account_of = lru_cache(maxsize=None)(_account_of)  # this run's identities, each read once

    def wanted(grant: Grant) -> bool:
        if grant.action is not Action.ASSUME_ROLE:
            return False
        if grant.principal_type not in (PrincipalType.ACCOUNT, PrincipalType.USER, PrincipalType.ROLE):
            return False
        account = account_of(grant.principal)
        if account is None or account == account_of(grant.target) or account == settings.account_id:
            return False
        return account not in settings.trusted_accounts and account not in analysed

    def message(grant: Grant, item: Labelled, admission: Admission) -> str:
        said = f"{grant.target} trusts {grant.principal} of account {_account_of(grant.principal)}, which is not in "
        if not item.statement.conditions:
            return said + "trusted_accounts, without sts:ExternalId or aws:PrincipalOrgID"
        return said + (
            "trusted_accounts, and no condition requires an ExternalId or an organisation an outsider cannot "
            f"meet ({item.statement.source})"
        )

    yield from statement_findings(rule, analysis, wanted, cross_account_severity, message)


def unconditioned_severity(admission: Admission) -> Severity | None:
    """CM107: no condition narrows who the IdP or the trust anchors let in."""
    return Severity.MEDIUM if admission.reach is Reach.ANYONE else None


def saml_or_roles_anywhere_without_conditions(
    rule: Rule, analysis: Analysis, settings: Settings
) -> Iterator[Finding]:
    """Every identity the IdP maps, or any certificate of any trust anchor (SEMANTICS.md §4)."""

    def wanted(grant: Grant) -> bool:
        return grant.action is Action.ASSUME_ROLE_WITH_SAML or grant.principal == ROLES_ANYWHERE

    def message(grant: Grant, item: Labelled, admission: Admission) -> str:
        if grant.action is Action.ASSUME_ROLE_WITH_SAML:
            return f"{grant.target} trusts every identity of SAML provider {grant.principal}"
        return f"{grant.target} trusts any certificate of any Roles Anywhere trust anchor in the account"

    yield from statement_findings(rule, analysis, wanted, unconditioned_severity, message)
