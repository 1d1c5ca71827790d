"""Hostile Terraform input stays bounded and fails closed, while good resources beside it are read."""

from __future__ import annotations

import os
import time
from pathlib import Path

from credmint.analyzer.inventory import DiagnosticLevel
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform import parse_terraform

GOOD = 'resource "aws_iam_user" "good" {\n  name = "good"\n}\n'


def scan(root: Path, folder: Path | None = None):
    started = time.perf_counter()
    inventory = parse_terraform(folder or root, ParseContext(root=root))
    assert time.perf_counter() - started < 20
    return inventory


def levels(inventory) -> list[str]:
    return [d.level.value for d in inventory.diagnostics]


def test_deep_nesting_is_unknown_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        "locals {\n  x = " + "[" * 3000 + "1" + "]" * 3000 + "\n}\n"
        'resource "aws_iam_user" "u" {\n  name = jsonencode(local.x)\n}\n' + GOOD
    )
    inventory = scan(tmp_path)
    assert [u.address for u in inventory.users] == ["aws_iam_user.u", "aws_iam_user.good"]
    assert inventory.users[1].name == "good"


def test_expansion_bomb_stops_with_an_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        "locals {\n  x = [for a in range(10000) : [for b in range(10000) : b]]\n}\n"
        'resource "aws_iam_user" "u" {\n  name = length(local.x)\n}\n' + GOOD
    )
    inventory = scan(tmp_path)
    assert "good" in [u.name for u in inventory.users]
    assert levels(inventory) == ["error"]
    assert (inventory.diagnostics[0].line, inventory.diagnostics[0].message) == (
        2, "expression too large: more than 200,000 steps; not evaluated"
    )


def test_huge_file_is_an_error_and_others_are_read(tmp_path: Path) -> None:
    (tmp_path / "huge.tf").write_text("# " + "x" * 6_000_000 + "\n")
    (tmp_path / "main.tf").write_text(GOOD)
    inventory = scan(tmp_path)
    assert [u.name for u in inventory.users] == ["good"]
    assert [(d.level, d.file) for d in inventory.diagnostics] == [(DiagnosticLevel.ERROR, "huge.tf")]


def test_non_utf8_bytes_do_not_crash(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_bytes(b'resource "aws_iam_user" "odd" {\n  name = "caf\xe9"\n}\n')
    (user,) = scan(tmp_path).users
    assert user.name == "caf\ufffd"


def test_symlink_out_of_the_root_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (tmp_path / "secret.tf").write_text('resource "aws_iam_user" "secret" {\n  name = "secret"\n}\n')
    os.symlink(tmp_path / "secret.tf", root / "linked.tf")
    (root / "main.tf").write_text(GOOD)
    inventory = scan(root)
    assert [u.name for u in inventory.users] == ["good"]
    assert [(d.level, d.file) for d in inventory.diagnostics] == [(DiagnosticLevel.WARNING, "linked.tf")]


def test_unterminated_heredoc_is_an_error_with_a_line(tmp_path: Path) -> None:
    (tmp_path / "bad.tf").write_text('resource "aws_iam_policy" "p" {\n  policy = <<EOF\n{}\n')
    (tmp_path / "main.tf").write_text(GOOD)
    inventory = scan(tmp_path)
    assert [u.name for u in inventory.users] == ["good"]
    assert [(d.level, d.file, d.line > 0) for d in inventory.diagnostics] == [(DiagnosticLevel.ERROR, "bad.tf", True)]


def test_module_explosion_stops_with_an_error(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'module "again" {\n  source   = "./"\n  for_each = toset([for i in range(50) : tostring(i)])\n}\n' + GOOD
    )
    inventory = scan(tmp_path)
    assert "good" in [u.name for u in inventory.users]
    assert "error" in levels(inventory)


def test_functions_given_arguments_terraform_rejects_are_warnings(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_user" "u" {\n  name = "${range(1, 5, 0)}-${max()}-${abs("a")}"\n}\n' + GOOD
    )
    inventory = scan(tmp_path)
    assert [u.name for u in inventory.users][1] == "good"
    assert levels(inventory) == ["warning"] and "range(): invalid arguments" in inventory.diagnostics[0].message


def test_policy_document_keys_that_are_not_strings(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'data "aws_iam_policy_document" "d" {\n  statement {\n    actions = ["sts:AssumeRole"]\n'
        '    principals {\n      type        = ["AWS"]\n      identifiers = ["*"]\n    }\n'
        '    condition {\n      test     = null\n      variable = {}\n      values   = ["x"]\n    }\n  }\n}\n'
        'resource "aws_iam_role" "r" {\n  name               = "r"\n'
        '  assume_role_policy = data.aws_iam_policy_document.d.json\n}\n'
    )
    (role,) = scan(tmp_path).roles
    (statement,) = role.trust_policy.statements
    assert statement.unknown is not None and statement.principals == ()


def test_infinite_numbers_as_count_and_index(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_user" "u" {\n  count = 5e400\n  name  = "u"\n}\n'
        'resource "aws_iam_user" "v" {\n  name = "v-${[1][5e400]}"\n}\n' + GOOD
    )
    inventory = scan(tmp_path)
    assert [u.name for u in inventory.users][-1] == "good"
    assert levels(inventory) == ["warning", "warning"]


def test_source_policy_documents_not_a_list(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'data "aws_iam_policy_document" "a" {\n  statement {\n    actions = ["s3:*"]\n    resources = ["*"]\n  }\n}\n'
        'data "aws_iam_policy_document" "b" {\n  source_policy_documents = data.aws_iam_policy_document.a.json\n}\n'
        'data "aws_iam_policy_document" "c" {\n  source_policy_documents = 5\n}\n'
        'resource "aws_iam_policy" "b" {\n  name   = "b"\n  policy = data.aws_iam_policy_document.b.json\n}\n'
        'resource "aws_iam_policy" "c" {\n  name   = "c"\n  policy = data.aws_iam_policy_document.c.json\n}\n'
    )
    b, c = scan(tmp_path).policies
    assert [s.actions for s in b.document.statements] == [("s3:*",)]
    assert c.document.unknown is not None
