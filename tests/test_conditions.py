"""SEMANTICS.md §1 and §6 conditions: known keys decided, absent keys, IfExists, Null, negation."""

import pytest

from credmint.analyzer.conditions import CallerContext, evaluate, negate
from credmint.analyzer.inventory import Condition
from credmint.analyzer.patterns import Tri

USER = CallerContext(
    known={"aws:principalarn": ("arn:aws:iam::111111111111:user/alice",), "aws:username": ("alice",)},
    absent=frozenset({"sts:externalid"}),
)


def cond(operator, key, *values):
    return Condition(operator=operator, key=key, values=values)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (cond("StringEquals", "aws:PrincipalArn", "arn:aws:iam::111111111111:user/alice"), Tri.YES),
        (cond("StringEquals", "AWS:PRINCIPALARN", "arn:aws:iam::111111111111:user/alice"), Tri.YES),
        (cond("StringEquals", "aws:PrincipalArn", "arn:aws:iam::111111111111:user/bob"), Tri.NO),
        (cond("StringEquals", "aws:PrincipalArn", "x", "arn:aws:iam::111111111111:user/alice"), Tri.YES),
        (cond("ArnLike", "aws:PrincipalArn", "arn:aws:iam::111111111111:user/*"), Tri.YES),
        (cond("StringNotEquals", "aws:username", "alice"), Tri.NO),
        (cond("StringLike", "aws:username", "al*"), Tri.YES),
        (cond("StringEquals", "aws:username", "al*"), Tri.NO),  # StringEquals has no wildcards
        # A key that can never be present: positive operators fail, negated ones pass.
        (cond("StringEquals", "sts:ExternalId", "x"), Tri.NO),
        (cond("StringNotEquals", "sts:ExternalId", "x"), Tri.YES),
        (cond("StringEqualsIfExists", "sts:ExternalId", "x"), Tri.YES),
        (cond("Null", "sts:ExternalId", "true"), Tri.YES),
        (cond("Null", "sts:ExternalId", "false"), Tri.NO),
        (cond("Null", "aws:username", "false"), Tri.YES),
    ],
)
def test_conditions_on_keys_known_for_the_caller_are_decided(condition, expected):
    assert evaluate(condition, USER) is expected


def test_request_dependent_conditions_stay_on_the_grant():
    assert evaluate(cond("Bool", "aws:MultiFactorAuthPresent", "true"), USER) is None
    assert evaluate(cond("IpAddress", "aws:SourceIp", "10.0.0.0/8"), USER) is None


def test_a_deny_condition_negates_into_the_condition_the_request_must_meet():
    assert negate(cond("StringEquals", "sts:ExternalId", "x")) == (cond("StringNotEquals", "sts:ExternalId", "x"),)
    # Deny when MFA is false or absent ⇒ allowed only with MFA present and true.
    assert negate(cond("BoolIfExists", "aws:MultiFactorAuthPresent", "false")) == (
        cond("Bool", "aws:MultiFactorAuthPresent", "true"),
    )
    assert negate(cond("ForAnyValue:StringEquals", "aws:TagKeys", "x")) is None


@pytest.mark.parametrize(
    ("operator", "values", "opposite"),
    [
        # IAM User Guide, condition operators: a missing key fails a plain operator unless it is a
        # `Not` one, and passes an `...IfExists` one; the negation decides a missing key the other way.
        ("NumericGreaterThanIfExists", ("3600",), [("NumericLessThanEquals", ("3600",))]),
        ("StringEqualsIfExists", ("a",), [("StringNotEquals", ("a",)), ("Null", ("false",))]),
        ("StringNotEqualsIfExists", ("a",), [("StringEquals", ("a",))]),
        ("NumericLessThan", ("3",), [("NumericGreaterThanEqualsIfExists", ("3",))]),
        ("DateEquals", ("2030-01-01",), [("DateNotEquals", ("2030-01-01",))]),
        ("IpAddress", ("10.0.0.0/8",), [("NotIpAddress", ("10.0.0.0/8",))]),
        ("NotIpAddressIfExists", ("10.0.0.0/8",), [("IpAddress", ("10.0.0.0/8",))]),
        # X < 1 or X < 2 is no single operator over the same values once negated.
        ("NumericLessThan", ("1", "2"), None),
    ],
)
def test_a_deny_condition_negates_with_what_a_missing_key_does(operator, values, opposite):
    expected = None if opposite is None else tuple(cond(op, "k", *vals) for op, vals in opposite)
    assert negate(cond(operator, "k", *values)) == expected


def test_a_missing_key_meets_every_plain_not_operator():
    for operator in ("NumericNotEquals", "DateNotEquals", "NotIpAddress", "StringNotLike"):
        assert evaluate(cond(operator, "aws:sourceip", "1"), CallerContext(absent=frozenset({"aws:sourceip"}))) is Tri.YES


LONG_TERM_KEYS = CallerContext(omittable=frozenset({"aws:multifactorauthpresent"}))


def test_mfa_if_exists_passes_without_mfa_for_a_user_with_long_term_keys():
    # SEMANTICS.md §1: MFA is absent for long-term keys; BoolIfExists passes without it.
    assert evaluate(cond("BoolIfExists", "aws:MultiFactorAuthPresent", "true"), LONG_TERM_KEYS) is Tri.YES
    assert evaluate(cond("Null", "aws:MultiFactorAuthPresent", "true"), LONG_TERM_KEYS) is Tri.YES
    # Bool true needs MFA at the call: it stays a condition on the grant.
    assert evaluate(cond("Bool", "aws:MultiFactorAuthPresent", "true"), LONG_TERM_KEYS) is None
