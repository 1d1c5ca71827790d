"""SCPs (SEMANTICS.md §7 steps 1–2, docs/DECISIONS.md) and PassRole service paths (§5)."""

from credmint.analyzer.inventory import (
    Effect,
    InlinePolicy,
    Inventory,
    PolicyDocument,
    Principal,
    PrincipalKind,
    Role,
    ServiceControlPolicy,
    Source,
    Statement,
    User,
)
from credmint.analyzer.model import Certainty
from credmint.analyzer.walk import analyze

SRC = Source(file="t.tf", line=1)
MGMT, MEMBER = "999999999999", "111111111111"


def doc(*statements):
    return PolicyDocument(source=SRC, address="d", version="2012-10-17", statements=statements)


def allow(actions, resources):
    return Statement(source=SRC, address="s", actions=tuple(actions), resources=tuple(resources))


def deny(actions, resources):
    return Statement(source=SRC, address="s", effect=Effect.DENY, actions=tuple(actions), resources=tuple(resources))


def user(name, *statements, account=MEMBER):
    return User(
        name=name, arn=f"arn:aws:iam::{account}:user/{name}", account=account, source=SRC, address=f"u.{name}",
        inline_policies=(InlinePolicy(name="p", document=doc(*statements), source=SRC, address="p"),) if statements else (),
    )


def role(name, trusted, *statements, account=MEMBER):
    trust = doc(Statement(source=SRC, address="t", actions=("sts:AssumeRole",), principals=(trusted,)))
    return Role(
        name=name, arn=f"arn:aws:iam::{account}:role/{name}", account=account, source=SRC, address=f"r.{name}",
        trust_policy=trust,
        inline_policies=(InlinePolicy(name="p", document=doc(*statements), source=SRC, address="p"),) if statements else (),
    )


ACCOUNT_ROOT = Principal(kind=PrincipalKind.AWS, value=f"arn:aws:iam::{MEMBER}:root")
DENY_ASSUME = doc(deny(["sts:AssumeRole"], ["*"]))


def assume_grants(inventory):
    return {(g.principal, g.target, g.certainty) for g in analyze(inventory).grants if g.action.value == "sts:AssumeRole"}


def scp(targets, account=MGMT):
    return ServiceControlPolicy(name="no-assume", document=DENY_ASSUME, targets=targets, account=account,
                                source=SRC, address="scp")


ALICE = user("alice", allow(["sts:AssumeRole"], ["*"]))
DEPLOY = role("deploy", ACCOUNT_ROOT)
ALICE_ARN, DEPLOY_ARN = f"arn:aws:iam::{MEMBER}:user/alice", f"arn:aws:iam::{MEMBER}:role/deploy"


def test_an_scp_attached_to_the_member_account_denies():
    found = assume_grants(Inventory(users=(ALICE,), roles=(DEPLOY,), scps=(scp((MEMBER,)),)))
    assert (ALICE_ARN, DEPLOY_ARN, Certainty.DEFINITE) not in found
    assert not any(target == DEPLOY_ARN for _, target, _ in found)


def test_an_scp_attached_to_the_root_denies_every_member_account():
    found = assume_grants(Inventory(users=(ALICE,), roles=(DEPLOY,), scps=(scp(("r-ab12",)),)))
    assert not any(target == DEPLOY_ARN for _, target, _ in found)


def test_an_scp_attached_to_an_ou_makes_the_grant_uncertain():
    found = assume_grants(Inventory(users=(ALICE,), roles=(DEPLOY,), scps=(scp(("ou-ab12-cdef3456",)),)))
    assert (ALICE_ARN, DEPLOY_ARN, Certainty.UNCERTAIN) in found


def test_scps_never_apply_to_the_management_account():
    found = assume_grants(Inventory(users=(ALICE,), roles=(DEPLOY,), scps=(scp((MEMBER,), account=MEMBER),)))
    assert (ALICE_ARN, DEPLOY_ARN, Certainty.DEFINITE) in found


def test_an_scp_on_another_account_does_not_apply():
    found = assume_grants(Inventory(users=(ALICE,), roles=(DEPLOY,), scps=(scp(("222222222222",)),)))
    assert (ALICE_ARN, DEPLOY_ARN, Certainty.DEFINITE) in found


EC2 = Principal(kind=PrincipalKind.SERVICE, value="ec2.amazonaws.com")


def test_passrole_plus_run_instances_is_a_service_path_not_a_grant():
    worker = role("worker", EC2)
    launcher = user("launcher", allow(["iam:PassRole"], [f"arn:aws:iam::{MEMBER}:role/worker"]),
                    allow(["ec2:RunInstances"], ["*"]))
    passer_only = user("passer", allow(["iam:PassRole"], ["*"]))
    analysis = analyze(Inventory(users=(launcher, passer_only), roles=(worker,)))
    paths = {(p.principal, p.role, p.service, p.actions, p.certainty) for p in analysis.service_paths}
    assert paths == {
        (f"arn:aws:iam::{MEMBER}:user/launcher", f"arn:aws:iam::{MEMBER}:role/worker", "ec2.amazonaws.com",
         ("iam:PassRole", "ec2:RunInstances"), Certainty.DEFINITE),
    }
    assert not any(g.principal.endswith("user/launcher") and g.target.endswith("role/worker") for g in analysis.grants)


def test_passrole_limited_to_another_service_gives_no_path():
    from credmint.analyzer.inventory import Condition

    worker = role("worker", EC2)
    scoped = Statement(
        source=SRC, address="s", actions=("iam:PassRole",), resources=("*",),
        conditions=(Condition(operator="StringEquals", key="iam:PassedToService", values=("lambda.amazonaws.com",)),),
    )
    launcher = user("launcher", scoped, allow(["ec2:RunInstances"], ["*"]))
    assert analyze(Inventory(users=(launcher,), roles=(worker,))).service_paths == ()
