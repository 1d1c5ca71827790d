"""Provider configurations decide the account resources deploy into (issue 3 §3)."""

from __future__ import annotations

from pathlib import Path

from credmint.analyzer.inventory import Principal, PrincipalKind
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform import parse_terraform

ROOT = Path(__file__).resolve().parent.parent


def test_accounts_of_provider_configurations_and_module_providers() -> None:
    inventory = parse_terraform(ROOT / "fixtures/terraform/providers", ParseContext(root=ROOT, account_id="111111111111"))
    roles = {r.address: r for r in inventory.roles}
    here, in_prod = roles["aws_iam_role.here"], roles["aws_iam_role.in_prod"]
    assert (here.arn, here.account) == ("arn:aws:iam::111111111111:role/here", "111111111111")
    # provider = aws.prod assumes a role in 222222222222: the role is created there
    assert (in_prod.arn, in_prod.account) == ("arn:aws:iam::222222222222:role/in-prod", "222222222222")
    # data.aws_caller_identity through aws.prod answers with that account
    assert here.trust_policy.statements[0].principals == (Principal(kind=PrincipalKind.AWS, value="222222222222"),)
    assert in_prod.trust_policy.statements[0].principals == (
        Principal(kind=PrincipalKind.AWS, value="arn:aws:iam::111111111111:role/here"),
    )
    users = {u.address: u.arn for u in inventory.users}
    assert users == {
        "module.audit.aws_iam_user.auditor": "arn:aws:iam::333333333333:user/auditor",  # providers = { aws = aws.audit }
        "module.default.aws_iam_user.auditor": "arn:aws:iam::111111111111:user/auditor",  # the default, inherited
    }
    assert inventory.diagnostics == ()


def test_without_a_known_account_the_run_account_stays(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'variable "role" {}\nprovider "aws" {\n  assume_role {\n    role_arn = var.role\n  }\n}\n'
        'resource "aws_iam_user" "u" {\n  name = "u"\n}\n'
    )
    (user,) = parse_terraform(tmp_path, ParseContext(root=tmp_path, account_id="111111111111")).users
    assert user.arn == "arn:aws:iam::111111111111:user/u"


def test_joins_match_names_within_the_account(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  alias = "prod"\n  allowed_account_ids = ["222222222222"]\n}\n'
        'resource "aws_iam_role" "dev" {\n  name = "deploy"\n  assume_role_policy = "{}"\n}\n'
        'resource "aws_iam_role" "prod" {\n  provider = aws.prod\n  name = "deploy"\n  assume_role_policy = "{}"\n}\n'
        'resource "aws_iam_role_policy_attachment" "prod" {\n  provider   = aws.prod\n  role       = "deploy"\n'
        '  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}\n'
        'resource "aws_iam_role" "twin" {\n  name = "deploy"\n  assume_role_policy = "{}"\n}\n'
    )
    inventory = parse_terraform(tmp_path, ParseContext(root=tmp_path, account_id="111111111111"))
    attached = {r.address: [a.address for a in r.attachments] for r in inventory.roles}
    assert attached == {
        "aws_iam_role.dev": [],
        "aws_iam_role.prod": ["aws_iam_role_policy_attachment.prod"],
        "aws_iam_role.twin": [],
    }
    assert [(d.level.value, d.message) for d in inventory.diagnostics if d.level.value == "warning"] == []
