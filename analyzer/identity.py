"""Grants read from the caller's side alone: roles outside the templates, federation, session tokens.

- sts:AssumeRole on a role the templates do not define: its trust policy is unseen, so the grant to
  the pattern as written is `uncertain` (DECISIONS.md), Deny patterns inside it in `except`.
- sts:GetFederationToken (SEMANTICS.md §2): users only, name patterns in the caller's own account.
- sts:GetSessionToken (§3): every user, no policy can allow or deny it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterator, Sequence

from analyzer.callers import Caller, caller_side
from analyzer.inventory import Effect, Value
from analyzer.model import Action, Certainty, Grant, PrincipalType, under_conditions
from analyzer.names import breaks_every_name
from analyzer.principals import path_and_name
from analyzer.patterns import Tri, match_resource, split_arn, written
from analyzer.policy import Labelled, Request, Support, action_truth, applies
from analyzer.variables import resolved_resources
from analyzer.federation import covers, federated_user_arn, name_patterns


def _allowing(items: Sequence[Labelled], action: str, effect: Effect) -> Iterator[Labelled]:
    for item in items:
        statement = item.statement
        if (statement.effect is Effect.DENY) != (effect is Effect.DENY):
            continue
        if action_truth(statement, action) is not Tri.NO:
            yield item


def _resources(item: Labelled, caller: Caller) -> tuple[Value, ...] | None:
    """The statement's Resource (or NotResource) entries, policy variables substituted; None when
    one holds a variable the caller cannot have, so that the statement gives it nothing."""
    return resolved_resources(item.statement.resources or (), item.version, caller.context)


def _resource_patterns(item: Labelled, caller: Caller) -> tuple[Value, ...]:
    """What the statement reaches: its resources, or `*` for NotResource (nothing when it gives the
    caller nothing)."""
    resources = _resources(item, caller)
    if resources is None:
        return ()
    return ("*",) if item.statement.is_not_resource else resources


def outside_role_grants(caller: Caller, role_arns: frozenset[str]) -> Iterator[Grant]:
    """AssumeRole on resource patterns that are not exactly a role of the templates."""
    action = Action.ASSUME_ROLE.value
    patterns: dict[str, Value] = {}
    for item in _allowing(caller.identity, action, Effect.ALLOW):
        for pattern in _resource_patterns(item, caller):
            text = written(pattern)
            if text not in role_arns and _may_name_a_role(pattern):
                patterns.setdefault(text, pattern)
    for text, pattern in sorted(patterns.items()):
        request = Request(action=action, resource=pattern, context=caller.context)
        support = caller_side(caller, request, f"sts:AssumeRole on {text}", with_denies=False)
        if support is None:
            continue
        carved = _carve(caller, request, pattern)
        if carved is None:
            continue
        excepted, deny_support = carved
        support = support & deny_support & Support(
            certainty=Certainty.UNCERTAIN,
            reasons=(f"{text} is not a role of the analysed templates: its trust policy decides",),
        )
        yield Grant(
            principal=caller.id,
            principal_type=caller.type,
            action=Action.ASSUME_ROLE,
            target=text,
            certainty=Certainty.UNCERTAIN,
            conditions=support.conditions,
            excepted=excepted,
            reasons=support.reasons,
            sources=support.sources,
        )


def _may_name_a_role(pattern: Value) -> bool:
    """Skip resources that cannot be a role (`...:user/x`, or a name no valid role name matches,
    such as the literal `x?` of `role/x${?}`); keep `*` and anything role-shaped."""
    if isinstance(pattern, str) and match_resource(pattern, "arn:aws:iam::*:role/*") is Tri.NO:
        return False
    parts = split_arn(pattern)
    if parts is None:
        return True
    resource = parts[5]
    name_starts = max((i + 1 for i, token in enumerate(resource) if token == "/"), default=0)
    return not breaks_every_name(resource[name_starts:], path_may_follow=True)


def _allows_only(items: Sequence[Labelled]) -> list[Labelled]:
    return [i for i in items if i.statement.effect is not Effect.DENY]


def _carve(caller: Caller, request: Request, pattern: Value) -> tuple[tuple[str, ...], Support] | None:
    """Deny statements against a pattern target: covering → None, overlapping → `except`."""
    excepted: list[str] = []
    support = Support(certainty=Certainty.DEFINITE)
    denies = [i for i in (*caller.identity, *(caller.boundary or ())) if i.statement.effect is Effect.DENY]
    for item in _allowing(caller.identity, request.action, Effect.ALLOW):
        if item.statement.is_not_resource:
            # NotResource allows every resource but those listed: they are carved out of `*`.
            listed = _resources(item, caller) or ()
            excepted += [written(r) for r in listed if match_resource(pattern, r) is not Tri.NO]
    for item in denies:
        found = applies(item, request, None)
        if found.truth is Tri.NO:
            continue
        if found.truth is Tri.YES and not found.conditions:
            return None
        for resource in _resource_patterns(item, caller):
            if match_resource(pattern, resource) is not Tri.NO:
                excepted.append(written(resource))
        support = support & Support(
            certainty=Certainty.UNCERTAIN if found.conditions else Certainty.DEFINITE,
            reasons=(f"{item.origin} denies part of it ({item.statement.source})",),
            sources=(item.statement.source,),
        )
    return tuple(sorted(set(excepted))), support


def federation_grants(caller: Caller, partition: str = "aws") -> Iterator[Grant]:
    """GetFederationToken: only an IAM user's long-term credentials may call it (§2)."""
    if caller.type is not PrincipalType.USER:
        return
    action = Action.GET_FEDERATION_TOKEN.value
    allows, carved = _not_resource_as_carve_outs(caller, action, partition)
    allowed: dict[str, bool] = {}
    for item in _allowing(allows, action, Effect.ALLOW):
        for resource in _resource_patterns(item, caller):
            for name, maybe in name_patterns(resource, caller.account, partition):
                allowed[name] = allowed.get(name, True) and maybe
    denied: dict[str, Labelled] = dict(carved)
    for item in _allowing([*caller.identity, *(caller.boundary or ())], action, Effect.DENY):
        for resource in _resource_patterns(item, caller):
            for name, _ in name_patterns(resource, caller.account, partition):
                denied.setdefault(name, item)
    for name in _widest(allowed):
        target = federated_user_arn(caller.account, name, partition)
        request = Request(action=action, resource=target, context=caller.context)
        subject = f"sts:GetFederationToken on federated-user/{name}"
        support = caller_side(caller, request, subject, identity=allows, with_denies=False)
        if support is None:
            continue
        excepted: list[str] = []
        removed = False
        for denied_name, item in sorted(denied.items()):
            truth = covers(denied_name, name)
            conditional = bool(applies(item, request, None).conditions)
            if truth is Tri.YES and not conditional:
                removed = True
                break
            if truth is not Tri.NO:
                excepted.append(federated_user_arn(caller.account, denied_name, partition))
                support = support & Support(
                    certainty=support.certainty,
                    reasons=(f"{item.origin} {_carves(item)} {denied_name} ({item.statement.source})",),
                    sources=(item.statement.source,),
                )
        if removed:
            continue
        certainty = Certainty.UNCERTAIN if allowed[name] else under_conditions(support.certainty, support.conditions)
        yield Grant(
            principal=caller.id,
            principal_type=caller.type,
            action=Action.GET_FEDERATION_TOKEN,
            target=target,
            certainty=certainty,
            conditions=support.conditions,
            excepted=tuple(excepted),
            reasons=support.reasons,
            sources=support.sources,
        )


