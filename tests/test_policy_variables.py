"""Policy variables in Resource entries (IAM User Guide, reference_policies_variables).

- `${*}`, `${?}`, `${$}` are the literal characters `*`, `?`, `$` ("Special characters"), never
  wildcards: `federated-user/team${*}` names the literal `team*`, which no federated-user name
  (2–32 of `[\\w+=,.@-]`, STS GetFederationToken `Name`) matches, so it grants nothing (SEMANTICS.md
  §2); `role/deploy${*}` names no role (role names are `[\\w+=,.@-]+`) and matches no `deploy-x`.
- A variable with no value for the caller: "If AWS cannot resolve a variable this might cause the
  entire statement to be invalid" — `${aws:username}` exists only for IAM users ("Request
  information that you can use for policy variables"), so for a role the statement gives nothing
  (Allow and NotResource alike, and a Deny written so cuts nothing); never a NUL byte or placeholder
  inside an identity. A default (`${aws:username, 'shared'}`, "Specifying default values") stands in.
- Under `"Version": "2008-10-17"` variables are literal text (SEMANTICS.md §6).
"""

from __future__ import annotations

import json

import pytest

from tests.template_scan import ACCOUNT, grants_of, scan_template

ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
WORKER = f"arn:aws:iam::{ACCOUNT}:role/worker"
FED = f"arn:aws:sts::{ACCOUNT}:federated-user/"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/"

CALLERS = {
    "user": """  Caller:
    Type: AWS::IAM::User
    Properties:
      UserName: alice
""",
    "role": """  Caller:
    Type: AWS::IAM::Role
    Properties:
      RoleName: worker
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]
""",
}
TARGETS = """  DeployX:
    Type: AWS::IAM::Role
    Properties:
      RoleName: deploy-x
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {AWS: "111111111111"}, Action: sts:AssumeRole}]
  WsAlice:
    Type: AWS::IAM::Role
    Properties:
      RoleName: alice
      Path: /ws/
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement: [{Effect: Allow, Principal: {AWS: "111111111111"}, Action: sts:AssumeRole}]
"""


def _scan(tmp_path, caller: str, statements: list[dict], version: str = "2012-10-17") -> dict:
    policy = json.dumps({"Version": version, "Statement": statements})
    text = (
        'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n'
        + CALLERS[caller]
        + f"      Policies:\n        - PolicyName: p\n          PolicyDocument: {policy}\n"
        + TARGETS
    )
    code, report = scan_template(tmp_path, "template.yaml", text)
    assert code == 0
    assert "\u0000" not in json.dumps(report) and "\ue02a" not in json.dumps(report)
    return report


def _minted(report: dict, principal: str) -> set[tuple[str, str, str, tuple[str, ...]]]:
    return {
        (action, target, g["certainty"], tuple(g["except"]))
        for (who, action, target), g in grants_of(report).items()
        if who == principal and action != "sts:GetSessionToken"
    }


def _allow(action: str, resource: str, **more) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


@pytest.mark.parametrize(
    "resource, expected",
    [
        (FED + "team${*}", set()),
        (FED + "team${?}", set()),
        (FED + "team${$}", set()),
        (FED + "${*}", set()),
        (FED + "team*", {("sts:GetFederationToken", FED + "team*", "definite", ())}),
        (FED + "${aws:username}-*", {("sts:GetFederationToken", FED + "alice-*", "definite", ())}),
    ],
)
def test_special_characters_are_literal_in_federated_user_names(tmp_path, resource, expected):
    report = _scan(tmp_path, "user", [_allow("sts:GetFederationToken", resource)])
    assert _minted(report, ALICE) == expected


def test_a_deny_of_a_literal_star_carves_out_no_name(tmp_path):
    report = _scan(tmp_path, "user", [
        _allow("sts:GetFederationToken", "*"),
        {"Effect": "Deny", "Action": "sts:GetFederationToken", "Resource": FED + "team${*}"},
    ])
    assert _minted(report, ALICE) == {("sts:GetFederationToken", FED + "*", "definite", ())}


