"""Policy variables in Condition values (IAM User Guide, reference_policies_variables: "You can use
policy variables in the Resource element and in string comparisons in the Condition element").

A variable is the caller's own value, resolved before the comparison: `StringEquals
aws:PrincipalAccount "${aws:PrincipalAccount}"` holds for every caller, and `StringLike
aws:PrincipalArn ".../user/${aws:username}"` holds for every user of the account. Compared as literal
text they held for nobody, and the grants (with their chains) vanished. A variable the caller cannot
have (`${aws:username}` for a role) makes the statement give it nothing, as in Resource; one the
request fills in (`${aws:SourceIp}`) leaves the condition on the grant. Under Version 2008-10-17 the
text is literal (SEMANTICS.md §6).
"""

from tests.iam_scan import ACCOUNT, allow, arn, chains, deny, grants, role, scan, trust, user

ALICE, TARGET, NEXT = arn("user", "alice"), arn("role", "target"), arn("role", "next")
ROOT = f"arn:aws:iam::{ACCOUNT}:root"


def world(alice_statements, target_trust) -> dict:
    return {
        "Alice": user("alice", alice_statements),
        "Target": role("target", target_trust),
        "Next": role("next", [trust({"AWS": TARGET})]),
        "Worker": role("worker", [trust({"Service": "ec2.amazonaws.com"})], [allow("sts:AssumeRole")]),
    }


def test_a_variable_in_an_identity_condition_is_the_callers_own_value(tmp_path):
    same_account = {"StringEquals": {"aws:PrincipalAccount": "${aws:PrincipalAccount}"}}
    report = scan(tmp_path, world([allow("sts:AssumeRole", Condition=same_account)], [trust({"AWS": ROOT})]))
    assert grants(report)[(ALICE, "sts:AssumeRole", TARGET)] == ("definite", frozenset(), ())
    assert (ALICE, TARGET, NEXT) in chains(report)


def test_a_variable_in_a_trust_condition_admits_each_user_by_its_own_name(tmp_path):
    own_arn = {"StringLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"}}
    report = scan(tmp_path, world([allow("sts:AssumeRole")], [trust({"AWS": ROOT}, Condition=own_arn)]))
    found = grants(report)
    assert found[(ALICE, "sts:AssumeRole", TARGET)] == ("definite", frozenset(), ())
    # A role has no aws:username: the statement gives it nothing.
    assert (arn("role", "worker"), "sts:AssumeRole", TARGET) not in found


def test_a_deny_whose_condition_variable_resolves_for_the_caller_cuts(tmp_path):
    mine = {"StringEquals": {"aws:username": "${aws:username}"}}
    report = scan(tmp_path, world([allow("sts:AssumeRole"), deny("sts:AssumeRole", Condition=mine)], [trust({"AWS": ROOT})]))
    assert (ALICE, "sts:AssumeRole", TARGET) not in grants(report)


def test_a_variable_the_request_fills_in_stays_on_the_grant(tmp_path):
    request = {"StringEquals": {"aws:PrincipalTag/team": "${aws:RequestTag/team}"}}
    report = scan(tmp_path, world([allow("sts:AssumeRole", Condition=request)], [trust({"AWS": ROOT})]))
    assert grants(report)[(ALICE, "sts:AssumeRole", TARGET)] == (
        "conditional", frozenset({("StringEquals", "aws:PrincipalTag/team", ("${aws:RequestTag/team}",))}), (),
    )
