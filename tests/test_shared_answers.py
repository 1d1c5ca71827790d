"""Answers shared between callers (issue 8 §3) must stay each caller's own answer.

A group's statements are asked once per request for all its members, and a trust's `*` or account
entry once for all callers: what differs between members — their own policies, a policy variable
that reads their name — must still decide each one's grants (SEMANTICS.md §6, §7).
"""

import json

from credmint.analyzer.app.cli import main

ACCOUNT = "111111111111"
TEMPLATE = f"""AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Devs:
    Type: AWS::IAM::Group
    Properties:
      GroupName: devs
      Policies:
        - PolicyName: assume
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: sts:AssumeRole
                Resource:
                  - "arn:aws:iam::{ACCOUNT}:role/deploy"
                  - "arn:aws:iam::{ACCOUNT}:role/${{aws:username}}-tools"
  Alice:
    Type: AWS::IAM::User
    Properties: {{UserName: alice, Groups: [!Ref Devs]}}
  Bob:
    Type: AWS::IAM::User
    Properties:
      UserName: bob
      Groups: [!Ref Devs]
      Policies:
        - PolicyName: no-deploy
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - {{Effect: Deny, Action: sts:AssumeRole, Resource: "arn:aws:iam::{ACCOUNT}:role/deploy"}}
  Carol:
    Type: AWS::IAM::User
    Properties: {{UserName: carol, Groups: [!Ref Devs]}}
  Deploy:
    Type: AWS::IAM::Role
    Properties:
      RoleName: deploy
      AssumeRolePolicyDocument:
        Statement: [{{Effect: Allow, Action: sts:AssumeRole, Principal: {{AWS: "arn:aws:iam::{ACCOUNT}:root"}}}}]
  AliceTools:
    Type: AWS::IAM::Role
    Properties:
      RoleName: alice-tools
      AssumeRolePolicyDocument:
        Statement: [{{Effect: Allow, Action: sts:AssumeRole, Principal: {{AWS: "arn:aws:iam::{ACCOUNT}:root"}}}}]
  BobTools:
    Type: AWS::IAM::Role
    Properties:
      RoleName: bob-tools
      AssumeRolePolicyDocument:
        Statement: [{{Effect: Allow, Action: sts:AssumeRole, Principal: {{AWS: "arn:aws:iam::{ACCOUNT}:root"}}}}]
  Public:
    Type: AWS::IAM::Role
    Properties:
      RoleName: public
      AssumeRolePolicyDocument:
        Statement: [{{Effect: Allow, Action: sts:AssumeRole, Principal: "*"}}]
"""


def user(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def scan(tmp_path) -> list[dict]:
    path = tmp_path / "template.yaml"
    path.write_text(TEMPLATE)
    out = tmp_path / "r.json"
    main(["scan", str(path), "--account-id", ACCOUNT, "--format", "json", "-o", str(out), "--fail-on", "none"])
    return json.loads(out.read_text())["grants"]


def test_members_of_one_group_keep_their_own_denies_and_policy_variables(tmp_path) -> None:
    grants = scan(tmp_path)
    assumed = {
        (g["principal"], g["target"], g["certainty"])
        for g in grants
        if g["action"] == "sts:AssumeRole" and g["principal"].startswith(f"arn:aws:iam::{ACCOUNT}:user/")
    }
    assert assumed == {
        (user("alice"), role("deploy"), "definite"),
        (user("alice"), role("alice-tools"), "definite"),
        (user("alice"), role("public"), "definite"),
        (user("bob"), role("bob-tools"), "definite"),
        (user("bob"), role("public"), "definite"),
        (user("carol"), role("deploy"), "definite"),
        (user("carol"), role("public"), "definite"),
        # carol-tools is no role of the templates: its trust is unseen (DECISIONS.md)
        (user("carol"), role("carol-tools"), "uncertain"),
    }


def test_reasons_name_the_group_and_the_trust_entry_that_admit(tmp_path) -> None:
    grants = {(g["principal"], g["target"]): g for g in scan(tmp_path) if g["action"] == "sts:AssumeRole"}
    deploy = grants[(user("carol"), role("deploy"))]["reasons"]
    assert any(r.startswith("group devs inline policy assume allows sts:AssumeRole on role/deploy (template.yaml:") for r in deploy)
    assert any(r.startswith(f"trust policy of role/deploy allows account {ACCOUNT} (template.yaml:") for r in deploy)
    for who in (user("alice"), user("bob"), role("deploy")):
        reasons = grants[(who, role("public"))]["reasons"]
        assert [r.split(" (")[0] for r in reasons] == ["trust policy of role/public allows any principal"]
