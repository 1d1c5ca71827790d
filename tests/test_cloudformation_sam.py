"""SAM function and state machine roles (issue 4 §4), read off fixtures/cloudformation/sam.

The transform's rules (aws-sam-translator): a function without `Role` gets `{LogicalId}Role`,
trusted by lambda.amazonaws.com, with AWSLambdaBasicExecutionRole (+ X-Ray when `Tracing` is on),
`Policies` as managed ARNs or inline `{LogicalId}RolePolicy{index}`, `RolePath` and
`PermissionsBoundary` (here from `Globals`). A state machine's role is trusted by states.
"""

from __future__ import annotations

from pathlib import Path

from credmint.analyzer.inventory import (
    DEPLOY_CHOICE,
    Attachment,
    Effect,
    InlinePolicy,
    PolicyDocument,
    Principal,
    PrincipalKind,
    Role,
    Source,
    Statement,
    Text,
    Unknown,
)
from credmint.parsers.cloudformation import parse_cloudformation
from credmint.parsers.context import ParseContext

ROOT = Path(__file__).resolve().parents[1]
FILE = "fixtures/cloudformation/sam/template.yaml"
ACCOUNT = "111111111111"


def at(line: int) -> Source:
    return Source(file=FILE, line=line)


def suffix(logical_id: str) -> Unknown:
    return Unknown(f"{logical_id}.suffix", "random suffix of a name CloudFormation generates",
                   generated=True)


def trust(line: int, address: str, service: str) -> PolicyDocument:
    return PolicyDocument(source=at(line), address=address, version="2012-10-17", statements=(
        Statement(source=at(line), address=address, effect=Effect.ALLOW,
                  actions=("sts:AssumeRole",),
                  principals=(Principal(kind=PrincipalKind.SERVICE, value=service),)),
    ))


def empty(line: int, address: str) -> PolicyDocument:
    return PolicyDocument(source=at(line), address=address)


def test_sam_function_and_state_machine_roles():
    ctx = ParseContext(root=ROOT, account_id=ACCOUNT, stack_name="app")
    inventory = parse_cloudformation(ROOT / FILE, ctx)
    assert inventory.diagnostics == ()
    deployer, workflow = inventory.roles  # WithRole names its own role: SAM makes none
    aws_policy = "arn:aws:iam::aws:policy/"
    assert deployer == Role(
        name=Text(("app-DeployerRole-", suffix("DeployerRole"))),
        arn=Text((f"arn:aws:iam::{ACCOUNT}:role/lambda/app-DeployerRole-", suffix("DeployerRole"))),
        path="/lambda/", account=ACCOUNT, source=at(9), address="DeployerRole",
        trust_policy=trust(9, "DeployerRole", "lambda.amazonaws.com"),
        attachments=(
            Attachment(policy_arn=aws_policy + "service-role/AWSLambdaBasicExecutionRole",
                       source=at(9), address="DeployerRole"),
            Attachment(policy_arn=aws_policy + "AWSXrayWriteOnlyAccess", source=at(9),
                       address="DeployerRole"),
            Attachment(policy_arn=aws_policy + "AmazonS3ReadOnlyAccess", source=at(19),
                       address="DeployerRole"),
            Attachment(policy_arn=aws_policy + "ReadOnlyAccess", source=at(20),
                       address="DeployerRole"),
        ),
        permissions_boundary=Attachment(policy_arn=f"arn:aws:iam::{ACCOUNT}:policy/boundary",
                                        source=at(6), address="DeployerRole"),
        inline_policies=(
            InlinePolicy(name="DeployerRolePolicy0", source=at(15), address="DeployerRole",
                         document=PolicyDocument(source=at(15), address="DeployerRole", statements=(
                             Statement(source=at(16), address="DeployerRole", effect=Effect.ALLOW,
                                       actions=("sts:AssumeRole",),
                                       resources=(f"arn:aws:iam::{ACCOUNT}:role/deploy-*",)),))),
            # a SAM policy template: none of them grants an sts:, iam: or * action
            InlinePolicy(name="DeployerRolePolicy3", source=at(21), address="DeployerRole",
                         document=empty(21, "DeployerRole")),
            InlinePolicy(name="DeployerRolePolicy4", source=at(23), address="DeployerRole",
                         document=PolicyDocument(source=at(23), address="DeployerRole",
                                                 unknown=Unknown("SAM policy template "
                                                                 "NotARealTemplate",
                                                                 "not a known template"))),
        ),
    )
    assert workflow == Role(
        name=Text(("app-WorkflowRole-", suffix("WorkflowRole"))),
        arn=Text((f"arn:aws:iam::{ACCOUNT}:role/app-WorkflowRole-", suffix("WorkflowRole"))),
        account=ACCOUNT, source=at(29), address="WorkflowRole",
        trust_policy=trust(29, "WorkflowRole", "states.amazonaws.com"),
        inline_policies=(InlinePolicy(name="WorkflowRolePolicy0", source=at(34),
                                      address="WorkflowRole", document=empty(34, "WorkflowRole")),),
    )


def test_role_chosen_by_if_makes_sam_generate_one_only_when_the_condition_is_false(tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text(
        "Parameters:\n  RoleArn:\n    Type: String\n"
        "Conditions:\n  HasRole: !Not [!Equals ['', !Ref RoleArn]]\n"
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Role: !If [HasRole, !Ref RoleArn, !Ref AWS::NoValue]\n")
    unknown = parse_cloudformation(template, ParseContext(root=tmp_path))
    (role,) = unknown.roles
    # RoleArn has no default: the deployer chooses it (issue 13 §11), both ways are read
    assert role.trust_policy.statements[0].unknown == Unknown('when "" = RoleArn', DEPLOY_CHOICE)
    given = ParseContext(root=tmp_path, parameters={"RoleArn": "arn:aws:iam::1:role/x"})
    assert parse_cloudformation(template, given).roles == ()
    empty_role = ParseContext(root=tmp_path, parameters={"RoleArn": ""})
    (role,) = parse_cloudformation(template, empty_role).roles
    assert role.trust_policy.statements[0].unknown is None