def _not_resource_as_carve_outs(
    caller: Caller, action: str, partition: str
) -> tuple[list[Labelled], dict[str, Labelled]]:
    """Allow statements with NotResource read as `*` minus the names they list (SEMANTICS.md §6).

    Returns the caller's Allow statements so rewritten, and the names carved out, each with the
    statement that carves it, to be listed in `except` like a Deny's.
    """
    allows: list[Labelled] = []
    carved: dict[str, Labelled] = {}
    for item in _allows_only(caller.identity):
        statement = item.statement
        if not statement.is_not_resource or action_truth(statement, action) is Tri.NO:
            allows.append(item)
            continue
        resources = _resources(item, caller)
        if resources is None:
            continue  # a variable the caller cannot have: the statement gives it nothing
        for resource in resources:
            for name, _ in name_patterns(resource, caller.account, partition):
                carved.setdefault(name, item)
        everything = replace(statement, resources=("*",), is_not_resource=False)
        allows.append(replace(item, statement=everything))
    return allows, carved


def _carves(item: Labelled) -> str:
    return "denies" if item.statement.effect is Effect.DENY else "leaves out (NotResource)"


def _widest(allowed: dict[str, bool]) -> list[str]:
    """Drop name patterns that another, no less certain, pattern already covers."""
    keep = []
    for name in sorted(allowed):
        covered = any(
            other != name and covers(other, name) is Tri.YES and allowed[other] <= allowed[name]
            for other in allowed
        )
        if not covered:
            keep.append(name)
    return keep


def session_token_grants(caller: Caller) -> Iterator[Grant]:
    """Every IAM user may call GetSessionToken; no policy can allow or deny it (§3)."""
    if caller.type is not PrincipalType.USER:
        return
    source = caller.entity.source
    yield Grant(
        principal=caller.id,
        principal_type=caller.type,
        action=Action.GET_SESSION_TOKEN,
        target=caller.id,
        certainty=Certainty.DEFINITE,
        reasons=(
            "every IAM user may call GetSessionToken and no policy can deny it "
            f"(user {path_and_name(caller.entity.path, caller.entity.name)}, {source})",
        ),
        sources=(source,),
    )
