"""Condition blocks: what can be decided for a known caller, and what stays on the grant.

SEMANTICS.md §6: operators and keys are ANDed, the values of one key ORed; a missing key makes a
positive operator false and a negated one true, except `...IfExists` and `Null`. Keys are
case-insensitive. §1: a key that can never be present for the caller's kind (ExternalId or MFA on a
service principal) makes the statement inapplicable. Conditions that depend on the request itself
(MFA at the call, ExternalId, source IP, OIDC `sub`...) are kept on the grant (`conditional`); a
Deny the caller can step out of at call time is one of those, never a cut (issue 13). The request
time is now or later, so a date already past decides `aws:CurrentTime`.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterator, Mapping

from credmint.analyzer.inventory import Condition, Value
from credmint.analyzer.patterns import Tri, match_glob, match_literal, match_resource, tri_any


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
    `aws:MultiFactorAuthPresent` (SEMANTICS.md §1), so `...IfExists` on it passes without MFA; and
    it can call with MFA-backed session credentials instead, so a Deny on the key is avoidable."""
    present: frozenset[str] = frozenset()
    """Keys always in this caller's requests, their values depending on the request: a role
    session always carries `aws:TokenIssueTime`, so `Null ... true` never holds for it."""


ANYONE = CallerContext()


def long_term(context: CallerContext) -> CallerContext:
    """The context of a call a user can make only with its long-term access keys (GetFederationToken,
    SEMANTICS.md §2): the keys a session would send are then surely absent, not the caller's choice."""
    if not context.omittable:
        return context
    return CallerContext(
        known=context.known, absent=context.absent | context.omittable, present=context.present,
    )


def context_view(context: CallerContext, keys: tuple[str, ...]) -> tuple:
    """What a context says about these (lower-cased) keys: equal views decide every condition
    and policy variable on them alike, so answers can be shared between callers."""
    return tuple(
        (key, context.known.get(key), key in context.absent, key in context.omittable, key in context.present)
        for key in keys
    )

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
ABSENT_PASSES = frozenset(NEGATED) | {"notipaddress", "numericnotequals", "datenotequals"}
"""Plain operators a missing key meets: those requiring the key not to match (IAM User Guide,
condition operators: "If the policy condition requires that the key is not matched ... the
condition is true")."""
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
    "DateEquals": "DateNotEquals",
    "DateNotEquals": "DateEquals",
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


def evaluate(condition: Condition, context: CallerContext, *, deny: bool = False) -> Tri | None:
    """Decide a condition for a caller: YES/NO/MAYBE, or None when it depends on the request.

    `deny`: the condition belongs to a Deny statement. Where the caller chooses at call time
    whether a key is sent (`omittable`), an Allow that omission satisfies is met (the caller omits
    it), but a Deny that omission triggers is not surely met: the caller can send the key instead
    (MFA-backed session credentials), so the condition stays on the grant, negated (SEMANTICS §1).
    """
    parts = split_operator(condition.operator)
    key = condition.key.lower()
    if key in CLOCK_KEYS:
        return _time_condition(parts, condition.values)
    if key in context.omittable:
        if deny:
            return None
        if _holds_when_absent(parts, condition.values) is Tri.YES:
            return Tri.YES
        return None
    if key in context.present:
        return _any_value_is(condition.values, "false") if parts.base == "null" else None
    if parts.base == "null":
        if key in context.absent:
            return _any_value_is(condition.values, "true")
        if key in context.known:
            return _any_value_is(condition.values, "false")
        return None
    if key in context.absent:
        return _holds_when_absent(parts, condition.values)
    if key not in context.known:
        return None
    return _compare(parts, condition.values, context.known[key])


def _holds_when_absent(parts: OperatorParts, values: tuple[Value, ...]) -> Tri:
    """A condition over a key missing from the request (IAM User Guide, condition operators and
    multivalued keys): IfExists and ForAllValues pass (an empty set meets "for all"), ForAnyValue
    fails whatever its operator, Null passes when it asks for absence, a plain negated operator
    passes and a positive one fails."""
    if parts.base == "null":
        return _any_value_is(values, "true")
    if parts.if_exists or parts.set_prefix == "forallvalues":
        return Tri.YES
    if parts.set_prefix == "foranyvalue":
        return Tri.NO
    return Tri.YES if parts.base in ABSENT_PASSES else Tri.NO


CLOCK_KEYS = frozenset({"aws:currenttime", "aws:epochtime"})
"""Keys whose value is the time of the request: always present, and never earlier than now."""

_CLOCK: ContextVar[Callable[[], datetime]] = ContextVar("clock", default=lambda: datetime.now(timezone.utc))


def now() -> datetime:
    """The current time (UTC) as the analysis sees it; `fixed_time` sets it for tests."""
    return _CLOCK.get()()


