"""A Deny the caller can step out of at call time is a condition on the grant, not a cut (issue 13 item 1).

AWS's "require MFA" policy (IAM User Guide, id_credentials_mfa_configure-api-require) denies with
`BoolIfExists aws:MultiFactorAuthPresent false` or `Null aws:MultiFactorAuthPresent true`. The key is
absent for long-term access keys but present in credentials from GetSessionToken, true when MFA was
used (reference_policies_condition-keys, aws:MultiFactorAuthPresent); every user may call
GetSessionToken (id_credentials_temp_control-access_getsessiontoken) and those credentials may call
AssumeRole. So the Deny leaves the grant, `conditional` on its negation (docs/DECISIONS.md:
`BoolIfExists X false` ↔ `Bool X true`, `Null` flipped), and every chain behind it stays — wherever the
Deny sits: the user's own policy, its group's, its permissions boundary, or the trust policy
(reference_policies_evaluation-logic: an explicit Deny in any of them applies to the request).
"""

import pytest

from credmint.analyzer.conditions import CallerContext, evaluate
from credmint.analyzer.inventory import Condition
from tests.iam_scan import ACCOUNT, allow, arn, chains, deny, grants, group, managed, role, scan, trust, user

ALICE, DEPLOY, ADMIN = arn("user", "alice"), arn("role", "deploy"), arn("role", "admin")
MFA = "aws:MultiFactorAuthPresent"
# The Deny's condition, and the condition the grant keeps (its negation).
FORMS = [
    ({"BoolIfExists": {MFA: "false"}}, ("Bool", MFA, ("true",))),
    ({"Null": {MFA: "true"}}, ("Null", MFA, ("false",))),
]
# AWS's own example excludes the calls a user needs to set up MFA, GetSessionToken among them.
REQUIRE_MFA_ACTIONS = ["iam:ChangePassword", "iam:ListMFADevices", "sts:GetSessionToken"]


def mfa_deny(condition: dict) -> dict:
    return {"Effect": "Deny", "NotAction": REQUIRE_MFA_ACTIONS, "Resource": "*", "Condition": condition}


def world(alice: dict, *, deploy_trust=None, extra=None) -> dict:
    resources = {
        "Alice": alice,
        "Deploy": role("deploy", deploy_trust or [trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})],
                       [allow("sts:AssumeRole", ADMIN)]),
        "Admin": role("admin", [trust({"AWS": DEPLOY})]),
    }
    resources.update(extra or {})
    return resources


def placed(where: str, condition: dict) -> dict:
    """Alice allowed sts:AssumeRole on deploy, with the MFA Deny in `where`."""
    assume = allow("sts:AssumeRole", DEPLOY)
    if where == "user":
        return world(user("alice", [assume, mfa_deny(condition)]))
    if where == "group":
        return world(user("alice", [assume], groups=["Devs"]), extra={"Devs": group("devs", [mfa_deny(condition)])})
    if where == "boundary":
        boundary = managed("bound", [allow("*"), mfa_deny(condition)])
        return world(user("alice", [assume], boundary="Bound"), extra={"Bound": boundary})
    # Trust names alice herself: no identity policy is needed, her own Deny still applies (§7 step 1).
    return world(user("alice", [mfa_deny(condition)]), deploy_trust=[trust({"AWS": ALICE})])


@pytest.mark.parametrize(("deny_condition", "kept"), FORMS)
@pytest.mark.parametrize("where", ["user", "group", "boundary", "named by the trust"])
def test_an_mfa_deny_on_the_caller_makes_the_grant_conditional_and_keeps_its_chains(
    tmp_path, where, deny_condition, kept
):
    report = scan(tmp_path, placed(where, deny_condition))
    assert grants(report)[(ALICE, "sts:AssumeRole", DEPLOY)] == ("conditional", frozenset({kept}), ())
    assert (ALICE, DEPLOY, ADMIN) in chains(report)


@pytest.mark.parametrize(("deny_condition", "kept"), FORMS)
@pytest.mark.parametrize("principal", [{"AWS": "*"}, {"AWS": ALICE}, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}])
def test_an_mfa_deny_in_the_trust_policy_makes_the_grant_conditional(tmp_path, principal, deny_condition, kept):
    resources = world(
        user("alice"),
        deploy_trust=[trust({"AWS": ALICE}), trust(principal, effect="Deny", Condition=deny_condition)],
    )
    report = scan(tmp_path, resources)
    assert grants(report)[(ALICE, "sts:AssumeRole", DEPLOY)] == ("conditional", frozenset({kept}), ())
    assert (ALICE, DEPLOY, ADMIN) in chains(report)


