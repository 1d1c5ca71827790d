"""Self-assumption (SEMANTICS.md §1: never implicit; docs/DECISIONS.md, issue 13 item 2).

IAM User Guide, id_roles_update-role-trust-policy: "To allow users to assume the current role again
within a role session, specify the role ARN or AWS account ARN as a principal in the role trust
policy." So a role assumes itself when its trust names its own ARN, or its account — the account
form, like any account-trusted caller, also needs the role's own identity allow
(reference_policies_evaluation-logic). `*` narrowed by an `aws:PrincipalArn` condition naming the
role (how Terraform modules and CDK write it before the role exists) names it too; `*` alone does not.
"""

import json

import pytest

from credmint.analyzer.app.cli import main

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
              - {{Effect: Allow, Action: sts:AssumeRole, Resource: "{resource}"}}
"""
ARN_CONDITION = f"""            Condition:
              ArnLike: {{aws:PrincipalArn: "{ROLE}"}}"""
OTHER_ARN_CONDITION = f"""            Condition:
              ArnLike: {{aws:PrincipalArn: "arn:aws:iam::{ACCOUNT}:role/other"}}"""
OTHER = f"arn:aws:iam::{ACCOUNT}:role/other"


def self_grant(tmp_path, principal, condition, resource=ROLE):
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE.format(principal=principal, condition=condition, resource=resource))
    out = tmp_path / "r.json"
    main(["scan", str(path), "--account-id", ACCOUNT, "--format", "json", "-o", str(out), "--fail-on", "none"])
    grants = json.loads(out.read_text())["grants"]
    return {(g["certainty"]) for g in grants if g["principal"] == ROLE and g["target"] == ROLE}


@pytest.mark.parametrize(
    ("principal", "condition", "expected"),
    [
        (f'{{AWS: "{ROLE}"}}', "", {"definite"}),  # its own ARN as Principal
        (f'{{AWS: "arn:aws:iam::{ACCOUNT}:root"}}', "", {"definite"}),  # the account ARN + identity allow
        (f'{{AWS: "{ACCOUNT}"}}', "", {"definite"}),  # the account id, same meaning
        ('{AWS: "*"}', ARN_CONDITION, {"definite"}),  # the condition names the role itself
        (f'{{AWS: "arn:aws:iam::{ACCOUNT}:root"}}', ARN_CONDITION, {"definite"}),
        ('{AWS: "*"}', "", set()),  # anyone is not the role named: never implicit
        ('{AWS: "*"}', OTHER_ARN_CONDITION, set()),  # the condition names another role
        (f'{{AWS: "arn:aws:iam::{ACCOUNT}:root"}}', OTHER_ARN_CONDITION, set()),
        (f'{{AWS: "arn:aws:iam::222222222222:root"}}', "", set()),  # another account is not its own
    ],
)
def test_a_role_assumes_itself_only_when_its_trust_names_it_or_its_account(tmp_path, principal, condition, expected):
    assert self_grant(tmp_path, principal, condition) == expected


@pytest.mark.parametrize(
    ("principal", "expected"),
    [
        (f'{{AWS: "arn:aws:iam::{ACCOUNT}:root"}}', set()),  # the account form needs the identity allow
        (f'{{AWS: "{ACCOUNT}"}}', set()),
        (f'{{AWS: "{ROLE}"}}', {"definite"}),  # its own ARN needs none (STS AssumeRole, same account)
    ],
)
def test_the_account_form_needs_the_roles_own_identity_allow(tmp_path, principal, expected):
    assert self_grant(tmp_path, principal, "", resource=OTHER) == expected
