"""SAM managed policy names, `Fn::GetAtt` of an SSM parameter's Value, and names two inputs both
define (issue 13 §13).

- SAM resolves a `Policies` item that is a name among AWS's managed policies to that policy's ARN,
  path included ("AWS SAM policy templates" / `Policies` in the AWS::Serverless::Function page:
  "the name of an AWS managed policy"; https://docs.aws.amazon.com/serverless-application-model/
  latest/developerguide/sam-resource-function.html#sam-function-policies). The path comes from the
  bundled snapshot (SEMANTICS.md §8): `AWSLambdaDynamoDBExecutionRole` is `service-role/`.
- `Fn::GetAtt [P, Value]` of an `AWS::SSM::Parameter` returns its value ("Return values" of
  AWS::SSM::Parameter), which the template writes in `Value`.
- AWS allows one role (user, group, policy) of a name per account (IAM quotas, "Names of IAM
  entities must be unique within the account"): two inputs defining one are a warning.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main
from credmint.analyzer.managed import aws_policy
from credmint.parsers.cloudformation import parse_cloudformation
from credmint.parsers.context import ParseContext

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "fixtures/sam_intrinsics"
ACCOUNT = "111111111111"
POLICY = "arn:aws:iam::aws:policy/"


def report(path: Path, tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "report.json"
    code = main(["scan", str(path), "--account-id", ACCOUNT, "--format", "json", "--fail-on", "none",
                 "-o", str(out), *args])
    assert code == 0
    return json.loads(out.read_text())


def sam_function(tmp_path: Path, policies: str) -> Path:
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n"
        "    Type: AWS::Serverless::Function\n    Properties:\n      Handler: h\n"
        f"      Runtime: python3.12\n      Policies: {policies}\n")
    return template


@pytest.mark.parametrize("policies, expected", [
    ("[AWSLambdaDynamoDBExecutionRole]", "service-role/AWSLambdaDynamoDBExecutionRole"),
    ("[AWSLambdaSQSQueueExecutionRole]", "service-role/AWSLambdaSQSQueueExecutionRole"),
    ("[ReadOnlyAccess]", "ReadOnlyAccess"),
    ("AWSLambdaKinesisExecutionRole", "service-role/AWSLambdaKinesisExecutionRole"),
    # an ARN is taken as written; a name AWS does not have stays a name (its content unknown)
    ("[arn:aws:iam::aws:policy/AdministratorAccess]", "AdministratorAccess"),
    ("[NotAManagedPolicyName]", "NotAManagedPolicyName"),
], ids=["dynamodb", "sqs", "no-path", "single", "arn", "unknown"])
def test_sam_policy_names_resolve_to_the_arn_with_its_path(tmp_path, policies, expected):
    ctx = ParseContext(root=tmp_path, aws_policies=aws_policy)
    (role,) = parse_cloudformation(sam_function(tmp_path, policies), ctx).roles
    assert [a.policy_arn for a in role.attachments] == [
        POLICY + "service-role/AWSLambdaBasicExecutionRole", POLICY + expected]


def test_a_sam_managed_policy_by_name_is_read_from_the_snapshot_not_unknown(tmp_path):
    found = report(CASE / "sam.yaml", tmp_path)
    streamer = [g for g in found["grants"] if "StreamerRole" in g["principal"]]
    assert streamer == []  # neither policy allows sts:*; unknown, they made `uncertain` grants
    assert [d["message"] for d in found["diagnostics"]] == []


def test_getatt_value_of_an_ssm_parameter_is_its_value(tmp_path):
    found = report(CASE / "sam.yaml", tmp_path)
    assumes = {(g["principal"], g["target"], g["certainty"]) for g in found["grants"]
               if g["action"] == "sts:AssumeRole"}
    release = f"arn:aws:iam::{ACCOUNT}:role/release"
    assert assumes == {
        (f"arn:aws:iam::{ACCOUNT}:user/caller", release, "definite"),
        ("lambda.amazonaws.com",
         f"arn:aws:iam::{ACCOUNT}:role/{{AWS::StackName}}-StreamerRole-{{StreamerRole.suffix}}",
         "definite"),
    }


@pytest.mark.parametrize("value, name", [
    ("!Ref Given", "{Given}"),   # a parameter without a default: its own unknown
    ("!GetAtt TargetName.Value", "{TargetName.Value}"),  # refers to itself
    ("!Sub '${Given}-x'", "{Given}-x"),  # the known part stays known
], ids=["parameter", "itself", "sub"])
def test_getatt_value_of_an_ssm_parameter_as_known_as_its_value(tmp_path, value, name):
    template = tmp_path / "template.yaml"
    template.write_text(
        "Parameters:\n  Given:\n    Type: String\nResources:\n  TargetName:\n"
        f"    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n      Value: {value}\n"
        "  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: !GetAtt TargetName.Value\n"
        "      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n"
        "            Action: sts:AssumeRole\n            Principal: {Service: ec2.amazonaws.com}\n")
    (role,) = parse_cloudformation(template, ParseContext(root=tmp_path)).roles
    assert str(role.name) == name


def test_a_role_name_two_templates_define_is_a_warning(tmp_path):
    found = report(CASE, tmp_path)
    assert [d for d in found["diagnostics"]] == [{
        "level": "warning", "file": "fixtures/sam_intrinsics/sam.yaml", "line": 18,
        "message": f"role arn:aws:iam::{ACCOUNT}:role/release is also defined in "
                   "fixtures/sam_intrinsics/other.yaml:3: AWS allows one per account, so one of "
                   "the two deployments fails; both are analysed"}]
    # both definitions are analysed: the trust of each still gives its grant
    assert {(g["principal"], g["target"]) for g in found["grants"] if g["action"] == "sts:AssumeRole"
            and g["target"].endswith("role/release")} == {
        (f"arn:aws:iam::{ACCOUNT}:user/caller", f"arn:aws:iam::{ACCOUNT}:role/release"),
        ("ec2.amazonaws.com", f"arn:aws:iam::{ACCOUNT}:role/release")}


def test_a_role_defined_by_terraform_and_cloudformation_is_a_warning(tmp_path):
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf/main.tf").write_text(
        'resource "aws_iam_role" "r" {\n  name = "shared"\n  assume_role_policy = jsonencode({'
        'Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "sts:AssumeRole",'
        ' Principal = {Service = "ec2.amazonaws.com"}}]})\n}\n')
    (tmp_path / "stack.yaml").write_text(
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: shared\n"
        "      AssumeRolePolicyDocument:\n        Statement: []\n")
    found = report(tmp_path, tmp_path, "--root", str(tmp_path))
    assert [d["message"] for d in found["diagnostics"] if d["level"] == "warning"] == [
        f"role arn:aws:iam::{ACCOUNT}:role/shared is also defined in tf/main.tf:1: AWS allows one "
        "per account, so one of the two deployments fails; both are analysed"]


def test_names_unknown_before_apply_or_in_other_accounts_are_not_duplicates(tmp_path):
    for name in ("a", "b"):
        (tmp_path / f"{name}.yaml").write_text(
            "Parameters:\n  N:\n    Type: String\nResources:\n  R:\n    Type: AWS::IAM::Role\n"
            "    Properties:\n      RoleName: !Ref N\n"
            "      AssumeRolePolicyDocument:\n        Statement: []\n")
    assert report(tmp_path, tmp_path, "--root", str(tmp_path))["diagnostics"] == []
    mapped = report(tmp_path, tmp_path, "--root", str(tmp_path), "--parameter", "N=same",
                    "--account-map", f"{tmp_path / 'b.yaml'}=222222222222")
    assert mapped["diagnostics"] == []
