"""Grants read from the caller's side alone: roles outside the templates, federation, session tokens.

- sts:AssumeRole on a role the templates do not define: its trust policy is unseen, so the grant to
  the pattern as written is `uncertain` (DECISIONS.md), Deny patterns inside it in `except`.
- sts:GetFederationToken (SEMANTICS.md §2): users only, name patterns in the caller's own account.
- sts:GetSessionToken (§3): every user, no policy can allow or deny it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterator, Sequence

from credmint.analyzer.callers import Caller, caller_side
from credmint.analyzer.conditions import long_term
from credmint.analyzer.inventory import Effect, Value, render
from credmint.analyzer.names import breaks_every_name
from credmint.analyzer.principals import path_and_name
from credmint.analyzer.model import Action, Certainty, Grant, PrincipalType, under_conditions
from credmint.analyzer.patterns import Tri, match_resource, split_arn, written
from credmint.analyzer.policy import Labelled, Request, Support, action_truth, applies, apply_denies
from credmint.analyzer.variables import resolved_resources
from credmint.analyzer.federation import PREFIX, covers, federated_user_arn, name_patterns


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
        carved = _not_resource_allows(caller, action, pattern)
        for left in remainders(caller, action, pattern, _role_shaped):
            name = written(left.target)
            if name in role_arns:
                continue  # an inventory role left alone by a NotResource Deny: its trust decides it
            inside = (e for e in carved if match_resource(left.target, e) is not Tri.NO)
            excepted = tuple(sorted({*left.excepted, *inside}))
            if any(match_resource(e, left.target) is Tri.YES for e in carved):
                continue  # an Allow's NotResource leaves nothing of it
            found = support & left.support & Support(
                certainty=Certainty.UNCERTAIN, reasons=(_outside_reason(name, role_arns),)
            )
            yield Grant(
                principal=caller.id,
                principal_type=caller.type,
                action=Action.ASSUME_ROLE,
                target=name,
                certainty=Certainty.UNCERTAIN,
                conditions=found.conditions,
                excepted=excepted,
                reasons=found.reasons,
                sources=found.sources,
            )


def _outside_reason(name: str, role_arns: frozenset[str]) -> str:
    """Why a grant to an ARN outside the templates is uncertain. An ARN naming an account may be
    one of the templates' roles when they deploy into that account and no `--account-id` says
    which: then that role's own grant is uncertain too (candidates.py), and this one says so."""
    parts = name.split(":", 5)
    if len(parts) == 6 and parts[4].isdigit() and f"arn:{parts[1]}:iam::{{account_id}}:{parts[5]}" in role_arns:
        return (f"{name} is the templates' {parts[5]} if they deploy into {parts[4]} ({{account_id}} "
                "unknown before apply), else another account's: its trust policy decides")
    return f"{name} is not a role of the analysed templates: its trust policy decides"


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


def _not_resource_allows(caller: Caller, action: str, pattern: Value) -> list[str]:
    """What the caller's `Allow ... NotResource` statements leave out of a pattern (§6)."""
    return [
        written(r)
        for item in _allowing(caller.identity, action, Effect.ALLOW)
        if item.statement.is_not_resource
        for r in _resources(item, caller) or ()
        if _may_name_a_role(r) and match_resource(r, pattern) is not Tri.NO
    ]


@dataclass(frozen=True, slots=True)
class Remainder:
    """What the Deny statements leave of a pattern target: the target itself, or a part of it a
    `Deny ... NotResource` spares; the patterns carved out of it; the conditions to escape them."""

    target: Value
    excepted: tuple[str, ...]
    support: Support


Normalise = Callable[[Value], "list[Value]"]


def _role_shaped(pattern: Value) -> list[Value]:
    """A resource as an AssumeRole target: as written, when it may name a role."""
    return [pattern] if _may_name_a_role(pattern) else []


def remainders(caller: Caller, action: str, pattern: Value, normalise: Normalise) -> list[Remainder]:
    """Apply the caller's Deny statements (identity and boundary) to a pattern target, §7 step 1.

    A Deny whose Resource covers the whole target cuts it as `policy.apply_denies` cuts one request:
    unconditional → nothing is left; with one condition → kept, conditional on the negation. A Deny
    on part of it puts that part in `except`. A `Deny ... NotResource X` denies everything but X:
    unconditional, it leaves exactly the parts of X inside the target (each read by `normalise`
    into a target of the action's kind), and the later Denies apply to those; with a condition the
    caller can fail, the whole target stays too, under the opposite condition.
    """
    start = Support(certainty=Certainty.DEFINITE)
    return _remain(caller, action, pattern, caller.denies, normalise, (), start)


