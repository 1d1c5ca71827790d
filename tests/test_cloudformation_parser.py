"""parse_cloudformation on the first-level IAM fixtures: exact entities, ARNs, statements, lines.

Expectations are read off the fixture templates (line numbers included), per issue 2 §4 and
DECISIONS.md (identities; `{LogicalId}` for names CloudFormation generates).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from credmint.analyzer.inventory import (
    CURRENT_ACCOUNT,
    Attachment,
    Condition,
    Diagnostic,
    DiagnosticLevel,
    Effect,
    Group,
    IdentityProvider,
    InlinePolicy,
    InputFile,
    ManagedPolicy,
    Membership,
    PolicyDocument,
    Principal,
    PrincipalKind,
    ProviderKind,
    Role,
    ServiceControlPolicy,
    Source,
    Statement,
    Text,
    Unknown,
    User,
    concat,
    render,
)
from credmint.parsers.cloudformation import parse_cloudformation
from credmint.parsers.context import ParseContext

ROOT = Path(__file__).resolve().parents[1]
ACCOUNT = "111111111111"


STACK = Unknown("AWS::StackName", "the stack name (--stack-name)", generated=True)


def generated(logical_id: str) -> Text:
    """CloudFormation's generated name, `STACK-LogicalId-SUFFIX` (issue 4 §3)."""
    suffix = Unknown(f"{logical_id}.suffix", "random suffix of a name CloudFormation generates",
                     generated=True)
    return Text((STACK, f"-{logical_id}-", suffix))


class Fixture:
    """Sources and statements of one fixture file, kept short in the expectations below."""

    def __init__(self, file: str) -> None:
        self.file = file

    def at(self, line: int) -> Source:
        return Source(file=self.file, line=line)

    def statement(self, line: int, address: str, **fields) -> Statement:
        return Statement(source=self.at(line), address=address, **fields)

    def document(self, line: int, address: str, *statements: Statement, version=None):
        return PolicyDocument(source=self.at(line), address=address, version=version,
                              statements=statements)


@pytest.fixture
def yaml_inventory():
    ctx = ParseContext(root=ROOT, account_id=ACCOUNT)
    return parse_cloudformation(ROOT / "fixtures/cloudformation/iam_yaml/template.yaml", ctx)


Y = Fixture("fixtures/cloudformation/iam_yaml/template.yaml")
J = Fixture("fixtures/cloudformation/iam_json/template.json")

FEDERATION = InlinePolicy(
    name="federation",
    document=Y.document(69, "FederationPolicy", Y.statement(
        71, "FederationPolicy", actions=("sts:GetFederationToken",),
        resources=(f"arn:aws:sts::{ACCOUNT}:federated-user/Manager*",))),
    source=Y.at(65), address="FederationPolicy",
)


def test_yaml_inputs_and_no_diagnostics(yaml_inventory):
    assert yaml_inventory.inputs == (
        InputFile(path="fixtures/cloudformation/iam_yaml/template.yaml", format="cloudformation"),
    )
    assert yaml_inventory.diagnostics == ()


def test_yaml_group_with_path_inline_policy_and_attached_policy(yaml_inventory):
    assert yaml_inventory.groups == (Group(
        name="deployers", arn=f"arn:aws:iam::{ACCOUNT}:group/teams/deployers", path="/teams/",
        account=ACCOUNT, source=Y.at(8), address="Deployers",
        inline_policies=(
            InlinePolicy(
                name="assume-deploy",
                document=Y.document(15, "Deployers", Y.statement(
                    18, "Deployers", actions=("sts:AssumeRole",),
                    resources=(f"arn:aws:iam::{ACCOUNT}:role/deploy",)), version="2012-10-17"),
                source=Y.at(14), address="Deployers",
            ),
            FEDERATION,
        ),
    ),)


def test_yaml_users_groups_boundary_and_group_addition(yaml_inventory):
    alice, bob = yaml_inventory.users
    assert alice == User(
        name="alice", arn=f"arn:aws:iam::{ACCOUNT}:user/staff/alice", path="/staff/",
        account=ACCOUNT, source=Y.at(21), address="Alice",
        groups=(Membership(group="deployers", source=Y.at(27), address="Alice"),),
        attachments=(Attachment(policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess",
                                source=Y.at(29), address="Alice"),),
        permissions_boundary=Attachment(policy_arn=f"arn:aws:iam::{ACCOUNT}:policy/boundary",
                                        source=Y.at(30), address="Alice"),
    )
    assert bob == User(
        name="bob", arn=f"arn:aws:iam::{ACCOUNT}:user/bob", account=ACCOUNT,
        source=Y.at(31), address="Bob",
        groups=(Membership(group="deployers", source=Y.at(77), address="BobInDeployers"),),
        inline_policies=(FEDERATION,),
    )


