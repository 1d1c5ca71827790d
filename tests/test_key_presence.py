"""Condition keys whose presence is known per caller kind (issue 13 item 6).

IAM User Guide, reference_policies_condition-keys ("Availability" of each key):
- aws:TokenIssueTime is in the request context only with temporary credentials: always in a role
  session's requests (so `Null … true` never holds for a role caller), absent for a user's long-term
  keys but present in its GetSessionToken session — the user's choice, like MFA.
- aws:SourceArn, aws:SourceAccount, aws:SourceOwner are present only when a service calls on behalf
  of a resource: absent when an IAM user or role calls AssumeRole itself.
- aws:CurrentTime is the time of the request: a `DateLessThan` date already past never holds again,
  a `DateGreaterThan` date already past always holds (reference_policies_elements_condition_operators,
  date operators).
reference_policies_condition-single-vs-multi-valued-context-keys: `ForAllValues` returns true when the
key is missing (the empty set); `ForAnyValue` returns false; AWS advises a `Null` check beside
`ForAllValues` for that reason, and the two then AND as any two operators do.
"""

from datetime import datetime, timezone

import pytest

from credmint.analyzer.conditions import CallerContext, evaluate, fixed_time
from credmint.analyzer.inventory import Condition
from credmint.analyzer.patterns import Tri
from tests.iam_scan import ACCOUNT, allow, arn, deny, grants, role, scan, trust, user

ALICE, DEPLOY, TARGET = arn("user", "alice"), arn("role", "deploy"), arn("role", "target")
ACCOUNT_ROOT = {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}


def cond(operator, key, *values):
    return Condition(operator=operator, key=key, values=values)


def callers_to_target(tmp_path, trusts, caller_extra=()):
    """alice and role deploy, both allowed sts:AssumeRole on role target, whose trust is `trusts`."""
    resources = {
        "Alice": user("alice", [allow("sts:AssumeRole", TARGET), *caller_extra]),
        "Deploy": role("deploy", [trust({"Service": "ec2.amazonaws.com"})],
                       [allow("sts:AssumeRole", TARGET), *caller_extra]),
        "Target": role("target", trusts),
    }
    found = grants(scan(tmp_path, resources))
    return {p: found.get((p, "sts:AssumeRole", TARGET)) for p in (ALICE, DEPLOY)}


TOKEN = "aws:TokenIssueTime"


def test_a_role_session_always_carries_token_issue_time(tmp_path):
    # Allow only without the key: never a role caller; a user's long-term keys meet it.
    found = callers_to_target(tmp_path, [trust(ACCOUNT_ROOT, Condition={"Null": {TOKEN: "true"}})])
    assert found == {ALICE: ("definite", frozenset(), ()), DEPLOY: None}
    # Allow only with the key: every role caller; a user through its GetSessionToken session.
    found = callers_to_target(tmp_path, [trust(ACCOUNT_ROOT, Condition={"Null": {TOKEN: "false"}})])
    assert found == {ALICE: ("conditional", frozenset({("Null", TOKEN, ("false",))}), ()),
                     DEPLOY: ("definite", frozenset(), ())}


def test_a_deny_on_token_issue_time_is_decided_for_a_role_and_avoidable_for_a_user(tmp_path):
    # Deny when the key is missing: never applies to a role; a user steps out with a session.
    denied = deny("sts:AssumeRole", Condition={"Null": {TOKEN: "true"}})
    found = callers_to_target(tmp_path, [trust(ACCOUNT_ROOT)], [denied])
    assert found == {ALICE: ("conditional", frozenset({("Null", TOKEN, ("false",))}), ()),
                     DEPLOY: ("definite", frozenset(), ())}
    # Deny when the key is there: always applies to a role; a user steps out with long-term keys.
    denied = deny("sts:AssumeRole", Condition={"Null": {TOKEN: "false"}})
    found = callers_to_target(tmp_path, [trust(ACCOUNT_ROOT)], [denied])
    assert found == {ALICE: ("conditional", frozenset({("Null", TOKEN, ("true",))}), ()), DEPLOY: None}


@pytest.mark.parametrize("key", ["aws:SourceArn", "aws:SourceAccount", "aws:SourceOwner"])
@pytest.mark.parametrize("principal", [{"AWS": "*"}, ACCOUNT_ROOT])
def test_service_source_keys_are_absent_when_an_iam_principal_calls_assume_role(tmp_path, key, principal):
    value = "arn:aws:s3:::bucket" if key == "aws:SourceArn" else ACCOUNT
    operator = "ArnLike" if key == "aws:SourceArn" else "StringEquals"
    # A positive operator on a missing key fails: no IAM caller is admitted.
    found = callers_to_target(tmp_path, [trust(principal, Condition={operator: {key: value}})])
    assert found == {ALICE: None, DEPLOY: None}
    # Its IfExists form passes; a Deny with the negated operator applies to them (missing ⇒ true).
    found = callers_to_target(tmp_path, [trust(principal, Condition={f"{operator}IfExists": {key: value}})])
    assert found == {ALICE: ("definite", frozenset(), ()), DEPLOY: ("definite", frozenset(), ())}
    negated = operator.replace("Like", "NotLike").replace("Equals", "NotEquals")
    found = callers_to_target(
        tmp_path, [trust(principal), trust({"AWS": "*"}, effect="Deny", Condition={negated: {key: value}})]
    )
    assert found == {ALICE: None, DEPLOY: None}


