"""The JSON reports meet the schemas in docs/ (issue 16 item 5): real scan and diff reports of several
fixtures validate under Draft 2020-12 with format checking, the schemas are closed (a field the code
emits and the schema does not describe fails), and docs/report-format.md describes every field."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import Any, Iterator

import jsonschema
import pytest
from referencing import Registry, Resource

from cfn_trees import git, run

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
ACCOUNT = "123456789012"
SCHEMAS = ("report.schema.json", "diff-report.schema.json", "explain.schema.json")


def schema(name: str) -> dict[str, Any]:
    return json.loads((DOCS / name).read_text(encoding="utf-8"))


def validator(name: str) -> jsonschema.Draft202012Validator:
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s))
        for s in (schema(n) for n in SCHEMAS)
    )
    jsonschema.Draft202012Validator.check_schema(schema(name))
    return jsonschema.Draft202012Validator(
        schema(name), registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def errors(name: str, report: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator(name).iter_errors(report)]


def scan(out: Path, *argv: str, root: Path = REPO) -> dict[str, Any]:
    code = run(["scan", *argv, "--format", "json", "-o", str(out), "--root", str(root)])
    assert code in (0, 1, 2)
    return json.loads(out.read_text(encoding="utf-8"))


KEYS = """\
resource "aws_iam_user" "ci" {
  name = "ci"
}

resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}
"""
CONFIG = """\
ignore:
  - {rule: CM105, target: "arn:aws:iam::123456789012:role/billing-reader", reason: "billing partner, read-only"}
"""


@pytest.fixture(scope="module")
def scans(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Reports of fixtures that together give every field a value: every input format, findings,
    suppressed findings, chains, service paths, access keys, errors, no account."""
    tmp = tmp_path_factory.mktemp("scans")
    config = tmp / "credmint.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    (tmp / "keys").mkdir()
    (tmp / "keys" / "main.tf").write_text(KEYS, encoding="utf-8")
    inventory = tmp / "audit.inventory.json"
    assert run(["scan", "fixtures/examples/cross_account_audit", "--root", str(REPO), "--account-id", ACCOUNT,
                "--format", "inventory", "--source-name", "audit", "-o", str(inventory)]) == 0
    here = os.getcwd()
    os.chdir(REPO)
    try:
        return {
            "seed": scan(tmp / "seed.json", "fixtures/examples/seed", "--account-id", ACCOUNT),
            "seed without account": scan(tmp / "seed-no-account.json", "fixtures/examples/seed"),
            "github oidc": scan(tmp / "oidc.json", "fixtures/examples/github_oidc_deploy", "--account-id", ACCOUNT),
            "audit, suppressed": scan(
                tmp / "audit.json", "fixtures/examples/cross_account_audit", "--account-id", ACCOUNT,
                "--config", str(config),
            ),
            "rules": scan(tmp / "rules.json", "fixtures/rules", "--account-id", ACCOUNT),
            "layout": scan(tmp / "layout.json", "fixtures/reports/layout", "--account-id", ACCOUNT),
            "plan": scan(tmp / "plan.json", "fixtures/terraform_plan/partly_known"),
            "unreadable plan": scan(tmp / "bad.json", "fixtures/terraform_plan/bad_major"),
            "access key": scan(tmp / "keys.json", str(tmp / "keys"), "--account-id", ACCOUNT, root=tmp),
            "inventory": scan(tmp / "inventory.json", str(inventory), "--account-id", ACCOUNT, root=tmp),
        }
    finally:
        os.chdir(here)


def test_every_scan_report_meets_the_schema(scans: dict[str, dict[str, Any]]) -> None:
    assert {name: errors("report.schema.json", r) for name, r in scans.items()} == {n: [] for n in scans}


