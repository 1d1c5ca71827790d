"""Self-assumption (SEMANTICS.md §1: never implicit; docs/DECISIONS.md).

A role may assume itself when its trust names it: as the Principal, or — the way Terraform
modules and CDK write it before the role exists — with `*` or the account as Principal and an
`aws:PrincipalArn` condition naming the role (the account form also needs an identity allow).
"""

import json

import pytest

from analyzer.cli import main

ACCOUNT = "111111111111"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"

TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  App:
    Type: AWS::IAM::Role
    Properties:
      RoleName: app
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {principal}
            Action: sts:AssumeRole
{condition}
      Policies:
        - PolicyName: self
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - {{Effect: Allow, Action: sts:AssumeRole, Resource: "{role}"}}
"""
ARN_CONDITION = f"""            Condition:
              ArnLike: {{aws:PrincipalArn: "{ROLE}"}}"""


def self_grant(tmp_path, principal, condition):
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE.format(principal=principal, condition=condition, role=ROLE))
    out = tmp_path / "r.json"
    main(["scan", str(path), "--account-id", ACCOUNT, "--format", "json", "-o", str(out), "--fail-on", "none"])
    grants = json.loads(out.read_text())["grants"]
    return {(g["certainty"]) for g in grants if g["principal"] == ROLE and g["target"] == ROLE}


@pytest.mark.parametrize(
    ("principal", "condition", "expected"),
    [
        ('{AWS: "*"}', ARN_CONDITION, {"definite"}),  # the condition names the role itself
        (f'{{AWS: "arn:aws:iam::{ACCOUNT}:root"}}', ARN_CONDITION, {"definite"}),  # + its identity allow
        ('{AWS: "*"}', "", set()),  # anyone is not the role named
        (f'{{AWS: "arn:aws:iam::{ACCOUNT}:root"}}', "", set()),  # the account is not the role named
        (f'{{AWS: "{ROLE}"}}', "", {"definite"}),  # its own ARN as Principal
    ],
)
def test_a_role_assumes_itself_only_when_its_trust_names_it(tmp_path, principal, condition, expected):
    assert self_grant(tmp_path, principal, condition) == expected
