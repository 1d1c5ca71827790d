"""Issue 14 item 4: in `credmint diff`, a finding whose severity rises is introduced by the change.

A public trust narrowed only by MFA is CM101 high (a request condition does not pin the caller);
dropping the condition makes it critical (SEMANTICS.md §1: `*` is every principal of every account).
The same (rule, principal, target) at a higher severity must gate `--fail-on critical`; one whose
severity falls or stays is not introduced.
"""

from __future__ import annotations

from pathlib import Path

from cfn_trees import ACCOUNT, run_json

OPEN = f"arn:aws:iam::{ACCOUNT}:role/open"
TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Open:
    Type: AWS::IAM::Role
    Properties:
      RoleName: open
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{AWS: "*"}}
            Action: sts:AssumeRole
{condition}"""
MFA = """            Condition:
              Bool: {aws:MultiFactorAuthPresent: "true"}
"""


def write(folder: Path, condition: str) -> None:
    folder.mkdir(parents=True)
    (folder / "template.yaml").write_text(TEMPLATE.format(condition=condition))


def diff(tmp_path: Path, base: str, head: str, fail_on: str) -> tuple[int, dict]:
    write(tmp_path / "base", base)
    write(tmp_path / "head", head)
    argv = ["diff", "--base", str(tmp_path / "base"), str(tmp_path / "head"), "--root", str(tmp_path),
            "--account-id", ACCOUNT, "--fail-on", fail_on]
    return run_json(argv, tmp_path / "diff.json")


def _findings(report: dict) -> list[tuple[str, str, str, str]]:
    return [(f["rule"], f["severity"], f["principal"], f["target"]) for f in report["findings"]]


def test_a_dropped_condition_that_makes_a_finding_critical_is_introduced(tmp_path: Path) -> None:
    code, report = diff(tmp_path, MFA, "", "critical")
    assert _findings(report) == [("CM101", "critical", "*", OPEN)]
    assert code == 1


def test_a_finding_whose_severity_falls_is_not_introduced(tmp_path: Path) -> None:
    code, report = diff(tmp_path, "", MFA, "high")
    assert _findings(report) == []
    assert code == 0


def test_a_finding_of_the_same_severity_is_not_introduced(tmp_path: Path) -> None:
    code, report = diff(tmp_path, MFA, MFA, "high")
    assert _findings(report) == []
    assert code == 0
