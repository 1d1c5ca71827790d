"""Evaluate one set of policy statements for one request: allowed, how surely, and why.

SEMANTICS.md §6 (matching) and §7 (an applicable explicit Deny wins over every Allow). A set is
one side of the decision — a caller's identity policies, its boundary, a role's trust policy — and
the walker ANDs the sides.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Sequence, Union

from credmint.analyzer.conditions import CallerContext, evaluate, negate
from credmint.analyzer.inventory import (
    DEPLOY_CHOICE,
    Condition,
    Effect,
    PolicyDocument,
    Source,
    Statement,
    Text,
    Unknown,
    Value,
    stand_in_statement,
)
from credmint.analyzer.model import Certainty, strength, weakest
from credmint.analyzer.patterns import Tri, match_action, match_resource, tri_any
from credmint.analyzer.variables import resolved_condition, resolved_resources, variable_keys


@dataclass(frozen=True, slots=True, kw_only=True)
class Labelled:
    """A statement with the words that name where it comes from, for reasons."""

    statement: Statement
    origin: str
    version: str | None


def labelled(document: PolicyDocument, origin: str) -> list[Labelled]:
    """The statements of a document, or one statement standing for a wholly unknown document.

    What an unknown document allows is unknown: any action, maybe, on any resource (`*`). Its
    expression names the doubt, never a target: a policy's own ARN is no role (SEMANTICS.md §8)."""
    if document.unknown is not None:
        stand_in = stand_in_statement(document, document.unknown)
        return [Labelled(statement=stand_in, origin=origin, version=document.version)]
    return [Labelled(statement=s, origin=origin, version=document.version) for s in document.statements]


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    action: str
    resource: Value | None  # None for trust policies, which have no Resource
    context: CallerContext


@dataclass(frozen=True, slots=True, kw_only=True)
class Support:
    """Why one side allows a request: its certainty, the conditions left, reasons and sources."""

    certainty: Certainty
    conditions: tuple[Condition, ...] = ()
    reasons: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()

    def __and__(self, other: "Support") -> "Support":
        return Support(
            certainty=weakest(self.certainty, other.certainty),
            conditions=_unique(self.conditions + other.conditions),
            reasons=_unique(self.reasons + other.reasons),
            sources=_unique(self.sources + other.sources),
        )

    def __or__(self, other: "Support") -> "Support":
        """Either side suffices: the stronger's certainty and conditions, every reason of both."""
        best, rest = (other, self) if other.outranks(self) else (self, other)
        return Support(
            certainty=best.certainty,
            conditions=best.conditions,
            reasons=_unique(best.reasons + rest.reasons),
            sources=_unique(best.sources + rest.sources),
        )

    def outranks(self, other: "Support | None") -> bool:
        """Better certainty, then fewer conditions (`model.strength`); anything beats nothing."""
        return other is None or strength(self.certainty, self.conditions) > strength(
            other.certainty, other.conditions
        )


def _unique(items: tuple) -> tuple:
    return tuple(dict.fromkeys(items))


@dataclass(frozen=True, slots=True)
class Applicability:
    """How a statement applies to a request: YES/MAYBE, and the conditions left to the request."""

    truth: Tri
    conditions: tuple[Condition, ...]
    doubts: tuple[str, ...]


PrincipalTest = Callable[[Statement], Tri]
Subject = Union[str, Callable[[Statement], str]]
"""What a reason says is allowed: fixed words, or words read from the statement itself (the account a
trust statement names, as written, rather than the caller's account in its place)."""


_DOES_NOT_APPLY = Applicability(Tri.NO, (), ())


def applies(item: Labelled, request: Request, principal_test: PrincipalTest | None) -> Applicability:
    """The statement's answer for the request: the weakest of its Action, Resource, Principal and
    Condition answers. One surely NO settles it, so the rest is not read (most statements a caller
    holds are about other actions)."""
    statement = item.statement
    doubts: list[str] = []
    truths = [action_truth(statement, request.action)]
    if request.resource is not None and truths[-1] is not Tri.NO:
        truths.append(_resource_truth(item, request))
    if principal_test is not None and truths[-1] is not Tri.NO:
        truths.append(principal_test(statement))
    if truths[-1] is Tri.NO:
        return _DOES_NOT_APPLY
    if isinstance(statement.effect, Unknown):
        truths.append(Tri.MAYBE)
        doubts.append(f"effect is unknown before apply ({statement.effect})")
    if statement.unknown is not None:
        truths.append(Tri.MAYBE)
        doubts.append(unknown_doubt(statement.unknown))
    kept: list[Condition] = []
    deny = statement.effect is Effect.DENY
    for condition in statement.conditions:
        resolved = resolved_condition(condition, item.version, request.context)
        if resolved is None:
            return _DOES_NOT_APPLY  # a variable the caller cannot have: the statement gives it nothing
        truth = evaluate(resolved, request.context, deny=deny)
        if truth is None:
            kept.append(condition)
        elif truth is Tri.NO:
            return _DOES_NOT_APPLY
        else:
            truths.append(truth)
            if truth is Tri.MAYBE:
                doubts.append(f"condition {condition.operator} {condition.key} depends on values unknown before apply")
    truth = min(truths)
    if truth is Tri.MAYBE and not doubts:
        doubts.append(_unknown_parts(statement, request))
    return Applicability(truth, tuple(kept), tuple(doubts))


