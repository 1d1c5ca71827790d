"""`*` narrowed by aws:PrincipalArn and permissions boundaries (issue 13 item 3).

The Principal page (reference_policies_elements_principal) says a permissions boundary does not limit
what a trust policy grants to a wildcard Principal narrowed by an `aws:PrincipalArn` condition;
SEMANTICS.md §1 (after id_roles_update-role-trust-policy: "If a permissions boundary is set for the
user, then it must allow the sts:AssumeRole action") says the caller's boundary cuts it. Where they
disagree the grant is `uncertain`, its reason naming both pages — never dropped.
"""

import pytest

from tests.iam_scan import ACCOUNT, allow, arn, managed, role, scan, trust, user

TARGET = arn("role", "target")
BOUNDARY = {"Bound": managed("bound", [allow("s3:*")])}  # no sts:AssumeRole
CALLERS = {
    "user": (arn("user", "alice"), lambda: user("alice", [allow("sts:AssumeRole", TARGET)], boundary="Bound")),
    "role": (arn("role", "deploy"), lambda: role(
        "deploy", [trust({"Service": "ec2.amazonaws.com"})], [allow("sts:AssumeRole", TARGET)], boundary="Bound",
    )),
}


def grant_to_target(tmp_path, kind, trusts):
    caller, build = CALLERS[kind]
    report = scan(tmp_path, {"Caller": build(), "Target": role("target", trusts(caller)), **BOUNDARY})
    found = [g for g in report["grants"] if g["principal"] == caller and g["target"] == TARGET]
    return found[0] if found else None


def narrowed(caller):
    return [trust({"AWS": "*"}, Condition={"ArnEquals": {"aws:PrincipalArn": caller}})]


@pytest.mark.parametrize("kind", ["user", "role"])
def test_a_boundary_against_a_wildcard_narrowed_by_principal_arn_makes_the_grant_uncertain(tmp_path, kind):
    grant = grant_to_target(tmp_path, kind, narrowed)
    assert grant is not None and grant["certainty"] == "uncertain"
    reason = next(r for r in grant["reasons"] if "permissions boundary" in r)
    assert "reference_policies_elements_principal" in reason and "id_roles_update-role-trust-policy" in reason


def test_a_role_named_by_its_arn_is_still_cut_by_its_boundary(tmp_path):
    # SEMANTICS.md §1: "A role caller is still cut by its own permissions boundary" — no disagreement here.
    assert grant_to_target(tmp_path, "role", lambda caller: [trust({"AWS": caller})]) is None


def test_a_user_named_by_its_arn_keeps_the_earlier_decision(tmp_path):
    grant = grant_to_target(tmp_path, "user", lambda caller: [trust({"AWS": caller})])
    assert grant["certainty"] == "uncertain"  # SEMANTICS.md §1 decision on a user's boundary


def test_a_boundary_that_allows_it_leaves_the_grant_definite(tmp_path):
    caller, build = CALLERS["role"]
    resources = {"Caller": build(), "Target": role("target", narrowed(caller)),
                 "Bound": managed("bound", [allow("sts:AssumeRole")])}
    found = [g for g in scan(tmp_path, resources)["grants"] if g["principal"] == caller and g["target"] == TARGET]
    assert [g["certainty"] for g in found] == ["definite"]


def test_the_account_form_still_needs_the_boundary(tmp_path):
    # Trusting the account defers to the caller's identity policy ∩ boundary (SEMANTICS.md §7 step 5).
    def account(caller):
        return [trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, Condition={"ArnEquals": {"aws:PrincipalArn": caller}})]

    assert grant_to_target(tmp_path, "role", account) is None
