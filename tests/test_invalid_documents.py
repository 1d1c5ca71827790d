"""Documents AWS rejects are error diagnostics at their line, never a grant and never silence.

- Element names are case-sensitive: the policy grammar spells them `Version`, `Statement`, `Sid`,
  `Effect`, `Principal`, `Action`, `Resource`, `Condition` (and the `Not` forms); `action` or
  `principal` is no element AWS knows, and a statement needs `Action` or `NotAction`
  [IAM User Guide, reference_policies_grammar; reference_policies_elements_action].
- A principal names someone: `"Federated": ""` names nobody, and an ARN principal's account is a
  12-digit id (`arn:aws:iam:::root` is no account) [reference_policies_elements_principal].
- IAM Roles Anywhere needs the trust to allow `sts:AssumeRole`, `sts:TagSession` and
  `sts:SetSourceIdentity` [IAM Roles Anywhere User Guide, trust-model: "The policy must grant the
  permissions"]: without the last two the role cannot be used through it — no grant, a warning.
"""

from __future__ import annotations

import json

import pytest

from tests.template_scan import ACCOUNT, diagnostics_of, grants_of, scan_template

ROLE = f"arn:aws:iam::{ACCOUNT}:role/target"
CFN = """AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Target:
    Type: AWS::IAM::Role
    Properties:
      RoleName: target
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {statement}
"""
TF = """resource "aws_iam_role" "target" {{
  name = "target"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [
      {statement}
    ]
  }})
}}
"""
CFN_LINE, TF_LINE = 10, 6
GOOD = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::222222222222:root"}, "Action": "sts:AssumeRole"}


def _with(**changes: object) -> dict:
    statement = dict(GOOD)
    for key, value in changes.items():
        if value is None:
            statement.pop(key.split("__")[0])
        elif "__" in key:
            proper, spelt = key.split("__")
            statement[spelt] = statement.pop(proper)
        else:
            statement[key] = value
    return statement


MISSPELT = {
    "action": _with(Action__action=True),
    "principal": _with(Principal__principal=True),
    "ACTION": _with(Action__ACTION=True),
    "Notaction": {**_with(Action=None), "Notaction": "iam:*"},
    "effect": _with(Effect__effect=True),
    "condition": {**GOOD, "condition": {"StringEquals": {"sts:ExternalId": "x"}}},
}


def _scan(tmp_path, form: str, statement: dict):
    body = json.dumps(statement)
    if form == "cfn":
        return scan_template(tmp_path, "template.yaml", CFN.format(statement=body)), CFN_LINE, "template.yaml"
    tf_body = body.replace('": ', '" = ')  # an HCL object from the same JSON
    return scan_template(tmp_path, "main.tf", TF.format(statement=tf_body)), TF_LINE, "main.tf"


@pytest.mark.parametrize("form", ["cfn", "tf"])
@pytest.mark.parametrize("spelt", sorted(MISSPELT))
def test_a_misspelt_element_is_an_error_and_no_grant(tmp_path, form, spelt):
    (code, report), line, name = _scan(tmp_path, form, MISSPELT[spelt])
    assert code == 2
    assert report["grants"] == []
    (error,) = diagnostics_of(report, "error")
    assert error[:2] == (name, line)
    assert f"AWS rejects the policy: statement element '{spelt}' is not" in error[2]


@pytest.mark.parametrize("form", ["cfn", "tf"])
@pytest.mark.parametrize("kind", ["aws", "service", "AWs", "Canonicaluser"])
def test_a_misspelt_principal_type_is_an_error_and_no_grant(tmp_path, form, kind):
    (code, report), line, name = _scan(tmp_path, form, _with(Principal={kind: "arn:aws:iam::222222222222:root"}))
    assert code == 2
    assert report["grants"] == []
    (error,) = diagnostics_of(report, "error")
    assert error[:2] == (name, line)
    assert error[2].endswith(f"AWS rejects the policy: unknown principal type '{kind}' in Principal")