def test_a_service_still_meets_its_source_condition(tmp_path):
    resources = {"Target": role("target", [
        trust({"Service": "sns.amazonaws.com"}, Condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}}),
    ])}
    found = grants(scan(tmp_path, resources))
    assert found[("sns.amazonaws.com", "sts:AssumeRole", TARGET)] == (
        "conditional", frozenset({("StringEquals", "aws:SourceAccount", (ACCOUNT,))}), ()
    )


ABSENT = CallerContext(absent=frozenset({"aws:sourcearn"}))


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("ForAllValues:StringEquals", Tri.YES),
        ("ForAllValues:StringNotEquals", Tri.YES),
        ("ForAllValues:ArnLike", Tri.YES),
        ("ForAllValues:StringLikeIfExists", Tri.YES),
        ("ForAnyValue:StringEquals", Tri.NO),
        ("ForAnyValue:StringNotEquals", Tri.NO),  # false over the empty set, negated or not
        ("ForAnyValue:ArnNotLike", Tri.NO),
        ("StringNotEquals", Tri.YES),
        ("StringEquals", Tri.NO),
        ("StringEqualsIfExists", Tri.YES),
    ],
)
def test_set_operators_over_a_missing_key(operator, expected):
    assert evaluate(cond(operator, "aws:SourceArn", "arn:aws:s3:::b"), ABSENT) is expected


@pytest.mark.parametrize(("null", "expected"), [("false", None), ("true", ("definite", frozenset(), ()))])
def test_for_all_values_over_a_missing_key_beside_a_null_check(tmp_path, null, expected):
    condition = {"ForAllValues:ArnLike": {"aws:SourceArn": "arn:aws:s3:::b"}, "Null": {"aws:SourceArn": null}}
    found = callers_to_target(tmp_path, [trust(ACCOUNT_ROOT, Condition=condition)])
    assert found == {ALICE: expected, DEPLOY: expected}


NOW = datetime(2030, 6, 1, tzinfo=timezone.utc)
PAST, FUTURE = "2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z"
PAST_EPOCH = str(int(datetime(2029, 1, 1, tzinfo=timezone.utc).timestamp()))


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("DateLessThan", PAST, Tri.NO),
        ("DateLessThan", PAST_EPOCH, Tri.NO),
        ("DateLessThanEquals", "2030-01-01", Tri.NO),
        ("DateEquals", PAST, Tri.NO),
        ("DateGreaterThan", PAST, Tri.YES),
        ("DateGreaterThanEquals", PAST_EPOCH, Tri.YES),
        ("DateNotEquals", PAST, Tri.YES),
        ("DateLessThan", FUTURE, None),  # holds until then: kept on the grant
        ("DateGreaterThan", FUTURE, None),
        ("DateLessThan", "not a date", None),
    ],
)
def test_a_date_already_past_decides_current_time(operator, value, expected):
    with fixed_time(NOW):
        assert evaluate(cond(operator, "aws:CurrentTime", value), CallerContext()) is expected
        assert evaluate(cond(operator, "aws:EpochTime", value), CallerContext()) is expected


def test_an_expired_trust_grants_nothing_and_an_expired_deny_cuts_nothing(tmp_path):
    with fixed_time(NOW):
        expired = [trust(ACCOUNT_ROOT, Condition={"DateLessThan": {"aws:CurrentTime": PAST}})]
        assert callers_to_target(tmp_path, expired) == {ALICE: None, DEPLOY: None}
        lapsed = deny("sts:AssumeRole", Condition={"DateLessThan": {"aws:CurrentTime": PAST}})
        found = callers_to_target(tmp_path, [trust(ACCOUNT_ROOT)], [lapsed])
        assert found == {ALICE: ("definite", frozenset(), ()), DEPLOY: ("definite", frozenset(), ())}
        started = deny("sts:AssumeRole", Condition={"DateGreaterThan": {"aws:CurrentTime": PAST}})
        assert callers_to_target(tmp_path, [trust(ACCOUNT_ROOT)], [started]) == {ALICE: None, DEPLOY: None}
        window = [trust(ACCOUNT_ROOT, Condition={"DateLessThan": {"aws:CurrentTime": FUTURE}})]
        kept = ("conditional", frozenset({("DateLessThan", "aws:CurrentTime", (FUTURE,))}), ())
        assert callers_to_target(tmp_path, window) == {ALICE: kept, DEPLOY: kept}


def test_now_is_today_without_injection():
    # A date of the last century is past for any run of this suite.
    assert evaluate(cond("DateLessThan", "aws:CurrentTime", "1999-12-31T00:00:00Z"), CallerContext()) is Tri.NO