POLICY_NOT_FOUND = "neither in the analysed templates nor in the AWS managed policy snapshot"
"""The reason of the `Unknown` that stands for an attached policy found nowhere (SEMANTICS.md §8)."""


def unknown_doubt(unknown: Unknown) -> str:
    """Why a statement standing for unknown content may apply, in words naming what is unknown."""
    if unknown.reason == POLICY_NOT_FOUND:
        return f"policy {unknown.expression} is {POLICY_NOT_FOUND}: what it allows is unknown"
    if unknown.reason == DEPLOY_CHOICE:  # parsers/worlds.py: `when Env = prod`
        return f"only {unknown.expression} ({DEPLOY_CHOICE})"
    return f"{unknown} is unknown before apply"


def _unknown_parts(statement: Statement, request: Request) -> str:
    """What is unknown: in the statement, or in the resource asked for (a role of the deploying
    account, whose id is not given, against an ARN naming an account)."""
    principals = tuple(p.value for p in statement.principals or ())
    asked = () if request.resource is None else (request.resource,)
    names = [
        str(part)
        for value in (*statement.actions, *(statement.resources or ()), *principals, *asked)
        for part in (value.parts if isinstance(value, Text) else (value,))
        if isinstance(part, Unknown)
    ]
    if names:
        return f"{', '.join(dict.fromkeys(names))} unknown before apply"
    return "a value in the statement is unknown before apply"


def action_truth(statement: Statement, action: str) -> Tri:
    """Does the statement's Action (or NotAction) cover `action`?"""
    hit = _actions_hit(statement.actions, action)
    return ~hit if statement.is_not_action else hit


@lru_cache(maxsize=16384)
def _actions_hit(actions: tuple[Value, ...], action: str) -> Tri:
    """Cached per action list: an AWS managed policy's hundreds of patterns are shared by every
    caller it is attached to, and asked about the same few STS actions each time."""
    return tri_any(match_action(pattern, action) for pattern in _may_match(actions, action))


SERVICE_INDEX_FROM = 64
"""Action lists at least this long are read through `_by_service`: a managed policy's thousands
of patterns were each matched against every escalation action the power labels ask about."""


def _may_match(actions: tuple[Value, ...], action: str) -> Sequence[Value]:
    """The patterns of the list that may match the action; the others surely do not."""
    if len(actions) < SERVICE_INDEX_FROM:
        return actions
    by_service, any_service = _by_service(actions)
    return (*by_service.get(action.lower().split(":", 1)[0], ()), *any_service)


@lru_cache(maxsize=1024)
def _by_service(actions: tuple[Value, ...]) -> tuple[dict[str, tuple[str, ...]], tuple[Value, ...]]:
    """The patterns by their service, lower-cased (`iam` of `IAM:Get*`), and those whose service is
    not plain text (`*`, `iam*:x`, an unknown). Matching folds case and reads the text before the
    first wildcard (`patterns._match_known_action`), so a pattern of another service never matches."""
    by_service: dict[str, list[str]] = {}
    any_service: list[Value] = []
    for pattern in actions:
        service, colon, _ = pattern.lower().partition(":") if isinstance(pattern, str) else ("", "", "")
        if colon and "*" not in service and "?" not in service:
            by_service.setdefault(service, []).append(pattern)  # type: ignore[arg-type]
        else:
            any_service.append(pattern)
    return {service: tuple(found) for service, found in by_service.items()}, tuple(any_service)


def _resource_truth(item: Labelled, request: Request) -> Tri:
    statement = item.statement
    if statement.resources is None:
        return Tri.NO
    assert request.resource is not None
    patterns = resolved_resources(statement.resources, item.version, request.context)
    if patterns is None:
        return Tri.NO  # a variable the caller cannot have: the statement gives it nothing
    hit = tri_any(match_resource(pattern, request.resource) for pattern in patterns)
    return ~hit if statement.is_not_resource else hit


def context_keys(items: Sequence[Labelled]) -> tuple[str, ...]:
    """The request-context keys these statements read: condition keys and policy variables."""
    keys = {condition.key.lower() for item in items for condition in item.statement.conditions}
    for item in items:
        for pattern in item.statement.resources or ():
            keys.update(variable_keys(pattern, item.version))
        for condition in item.statement.conditions:
            for value in condition.values:
                keys.update(variable_keys(value, item.version))
    return tuple(sorted(keys))


