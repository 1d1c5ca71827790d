"""A trust principal wholly unknown before apply (`AWS: !Ref Trusted`, `identifiers =
var.trusted_role_arns`) may be any principal — the account the templates deploy to included. Then,
as for `arn:aws:iam::${TrustedAcct}:root` (docs/DECISIONS.md, Grants: an account trust admits each
caller whose identity allows it; "Sound under uncertainty": a grant that depends on an unknown is
reported `uncertain`, never dropped), each caller of the templates whose identity policies allow
sts:AssumeRole on the role gets an `uncertain` grant, and the chains behind it stay. Callers without
that allow get none: they would need the value to be their own ARN or `*`, and the `{Trusted}` grant
already names what is unknown.
"""

from tests.template_scan import ACCOUNT, grants_of, scan_template

ALICE, BOB = f"arn:aws:iam::{ACCOUNT}:user/alice", f"arn:aws:iam::{ACCOUNT}:user/bob"
TARGET, ADMIN = f"arn:aws:iam::{ACCOUNT}:role/target", f"arn:aws:iam::{ACCOUNT}:role/admin"

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Trusted: {Type: String}
Resources:
  Alice:
    Type: AWS::IAM::User
    Properties:
      UserName: alice
      Policies:
        - PolicyName: p
          PolicyDocument:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: sts:AssumeRole, Resource: !GetAtt Target.Arn}]
  Bob:
    Type: AWS::IAM::User
    Properties: {UserName: bob}
  Target:
    Type: AWS::IAM::Role
    Properties:
      RoleName: target
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {AWS: !Ref Trusted}, Action: sts:AssumeRole}]
  Admin:
    Type: AWS::IAM::Role
    Properties:
      RoleName: admin
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {AWS: !GetAtt Target.Arn}, Action: sts:AssumeRole}]
"""

TERRAFORM = """\
variable "trusted_role_arns" { type = list(string) }
resource "aws_iam_user" "alice" { name = "alice" }
resource "aws_iam_user_policy" "alice" {
  user   = aws_iam_user.alice.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Resource = "*" }] })
}
data "aws_iam_policy_document" "t" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = var.trusted_role_arns
    }
  }
}
resource "aws_iam_role" "target" {
  name               = "target"
  assume_role_policy = data.aws_iam_policy_document.t.json
}
"""


def test_a_wholly_unknown_principal_may_be_the_account_cloudformation(tmp_path):
    _, report = scan_template(tmp_path, "t.yaml", TEMPLATE)
    found = grants_of(report)
    assert found[("{Trusted}", "sts:AssumeRole", TARGET)]["certainty"] == "uncertain"
    grant = found[(ALICE, "sts:AssumeRole", TARGET)]
    assert grant["certainty"] == "uncertain"
    assert "trust policy of role/target allows {Trusted}, which may be an account (t.yaml:23)" in grant["reasons"]
    assert (BOB, "sts:AssumeRole", TARGET) not in found
    assert [ALICE, TARGET, ADMIN] in [[p["principal"], *(h["target"] for h in p["hops"])] for p in report["paths"]]


def test_a_wholly_unknown_principal_may_be_the_account_terraform(tmp_path):
    _, report = scan_template(tmp_path, "main.tf", TERRAFORM)
    found = grants_of(report)
    assert found[("{var.trusted_role_arns}", "sts:AssumeRole", TARGET)]["certainty"] == "uncertain"
    assert found[(ALICE, "sts:AssumeRole", TARGET)]["certainty"] == "uncertain"
