"""A plan with its `.tf` configuration (issue 6 §2): unknowns filled by the HCL parser, lines cited.

Done when: a plan whose trust policy is unknown, scanned with its config dir, yields the same
grants as the HCL alone, with plan addresses and file:line. Lines are read off
fixtures/terraform_plan/unknown_trust/main.tf by hand.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main
from credmint.analyzer.inventory import DiagnosticLevel, Source, Unknown
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform import parse_terraform
from credmint.parsers.terraform.values import Json, LinedDict
from credmint.parsers.terraform_plan import parse_plan, parse_plan_prior_state
from credmint.parsers.terraform_plan.lines import with_statement_lines
from credmint.parsers.terraform_plan.objects import fill

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "fixtures" / "terraform_plan" / "unknown_trust"
ACCOUNT = "111111111111"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
DEPLOY = f"arn:aws:iam::{ACCOUNT}:role/deploy"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/admin"


def scan(tmp_path: Path, *argv: str) -> tuple[int, dict]:
    out = tmp_path / "report.json"
    code = main(
        [
            "scan",
            *argv,
            "--account-id",
            ACCOUNT,
            "--fail-on",
            "none",
            "--format",
            "json",
            "-o",
            str(out),
        ]
    )
    return code, json.loads(out.read_text())


def keys(report: dict) -> set[tuple[str, str, str, str]]:
    return {(g["principal"], g["action"], g["target"], g["certainty"]) for g in report["grants"]}


@pytest.fixture
def layout(tmp_path: Path) -> Path:
    """infra/main.tf and plans/plan.json apart, as CI keeps a plan made elsewhere."""
    (tmp_path / "infra").mkdir()
    (tmp_path / "plans").mkdir()
    shutil.copy(CASE / "main.tf", tmp_path / "infra" / "main.tf")
    shutil.copy(CASE / "plan.json", tmp_path / "plans" / "plan.json")
    return tmp_path


def test_plan_with_config_dir_gives_the_grants_of_the_hcl(layout, tmp_path):
    hcl_code, hcl = scan(tmp_path, str(layout / "infra"), "--root", str(layout))
    code, plan = scan(
        tmp_path,
        str(layout / "plans" / "plan.json"),
        "--config-dir",
        str(layout / "infra"),
        "--root",
        str(layout),
    )
    assert (code, hcl_code) == (0, 0)
    assert plan["grants"] == hcl["grants"]
    assert plan["paths"] == hcl["paths"]
    assert plan["principals"] == hcl["principals"]
    assert plan["inputs"] == [{"path": "plans/plan.json", "format": "terraform-plan"}]


def test_plan_with_config_dir_grants_and_lines(layout, tmp_path):
    _, report = scan(
        tmp_path,
        str(layout / "plans" / "plan.json"),
        "--config-dir",
        str(layout / "infra"),
        "--root",
        str(layout),
    )
    # deploy's trust names alice's ARN (same account: no identity policy needed); admin's trust names
    # the account, and deploy's attached policy allows sts:AssumeRole on admin (SEMANTICS §1).
    assert keys(report) == {
        (ALICE, "sts:AssumeRole", DEPLOY, "definite"),
        (DEPLOY, "sts:AssumeRole", ADMIN, "definite"),
        (ALICE, "sts:GetSessionToken", ALICE, "definite"),
    }
    sources = {(g["principal"], g["target"]): g["sources"] for g in report["grants"]}
    assert sources[(ALICE, DEPLOY)] == [{"file": "infra/main.tf", "line": 13}]
    assert sources[(DEPLOY, ADMIN)] == [
        {"file": "infra/main.tf", "line": 27},
        {"file": "infra/main.tf", "line": 41},
    ]
    addresses = {p["address"]: p["source"] for p in report["principals"]}
    assert addresses == {
        "aws_iam_user.alice": {"file": "infra/main.tf", "line": 4},
        "aws_iam_role.deploy": {"file": "infra/main.tf", "line": 8},
        "aws_iam_role.admin": {"file": "infra/main.tf", "line": 22},
    }
    assert [p["hops"][-1]["target"] for p in report["paths"] if p["principal"] == ALICE] == [ADMIN]


def test_plan_next_to_its_tf_files_uses_them(tmp_path):
    _, alone = scan(tmp_path, str(CASE / "main.tf"))
    _, plan = scan(tmp_path, str(CASE / "plan.json"))
    assert plan["grants"] == alone["grants"]
    assert {g["sources"][0]["file"] for g in plan["grants"]} == {
        "fixtures/terraform_plan/unknown_trust/main.tf"
    }


def test_plan_alone_keeps_the_unknown_trust_visible(layout, tmp_path):
    code, report = scan(tmp_path, str(layout / "plans" / "plan.json"), "--root", str(layout))
    assert code == 0
    # Who deploy trusts is unknown: `{expression}` → deploy, uncertain; assume_admin's document is
    # unknown too, so deploy → admin and deploy → any role (`*`, never a target named after the
    # unknown document: SEMANTICS.md §8) are uncertain (DECISIONS.md). The unknown trust may name
    # deploy's own account, and its unknown policy may allow it: deploy → deploy is uncertain too
    # (DECISIONS.md, f13review: a wholly unknown principal may be an account).
    assert keys(report) == {
        ("{aws_iam_role.deploy.assume_role_policy}", "sts:AssumeRole", DEPLOY, "uncertain"),
        (DEPLOY, "sts:AssumeRole", DEPLOY, "uncertain"),
        (DEPLOY, "sts:AssumeRole", ADMIN, "uncertain"),
        (DEPLOY, "sts:AssumeRole", "*", "uncertain"),
        (ALICE, "sts:GetSessionToken", ALICE, "definite"),
    }
    (unknown,) = [g for g in report["grants"] if g["target"] == DEPLOY and g["principal"] != DEPLOY]
    assert unknown["sources"] == [{"file": "plans/plan.json", "line": 24}]


def test_config_dir_outside_the_root_is_an_error(layout, tmp_path):
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir(exist_ok=True)
    code, report = scan(
        tmp_path,
        str(layout / "plans" / "plan.json"),
        "--config-dir",
        str(outside),
        "--root",
        str(layout),
    )
    assert code == 2
    (error,) = [d for d in report["diagnostics"] if d["level"] == "error"]
    assert "outside the project root" in error["message"]


def test_plan_variables_feed_the_hcl(tmp_path):
    """The HCL is evaluated with the input values the plan was made with."""
    (tmp_path / "main.tf").write_text(
        'variable "trusted" {}\n'
        "\n"
        'resource "aws_iam_role" "ops" {\n'
        '  name = "ops"\n'
        "  assume_role_policy = jsonencode({\n"
        '    Version   = "2012-10-17"\n'
        '    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = var.trusted } }]\n'
        "  })\n"
        "}\n"
    )
    plan = {
        "format_version": "1.2",
        "variables": {"trusted": {"value": "arn:aws:iam::222222222222:root"}},
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_iam_role.ops",
                        "mode": "managed",
                        "type": "aws_iam_role",
                        "name": "ops",
                        "values": {"name": "ops", "path": "/"},
                    }
                ]
            }
        },
        "resource_changes": [
            {
                "address": "aws_iam_role.ops",
                "mode": "managed",
                "type": "aws_iam_role",
                "name": "ops",
                "change": {
                    "actions": ["create"],
                    "after": {"name": "ops", "path": "/"},
                    "after_unknown": {"assume_role_policy": True, "arn": True},
                },
            }
        ],
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=2))
    inventory = parse_plan(tmp_path / "plan.json", ParseContext(root=tmp_path, account_id=ACCOUNT))
    (ops,) = inventory.roles
    (statement,) = ops.trust_policy.statements
    assert [p.value for p in statement.principals] == ["arn:aws:iam::222222222222:root"]
    assert (ops.source, statement.source) == (
        Source(file="main.tf", line=3),
        Source(file="main.tf", line=7),
    )
    assert [d for d in inventory.diagnostics if d.level is DiagnosticLevel.ERROR] == []


def test_fill_takes_hcl_values_only_where_the_plan_has_none():
    unknown = Unknown("aws_iam_policy_attachment.x.users[1]", "known after apply")
    assert fill(["bob", unknown], ["robert", "carol"]) == ["bob", "carol"]
    assert fill({"a": unknown, "b": "plan"}, {"a": "hcl", "b": "other"}) == {
        "a": "hcl",
        "b": "plan",
    }
    assert fill(unknown, None) == unknown


def test_heredoc_policy_text_gets_the_heredoc_statement_lines():
    text = (
        '{\n  "Statement": [\n    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},\n'
        '    {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}\n  ]\n}\n'
    )
    plan_text = json.dumps(json.loads(text))  # the provider normalises it
    value = with_statement_lines(plan_text, text, 10, "iam.tf")
    assert isinstance(value, Json)
    statements = value.value["Statement"]
    assert [s.source for s in statements] == [
        Source(file="iam.tf", line=12),
        Source(file="iam.tf", line=13),
    ]
    assert all(isinstance(s, LinedDict) for s in statements)


def test_statement_counts_that_differ_keep_the_plan_text():
    plan_text = '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}'
    assert with_statement_lines(plan_text, '{"Statement": []}', 3, "iam.tf") == plan_text


def test_prior_state_borrows_block_lines_but_not_todays_statements(tmp_path):
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_role" "legacy" {\n'
        '  name = "legacy"\n'
        "  assume_role_policy = jsonencode({\n"
        '    Version   = "2012-10-17"\n'
        "    Statement = [\n"
        '      { Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }\n'
        "    ]\n"
        "  })\n"
        "}\n"
    )
    before = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": "222222222222"}}
        ],
    }
    legacy = {
        "address": "aws_iam_role.legacy",
        "mode": "managed",
        "type": "aws_iam_role",
        "name": "legacy",
        "values": {"name": "legacy", "path": "/", "assume_role_policy": json.dumps(before)},
    }
    plan = {
        "format_version": "1.2",
        "planned_values": {"root_module": {}},
        "prior_state": {
            "format_version": "1.0",
            "values": {"root_module": {"resources": [legacy]}},
        },
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan, indent=2))
    prior = parse_plan_prior_state(tmp_path / "plan.json", ParseContext(root=tmp_path))
    (role,) = prior.roles
    (statement,) = role.trust_policy.statements
    assert [p.value for p in statement.principals] == ["222222222222"]
    assert (role.source, statement.source) == (
        Source(file="main.tf", line=1),
        Source(file="main.tf", line=3),
    )


def test_known_policy_from_a_policy_document_cites_the_data_block(tmp_path):
    """The plan holds the rendered JSON; its statements take the `statement` blocks' lines and the
    document the data source's address, exactly as the HCL parser reads them."""
    (tmp_path / "main.tf").write_text(
        'data "aws_iam_policy_document" "trust" {\n'
        "  statement {\n"
        '    actions = ["sts:AssumeRole"]\n'
        "    principals {\n"
        '      type        = "Service"\n'
        '      identifiers = ["ec2.amazonaws.com"]\n'
        "    }\n"
        "  }\n"
        "}\n"
        "\n"
        'resource "aws_iam_role" "ec2" {\n'
        '  name               = "ec2"\n'
        "  assume_role_policy = data.aws_iam_policy_document.trust.json\n"
        "}\n"
    )
    rendered = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "ec2.amazonaws.com"},
            }
        ],
    }
    values = {"name": "ec2", "path": "/", "assume_role_policy": json.dumps(rendered, indent=2)}
    plan = {
        "format_version": "1.1",
        "planned_values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_iam_role.ec2",
                        "mode": "managed",
                        "type": "aws_iam_role",
                        "name": "ec2",
                        "values": values,
                    }
                ]
            }
        },
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    context = ParseContext(root=tmp_path, account_id=ACCOUNT)
    (role,) = parse_plan(tmp_path / "plan.json", context).roles
    (hcl_role,) = parse_terraform(tmp_path, context).roles
    assert role.trust_policy == hcl_role.trust_policy
    assert role.trust_policy.address == "data.aws_iam_policy_document.trust"
    assert role.trust_policy.statements[0].source == Source(file="main.tf", line=2)
    assert (role.source, role.arn) == (
        Source(file="main.tf", line=11),
        DEPLOY.replace("deploy", "ec2"),
    )


def test_the_configuration_of_a_plan_gives_every_instance_in_a_lazy_run_too(tmp_path: Path) -> None:
    """A plan's object takes its HCL values and lines from the instance of its address, whatever
    its type (a bucket's name may be what an IAM policy's unknown resource resolves to): a run that
    leaves blocks unparsed (parsers/terraform/lazy.py) must not leave them out of the plan's view."""
    from credmint.parsers.terraform import lazy
    from credmint.parsers.terraform.unread import UnreadChecks
    from credmint.parsers.terraform_plan.source_config import load_source_config

    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_user" "u" {\n  name = "u"\n}\n\n'
        'resource "aws_s3_bucket" "a" {\n  bucket = "b-${aws_iam_user.u.name}"\n}\n'
    )
    assert lazy.ENABLED
    ctx = ParseContext(root=tmp_path, unread=UnreadChecks(None))
    config = load_source_config(tmp_path, ctx, {})
    assert sorted(config.instances) == ["aws_iam_user.u", "aws_s3_bucket.a"]
    assert config.values_of("aws_s3_bucket.a").view.get("bucket") == "b-u"
    assert config.block_of("aws_s3_bucket.a").view.source == Source(file="main.tf", line=5)