def test_yaml_role_trust_policy_statements_and_attached_policies(yaml_inventory):
    assert yaml_inventory.roles == (Role(
        name="deploy", arn=f"arn:aws:iam::{ACCOUNT}:role/deploy", account=ACCOUNT,
        source=Y.at(35), address="DeployRole",
        trust_policy=Y.document(
            39, "DeployRole",
            Y.statement(42, "DeployRole", actions=("sts:AssumeRole",),
                        principals=(Principal(kind=PrincipalKind.AWS,
                                              value=f"arn:aws:iam::{ACCOUNT}:root"),),
                        conditions=(Condition(operator="Bool", key="aws:MultiFactorAuthPresent",
                                              values=("true",)),)),
            Y.statement(49, "DeployRole", actions=("sts:AssumeRole",),
                        principals=(Principal(kind=PrincipalKind.AWS, value="222222222222"),)),
            version="2012-10-17",
        ),
        inline_policies=(
            FEDERATION,
            InlinePolicy(name="chain", source=Y.at(83), address="DeployRolePolicy",
                         document=Y.document(88, "DeployRolePolicy", Y.statement(
                             90, "DeployRolePolicy", effect=Effect.DENY,
                             actions=("sts:AssumeRole", "sts:TagSession"), resources=("*",)))),
        ),
        attachments=(Attachment(policy_arn=f"arn:aws:iam::{ACCOUNT}:policy/boundary",
                                source=Y.at(53), address="Boundary"),),
    ),)


def test_yaml_managed_policy_and_providers(yaml_inventory):
    assert yaml_inventory.policies == (ManagedPolicy(
        name="boundary", arn=f"arn:aws:iam::{ACCOUNT}:policy/boundary",
        document=Y.document(57, "Boundary", Y.statement(
            60, "Boundary", actions=("iam:*",), is_not_action=True, resources=("*",)),
            version="2012-10-17"),
        source=Y.at(53), address="Boundary",
    ),)
    assert yaml_inventory.providers == (
        IdentityProvider(
            kind=ProviderKind.OIDC,
            arn=f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
            url="token.actions.githubusercontent.com", client_ids=("sts.amazonaws.com",),
            source=Y.at(93), address="GitHub",
        ),
        IdentityProvider(kind=ProviderKind.SAML, arn=f"arn:aws:iam::{ACCOUNT}:saml-provider/okta",
                         source=Y.at(98), address="Okta"),
    )


# -- JSON, no --account-id: the current account stays the symbol {account_id} --------------

def arn(kind: str, name="") -> Text:
    return concat("arn:aws:iam::", CURRENT_ACCOUNT, f":{kind}", name)


@pytest.fixture
def json_inventory():
    ctx = ParseContext(root=ROOT)
    return parse_cloudformation(ROOT / "fixtures/cloudformation/iam_json/template.json", ctx)


def test_json_duplicate_key_is_a_warning_and_the_last_value_wins(json_inventory):
    assert json_inventory.diagnostics == (Diagnostic(
        level=DiagnosticLevel.WARNING, file=J.file, line=40,
        message="duplicate key 'Resource': the last one is used"),)


def test_json_unnamed_resources_get_the_generated_name_pattern(json_inventory):
    assert [render(g.arn) for g in json_inventory.groups] == [
        "arn:aws:iam::{account_id}:group/{AWS::StackName}-Ops-{Ops.suffix}"]
    assert [render(r.arn) for r in json_inventory.roles] == [
        "arn:aws:iam::{account_id}:role/{AWS::StackName}-AppRole-{AppRole.suffix}"]
    assert [render(p.arn) for p in json_inventory.policies] == [
        "arn:aws:iam::{account_id}:policy/app/{AWS::StackName}-AssumeApp-{AssumeApp.suffix}"]


def test_stack_name_makes_generated_names_concrete_up_to_the_suffix():
    ctx = ParseContext(root=ROOT, account_id=ACCOUNT, stack_name="ci")
    inventory = parse_cloudformation(ROOT / "fixtures/cloudformation/iam_json/template.json", ctx)
    (role,) = inventory.roles
    suffix = Unknown("AppRole.suffix", "random suffix of a name CloudFormation generates",
                     generated=True)
    assert role.name == Text(("ci-AppRole-", suffix))
    assert role.arn == Text((f"arn:aws:iam::{ACCOUNT}:role/ci-AppRole-", suffix))


