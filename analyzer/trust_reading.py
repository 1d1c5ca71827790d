"""Why a role of the templates that nobody reaches admits no one, statement by statement (issue 16).

`explain ROLE` answers "nobody can assume it" with the trust statements it read and, for each, what
it names and what keeps that from becoming a grant. The walk decided the answer; this only says
which of its rules applies to each statement, in the words of SEMANTICS.md.
"""

from __future__ import annotations

from typing import Iterator

from credmint.analyzer.inventory import Effect, Role, Statement, render
from credmint.analyzer.model import Action
from credmint.analyzer.patterns import Tri, match_action
from credmint.analyzer.principals import Named, TrustEntry, classify
from credmint.analyzer.walk import Analysis

MINTING = tuple(a.value for a in (Action.ASSUME_ROLE, Action.ASSUME_ROLE_WITH_WEB_IDENTITY, Action.ASSUME_ROLE_WITH_SAML))

_NAMED = {
    Named.ACCOUNT: "no user or role of the analysed templates in that account has an identity policy "
    "allowing sts:AssumeRole on it (or a Deny, boundary or SCP cuts it)",
    Named.USER: "that user's grant is cut (a Deny, its permissions boundary, an SCP) or its conditions never hold",
    Named.ROLE: "that role's grant is cut (a Deny, its permissions boundary, an SCP) or its conditions never hold",
    Named.ROLE_SESSION: "the session's grant is cut or its conditions never hold",
    Named.FEDERATED_USER: "federated-user sessions may call no STS action but GetCallerIdentity",
    Named.SERVICE: "the statement's conditions can never hold for a service, or a Deny applies",
    Named.OIDC: "the statement's conditions can never hold for a web identity, or a Deny applies",
    Named.SAML: "the statement's conditions can never hold for a SAML assertion, or a Deny applies",
    Named.ANY: "its conditions can never hold, or a Deny applies to every caller",
    Named.UNKNOWN: "its conditions can never hold, or a Deny applies",
    Named.INVALID: "AWS rejects this principal (see the error diagnostics)",
}


def why_nobody(analysis: Analysis, identity: str) -> Iterator[str]:
    """One line per trust statement of the role `identity`, saying why it admits no one."""
    role = next((r for r in analysis.inventory.roles if render(r.arn) == identity), None)
    if role is None:
        return
    if role.trust_policy is None:
        yield "the role has no trust policy in the templates: nobody can assume it"
        return
    if role.trust_policy.unknown is not None:
        yield f"the trust policy is unknown before apply ({role.trust_policy.unknown})"
        return
    for statement in role.trust_policy.statements:
        yield f"{statement.source}: {_why(statement, role)}"


def _why(statement: Statement, role: Role) -> str:
    if statement.effect is Effect.DENY:
        return "a Deny statement: it admits no one"
    if statement.is_not_principal:
        return "NotPrincipal: AWS rejects it in a trust policy"
    actions = statement.actions
    allowed = [a for a in MINTING if any(match_action(p, a) is not Tri.NO for p in actions) != statement.is_not_action]
    if not allowed:
        listed = ", ".join(render(a) for a in actions) or "no action"
        return f"allows {'every action but ' if statement.is_not_action else ''}{listed}: no call that mints credentials"
    entries = [classify(p) for p in statement.principals or ()]
    if not entries:
        return "names no principal"
    return "; ".join(_entry_line(entry) for entry in entries)


def _entry_line(entry: TrustEntry) -> str:
    return f"names {entry.id}: {_NAMED.get(entry.named, 'no caller meets it')}"
