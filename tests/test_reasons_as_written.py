"""Reasons say what the template says (issue 13, item 15).

- The account a trust names is written as the trust writes it — a literal id, a parameter — never
  the scanned account in its place: a trust naming `111111111111` read without `--account-id`
  allows "account 111111111111", not "account {account_id}" [reference_policies_elements_principal:
  an account id and its `:root` ARN name the account].
- A user's or role's path is part of its identity (`arn:aws:iam::ACCOUNT:role/a/b/deep-deploy`
  [reference_identifiers: IAM ARNs]): reasons name `role/a/b/deep-deploy`, never `role/deep-deploy`.
"""

from __future__ import annotations

import pytest

from tests.template_scan import grants_of, scan_template

CFN = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  TrustedAccount:
    Type: String
Resources:
  Alice:
    Type: AWS::IAM::User
    Properties:
      UserName: alice
      Path: /people/
      Policies:
        - PolicyName: assume
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - {Effect: Allow, Action: sts:AssumeRole, Resource: "*"}
  Deep:
    Type: AWS::IAM::Role
    Properties:
      RoleName: deep-deploy
      Path: /a/b/
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {AWS: "111111111111"}, Action: sts:AssumeRole}
  Param:
    Type: AWS::IAM::Role
    Properties:
      RoleName: param
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: !Sub "arn:aws:iam::${TrustedAccount}:root"}
            Action: sts:AssumeRole
"""
TF = """variable "trusted_account" {
  type = string
}

resource "aws_iam_user" "alice" {
  name = "alice"
  path = "/people/"
}

resource "aws_iam_user_policy" "assume" {
  name   = "assume"
  user   = aws_iam_user.alice.name
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Resource = "*" }] })
}

resource "aws_iam_role" "deep" {
  name = "deep-deploy"
  path = "/a/b/"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "111111111111" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role" "param" {
  name = "param"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { AWS = "arn:aws:iam::${var.trusted_account}:root" }, Action = "sts:AssumeRole" }]
  })
}
"""
FORMS = {
    "cfn": ("template.yaml", CFN, 25, 33, 16, "{TrustedAccount}"),
    "tf": ("main.tf", TF, 21, 29, 13, "{var.trusted_account}"),
}


def _reasons(tmp_path, form: str, *args: str) -> tuple[dict, tuple]:
    name, text, *lines = FORMS[form]
    _, report = scan_template(tmp_path, name, text, *args, account=None)
    return grants_of(report), (name, *lines)


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_literal_account_is_named_as_written_without_account_id(tmp_path, form):
    grants, (name, deep_line, _, alice_line, _) = _reasons(tmp_path, form, "--fail-on", "none")
    alice = "arn:aws:iam::{account_id}:user/people/alice"
    grant = grants[(alice, "sts:AssumeRole", "arn:aws:iam::{account_id}:role/a/b/deep-deploy")]
    assert grant["certainty"] == "uncertain"  # {account_id} may or may not be 111111111111
    assert grant["reasons"][0] == f"trust policy of role/a/b/deep-deploy allows account 111111111111 ({name}:{deep_line})"
    assert f"user people/alice inline policy assume allows sts:AssumeRole on role/a/b/deep-deploy ({name}:{alice_line})" \
        in grant["reasons"]
    assert not [r for r in grant["reasons"] if "account {account_id}" in r]


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_parameter_account_is_named_as_written(tmp_path, form):
    grants, (name, _, param_line, _, parameter) = _reasons(tmp_path, form, "--account-id", "111111111111")
    alice = "arn:aws:iam::111111111111:user/people/alice"
    grant = grants[(alice, "sts:AssumeRole", "arn:aws:iam::111111111111:role/param")]
    assert grant["certainty"] == "uncertain"
    assert grant["reasons"][:2] == [
        f"trust policy of role/param allows account {parameter} ({name}:{param_line})",
        f"{parameter} unknown before apply",
    ]
    outside = grants[(f"arn:aws:iam::{parameter}:root", "sts:AssumeRole", "arn:aws:iam::111111111111:role/param")]
    assert outside["reasons"][0] == f"trust policy of role/param allows account {parameter} ({name}:{param_line})"


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_role_is_named_with_its_full_path(tmp_path, form):
    grants, (name, deep_line, _, _, _) = _reasons(tmp_path, form, "--account-id", "111111111111")
    grant = grants[("arn:aws:iam::111111111111:user/people/alice", "sts:AssumeRole",
                    "arn:aws:iam::111111111111:role/a/b/deep-deploy")]
    assert grant["certainty"] == "definite"
    assert grant["reasons"][0] == f"trust policy of role/a/b/deep-deploy allows account 111111111111 ({name}:{deep_line})"
    assert not [r for r in grant["reasons"] if "role/deep-deploy" in r]


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_user_is_named_with_its_full_path(tmp_path, form):
    grants, (name, *_) = _reasons(tmp_path, form, "--account-id", "111111111111")
    alice = "arn:aws:iam::111111111111:user/people/alice"
    line = {"cfn": 6, "tf": 5}[form]
    assert grants[(alice, "sts:GetSessionToken", alice)]["reasons"] == [
        f"every IAM user may call GetSessionToken and no policy can deny it (user people/alice, {name}:{line})"
    ]