def test_the_reports_give_every_part_of_the_schema_a_value(scans: dict[str, dict[str, Any]]) -> None:
    """Validation proves little over empty lists: together the reports fill each one."""
    reports = list(scans.values())
    empty = [k for k, v in reports[0].items() if isinstance(v, list) and not any(r[k] for r in reports)]
    assert empty == []
    formats = {i["format"] for r in reports for i in r["inputs"]}
    assert formats == {"terraform", "terraform-plan", "cloudformation", "inventory"}
    powers = {g["target_power"] for r in reports for g in r["grants"]}
    assert None in powers and {"administrator", "can-escalate", "unknown", "read-only"} <= powers
    assert {r["account_id"] for r in reports} >= {None, ACCOUNT}
    assert any(r["session_tokens"]["with_access_keys"] for r in reports)
    assert {d["level"] for r in reports for d in r["diagnostics"]} >= {"error", "info"}


@pytest.mark.parametrize(
    ("where", "extra"),
    [
        ((), {"summary": "a top-level field the schema does not know"}),
        (("grants", 0), {"score": 3}),
        (("findings", 0), {"fix": "..."}),
        (("suppressed", 0), {"origin": "config"}),
        (("powers", 0), {"label": "writes"}),
        (("session_tokens",), {"roles": 0}),
    ],
)
def test_a_field_the_schema_does_not_describe_is_refused(
    scans: dict[str, dict[str, Any]], where: tuple, extra: dict[str, Any]
) -> None:
    report = json.loads(json.dumps(scans["audit, suppressed"] if "suppressed" in where else scans["rules"]))
    part = report
    for key in where:
        part = part[key]
    part.update(extra)
    assert errors("report.schema.json", report) != []


