"""Condition blocks: what can be decided for a known caller, and what stays on the grant.

SEMANTICS.md §6: operators and keys are ANDed, the values of one key ORed; a missing key makes a
positive operator false and a negated one true, except `...IfExists` and `Null`. Keys are
case-insensitive. §1: a key that can never be present for the caller's kind (ExternalId or MFA on a
service principal) makes the statement inapplicable. Conditions that depend on the request itself
(MFA at the call, ExternalId, source IP, OIDC `sub`...) are kept on the grant (`conditional`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from analyzer.inventory import Condition, Value
from analyzer.patterns import Tri, match_glob, match_literal, match_resource, tri_any


@dataclass(frozen=True, slots=True)
class CallerContext:
    """What is known about a caller's request context before it is made.

    `known` maps lower-cased keys to their values; `absent` lists lower-cased keys that can never be
    present for this kind of caller. Any other key depends on the request.
    """

    known: Mapping[str, tuple[Value, ...]] = field(default_factory=dict)
    absent: frozenset[str] = frozenset()
    omittable: frozenset[str] = frozenset()
    """Keys the caller can choose to leave out: a user calling with long-term access keys sends no
    `aws:MultiFactorAuthPresent` (SEMANTICS.md §1), so `...IfExists` on it passes without MFA."""


ANYONE = CallerContext()


def context_view(context: CallerContext, keys: tuple[str, ...]) -> tuple:
    """What a context says about these (lower-cased) keys: equal views decide every condition
    and policy variable on them alike, so answers can be shared between callers."""
    return tuple((key, context.known.get(key), key in context.absent, key in context.omittable) for key in keys)

Comparator = Callable[[Value, Value], Tri]


def _string_equals(expected: Value, actual: Value) -> Tri:
    return match_literal(expected, actual)


def _string_equals_ignore_case(expected: Value, actual: Value) -> Tri:
    return match_literal(expected, actual, fold_case=True)


def _string_like(pattern: Value, actual: Value) -> Tri:
    return match_glob(pattern, actual)


def _arn_like(pattern: Value, actual: Value) -> Tri:
    return match_resource(pattern, actual)


def _bool(expected: Value, actual: Value) -> Tri:
    return match_literal(expected, actual, fold_case=True)


# Positive operators and their comparators; each negated operator names its positive twin.
POSITIVE: Mapping[str, Comparator] = {
    "stringequals": _string_equals,
    "stringequalsignorecase": _string_equals_ignore_case,
    "stringlike": _string_like,
    "arnequals": _arn_like,
    "arnlike": _arn_like,
    "bool": _bool,
}
NEGATED: Mapping[str, str] = {
    "stringnotequals": "stringequals",
    "stringnotequalsignorecase": "stringequalsignorecase",
    "stringnotlike": "stringlike",
    "arnnotequals": "arnequals",
    "arnnotlike": "arnlike",
}
NEGATION_NAMES: Mapping[str, str] = {
    "StringEquals": "StringNotEquals",
    "StringNotEquals": "StringEquals",
    "StringEqualsIgnoreCase": "StringNotEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringLike": "StringNotLike",
    "StringNotLike": "StringLike",
    "ArnEquals": "ArnNotEquals",
    "ArnNotEquals": "ArnEquals",
    "ArnLike": "ArnNotLike",
    "ArnNotLike": "ArnLike",
    "IpAddress": "NotIpAddress",
    "NotIpAddress": "IpAddress",
    "NumericEquals": "NumericNotEquals",
    "NumericNotEquals": "NumericEquals",
    "NumericLessThan": "NumericGreaterThanEquals",
    "NumericGreaterThanEquals": "NumericLessThan",
    "NumericGreaterThan": "NumericLessThanEquals",
    "NumericLessThanEquals": "NumericGreaterThan",
    "DateLessThan": "DateGreaterThanEquals",
    "DateGreaterThanEquals": "DateLessThan",
    "DateGreaterThan": "DateLessThanEquals",
    "DateLessThanEquals": "DateGreaterThan",
}


@dataclass(frozen=True, slots=True)
class OperatorParts:
    set_prefix: str  # "", "forallvalues", "foranyvalue"
    base: str  # lower-cased operator without prefix and IfExists
    if_exists: bool


def split_operator(operator: str) -> OperatorParts:
    name = operator.lower()
    set_prefix = ""
    for prefix in ("forallvalues:", "foranyvalue:"):
        if name.startswith(prefix):
            set_prefix, name = prefix[:-1], name[len(prefix):]
    if_exists = name.endswith("ifexists")
    if if_exists:
        name = name[: -len("ifexists")]
    return OperatorParts(set_prefix, name, if_exists)


def evaluate(condition: Condition, context: CallerContext) -> Tri | None:
    """Decide a condition for a caller: YES/NO/MAYBE, or None when it depends on the request."""
    parts = split_operator(condition.operator)
    key = condition.key.lower()
    if key in context.omittable:
        # The caller may leave the key out: then IfExists passes and Null true holds.
        if parts.if_exists or (parts.base == "null" and _any_value_is(condition.values, "true") is Tri.YES):
            return Tri.YES
    if parts.base == "null":
        if key in context.absent:
            return _any_value_is(condition.values, "true")
        if key in context.known:
            return _any_value_is(condition.values, "false")
        return None
    if key in context.absent:
        if parts.if_exists:
            return Tri.YES
        if parts.set_prefix == "forallvalues":
            return Tri.YES  # ForAllValues over an empty set is true (IAM user guide)
        return Tri.YES if parts.base in NEGATED else Tri.NO
    if key not in context.known:
        return None
    return _compare(parts, condition.values, context.known[key])


def _any_value_is(values: tuple[Value, ...], wanted: str) -> Tri:
    return tri_any([match_literal(wanted, value, fold_case=True) for value in values])


def _compare(parts: OperatorParts, expected: tuple[Value, ...], actual: tuple[Value, ...]) -> Tri | None:
    negated = parts.base in NEGATED
    comparator = POSITIVE.get(NEGATED.get(parts.base, parts.base))
    if comparator is None:
        return None  # numeric, date, IP...: kept on the grant

    def one(value: Value) -> Tri:
        hit = tri_any([comparator(candidate, value) for candidate in expected])
        return ~hit if negated else hit

    results = [one(value) for value in actual]
    if parts.set_prefix == "forallvalues":
        return min(results, default=Tri.YES)
    return max(results, default=Tri.NO)


def negate(condition: Condition) -> Condition | None:
    """The condition that holds exactly when `condition` does not, when one operator says it."""
    parts = split_operator(condition.operator)
    if parts.set_prefix:
        return None
    if parts.base in ("bool", "null"):
        # Bool X v fails when X is absent too, so its negation passes when absent: IfExists.
        if len(condition.values) != 1 or not isinstance(condition.values[0], str):
            return None
        flipped = "false" if condition.values[0].lower() == "true" else "true"
        if parts.base == "null":
            operator = "Null"
        else:
            operator = "Bool" if parts.if_exists else "BoolIfExists"
        return Condition(operator=operator, key=condition.key, values=(flipped,))
    if parts.if_exists:
        return None
    name = NEGATION_NAMES.get(condition.operator)
    if name is None:
        return None
    return Condition(operator=name, key=condition.key, values=condition.values)
