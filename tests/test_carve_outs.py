"""NotResource and carve-outs on pattern targets (issue 13 item 5).

reference_policies_elements_notresource: `NotResource` matches every resource except those listed, so
`Deny … NotResource X` denies everything but X; reference_policies_evaluation-logic: an explicit
Deny overrides every Allow. An Allow on `*` with such a Deny leaves exactly X — for
sts:GetFederationToken (SEMANTICS.md §2: "Deny statements carve names out") as for sts:AssumeRole.
CONTRACT.md: `except` lists what Deny statements carve out of a pattern target; a Deny covering the
whole target removes it (unconditional) or keeps it `conditional` on its negation (docs/DECISIONS.md),
so `except` is never `["*"]` while something remains.
"""

import pytest

from tests.iam_scan import ACCOUNT, allow, arn, deny, grants, role, scan, trust, user

ALICE = arn("user", "alice")
BOTH = ["sts:AssumeRole", "sts:GetFederationToken"]


def federated(name: str) -> str:
    return f"arn:aws:sts::{ACCOUNT}:federated-user/{name}"


def alice_grants(tmp_path, statements, **resources):
    found = grants(scan(tmp_path, {"Alice": user("alice", statements), **resources}))
    return {(action, target): answer for (principal, action, target), answer in found.items()
            if principal == ALICE and action != "sts:GetSessionToken"}


def not_resource_deny(action, *resources, **extra):
    return {"Effect": "Deny", "Action": action, "NotResource": list(resources), **extra}


OUTSIDE = "arn:aws:iam::222222222222:role/x"


@pytest.mark.parametrize(
    ("spared", "expected"),
    [
        (federated("ops-*"), {("sts:GetFederationToken", federated("ops-*")): ("definite", frozenset(), ())}),
        (federated("bob"), {("sts:GetFederationToken", federated("bob")): ("definite", frozenset(), ())}),
        (f"arn:aws:sts::*:federated-user/ci", {("sts:GetFederationToken", federated("ci")): ("definite", frozenset(), ())}),
        (OUTSIDE, {("sts:AssumeRole", OUTSIDE): ("uncertain", frozenset(), ())}),
    ],
)
def test_allow_star_with_a_deny_not_resource_leaves_exactly_what_it_names(tmp_path, spared, expected):
    statements = [allow(BOTH), not_resource_deny(BOTH, spared)]
    assert alice_grants(tmp_path, statements) == expected


def test_a_spared_role_of_the_templates_is_decided_by_its_trust(tmp_path):
    kept = arn("role", "kept")
    statements = [allow("sts:AssumeRole"), not_resource_deny("sts:AssumeRole", kept)]
    found = alice_grants(
        tmp_path, statements,
        Kept=role("kept", [trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})]),
        Other=role("other", [trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})]),
    )
    assert found == {("sts:AssumeRole", kept): ("definite", frozenset(), ())}


def test_later_denies_carve_the_part_a_not_resource_deny_leaves(tmp_path):
    statements = [
        allow("sts:GetFederationToken"),
        not_resource_deny("sts:GetFederationToken", federated("ops-*")),
        deny("sts:GetFederationToken", federated("ops-admin")),
    ]
    assert alice_grants(tmp_path, statements) == {
        ("sts:GetFederationToken", federated("ops-*")): ("definite", frozenset(), (federated("ops-admin"),)),
    }


@pytest.mark.parametrize(
    ("allowed", "spared", "expected"),
    [
        # The target lies inside what the NotResource names: the Deny does not apply.
        (federated("app-*"), federated("*"), {("sts:GetFederationToken", federated("app-*")): ("definite", frozenset(), ())}),
        # Nothing of the target is spared: it is all denied.
        (federated("app-*"), federated("ops-*"), {}),
    ],
)
def test_a_not_resource_deny_over_a_narrower_allow(tmp_path, allowed, spared, expected):
    statements = [allow("sts:GetFederationToken", allowed), not_resource_deny("sts:GetFederationToken", spared)]
    assert alice_grants(tmp_path, statements) == expected


REGION = {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}
ESCAPE = frozenset({("StringEquals", "aws:RequestedRegion", ("eu-west-1",))})


@pytest.mark.parametrize(
    ("action", "pattern", "target", "certainty"),
    [
        ("sts:GetFederationToken", federated("app-*"), federated("app-*"), "conditional"),
        ("sts:GetFederationToken", "*", federated("*"), "conditional"),
        ("sts:AssumeRole", "arn:aws:iam::*:role/app-*", "arn:aws:iam::*:role/app-*", "uncertain"),
        ("sts:AssumeRole", "*", "*", "uncertain"),
    ],
)
def test_a_conditional_deny_on_everything_keeps_its_negated_condition_never_except_star(
    tmp_path, action, pattern, target, certainty
):
    statements = [allow(action, pattern), deny(action, "*", Condition=REGION)]
    assert alice_grants(tmp_path, statements) == {(action, target): (certainty, ESCAPE, ())}
    # Unconditional, the same Deny removes the grant.
    assert alice_grants(tmp_path, [allow(action, pattern), deny(action, "*")]) == {}


@pytest.mark.parametrize("action", BOTH)
def test_an_allow_not_resource_star_allows_nothing(tmp_path, action):
    statements = [{"Effect": "Allow", "Action": action, "NotResource": "*"}]
    assert alice_grants(tmp_path, statements) == {}


def test_an_allow_not_resource_carves_its_names_out_of_star(tmp_path):
    statements = [{"Effect": "Allow", "Action": BOTH, "NotResource": [federated("root*"), OUTSIDE]}]
    assert alice_grants(tmp_path, statements) == {
        ("sts:GetFederationToken", federated("*")): ("definite", frozenset(), (federated("root*"),)),
        ("sts:AssumeRole", "*"): ("uncertain", frozenset(), (OUTSIDE,)),
    }


def test_a_deny_on_part_of_a_pattern_is_listed_in_except(tmp_path):
    statements = [allow(BOTH), deny(BOTH, [federated("Admin*"), OUTSIDE])]
    assert alice_grants(tmp_path, statements) == {
        ("sts:GetFederationToken", federated("*")): ("definite", frozenset(), (federated("Admin*"),)),
        ("sts:AssumeRole", "*"): ("uncertain", frozenset(), (OUTSIDE,)),
    }


@pytest.mark.parametrize(
    ("action", "spared", "whole"),
    [
        ("sts:GetFederationToken", federated("app-*"), federated("*")),
        ("sts:AssumeRole", OUTSIDE, "*"),
    ],
)
def test_a_conditional_deny_not_resource_keeps_the_whole_target_under_its_negation(tmp_path, action, spared, whole):
    """`Deny … NotResource X` with a condition denies everything but X only when the condition
    holds: the request escapes it by meeting the opposite condition anywhere, and X is never denied.
    So the whole target stays, conditional on the negation, and X stays as the Allow gives it."""
    escape = {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}}
    statements = [allow(action), not_resource_deny(action, spared, Condition=escape)]
    found = alice_grants(tmp_path, statements)
    assert found[(action, whole)][:2] == (
        "conditional" if action == "sts:GetFederationToken" else "uncertain",
        frozenset({("StringEquals", "aws:RequestedRegion", ("us-east-1",))}),
    )
    assert found[(action, spared)][1] == frozenset()
    assert found[(action, spared)][0] == ("definite" if action == "sts:GetFederationToken" else "uncertain")
