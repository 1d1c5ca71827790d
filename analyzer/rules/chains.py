"""Role chains that reach administrator-equivalent roles which the caller could not reach directly."""

from __future__ import annotations

from typing import Iterator

from analyzer.callers import Caller
from analyzer.conditions import ANYONE
from analyzer.model import PrincipalType
from analyzer.policy import Request, evaluate_set
from analyzer.rules.base import Finding, Rule, Settings
from analyzer.walk import Analysis

# A made-up action that only `*`-style statements match, and the IAM writes that lead to anything.
ANY_ACTION = "credmint:AnyActionAtAll"
ESCALATING_ACTIONS = ("iam:AttachRolePolicy", "iam:PutRolePolicy")


def is_administrator(caller: Caller) -> bool:
    """Its policies (within its boundary) allow every action, or the IAM writes that lead there."""
    return _allows(caller, ANY_ACTION) or all(_allows(caller, a) for a in ESCALATING_ACTIONS)


def _allows(caller: Caller, action: str) -> bool:
    request = Request(action=action, resource="*", context=ANYONE)
    if evaluate_set(caller.identity, request) is None:
        return False
    return caller.boundary is None or evaluate_set(caller.boundary, request) is not None


def chain_reaches_administrator(rule: Rule, analysis: Analysis, settings: Settings) -> Iterator[Finding]:
    admins = {c.id for c in analysis.world.callers if c.type is PrincipalType.ROLE and is_administrator(c)}
    by_pair = {(g.principal, g.target): g for g in analysis.grants}
    for path in analysis.paths:
        if path.target not in admins or (path.principal, path.target) in by_pair:
            continue
        first = by_pair[(path.hops[0].principal, path.hops[0].target)]
        if first.principal_type is PrincipalType.SERVICE:
            # A service principal acts only as someone directs it: the chain it starts is the design
            # (CloudFormation StackSets' administration role → execution role), and who may direct
            # it — iam:PassRole plus the service's launch call — is judged as a service path.
            continue
        chain = " -> ".join([path.principal, *(hop.target for hop in path.hops)])
        yield Finding(
            rule=rule.id,
            severity=rule.severity,
            title=rule.title,
            message=f"{path.principal} reaches administrator-equivalent {path.target} only through {chain}",
            principal=path.principal,
            target=path.target,
            source=first.sources[0] if first.sources else None,
        )
