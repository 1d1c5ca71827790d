"""The current account without `--account-id` (issue 13 item 8, docs/DECISIONS.md "The current account").

`data.aws_caller_identity.X.account_id` and CloudFormation's `AWS::AccountId` are the account the
templates deploy into: a trust naming it, however it is spelled, is a same-account trust. AWS (IAM
User Guide, "AWS JSON policy elements: Principal", AWS account principals,
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts):
naming an account delegates to it, and its users and roles then need an identity allow of their own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main

ME = "arn:aws:iam::{account_id}:user/alice"
ROLE = "arn:aws:iam::{account_id}:role/r"

TF_HEAD = """data "aws_caller_identity" "current" {}
locals { account = data.aws_caller_identity.current.account_id }
resource "aws_iam_user" "alice" { name = "alice" }
resource "aws_iam_user_policy" "p" {
  user   = aws_iam_user.alice.name
  name   = "p"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Resource = "*" }] })
}
"""
TF_ROLE = """resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = %s } }] })
}
"""
DOCUMENT_ROLE = """data "aws_iam_policy_document" "t" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "AWS"
      identifiers = [%s]
    }
  }
}
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = data.aws_iam_policy_document.t.json
}
"""
ACCOUNT = "data.aws_caller_identity.current.account_id"
SPELLINGS = {
    "arn interpolation": f'"arn:aws:iam::${{{ACCOUNT}}}:root"',
    "format()": f'format("arn:aws:iam::%s:root", {ACCOUNT})',
    "join()": f'join(":", ["arn:aws:iam:", {ACCOUNT}, "root"])',
    "bare account": ACCOUNT,
    "bare account in a list": f"[{ACCOUNT}]",
    "through a local": "local.account",
    "string template of the bare account": f'"${{{ACCOUNT}}}"',
}


def scan(folder: Path) -> set[tuple[str, str, str, str]]:
    out = folder / "report.json"
    code = main(["scan", str(folder), "--format", "json", "-o", str(out), "--fail-on", "none", "--no-cache"])
    assert code == 0
    report = json.loads(out.read_text())
    return {(g["principal"], g["action"], g["target"], g["certainty"]) for g in report["grants"]}


def assert_same_account_trust(grants: set[tuple[str, str, str, str]]) -> None:
    to_role = {g for g in grants if g[2] == ROLE}
    # alice's own identity allow plus the account's trust: a definite grant, and no grant from
    # a made-up `{account_id}` principal nor from the account itself (it is analysed).
    assert to_role == {(ME, "sts:AssumeRole", ROLE, "definite")}


@pytest.mark.parametrize("principal", SPELLINGS.values(), ids=SPELLINGS.keys())
def test_jsonencode_trust_naming_the_current_account(tmp_path: Path, principal: str) -> None:
    (tmp_path / "main.tf").write_text(TF_HEAD + TF_ROLE % principal)
    assert_same_account_trust(scan(tmp_path))


@pytest.mark.parametrize(
    "identifier", [SPELLINGS["arn interpolation"], SPELLINGS["bare account"], SPELLINGS["format()"]],
    ids=["arn", "bare", "format"],
)
def test_policy_document_naming_the_current_account(tmp_path: Path, identifier: str) -> None:
    (tmp_path / "main.tf").write_text(TF_HEAD + DOCUMENT_ROLE % identifier)
    assert_same_account_trust(scan(tmp_path))


def test_account_passed_to_a_module_as_a_variable(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(TF_HEAD + f'module "m" {{\n  source  = "./m"\n  account = {ACCOUNT}\n}}\n')
    (tmp_path / "m").mkdir()
    (tmp_path / "m/main.tf").write_text(
        'variable "account" {\n  type = string\n}\n' + TF_ROLE % '["arn:aws:iam::${var.account}:root", var.account]'
    )
    assert_same_account_trust(scan(tmp_path))


CFN = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Alice:
    Type: AWS::IAM::User
    Properties:
      UserName: alice
      Policies:
        - PolicyName: p
          PolicyDocument:
            Version: "2012-10-17"
            Statement: [{Effect: Allow, Action: sts:AssumeRole, Resource: "*"}]
  R:
    Type: AWS::IAM::Role
    Properties:
      RoleName: r
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Action: sts:AssumeRole, Principal: {AWS: %s}}]
"""


@pytest.mark.parametrize(
    "principal",
    ['!Ref AWS::AccountId', '!Sub "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"',
     '!Join [":", ["arn:aws:iam:", !Ref AWS::AccountId, "root"]]', '[!Ref AWS::AccountId]'],
    ids=["ref", "sub", "join", "list"],
)
def test_cloudformation_account_id_is_the_current_account(tmp_path: Path, principal: str) -> None:
    (tmp_path / "template.yaml").write_text(CFN % principal)
    assert_same_account_trust(scan(tmp_path))


def test_a_literal_other_account_stays_another_account(tmp_path: Path) -> None:
    """The fix is for the current account only: a literal id may be another account (uncertain)."""
    (tmp_path / "main.tf").write_text(TF_HEAD + TF_ROLE % '"222222222222"')
    grants = {g for g in scan(tmp_path) if g[2] == ROLE}
    assert ("arn:aws:iam::222222222222:root", "sts:AssumeRole", ROLE, "uncertain") in grants