@pytest.mark.parametrize(("deny_condition", "kept"), FORMS)
def test_an_mfa_deny_keeps_a_grant_to_a_role_outside_the_templates(tmp_path, deny_condition, kept):
    outside = "arn:aws:iam::222222222222:role/x"
    report = scan(tmp_path, {"Alice": user("alice", [allow("sts:AssumeRole", outside), mfa_deny(deny_condition)])})
    assert grants(report)[(ALICE, "sts:AssumeRole", outside)] == ("uncertain", frozenset({kept}), ())


def test_an_unconditional_deny_still_cuts(tmp_path):
    report = scan(tmp_path, world(user("alice", [allow("sts:AssumeRole", DEPLOY), deny("sts:AssumeRole")])))
    assert (ALICE, "sts:AssumeRole", DEPLOY) not in grants(report)


@pytest.mark.parametrize(("deny_condition", "kept"), FORMS)
def test_get_federation_token_cannot_step_out_of_an_mfa_deny(tmp_path, deny_condition, kept):
    # GetFederationToken is called with long-term keys only (id_credentials_temp_request): the MFA
    # key is surely absent, so the Deny surely applies; GetSessionToken stays (no policy denies it).
    federation = allow("sts:GetFederationToken")
    report = scan(tmp_path, {"Alice": user("alice", [federation, mfa_deny(deny_condition)])})
    assert set(grants(report)) == {(ALICE, "sts:GetSessionToken", ALICE)}
    report = scan(tmp_path, {"Alice": user("alice", [federation])})
    assert (ALICE, "sts:GetFederationToken", f"arn:aws:sts::{ACCOUNT}:federated-user/*") in grants(report)


LONG_TERM_KEYS = CallerContext(omittable=frozenset({"aws:multifactorauthpresent"}))


@pytest.mark.parametrize(
    ("operator", "value", "allow_answer"),
    [("BoolIfExists", "false", "yes"), ("Null", "true", "yes"), ("Bool", "false", None),
     ("Bool", "true", None), ("BoolIfExists", "true", "yes"), ("Null", "false", None)],
)
def test_a_key_the_caller_chooses_decides_an_allow_it_can_meet_but_never_a_deny(operator, value, allow_answer):
    condition = Condition(operator=operator, key=MFA, values=(value,))
    assert evaluate(condition, LONG_TERM_KEYS, deny=True) is None  # kept, negated on the grant
    found = evaluate(condition, LONG_TERM_KEYS)
    assert (found.name.lower() if found is not None else None) == allow_answer


def test_an_if_exists_deny_the_caller_steps_out_of_keeps_its_exact_negation(tmp_path):
    """AWS's "MFA within the last hour" pattern: Deny `NumericGreaterThanIfExists MultiFactorAuthAge
    3600` beside the MFA Deny. A missing key meets IfExists, so the request escapes only with the key
    present and at most 3600: `NumericLessThanEquals` (a plain operator fails on a missing key, IAM
    User Guide, condition operators). The user can meet both with a fresh GetSessionToken session."""
    age = {"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}
    resources = world(
        user("alice"),
        deploy_trust=[
            trust({"AWS": ALICE}),
            trust({"AWS": "*"}, effect="Deny", Condition=age),
            trust({"AWS": "*"}, effect="Deny", Condition=FORMS[0][0]),
        ],
    )
    report = scan(tmp_path, resources)
    assert grants(report)[(ALICE, "sts:AssumeRole", DEPLOY)] == (
        "conditional",
        frozenset({("NumericLessThanEquals", "aws:MultiFactorAuthAge", ("3600",)), FORMS[0][1]}),
        (),
    )
    assert (ALICE, DEPLOY, ADMIN) in chains(report)


@pytest.mark.parametrize(
    ("deny_condition", "kept"),
    [({"Null": {MFA: "true"}}, None), ({"BoolIfExists": {MFA: "false"}}, ("Bool", MFA, ("true",)))],
)
def test_a_role_session_always_carries_the_mfa_key_its_value_stays_a_condition(tmp_path, deny_condition, kept):
    """A role session is temporary credentials: aws:MultiFactorAuthPresent is in its requests
    (reference_policies_condition-keys), so a Deny on its absence never applies to a role, while one on
    its value `false` leaves the grant conditional on MFA (a session made with MFA meets it)."""
    worker = role("worker", [trust({"Service": "ec2.amazonaws.com"})],
                  [allow("sts:AssumeRole", DEPLOY), mfa_deny(deny_condition)])
    report = scan(tmp_path, {**world(user("alice")), "Worker": worker})
    expected = ("definite", frozenset(), ()) if kept is None else ("conditional", frozenset({kept}), ())
    assert grants(report)[(arn("role", "worker"), "sts:AssumeRole", DEPLOY)] == expected
