"""Terraform 0.11 syntax (issue 3 §6) and python-hcl2 8.x traps (issue 3 §7), one regression test each."""

from __future__ import annotations

from pathlib import Path

from credmint.analyzer.inventory import Attachment, Principal, PrincipalKind, Source
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform import parse_terraform
from test_terraform_evaluator import value_of

ROOT = Path(__file__).resolve().parent.parent
FILE = "fixtures/terraform/legacy/main.tf"


def test_terraform_0_11_wrappers_quoted_types_and_list_in_list() -> None:
    # `enabled` given, as the deployer would: otherwise the role is read both ways (issue 13 §11)
    ctx = ParseContext(root=ROOT, account_id="111111111111", variables={"enabled": "true"})
    inventory = parse_terraform(ROOT / "fixtures/terraform/legacy", ctx)
    (role,) = inventory.roles
    assert (role.address, role.name) == ("aws_iam_role.legacy[0]", "legacy")  # count = "${... ? 1 : 0}"
    (statement,) = role.trust_policy.statements
    # identifiers = ["${var.trusted_arns}"] is the list itself, not a list in a list
    assert statement.principals == (Principal(kind=PrincipalKind.AWS, value="arn:aws:iam::222222222222:root"),)
    # role = "${aws_iam_role.legacy.name}" read a counted resource without an index in 0.11
    assert role.attachments == (
        Attachment(policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess", source=Source(file=FILE, line=33),
                   address="aws_iam_role_policy_attachment.legacy[0]"),
    )
    (user,) = inventory.users
    assert (user.name, user.path) == ("prod-ci", "/0/")  # map(), list(), arithmetic on "true"
    assert inventory.diagnostics == ()


def test_trap_trimmed_heredoc_keeps_its_quotes_unescaped(tmp_path: Path) -> None:
    assert value_of(tmp_path, '<<-EOT\n    {"a": "b"}\n    EOT') == '{"a": "b"}\n'


def test_trap_strings_lose_their_quotes(tmp_path: Path) -> None:
    assert value_of(tmp_path, '"abc"') == "abc"
    assert value_of(tmp_path, '{"quoted key" = "v"}') == {"quoted key": "v"}


def test_trap_jsonencode_is_evaluated_not_returned_as_hcl_text(tmp_path: Path) -> None:
    assert value_of(tmp_path, 'jsondecode(jsonencode({Statement = [{Effect = "Allow"}]}))') == {
        "Statement": [{"Effect": "Allow"}]
    }


def test_trap_for_expression_yielding_a_number_literal(tmp_path: Path) -> None:
    assert value_of(tmp_path, "[for v in [1, 2] : 1]") == [1, 1]
    assert value_of(tmp_path, '{for k in ["a"] : k => -1}') == {"a": -1}