def _plan_entry(address: str, values: dict, unknown: dict, mode: str = "managed") -> tuple[dict, dict]:
    type_, name = address.removeprefix("data.").split(".")
    common = {"address": address, "mode": mode, "type": type_, "name": name,
              "provider_name": "registry.terraform.io/hashicorp/aws"}
    change = {"actions": ["read" if mode == "data" else "create"], "before": None, "after": values,
              "after_unknown": unknown}
    return {**common, "values": values}, {**common, "change": change}


@pytest.mark.parametrize("account_known", [False, True], ids=["account-unknown", "account-in-prior-state"])
def test_plan_whose_trust_names_the_caller_identity(tmp_path: Path, account_known: bool) -> None:
    """Plan JSON: the trust is unknown until apply and the `.tf` next to the plan fills it with the
    current account: the plan's own when its prior state knows it (docs/DECISIONS.md, "Terraform plan
    input"), else the symbol. Either way a same-account trust."""
    (tmp_path / "main.tf").write_text(TF_HEAD + TF_ROLE % ACCOUNT)
    policy = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}'
    entries = [
        _plan_entry("aws_iam_user.alice", {"name": "alice", "path": "/"}, {"arn": True, "id": True}),
        _plan_entry("aws_iam_user_policy.p", {"name": "p", "policy": policy}, {"user": True, "id": True}),
        _plan_entry("aws_iam_role.r", {"name": "r", "path": "/"}, {"assume_role_policy": True, "arn": True}),
        _plan_entry("data.aws_caller_identity.current", {}, {"account_id": True, "id": True}, mode="data"),
    ]
    account = "{account_id}"
    if account_known:  # read at plan time: in the prior state, not planned
        account = "123456789012"
        identity = {**entries.pop()[0], "values": {"account_id": account, "id": account}}
    plan: dict = {"format_version": "1.2", "terraform_version": "1.9.0",
                  "planned_values": {"root_module": {"resources": [e[0] for e in entries]}},
                  "resource_changes": [e[1] for e in entries]}
    if account_known:
        plan["prior_state"] = {"values": {"root_module": {"resources": [identity]}}}
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    out = tmp_path / "report.json"
    assert main(["scan", str(tmp_path / "plan.json"), "--format", "json", "-o", str(out), "--fail-on", "none",
                 "--no-cache"]) == 0
    grants = {(g["principal"], g["target"], g["certainty"]) for g in json.loads(out.read_text())["grants"]
              if g["action"] == "sts:AssumeRole" and g["target"].endswith(":role/r")}
    assert grants == {(f"arn:aws:iam::{account}:user/alice", f"arn:aws:iam::{account}:role/r", "definite")}


# An identity policy naming a role by an ARN with a literal account, and a role of that name in the
# templates, whose account is the deploying one, not given: "a literal account id in a template is
# maybe another account" (docs/semantics.md, The current account) — maybe this one, so the templates'
# role is reached, uncertain until --account-id decides, and so is every chain through it.
NAMED = """data "aws_caller_identity" "current" {}
resource "aws_iam_user" "alice" { name = "alice" }
resource "aws_iam_user_policy" "p" {
  user   = aws_iam_user.alice.name
  name   = "p"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
    Resource = ["arn:aws:iam::111122223333:role/r", "arn:aws:iam::111122223333:role/elsewhere"] }] })
}
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
    Principal = { AWS = "arn:aws:iam::${data.aws_caller_identity.current.account_id}:root" } }] })
}
resource "aws_iam_role_policy" "onward" {
  role   = aws_iam_role.r.id
  name   = "onward"
  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Resource = "*" }] })
}
resource "aws_iam_role" "admin" {
  name               = "admin"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
    Principal = { AWS = aws_iam_role.r.arn } }] })
}
"""


def _report(folder: Path, *extra: str) -> dict:
    out = folder / "report.json"
    main(["scan", str(folder), "--format", "json", "-o", str(out), "--fail-on", "none", "--no-cache", *extra])
    return json.loads(out.read_text())


def test_an_arn_with_a_literal_account_may_name_the_templates_role(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(NAMED)
    report = _report(tmp_path)
    grants = {(g["principal"], g["target"]): g for g in report["grants"] if g["action"] == "sts:AssumeRole"}
    to_role = grants[(ME, ROLE)]
    assert to_role["certainty"] == "uncertain"
    assert "{account_id} unknown before apply" in to_role["reasons"]
    literal = grants[(ME, "arn:aws:iam::111122223333:role/r")]
    assert literal["certainty"] == "uncertain"
    assert any("is the templates' role/r if they deploy into 111122223333" in r for r in literal["reasons"])
    other = grants[(ME, "arn:aws:iam::111122223333:role/elsewhere")]
    assert any("is not a role of the analysed templates" in r for r in other["reasons"])
    # the chain through the templates' role is found: alice → r → admin
    chains = {(p["principal"], p["target"]) for p in report["paths"]}
    assert (ME, "arn:aws:iam::{account_id}:role/admin") in chains


def test_the_account_id_decides_it(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(NAMED)
    report = _report(tmp_path, "--account-id", "111122223333")
    alice, role = "arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:role/r"
    to_role = [g for g in report["grants"] if g["principal"] == alice and g["target"] == role]
    assert [g["certainty"] for g in to_role] == ["definite"]
    report = _report(tmp_path, "--account-id", "444455556666")
    assert not [g for g in report["grants"] if g["target"] == "arn:aws:iam::444455556666:role/r"
                and g["principal"] == "arn:aws:iam::444455556666:user/alice"]