@contextmanager
def fixed_time(when: datetime) -> Iterator[None]:
    """Run the analysis as if it were `when` (a request is made at `when` or later)."""
    token = _CLOCK.set(lambda: when)
    try:
        yield
    finally:
        _CLOCK.reset(token)


# For a request time t >= now and a policy date v: the answer when v lies in the past (v < now),
# where the comparison no longer changes. A date still ahead stays on the grant (it holds for a while).
_PAST_DATE: Mapping[str, Tri] = {
    "datelessthan": Tri.NO,
    "datelessthanequals": Tri.NO,
    "dateequals": Tri.NO,
    "dategreaterthan": Tri.YES,
    "dategreaterthanequals": Tri.YES,
    "datenotequals": Tri.YES,
}


def _time_condition(parts: OperatorParts, values: tuple[Value, ...]) -> Tri | None:
    """`DateLessThan aws:CurrentTime` a date already past never holds again; `DateGreaterThan`
    it always holds from now on (IAM User Guide, date condition operators)."""
    past = _PAST_DATE.get(parts.base)
    if parts.base == "null":
        return _any_value_is(values, "false")  # always present
    if past is None or parts.set_prefix:
        return None
    current = now()
    answers: list[Tri | None] = []
    for value in values:
        moment = _moment(value)
        answers.append(past if moment is not None and moment < current else None)
    if any(a is Tri.YES for a in answers):
        return Tri.YES
    if answers and all(a is Tri.NO for a in answers):
        return Tri.NO
    return None


def _moment(value: Value) -> datetime | None:
    """A policy date: ISO 8601 (a date, or a date and time with a zone or `Z`) or epoch seconds."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text), timezone.utc)
    try:
        moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment


def _any_value_is(values: tuple[Value, ...], wanted: str) -> Tri:
    return tri_any(match_literal(wanted, value, fold_case=True) for value in values)


def _compare(parts: OperatorParts, expected: tuple[Value, ...], actual: tuple[Value, ...]) -> Tri | None:
    negated = parts.base in NEGATED
    comparator = POSITIVE.get(NEGATED.get(parts.base, parts.base))
    if comparator is None:
        return None  # numeric, date, IP...: kept on the grant

    def one(value: Value) -> Tri:
        hit = tri_any(comparator(candidate, value) for candidate in expected)
        return ~hit if negated else hit

    results = [one(value) for value in actual]
    if parts.set_prefix == "forallvalues":
        return min(results, default=Tri.YES)
    return max(results, default=Tri.NO)


_OPPOSITE: Mapping[str, str] = {name.lower(): opposite for name, opposite in NEGATION_NAMES.items()}
_ONE_VALUE_ONLY = frozenset({
    f"{family}{order}" for family in ("numeric", "date")
    for order in ("lessthan", "lessthanequals", "greaterthan", "greaterthanequals")
})
"""Ordering operators: `NumericLessThan X [1, 2]` is X < 1 or X < 2, whose negation is no single
operator over the same values."""


def negate(condition: Condition) -> tuple[Condition, ...] | None:
    """The conditions (ANDed) that hold exactly when `condition` does not, or None.

    A missing key decides both sides (IAM User Guide, condition operators: a plain operator fails on
    a missing key unless it is a `Not` one; `...IfExists` passes): the opposite operator takes
    `IfExists` when the negation must pass on a missing key, and `Null X false` beside it when a
    `Not` operator would wrongly pass there (`StringEqualsIfExists X v` → `StringNotEquals X v` and
    `Null X false`). Bool's opposite is Bool with the other value.
    """
    parts = split_operator(condition.operator)
    if parts.set_prefix:
        return None
    if parts.base in ("bool", "null"):
        if len(condition.values) != 1 or not isinstance(condition.values[0], str):
            return None
        flipped = "false" if condition.values[0].lower() == "true" else "true"
        if parts.base == "null":
            return (Condition(operator="Null", key=condition.key, values=(flipped,)),)
        opposite, values = "Bool", (flipped,)
    else:
        opposite, values = _OPPOSITE.get(parts.base, ""), condition.values
        if not opposite or (parts.base in _ONE_VALUE_ONLY and len(values) != 1):
            return None
    must_pass_absent = not (parts.if_exists or parts.base in ABSENT_PASSES)
    passes_absent = opposite.lower() in ABSENT_PASSES
    if passes_absent == must_pass_absent:
        return (Condition(operator=opposite, key=condition.key, values=values),)
    if must_pass_absent:
        return (Condition(operator=opposite + "IfExists", key=condition.key, values=values),)
    return (
        Condition(operator=opposite, key=condition.key, values=values),
        Condition(operator="Null", key=condition.key, values=("false",)),
    )
