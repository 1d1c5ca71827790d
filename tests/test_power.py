"""The power of what is minted (issue 14 items 3 and 6): exact labels, the escalation table, severity
scaled by power, and the power in every report format.

Expected labels follow analyzer/power.py's definitions and docs/DECISIONS.md ("Issue 14 — power and
escalation"); the escalation actions are the privilege-escalation paths Rhino Security Labs and
PMapper publish for IAM, each alone sufficient.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from credmint.analyzer.power import ESCALATIONS, PowerLabel
from credmint.analyzer.reports.markdown import text as md
from cfn_trees import run

ACCOUNT = "111111111111"
TARGET = f"arn:aws:iam::{ACCOUNT}:role/target"


def allow(action: Any, resource: Any = "*") -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def role(statements: list[dict] = (), *, managed: list[str] = (), trust: Any = None,
         boundary: str | None = None, name: str = "target") -> dict:
    properties: dict[str, Any] = {
        "RoleName": name,
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
            trust or {"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                      "Action": "sts:AssumeRole"}]},
    }
    if statements:
        properties["Policies"] = [{"PolicyName": "p", "PolicyDocument": {
            "Version": "2012-10-17", "Statement": list(statements)}}]
    if managed:
        properties["ManagedPolicyArns"] = list(managed)
    if boundary:
        properties["PermissionsBoundary"] = boundary
    return {"Type": "AWS::IAM::Role", "Properties": properties}


def user(name: str, statements: list[dict]) -> dict:
    return {"Type": "AWS::IAM::User", "Properties": {"UserName": name, "Policies": [
        {"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}]}}


def template(tmp_path: Path, resources: dict) -> Path:
    path = tmp_path / "template.json"
    path.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}))
    return path


def scan(tmp_path: Path, resources: dict, *extra: str) -> tuple[int, dict]:
    path = template(tmp_path, resources)
    out = tmp_path / "report.json"
    code = run(["scan", str(path), "--root", str(tmp_path), "--account-id", ACCOUNT, "--format", "json",
                "-o", str(out), *extra])
    return code, json.loads(out.read_text())


def power(tmp_path: Path, resources: dict, target: str = TARGET) -> dict:
    _, report = scan(tmp_path, resources)
    return next(p for p in report["powers"] if p["target"] == target)


# -- item 3: one table of escalation actions, each alone sufficient ------------------------------

@pytest.mark.parametrize("action", [e.action for e in ESCALATIONS])
def test_each_escalation_action_alone_on_any_resource_can_escalate(tmp_path, action):
    found = power(tmp_path, {"Target": role([allow(action)])})
    assert (found["power"], found["actions"]) == ("can-escalate", [action])
    assert found["sources"] == [{"file": "template.json", "line": 1}]


@pytest.mark.parametrize("service, launch", [
    ("ec2.amazonaws.com", "ec2:RunInstances"),
    ("lambda.amazonaws.com", "lambda:CreateFunction"),
    ("ecs-tasks.amazonaws.com", "ecs:RunTask"),
    ("cloudformation.amazonaws.com", "cloudformation:CreateStack"),
])
def test_pass_role_with_a_launch_call_can_escalate(tmp_path, service, launch):
    found = power(tmp_path, {"Target": role([allow(["iam:PassRole", launch])])})
    assert found["power"] == "can-escalate"
    assert f"iam:PassRole+{launch}" in found["actions"]


def test_pass_role_without_a_launch_call_only_writes(tmp_path):
    found = power(tmp_path, {"Target": role([allow("iam:PassRole")])})
    assert (found["power"], found["services"]) == ("writes", ["iam"])


@pytest.mark.parametrize("action", ["iam:AttachRolePolicy", "iam:PutRolePolicy"])
def test_changing_its_own_policies_escalates(tmp_path, action):
    found = power(tmp_path, {"Target": role([allow(action, TARGET)])})
    assert (found["power"], found["actions"]) == ("can-escalate", [action])


def test_updating_its_own_trust_escalates_nothing(tmp_path):
    """UpdateAssumeRolePolicy on itself: it already is the role."""
    found = power(tmp_path, {"Target": role([allow("iam:UpdateAssumeRolePolicy", TARGET)])})
    assert (found["power"], found["services"]) == ("writes", ["iam"])


@pytest.mark.parametrize("action", ["iam:CreateAccessKey", "iam:CreateLoginProfile", "iam:UpdateLoginProfile"])
def test_credentials_for_yourself_escalate_nothing_for_another_user_do(tmp_path, action):
    own = f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}"
    resources = {
        "Alice": user("alice", [allow(action, own), allow("sts:GetFederationToken")]),
        "Bob": user("bob", [allow(action, f"arn:aws:iam::{ACCOUNT}:user/carol"), allow("sts:GetFederationToken")]),
    }
    _, report = scan(tmp_path, resources)
    powers = {p["target"]: (p["power"], p["actions"]) for p in report["powers"]}
    # Each user's federated sessions carry at most the user's own power (GetFederationToken).
    both = f"arn:aws:sts::{ACCOUNT}:federated-user/*"
    assert powers[both] == ("can-escalate", [action])  # bob's, the stronger of the two minters
    cm202 = [f["principal"] for f in report["findings"] if f["rule"] == "CM202"]
    assert cm202 == [f"arn:aws:iam::{ACCOUNT}:user/bob"]


def test_escalation_on_a_resource_that_is_no_principal_escalates_nothing(tmp_path):
    found = power(tmp_path, {"Target": role([allow("iam:AttachRolePolicy", "arn:aws:s3:::bucket")])})
    assert (found["power"], found["services"]) == ("writes", ["iam"])


def test_a_deny_on_the_escalation_leaves_the_writes(tmp_path):
    statements = [allow("*"), {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}]
    found = power(tmp_path, {"Target": role(statements)})
    assert (found["power"], found["services"]) == ("writes", ["*"])


# -- item 6: the labels --------------------------------------------------------------------------

def test_administrator_access_is_administrator(tmp_path):
    found = power(tmp_path, {"Target": role(managed=["arn:aws:iam::aws:policy/AdministratorAccess"])})
    assert (found["power"], found["actions"]) == ("administrator", ["*"])
    assert found["sources"] == [{"file": "aws-managed:AdministratorAccess", "line": 1}]


def test_every_action_on_one_bucket_writes_every_service(tmp_path):
    found = power(tmp_path, {"Target": role([allow("*", "arn:aws:s3:::bucket/*")])})
    assert (found["power"], found["services"]) == ("writes", ["*"])


def test_power_user_access_writes_but_is_not_administrator(tmp_path):
    """PowerUserAccess: every action but IAM, Organizations and Account (NotAction)."""
    found = power(tmp_path, {"Target": role(managed=["arn:aws:iam::aws:policy/PowerUserAccess"])})
    assert (found["power"], found["services"]) == ("writes", ["*", "iam"])


def test_view_only_access_is_read_only(tmp_path):
    found = power(tmp_path, {"Target": role(managed=["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"])})
    assert (found["power"], found["services"], found["actions"]) == ("read-only", [], [])


def test_writes_lists_the_services_and_the_statements(tmp_path):
    found = power(tmp_path, {"Target": role([allow(["s3:PutObject", "s3:GetObject", "sqs:Send*", "dynamodb:Get*"])])})
    assert (found["power"], found["services"]) == ("writes", ["s3", "sqs"])
    assert found["reasons"] == [
        "role target inline policy p allows s3:PutObject (template.json:1)",
        "role target inline policy p allows sqs:Send* (template.json:1)",
    ]


def test_a_boundary_limits_the_power(tmp_path):
    boundary = {"Boundary": {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
        "ManagedPolicyName": "boundary",
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [allow("s3:*")]}}}}
    resources = {"Target": role(managed=["arn:aws:iam::aws:policy/AdministratorAccess"],
                                boundary=f"arn:aws:iam::{ACCOUNT}:policy/boundary"), **boundary}
    found = power(tmp_path, resources)
    assert (found["power"], found["services"]) == ("writes", ["s3"])


def test_a_role_without_policies_is_unknown(tmp_path):
    found = power(tmp_path, {"Target": role()})
    assert found["power"] == "unknown"


def test_a_policy_outside_the_templates_is_unknown(tmp_path):
    found = power(tmp_path, {"Target": role([allow("s3:GetObject")],
                                            managed=[f"arn:aws:iam::{ACCOUNT}:policy/elsewhere"])})
    assert found["power"] == "unknown"


def test_a_role_outside_the_templates_is_unknown(tmp_path):
    resources = {"Dev": user("dev", [allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/outside")])}
    found = power(tmp_path, resources, f"arn:aws:iam::{ACCOUNT}:role/outside")
    assert found["power"] == "unknown"


# -- item 6: severities scale with the power of the target -----------------------------------------

PUBLIC = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
PUBLIC_MFA = {**PUBLIC, "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}
GITHUB = {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
          "Principal": {"Federated": f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"}}
PARTNER = {"Effect": "Allow", "Principal": {"AWS": "222222222222"}, "Action": "sts:AssumeRole"}
ADMIN = {"managed": ["arn:aws:iam::aws:policy/AdministratorAccess"]}
ESCALATE = {"statements": [allow("iam:PutRolePolicy")]}
WRITES = {"statements": [allow("s3:PutObject")]}
READS = {"statements": [allow("s3:GetObject")]}
NOTHING = {}


@pytest.mark.parametrize("trust, rule, body, severity, code_high, code_medium", [
    (PUBLIC, "CM101", ADMIN, "critical", 1, 1),
    (PUBLIC, "CM101", ESCALATE, "critical", 1, 1),
    (PUBLIC, "CM101", NOTHING, "critical", 1, 1),  # unknown: policies elsewhere
    (PUBLIC, "CM101", WRITES, "high", 1, 1),
    (PUBLIC, "CM101", READS, "medium", 0, 1),
    (PUBLIC_MFA, "CM101", ADMIN, "high", 1, 1),
    (PUBLIC_MFA, "CM101", WRITES, "high", 1, 1),
    (PUBLIC_MFA, "CM101", READS, "medium", 0, 1),
    (GITHUB, "CM102", ADMIN, "critical", 1, 1),
    (GITHUB, "CM102", WRITES, "high", 1, 1),
    (GITHUB, "CM102", READS, "medium", 0, 1),
    (PARTNER, "CM105", ADMIN, "high", 1, 1),
    (PARTNER, "CM105", WRITES, "high", 1, 1),
    (PARTNER, "CM105", READS, "medium", 0, 1),
])
def test_severity_scales_with_the_power_of_the_target(tmp_path, trust, rule, body, severity, code_high, code_medium):
    resources = {"Target": role(trust=trust, **body)}
    code, report = scan(tmp_path, resources)
    found = [(f["rule"], f["severity"]) for f in report["findings"] if f["target"] == TARGET]
    assert found == [(rule, severity)]
    assert code == code_high  # --fail-on high, the default
    assert scan(tmp_path, resources, "--fail-on", "medium")[0] == code_medium


def test_a_capped_finding_says_why(tmp_path):
    _, report = scan(tmp_path, {"Target": role(trust=PUBLIC, **READS)})
    assert report["findings"][0]["message"].endswith(
        "(severity critical capped at medium: the target's power is read-only)")


# -- the power in every format -------------------------------------------------------------------

def test_json_grants_carry_the_target_power_and_powers_say_why(tmp_path):
    _, report = scan(tmp_path, {"Target": role(trust=PUBLIC, **WRITES)})
    grant = next(g for g in report["grants"] if g["target"] == TARGET)
    assert grant["target_power"] == "writes"
    assert report["powers"] == [{
        "target": TARGET, "power": "writes", "services": ["s3"], "actions": [],
        "reasons": ["role target inline policy p allows s3:PutObject (template.json:1)"],
        "sources": [{"file": "template.json", "line": 1}],
    }]


def test_text_and_markdown_show_the_power(tmp_path):
    path = template(tmp_path, {"Target": role(trust=PUBLIC, statements=[allow("iam:AttachRolePolicy")])})
    for fmt, expected in (("text", "  role/target  [power: can-escalate (iam:AttachRolePolicy)]"),
                          ("markdown", f"| <code>{md('*')}</code> | <code>{md(TARGET)}</code> | AssumeRole | definite "
                                       f"| critical (CM101) | {md('can-escalate (iam:AttachRolePolicy)')} "
                                       f"| {md('template.json:1')} |")):
        out = tmp_path / f"report.{fmt}"
        run(["scan", str(path), "--root", str(tmp_path), "--account-id", ACCOUNT, "--format", fmt, "-o", str(out)])
        assert expected in out.read_text().splitlines()


@pytest.mark.parametrize("fmt, expected", [
    ("mermaid", ["  classDef power_administrator fill:#ffebe9,stroke:#cf222e,stroke-width:3px",
                 "  class n1 power_administrator",
                 "  classDef power_read_only fill:#dafbe1,stroke:#1a7f37",
                 "  class n2 power_read_only"]),
    ("dot", [f'  "{TARGET}" [label="{ACCOUNT}:role/target", style=filled, fillcolor="#ffebe9", '
             'tooltip="power: administrator (*)"];',
             f'  "arn:aws:iam::{ACCOUNT}:role/viewer" [label="{ACCOUNT}:role/viewer", style=filled, '
             'fillcolor="#dafbe1", tooltip="power: read-only"];']),
])
def test_graph_nodes_are_styled_by_power(tmp_path, fmt, expected):
    resources = {"Target": role(trust=PUBLIC, **ADMIN),
                 "Viewer": role(trust=PUBLIC, name="viewer", statements=[allow("s3:GetObject")])}
    path = template(tmp_path, resources)
    out = tmp_path / f"graph.{fmt}"
    run(["scan", str(path), "--root", str(tmp_path), "--account-id", ACCOUNT, "--format", fmt, "-o", str(out),
         "--fail-on", "none"])
    lines = out.read_text().splitlines()
    assert [line for line in lines if line in expected] == expected


def test_sarif_lists_the_new_rules(tmp_path):
    path = template(tmp_path, {"Target": role(trust=PUBLIC, **ADMIN)})
    out = tmp_path / "report.sarif"
    run(["scan", str(path), "--root", str(tmp_path), "--account-id", ACCOUNT, "--format", "sarif", "-o", str(out)])
    rules = {r["id"]: r for r in json.loads(out.read_text())["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["CM201"]["properties"]["security-severity"] == "3.0"
    assert rules["CM202"]["properties"]["security-severity"] == "8.0"
    assert rules["CM201"]["shortDescription"]["text"] == "Minting permission granted directly to a user"


def test_labels_are_the_five_of_the_issue():
    assert [label.value for label in PowerLabel] == [
        "administrator", "can-escalate", "unknown", "writes", "read-only"]


@pytest.mark.parametrize("action", [e.action for e in ESCALATIONS] + ["iam:PassRole,ec2:RunInstances"])
def test_a_chain_to_a_role_with_one_escalation_action_is_cm301(tmp_path, action):
    """Issue 14 item 3: CM301 used to want two escalation actions; each alone suffices."""
    group = {"Type": "AWS::IAM::Group", "Properties": {"GroupName": "devs", "Policies": [{
        "PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/deploy")]}}]}}
    dev = {"Type": "AWS::IAM::User", "Properties": {"UserName": "dev", "Groups": [{"Ref": "Devs"}]}}
    deploy = role([allow("sts:AssumeRole", TARGET)], name="deploy",
                  trust={"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"})
    target = role([allow(action.split(","))],
                  trust={"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/deploy"},
                         "Action": "sts:AssumeRole"})
    code, report = scan(tmp_path, {"Devs": group, "Dev": dev, "Deploy": deploy, "Target": target})
    found = [(f["rule"], f["severity"], f["principal"], f["target"]) for f in report["findings"]]
    assert found == [("CM301", "high", f"arn:aws:iam::{ACCOUNT}:user/dev", TARGET)]
    assert code == 1
