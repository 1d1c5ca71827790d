"""A policy attached by an ARN found neither in the templates nor in the managed-policy snapshot.

SEMANTICS.md §8: its content is unknown, so its holder may be able to assume any role — an
`uncertain` grant to `*` whose reason names the unknown policy, with a warning diagnostic — and
never a grant whose target is the policy's own ARN (a policy is no role: that target would be drawn
as a chain link).
"""

from __future__ import annotations

import pytest

from tests.template_scan import ACCOUNT, diagnostics_of, grants_of, scan_template

USER = f"arn:aws:iam::{ACCOUNT}:user/bob"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/worker"

CFN_USER = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bob:
    Type: AWS::IAM::User
    Properties:
      UserName: bob
      ManagedPolicyArns: ["{arn}"]
"""
CFN_ROLE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Worker:
    Type: AWS::IAM::Role
    Properties:
      RoleName: worker
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {{Effect: Allow, Principal: {{Service: ec2.amazonaws.com}}, Action: sts:AssumeRole}}
      ManagedPolicyArns: ["{arn}"]
"""
TF_ROLE = """resource "aws_iam_role" "worker" {{
  name = "worker"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ Service = "ec2.amazonaws.com" }}, Action = "sts:AssumeRole" }}]
  }})
}}

resource "aws_iam_role_policy_attachment" "unknown" {{
  role       = aws_iam_role.worker.name
  policy_arn = "{arn}"
}}
"""
MISSING = [
    "arn:aws:iam::aws:policy/NoSuchPolicyAtAll",  # AWS-managed name absent from the snapshot
    "arn:aws:iam::aws:policy/service-role/NoSuchServiceRolePolicy",
    "arn:aws:iam::333333333333:policy/team/shared-admin",  # a customer policy of another account
    f"arn:aws:iam::{ACCOUNT}:policy/made-elsewhere",  # this account, not in these templates
]


@pytest.mark.parametrize("arn", MISSING)
@pytest.mark.parametrize(
    "name, template, holder",
    [("template.yaml", CFN_USER, USER), ("template.yaml", CFN_ROLE, ROLE), ("main.tf", TF_ROLE, ROLE)],
    ids=["cfn-user", "cfn-role", "tf-role"],
)
def test_an_unknown_policy_gives_its_holder_an_uncertain_grant_to_star(tmp_path, arn, name, template, holder):
    code, report = scan_template(tmp_path, name, template.format(arn=arn))
    grants = grants_of(report)
    assert code == 0
    star = grants[(holder, "sts:AssumeRole", "*")]
    assert star["certainty"] == "uncertain"
    assert f"policy {arn} is neither in the analysed templates nor in the AWS managed policy snapshot: " \
           "what it allows is unknown" in star["reasons"]
    # Never the policy's own ARN (braced or not) as a target, nor in a path.
    assert not [key for key in grants if arn in key[2]]
    assert not [p for p in report["paths"] if any(arn in hop["target"] for hop in p["hops"])]
    assert [m for _, _, m in diagnostics_of(report, "warning") if arn in m] == [
        f"policy {arn} is neither in the analysed templates nor in the AWS managed policy snapshot: "
        "what it allows is unknown"
    ]