def _remain(
    caller: Caller, action: str, pattern: Value, denies: Sequence[Labelled], normalise: Normalise,
    excepted: tuple[str, ...], support: Support,
) -> list[Remainder]:
    carved = list(excepted)
    for n, item in enumerate(denies):
        request = Request(action=action, resource=pattern, context=caller.context)
        found = applies(item, request, None)
        if found.truth is Tri.NO:
            continue
        resources = _resources(item, caller)
        if resources is None:
            continue  # a variable the caller cannot have: the statement gives it nothing
        where = f"({item.statement.source})"
        # Whether the Deny surely applies to the part of the target it names: its resource aside.
        sure = applies(item, replace(request, resource=None), None)
        if item.statement.is_not_resource:
            spared = [r for r in resources if match_resource(r, pattern) is not Tri.NO]
            if spared:
                out: list[Remainder] = []
                if sure.conditions or sure.truth is not Tri.YES:
                    # Escapable: the whole target stays under the opposite condition (or in doubt),
                    # and the parts the Deny spares stay as they are.
                    escaped = apply_denies(support, (item,), replace(request, resource=None))
                    if escaped is not None:
                        out += _remain(caller, action, pattern, denies[n + 1:], normalise, tuple(carved), escaped)
                for kept in spared:
                    for part in normalise(kept):
                        within = match_resource(pattern, part) is Tri.YES
                        note = Support(
                            certainty=Certainty.DEFINITE if within else Certainty.UNCERTAIN,
                            reasons=(f"{item.origin} denies all but {written(part)} {where}",),
                            sources=(item.statement.source,),
                        )
                        inside = tuple(e for e in carved if match_resource(part, e) is not Tri.NO)
                        out += _remain(caller, action, part, denies[n + 1:], normalise, inside, support & note)
                return out
        elif not any(match_resource(r, pattern) is Tri.YES for r in resources):
            carved += [written(t) for r in resources for t in normalise(r) if match_resource(t, pattern) is not Tri.NO]
            surely = sure.truth is Tri.YES and not sure.conditions
            support = support & Support(
                certainty=Certainty.DEFINITE if surely else Certainty.UNCERTAIN,
                reasons=(f"{item.origin} {_carves(item)} part of it {where}",),
                sources=(item.statement.source,),
            )
            continue
        cut = apply_denies(support, (item,), request)
        if cut is None:
            return []
        support = cut
    return [Remainder(pattern, tuple(sorted(set(carved))), support)]


def federation_grants(caller: Caller, partition: str = "aws") -> Iterator[Grant]:
    """GetFederationToken: only an IAM user's long-term credentials may call it (§2)."""
    if caller.type is not PrincipalType.USER:
        return
    action = Action.GET_FEDERATION_TOKEN.value
    if next(_allowing(caller.identity, action, Effect.ALLOW), None) is None:
        return  # no Allow statement names the action (most users): nothing to read below
    # Called with long-term keys only: no MFA, no session (id_credentials_temp_request).
    caller = replace(caller, context=long_term(caller.context))
    allows, carved = _not_resource_as_carve_outs(caller, action, partition)
    allowed: dict[str, bool] = {}
    for item in _allowing(allows, action, Effect.ALLOW):
        for resource in _resource_patterns(item, caller):
            for name, maybe in name_patterns(resource, caller.account, partition):
                allowed[name] = allowed.get(name, True) and maybe

    def targets(pattern: Value) -> list[Value]:
        names = name_patterns(pattern, caller.account, partition)
        return [federated_user_arn(caller.account, n, partition) for n, _ in names]

    for name in _widest(allowed):
        target = federated_user_arn(caller.account, name, partition)
        request = Request(action=action, resource=target, context=caller.context)
        subject = f"sts:GetFederationToken on federated-user/{name}"
        support = caller_side(caller, request, subject, identity=allows, with_denies=False)
        if support is None:
            continue
        for left in remainders(caller, action, target, targets):
            left_name = render(left.target).split(PREFIX, 1)[-1]
            found = support & left.support
            excepted = list(left.excepted)
            removed = False
            for carved_name, item in sorted(carved.items()):
                truth = covers(carved_name, left_name)
                if truth is Tri.YES:
                    removed = True  # an Allow's NotResource leaves nothing of it
                    break
                if covers(left_name, carved_name) is not Tri.NO or truth is not Tri.NO:
                    excepted.append(federated_user_arn(caller.account, carved_name, partition))
                    found = found & Support(
                        certainty=found.certainty,
                        reasons=(f"{item.origin} {_carves(item)} {carved_name} ({item.statement.source})",),
                        sources=(item.statement.source,),
                    )
            if removed:
                continue
            certainty = Certainty.UNCERTAIN if allowed[name] else under_conditions(found.certainty, found.conditions)
            yield Grant(
                principal=caller.id,
                principal_type=caller.type,
                action=Action.GET_FEDERATION_TOKEN,
                target=render(left.target),
                certainty=certainty,
                conditions=found.conditions,
                excepted=tuple(sorted(set(excepted))),
                reasons=found.reasons,
                sources=found.sources,
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
