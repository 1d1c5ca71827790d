"""CONTRACT.md `principals`: an identity provider defined in the templates is listed with its
address and source, as users and roles are."""

import json

from credmint.analyzer.app.cli import main

TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  GitHub:
    Type: AWS::IAM::OIDCProvider
    Properties:
      Url: https://token.actions.githubusercontent.com
      ClientIdList: [sts.amazonaws.com]
  Deploy:
    Type: AWS::IAM::Role
    Properties:
      RoleName: deploy
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Federated: !Ref GitHub}
            Action: sts:AssumeRoleWithWebIdentity
            Condition:
              StringEquals: {token.actions.githubusercontent.com:sub: "repo:acme/app:ref:refs/heads/main"}
"""


def test_a_provider_of_the_templates_is_listed_with_its_address_and_source(tmp_path):
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    out = tmp_path / "r.json"
    main(["scan", str(tmp_path / "template.yaml"), "--account-id", "111111111111", "--format", "json",
          "-o", str(out), "--root", str(tmp_path)])
    principals = {p["id"]: p for p in json.loads(out.read_text())["principals"]}
    provider = principals["arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"]
    assert provider["type"] == "federated"
    assert provider["address"] == "GitHub"
    assert provider["source"] == {"file": "template.yaml", "line": 3}
