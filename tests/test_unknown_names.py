"""Unknown values in grants (issue 3, docs/DECISIONS.md "Unknowns").

A role named by a variable with no value: its grants show `{var.role_name}` and are uncertain,
with a reason naming the variable. A `name_prefix` role: the name is `prefix{address.name}`, a
generated part that makes a grant uncertain only where a decision depends on it (a service
trust does not).
"""

import json
from pathlib import Path

from credmint.analyzer.app.cli import main

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "terraform" / "unknown_names"
ACCOUNT = "111111111111"


def scan(tmp_path, *extra):
    out = tmp_path / "r.json"
    code = main(["scan", str(FIXTURE), "--account-id", ACCOUNT, "--format", "json", "-o", str(out), *extra])
    return code, json.loads(out.read_text())["grants"]


def test_a_required_variable_stays_a_placeholder_and_makes_the_grant_uncertain(tmp_path):
    _, grants = scan(tmp_path)
    found = {(g["principal"], g["target"], g["certainty"]) for g in grants}
    assert ("ec2.amazonaws.com", f"arn:aws:iam::{ACCOUNT}:role/{{var.role_name}}", "uncertain") in found
    grant = next(g for g in grants if "var.role_name" in g["target"])
    assert any("var.role_name" in reason for reason in grant["reasons"])


def test_a_name_prefix_is_a_generated_pattern_certain_where_nothing_depends_on_it(tmp_path):
    _, grants = scan(tmp_path)
    found = {(g["principal"], g["target"], g["certainty"]) for g in grants}
    assert (
        "ec2.amazonaws.com",
        f"arn:aws:iam::{ACCOUNT}:role/worker-{{aws_iam_role.prefixed.name}}",
        "definite",
    ) in found


def test_a_given_variable_makes_the_name_concrete(tmp_path):
    _, grants = scan(tmp_path, "--var", "role_name=app")
    found = {(g["principal"], g["target"], g["certainty"]) for g in grants}
    assert ("ec2.amazonaws.com", f"arn:aws:iam::{ACCOUNT}:role/app", "definite") in found


def test_format_of_the_current_account_keeps_it_the_same_account(tmp_path):
    # format("arn:aws:iam::%s:root", <account>) without --account-id is the deploying account
    # (docs/DECISIONS.md): a trust naming it is account delegation, not an outside principal.
    (tmp_path / "main.tf").write_text(
        'data "aws_caller_identity" "current" {}\n'
        'resource "aws_iam_user" "alice" { name = "alice" }\n'
        'resource "aws_iam_user_policy" "p" {\n'
        '  user   = aws_iam_user.alice.name\n'
        '  policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", '
        'Action = "sts:AssumeRole", Resource = "*" }] })\n'
        "}\n"
        'resource "aws_iam_role" "r" {\n'
        '  name = "r"\n'
        '  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", '
        'Action = "sts:AssumeRole", Principal = { AWS = format("arn:aws:iam::%s:root", '
        "data.aws_caller_identity.current.account_id) } }] })\n"
        "}\n"
    )
    out = tmp_path / "r.json"
    code = main(["scan", str(tmp_path), "--root", str(tmp_path), "--format", "json", "-o", str(out)])
    report = json.loads(out.read_text())
    found = {(g["principal"], g["action"], g["target"], g["certainty"]) for g in report["grants"]}
    alice, role = "arn:aws:iam::{account_id}:user/alice", "arn:aws:iam::{account_id}:role/r"
    assert found == {
        (alice, "sts:AssumeRole", role, "definite"),
        (alice, "sts:AssumeRole", "*", "uncertain"),
        (alice, "sts:GetSessionToken", alice, "definite"),
    }
    assert code == 0 and report["diagnostics"] == []
