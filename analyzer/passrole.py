"""Indirect paths through services: iam:PassRole on a service role plus the service's launch call.

SEMANTICS.md §5: a `Service` principal lets only that service assume the role; people reach those
credentials by passing the role to the service and launching something that runs with it. These are
a separately labelled kind of path (`service_paths` in the report), never grants.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Iterator, Mapping, Sequence

from credmint.analyzer.callers import Caller, caller_side
from credmint.analyzer.conditions import CallerContext
from credmint.analyzer.inventory import Effect, Source, Value, concat
from credmint.analyzer.model import Certainty, Grant, PrincipalType, under_conditions, weakest
from credmint.analyzer.patterns import Tri
from credmint.analyzer.policy import Request, Support, action_truth

# The launch call that makes each service run code with a passed role, and the resource it creates.
LAUNCHERS: Mapping[str, tuple[str, str]] = {
    "ec2.amazonaws.com": ("ec2:RunInstances", "arn:aws:ec2:*:{account}:instance/*"),
    "lambda.amazonaws.com": ("lambda:CreateFunction", "arn:aws:lambda:*:{account}:function:*"),
    "ecs-tasks.amazonaws.com": ("ecs:RunTask", "arn:aws:ecs:*:{account}:task-definition/*"),
    "cloudformation.amazonaws.com": ("cloudformation:CreateStack", "arn:aws:cloudformation:*:{account}:stack/*"),
}


@dataclass(frozen=True, slots=True, kw_only=True)
class ServicePath:
    principal: str
    role: str
    service: str
    actions: tuple[str, ...]
    certainty: Certainty
    reasons: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()


def service_paths(grants: Sequence[Grant], callers: Sequence[Caller]) -> Iterator[ServicePath]:
    roles = {c.id: c for c in callers if c.type is PrincipalType.ROLE}
    passers = [c for c in callers if _may_pass_roles(c)]
    for grant in grants:
        launcher = LAUNCHERS.get(grant.principal)
        role = roles.get(grant.target)
        if grant.principal_type is not PrincipalType.SERVICE or launcher is None or role is None:
            continue
        for caller in passers:
            if caller.id == role.id:
                continue
            found = _path(caller, role, grant, launcher)
            if found is not None:
                yield found


def _may_pass_roles(caller: Caller) -> bool:
    """A cheap first cut: some statement of the caller may allow iam:PassRole at all."""
    for item in caller.identity:
        statement = item.statement
        if statement.effect is Effect.DENY:
            continue
        if action_truth(statement, "iam:PassRole") is not Tri.NO:
            return True
    return False


def _allowed(caller: Caller, action: str, resource: Value, context: CallerContext) -> Support | None:
    return caller_side(caller, Request(action=action, resource=resource, context=context), action)


def _path(caller: Caller, role: Caller, trust: Grant, launcher: tuple[str, str]) -> ServicePath | None:
    service = trust.principal
    launch_action, launch_resource_template = launcher
    context = replace(
        caller.context, known={**caller.context.known, "iam:passedtoservice": (service,)}
    )
    passing = _allowed(caller, "iam:PassRole", role.entity.arn, context)
    if passing is None:
        return None
    resource = launch_resource(launch_resource_template, caller.account)
    launching = _allowed(caller, launch_action, resource, caller.context)
    if launching is None:
        return None
    support = passing & launching
    certainty = under_conditions(weakest(support.certainty, trust.certainty), support.conditions)
    return ServicePath(
        principal=caller.id,
        role=role.id,
        service=service,
        actions=("iam:PassRole", launch_action),
        certainty=certainty,
        reasons=(*support.reasons, *trust.reasons),
        sources=tuple(dict.fromkeys((*support.sources, *trust.sources))),
    )


def launch_resource(template: str, account: Value) -> Value:
    """A launcher's resource (`LAUNCHERS`) in the caller's account."""
    before, after = template.split("{account}")
    return concat(before, account, after)