BASE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  SecurityAudit:
    Type: AWS::IAM::Role
    Properties:
      RoleName: security-audit
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {AWS: "arn:aws:iam::222222222222:role/scanner"}, Action: sts:AssumeRole}
  ExternalAuditor:
    Type: AWS::IAM::Role
    Properties:
      RoleName: external-auditor
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {AWS: "333333333333"}
            Action: sts:AssumeRole
            Condition: {StringEquals: {"sts:ExternalId": "given-to-the-auditor"}}
  BillingReader:
    Type: AWS::IAM::Role
    Metadata:
      credmint:
        ignore:
          - {rule: CM105, reason: "billing partner", expires: 9999-12-31}
    Properties:
      RoleName: billing-reader
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {AWS: "arn:aws:iam::444444444444:root"}, Action: sts:AssumeRole}
"""
HEAD = (
    BASE.replace(  # removed: the scanner's grant
        'Principal: {AWS: "arn:aws:iam::222222222222:role/scanner"}', 'Principal: {Service: "ec2.amazonaws.com"}'
    )
    .replace(  # changed: the ExternalId goes, with a suppression the change itself adds
        '            Condition: {StringEquals: {"sts:ExternalId": "given-to-the-auditor"}}\n', ""
    )
    .replace(
        "  ExternalAuditor:\n    Type: AWS::IAM::Role\n",
        "  ExternalAuditor:\n    Type: AWS::IAM::Role\n    Metadata:\n      credmint:\n        ignore:\n"
        '          - {rule: CM105, reason: "the auditor asked", expires: 2999-01-01}\n',
    )
    + """\
  Reports:
    Type: AWS::IAM::Role
    Properties:
      RoleName: reports
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {AWS: !GetAtt ExternalAuditor.Arn}, Action: sts:AssumeRole}
          - {Effect: Allow, Principal: {AWS: "*"}, Action: sts:AssumeRole}
  Anywhere:
    Type: AWS::IAM::Role
    Properties:
      RoleName: anywhere
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - {Effect: Allow, Principal: {Service: rolesanywhere.amazonaws.com}, Action: sts:AssumeRole}
"""
)


@pytest.fixture(scope="module")
def diffs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    """A git repository whose change removes, changes and adds grants, a chain, findings (one the
    base's settings suppress), a suppression of its own and an unusable trust (a warning); and a
    diff of two fixture folders."""
    root = tmp_path_factory.mktemp("diff") / "repo"
    (root / "infra").mkdir(parents=True)
    git(root, "init", "-q")
    (root / "infra" / "template.yaml").write_text(BASE, encoding="utf-8")
    (root / ".credmint.yaml").write_text("ignore: [CM101]\n", encoding="utf-8")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    (root / "infra" / "template.yaml").write_text(HEAD, encoding="utf-8")
    shutil.copytree(REPO / "fixtures" / "examples" / "seed", root / "seed")
    shutil.copytree(REPO / "fixtures" / "examples" / "github_oidc_deploy", root / "oidc")
    here = os.getcwd()
    os.chdir(root)
    try:
        reports = {}
        for name, argv in {
            "git revision": ["--base", "HEAD", "infra"],
            "two folders": ["--base", "seed", "oidc"],
        }.items():
            out = root.parent / f"{len(reports)}.json"
            code = run(["diff", *argv, "--account-id", ACCOUNT, "--format", "json", "-o", str(out)])
            assert code in (0, 1)
            reports[name] = json.loads(out.read_text(encoding="utf-8"))
        yield reports
    finally:
        os.chdir(here)


def test_every_diff_report_meets_the_schema(diffs: dict[str, dict[str, Any]]) -> None:
    assert {name: errors("diff-report.schema.json", r) for name, r in diffs.items()} == {n: [] for n in diffs}


def test_the_diffs_give_every_part_of_the_schema_a_value(diffs: dict[str, dict[str, Any]]) -> None:
    change = diffs["git revision"]
    empty = [k for k, v in change.items() if isinstance(v, list) and not any(r[k] for r in diffs.values())]
    assert empty == []
    assert change["suppressions_added"][0]["suppression"] == {
        "reason": "the auditor asked", "origin": change["suppressions_added"][0]["suppression"]["origin"],
        "expires": "2999-01-01",
    }


@pytest.mark.parametrize(
    ("where", "extra"),
    [((), {"summary": 1}), (("changed", 0), {"power": "writes"}), (("added", 0), {"target_power": "writes"}),
     (("base",), {"sha": "abc"})],
)
def test_a_diff_field_the_schema_does_not_describe_is_refused(
    diffs: dict[str, dict[str, Any]], where: tuple, extra: dict[str, Any]
) -> None:
    report = json.loads(json.dumps(diffs["git revision"]))
    part = report
    for key in where:
        part = part[key]
    part.update(extra)
    assert errors("diff-report.schema.json", report) != []


def properties(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "properties":
                yield from value
            yield from properties(value)
    elif isinstance(node, list):
        for value in node:
            yield from properties(value)


@pytest.mark.parametrize("name", SCHEMAS)
def test_report_format_describes_every_field_of_the_schema(name: str) -> None:
    page = (DOCS / "report-format.md").read_text(encoding="utf-8")
    described = set(re.findall(r"`([a-z_]+)`", page))
    assert sorted(set(properties(schema(name))) - described) == []


@pytest.mark.parametrize(
    "question",
    [
        ["user/alice"],  # everything alice reaches, who reaches her
        ["user/alice", "arn:aws:iam::123123123123:role/UpdateAPP"],  # one chain
        ["role/app"],  # a role only a service assumes
        ["user/broker", "federated-user/*"],
    ],
)
def test_every_explanation_meets_the_schema(tmp_path: Path, question: list[str]) -> None:
    out = tmp_path / "explain.json"
    here = os.getcwd()
    os.chdir(REPO)
    try:
        code = run(["explain", *question, "fixtures/examples/seed", "--account-id", ACCOUNT, "--format", "json",
                    "-o", str(out), "--root", str(REPO)])
    finally:
        os.chdir(here)
    assert code == 0
    answer = json.loads(out.read_text(encoding="utf-8"))
    assert errors("explain.schema.json", answer) == []
    assert answer["chains"] or answer.get("reached_by")