def evaluate_set(
    items: Sequence[Labelled],
    request: Request,
    principal_test: PrincipalTest | None = None,
    subject: Subject = "it",
) -> Support | None:
    """Allow of this set minus its denies: the best support, or None when it does not allow.

    `subject` names what is allowed in the reasons ("account 111111111111", "user/alice").
    """
    return combine((answer_part(items, request, principal_test, subject, alone=True),))


@dataclass(frozen=True, slots=True)
class PartAnswer:
    """What one part of a set (a group's statements, say) says of one request: its Allow side and
    its Denies' cuts, kept apart so that a part shared by many callers is asked once (`combine`)."""

    best: Support | None
    reasons: tuple[str, ...]
    sources: tuple[Source, ...]
    cuts: tuple[Support | None, ...]
    """Each applicable Deny's cut, in order: None when it surely applies."""


def answer_part(
    items: Sequence[Labelled],
    request: Request,
    principal_test: PrincipalTest | None = None,
    subject: Subject = "it",
    *,
    alone: bool = False,
) -> PartAnswer:
    """`alone`: the part is the whole set, so without an Allow its Denies need not be read."""
    best: Support | None = None
    reasons: list[str] = []
    sources: list[Source] = []
    for item in items:
        if item.statement.effect is Effect.DENY:
            continue
        found = applies(item, request, principal_test)
        if found.truth is Tri.NO:
            continue
        support = _support(found, item, subject)
        reasons.extend(support.reasons)
        sources.extend(support.sources)
        if support.outranks(best):
            best = support
    cuts = () if alone and best is None else _cuts(items, request, principal_test)
    return PartAnswer(best, tuple(reasons), tuple(sources), cuts)


def combine(parts: Iterable[PartAnswer], *, with_denies: bool = True) -> Support | None:
    """The answer of the parts' union, as `evaluate_set` over all their statements in order."""
    parts = tuple(parts)
    best: Support | None = None
    for part in parts:
        if part.best is not None and part.best.outranks(best):
            best = part.best
    if best is None:
        return None
    support = Support(
        certainty=best.certainty,
        conditions=best.conditions,
        reasons=_unique(tuple(r for part in parts for r in part.reasons)),
        sources=_unique(tuple(s for part in parts for s in part.sources)),
    )
    return _cut(support, (c for part in parts for c in part.cuts)) if with_denies else support


def _support(found: Applicability, item: Labelled, subject: Subject) -> Support:
    certainty = Certainty.UNCERTAIN if found.truth is Tri.MAYBE else (
        Certainty.CONDITIONAL if found.conditions else Certainty.DEFINITE
    )
    said = subject if isinstance(subject, str) else subject(item.statement)
    reason = f"{item.origin} allows {said} ({item.statement.source})"
    return Support(
        certainty=certainty,
        conditions=found.conditions,
        reasons=(reason, *found.doubts),
        sources=(item.statement.source,),
    )


def apply_denies(
    support: Support,
    items: Iterable[Labelled],
    request: Request,
    principal_test: PrincipalTest | None = None,
) -> Support | None:
    """Cut a support by the set's Deny statements: None when a Deny surely applies (§7 step 1)."""
    return _cut(support, _cuts(items, request, principal_test))


def _cut(support: Support, cuts: Iterable[Support | None]) -> Support | None:
    for cut in cuts:
        if cut is None:
            return None
        support = support & cut
    return support


def _cuts(items: Iterable[Labelled], request: Request, principal_test: PrincipalTest | None) -> tuple[Support | None, ...]:
    """What each applicable Deny statement does to a support: None when it surely applies, else
    the condition under which the request escapes it (or the doubt that it may apply)."""
    cuts: list[Support | None] = []
    for item in items:
        if item.statement.effect is not Effect.DENY:
            continue
        found = applies(item, request, principal_test)
        if found.truth is Tri.NO:
            continue
        where = f"{item.origin} denies it ({item.statement.source})"
        if found.truth is Tri.YES and not found.conditions:
            cuts.append(None)
            break
        negated = negate(found.conditions[0]) if len(found.conditions) == 1 else None
        if found.truth is Tri.YES and negated is not None:
            cuts.append(Support(
                certainty=Certainty.CONDITIONAL,
                conditions=negated,
                reasons=(f"{where} unless the request meets the opposite condition",),
                sources=(item.statement.source,),
            ))
        else:
            cuts.append(Support(
                certainty=Certainty.UNCERTAIN,
                reasons=(f"{where} under conditions that may hold", *found.doubts),
                sources=(item.statement.source,),
            ))
    return tuple(cuts)