@pytest.mark.parametrize("caller, principal", [("user", ALICE), ("role", WORKER)])
@pytest.mark.parametrize("resource", [ROLE + "deploy${*}", ROLE + "deploy${?}", ROLE + "deploy-${$}"])
def test_special_characters_are_literal_in_role_names(tmp_path, caller, principal, resource):
    report = _scan(tmp_path, caller, [_allow("sts:AssumeRole", resource)])
    assert _minted(report, principal) == set()


def test_a_literal_star_may_still_lie_in_a_path_before_a_wildcard(tmp_path):
    # `role/a${*}*` may be `role/a*/x/name`: the `*` may be part of a path (paths admit it).
    report = _scan(tmp_path, "user", [_allow("sts:AssumeRole", ROLE + "a${*}*")])
    assert _minted(report, ALICE) == {("sts:AssumeRole", ROLE + "a${*}*", "uncertain", ())}


@pytest.mark.parametrize(
    "caller, principal, expected",
    [
        ("user", ALICE, {("sts:AssumeRole", ROLE + "ws/alice", "definite", ())}),
        ("role", WORKER, set()),  # a role has no aws:username: the statement gives it nothing
    ],
)
def test_a_variable_the_caller_cannot_have_gives_it_nothing(tmp_path, caller, principal, expected):
    report = _scan(tmp_path, caller, [_allow("sts:AssumeRole", ROLE + "ws/${aws:username}")])
    assert _minted(report, principal) == expected


def test_not_resource_with_a_variable_the_role_cannot_have_gives_nothing(tmp_path):
    statement = {"Effect": "Allow", "Action": "sts:AssumeRole", "NotResource": ROLE + "ws/${aws:username}"}
    assert _minted(_scan(tmp_path, "role", [statement]), WORKER) == set()
    user = _minted(_scan(tmp_path, "user", [statement]), ALICE)
    assert ("sts:AssumeRole", ROLE + "deploy-x", "definite", ()) in user
    assert not [g for g in user if g[1] == ROLE + "ws/alice"]


def test_a_deny_with_a_variable_the_role_cannot_have_cuts_nothing(tmp_path):
    report = _scan(tmp_path, "role", [
        _allow("sts:AssumeRole", ROLE + "deploy-x"),
        {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": ROLE + "deploy-${aws:username}"},
    ])
    assert _minted(report, WORKER) == {("sts:AssumeRole", ROLE + "deploy-x", "definite", ())}


def test_a_default_value_stands_in_for_a_variable_without_value(tmp_path):
    report = _scan(tmp_path, "role", [_allow("sts:AssumeRole", ROLE + "ws/${aws:username, 'alice'}")])
    assert _minted(report, WORKER) == {("sts:AssumeRole", ROLE + "ws/alice", "definite", ())}


def test_variables_are_literal_text_under_the_old_version(tmp_path):
    # Under 2008-10-17 `${*}` is the text `${` `*` `}`: `$`, `{`, `}` fit no name.
    report = _scan(tmp_path, "user", [_allow("sts:GetFederationToken", FED + "team${*}")], version="2008-10-17")
    assert _minted(report, ALICE) == set()


TF = """resource "aws_iam_role" "worker" {
  name = "worker"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "ec2.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy" "ws" {
  role = aws_iam_role.worker.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Resource = "arn:aws:iam::111111111111:role/ws/$${aws:username}" }]
  })
}

resource "aws_iam_user" "alice" {
  name = "alice"
}

resource "aws_iam_user_policy" "fed" {
  user = aws_iam_user.alice.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:GetFederationToken", Resource = "arn:aws:sts::111111111111:federated-user/team$${*}" }]
  })
}
"""


def test_terraform_reads_variables_alike(tmp_path):
    code, report = scan_template(tmp_path, "main.tf", TF)
    assert code == 0
    assert _minted(report, WORKER) == set()
    assert _minted(report, ALICE) == set()
    assert "\u0000" not in json.dumps(report)
