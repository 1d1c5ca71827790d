"""GetSessionToken cannot be denied (issue 14 item 5c): a report line, not a finding, saying how many
users can always mint session credentials and which hold long-term access keys in the templates.

AWS, "Permissions for GetSessionToken" (id_credentials_temp_control-access_getsessiontoken): no
permissions are required to call it and policies cannot control it."""

from __future__ import annotations

import json
from pathlib import Path

from cfn_trees import run

ACCOUNT = "111111111111"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
CAROL = f"arn:aws:iam::{ACCOUNT}:user/carol"

TERRAFORM = """\
resource "aws_iam_user" "alice" { name = "alice" }
resource "aws_iam_user" "bob" { name = "bob" }
resource "aws_iam_user" "carol" { name = "carol" }
resource "aws_iam_access_key" "alice" { user = aws_iam_user.alice.name }
resource "aws_iam_access_key" "bob" {
  user   = aws_iam_user.bob.name
  status = "Inactive"
}
"""

CLOUDFORMATION = """\
Resources:
  Alice:
    Type: AWS::IAM::User
    Properties: {UserName: alice}
  Bob:
    Type: AWS::IAM::User
    Properties: {UserName: bob}
  AliceKey:
    Type: AWS::IAM::AccessKey
    Properties: {UserName: !Ref Alice}
  BobKey:
    Type: AWS::IAM::AccessKey
    Properties: {UserName: !Ref Bob, Status: Inactive}
"""


def scan(tmp_path: Path, name: str, text: str, fmt: str) -> tuple[int, str]:
    folder = tmp_path / "t"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    out = tmp_path / f"report.{fmt}"
    code = run(["scan", str(folder), "--root", str(tmp_path), "--account-id", ACCOUNT, "--format", fmt,
                "-o", str(out)])
    return code, out.read_text()


def test_terraform_access_keys_are_read_and_an_inactive_key_does_not_count(tmp_path):
    code, text = scan(tmp_path, "main.tf", TERRAFORM, "json")
    report = json.loads(text)
    assert report["session_tokens"] == {"users": 3, "with_access_keys": [ALICE]}
    assert code == 0 and report["findings"] == []  # a report line, never a finding


def test_cloudformation_access_keys_are_read(tmp_path):
    _, text = scan(tmp_path, "template.yaml", CLOUDFORMATION, "json")
    assert json.loads(text)["session_tokens"] == {"users": 2, "with_access_keys": [ALICE]}


def test_the_text_report_says_it_in_one_line(tmp_path):
    _, text = scan(tmp_path, "main.tf", TERRAFORM, "text")
    lines = text.splitlines()  # wrapped to 80 columns, as every text line: a summary item of its own
    start = next(n for n, line in enumerate(lines) if line.startswith("  GetSessionToken"))
    end = next(n for n in range(start + 1, len(lines)) if not lines[n].startswith("    "))
    assert start < lines.index("")  # in the summary block, before the first blank line
    assert " ".join(line.strip() for line in lines[start:end]) == (
        "GetSessionToken cannot be denied: 3 users can always mint session credentials; 1 of them holds "
        f"long-term access keys in the templates: {ALICE}"
    )


def test_the_markdown_report_says_it_under_the_verdict(tmp_path):
    _, text = scan(tmp_path, "main.tf", TERRAFORM, "markdown")
    from credmint.analyzer.reports.markdown import text as md

    assert md(
        "GetSessionToken cannot be denied: 3 users can always mint session credentials; 1 of them holds "
        f"long-term access keys in the templates: {ALICE}"
    ) + "." in text.splitlines()


def test_no_users_no_line(tmp_path):
    role = 'resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = "{}"\n}\n'
    _, text = scan(tmp_path, "main.tf", role, "text")
    assert "GetSessionToken" not in text


def test_terraform_plan_access_keys_are_read(tmp_path):
    plan = {"format_version": "1.2", "terraform_version": "1.6.0", "planned_values": {"root_module": {"resources": [
        {"address": "aws_iam_user.alice", "mode": "managed", "type": "aws_iam_user", "name": "alice",
         "values": {"name": "alice", "path": "/"}},
        {"address": "aws_iam_user.bob", "mode": "managed", "type": "aws_iam_user", "name": "bob",
         "values": {"name": "bob", "path": "/"}},
        {"address": "aws_iam_access_key.alice", "mode": "managed", "type": "aws_iam_access_key",
         "name": "alice", "values": {"user": "alice", "status": "Active"}},
    ]}}}
    _, text = scan(tmp_path, "plan.json", json.dumps(plan, indent=1), "json")
    assert json.loads(text)["session_tokens"] == {"users": 2, "with_access_keys": [ALICE]}