@pytest.mark.parametrize("form", ["cfn", "tf"])
def test_a_statement_without_actions_is_an_error(tmp_path, form):
    (code, report), line, name = _scan(tmp_path, form, _with(Action=None))
    assert code == 2
    assert report["grants"] == []
    (error,) = diagnostics_of(report, "error")
    assert error[:2] == (name, line)
    assert error[2].endswith("AWS rejects the policy: statement has no Action or NotAction")


def test_a_misspelt_document_element_is_an_error(tmp_path):
    template = CFN.replace("        Statement:", "        statement:").format(statement=json.dumps(GOOD))
    code, report = scan_template(tmp_path, "template.yaml", template)
    assert code == 2
    assert report["grants"] == []
    messages = [m for _, _, m in diagnostics_of(report, "error")]
    assert any("AWS rejects the policy: policy element 'statement' is not 'Statement'" in m for m in messages)


INVALID_PRINCIPALS = {
    "empty Federated": ({"Federated": ""}, "sts:AssumeRoleWithWebIdentity", "empty Federated principal"),
    "empty Service": ({"Service": ""}, "sts:AssumeRole", "empty Service principal"),
    "empty AWS": ({"AWS": ""}, "sts:AssumeRole", "empty AWS principal"),
    "account-less root": ({"AWS": "arn:aws:iam:::root"}, "sts:AssumeRole",
                          "arn:aws:iam:::root names no 12-digit account"),
    "short account": ({"AWS": "arn:aws:iam::12345:root"}, "sts:AssumeRole",
                      "arn:aws:iam::12345:root names no 12-digit account"),
    "account-less role": ({"AWS": "arn:aws:iam:::role/deploy"}, "sts:AssumeRole",
                          "arn:aws:iam:::role/deploy names no 12-digit account"),
    "account-less provider": ({"Federated": "arn:aws:iam:::oidc-provider/token.actions.githubusercontent.com"},
                              "sts:AssumeRoleWithWebIdentity",
                              "arn:aws:iam:::oidc-provider/token.actions.githubusercontent.com names no "
                              "12-digit account"),
}


@pytest.mark.parametrize("form", ["cfn", "tf"])
@pytest.mark.parametrize("case", sorted(INVALID_PRINCIPALS))
def test_a_principal_naming_nobody_is_an_error_and_no_grant(tmp_path, form, case):
    principal, action, problem = INVALID_PRINCIPALS[case]
    (code, report), line, name = _scan(tmp_path, form, _with(Principal=principal, Action=action))
    assert code == 2
    assert report["grants"] == []
    assert diagnostics_of(report, "error") == [(name, line, f"{problem} in the trust policy of role/target")]


ROLES_ANYWHERE = "rolesanywhere.amazonaws.com"


@pytest.mark.parametrize("form", ["cfn", "tf"])
@pytest.mark.parametrize(
    "actions, missing",
    [
        (["sts:AssumeRole"], "sts:TagSession and sts:SetSourceIdentity"),
        (["sts:AssumeRole", "sts:TagSession"], "sts:SetSourceIdentity"),
        (["sts:AssumeRole", "sts:SetSourceIdentity"], "sts:TagSession"),
        (["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"], ""),
        (["sts:*"], ""),
    ],
)
def test_roles_anywhere_needs_tag_session_and_source_identity(tmp_path, form, actions, missing):
    statement = _with(Principal={"Service": ROLES_ANYWHERE}, Action=actions)
    (code, report), line, name = _scan(tmp_path, form, statement)
    assert code == 0
    grants = grants_of(report)
    warnings = diagnostics_of(report, "warning")
    if missing:
        assert grants == {}
        assert warnings == [(name, line, f"the trust policy of role/target does not allow {missing}, which IAM "
                                         f"Roles Anywhere needs: {ROLES_ANYWHERE} cannot assume it")]
    else:
        assert grants[(ROLES_ANYWHERE, "sts:AssumeRole", ROLE)]["certainty"] == "definite"
        assert warnings == []