def test_json_group_user_and_attachments(json_inventory):
    assume_app = Attachment(policy_arn=arn("policy/app/", generated("AssumeApp")),
                            source=J.at(26), address="AssumeApp")
    assert json_inventory.groups == (Group(
        name=generated("Ops"), arn=arn("group/", generated("Ops")), source=J.at(4), address="Ops",
        inline_policies=(InlinePolicy(
            name="ops", source=J.at(43), address="OpsPolicy",
            document=J.document(48, "OpsPolicy", J.statement(
                48, "OpsPolicy", actions=("sts:AssumeRole",),
                resources=(Unknown("AppRole.RoleId", "attribute known only after deployment"),),
                unknown=Unknown("AppRole.RoleId", "attribute known only after deployment")))),),
        attachments=(assume_app,),
    ),)
    assert json_inventory.users == (User(
        name="carol", arn=arn("user/carol"), source=J.at(7), address="Carol",
        groups=(Membership(group=generated("Ops"), source=J.at(9), address="Carol"),),
        inline_policies=(InlinePolicy(
            name="session", source=J.at(35), address="CarolPolicy",
            document=J.document(40, "CarolPolicy", J.statement(
                40, "CarolPolicy", actions=("sts:GetSessionToken",),
                resources=(arn("role/", generated("AppRole")),)))),),
        attachments=(assume_app,),
    ),)


def test_json_role_trust_statements_on_their_own_lines(json_inventory):
    (role,) = json_inventory.roles
    assert role == Role(
        name=generated("AppRole"), arn=arn("role/", generated("AppRole")),
        source=J.at(11), address="AppRole",
        trust_policy=J.document(
            14, "AppRole",
            J.statement(16, "AppRole", actions=("sts:AssumeRole",),
                        principals=(Principal(kind=PrincipalKind.SERVICE,
                                              value="lambda.amazonaws.com"),)),
            J.statement(17, "AppRole", actions=("sts:AssumeRole",),
                        principals=(Principal(kind=PrincipalKind.AWS, value=arn("user/carol")),)),
        ),
    )


def test_json_managed_policy_built_with_join(json_inventory):
    assert json_inventory.policies == (ManagedPolicy(
        name=generated("AssumeApp"), arn=arn("policy/app/", generated("AssumeApp")), path="/app/",
        document=J.document(30, "AssumeApp", J.statement(
            30, "AssumeApp", actions=("sts:AssumeRole",),
            resources=(arn("role/", generated("AppRole")),)), version="2012-10-17"),
        source=J.at(26), address="AssumeApp",
    ),)


def test_a_statement_aws_would_reject_is_left_out_with_a_warning_at_its_line(tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text(
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      AssumeRolePolicyDocument:\n        Statement:\n"
        "          - Effect: NotAllow\n            Principal: '*'\n            Action: '*'\n"
        "          - Effect: Allow\n            Principal: '*'\n            Action: '*'\n")
    inventory = parse_cloudformation(template, ParseContext(root=tmp_path))
    (role,) = inventory.roles
    assert [s.source.line for s in role.trust_policy.statements] == [10]
    assert inventory.diagnostics == (Diagnostic(
        level=DiagnosticLevel.WARNING, file="template.yaml", line=7,
        message="R: Effect must be Allow or Deny, not 'NotAllow'"),)


def test_service_control_policies_with_their_targets():
    file = "fixtures/cloudformation/scp/template.yaml"
    inventory = parse_cloudformation(ROOT / file, ParseContext(root=ROOT, account_id=ACCOUNT))
    at = Fixture(file).at
    assert inventory.scps == (ServiceControlPolicy(
        name="deny-assume-admin", targets=("222222222222", "ou-abcd-11111111"), account=ACCOUNT,
        source=at(3), address="DenyLeaving",
        document=PolicyDocument(source=at(11), address="DenyLeaving", version="2012-10-17",
                                statements=(Statement(
                                    source=at(14), address="DenyLeaving", effect=Effect.DENY,
                                    actions=("sts:AssumeRole",),
                                    resources=("arn:aws:iam::*:role/admin",)),)),
    ),)  # the BACKUP_POLICY is no SCP
    assert inventory.diagnostics == ()
