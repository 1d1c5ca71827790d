"""count, for_each, dynamic blocks and policy-document merging (issue 3 §2), on fixtures/terraform/expansion."""

from __future__ import annotations

from pathlib import Path

import pytest

from credmint.analyzer.inventory import Attachment, Effect, Principal, PrincipalKind, Source, Statement, Unknown
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform import parse_terraform

ROOT = Path(__file__).resolve().parent.parent
FILE = "fixtures/terraform/expansion/main.tf"
ACCOUNT = "111111111111"


def at(line: int) -> Source:
    return Source(file=FILE, line=line)


@pytest.fixture(scope="module")
def inventory():
    return parse_terraform(ROOT / "fixtures/terraform/expansion", ParseContext(root=ROOT, account_id=ACCOUNT))


def role(inventory, address):
    (found,) = [r for r in inventory.roles if r.address == address]
    return found


def test_count_instances_have_indexed_addresses(inventory) -> None:
    assert [(u.address, u.name, u.arn, u.source) for u in inventory.users] == [
        ("aws_iam_user.counted[0]", "user-0", f"arn:aws:iam::{ACCOUNT}:user/user-0", at(10)),
        ("aws_iam_user.counted[1]", "user-1", f"arn:aws:iam::{ACCOUNT}:user/user-1", at(10)),
    ]


def test_for_each_instances_with_keys_and_dynamic_statements(inventory) -> None:
    red = role(inventory, 'aws_iam_role.team["red"]')
    assert (red.name, red.source) == ("team-red", at(15))
    address = 'data.aws_iam_policy_document.team["red"]'
    assert red.trust_policy.statements == tuple(
        Statement(
            source=at(27),  # the dynamic block's content
            address=address,
            effect=Effect.ALLOW,
            sid=f"User{i}",
            actions=("sts:AssumeRole",),
            principals=(Principal(kind=PrincipalKind.AWS, value=f"arn:aws:iam::{ACCOUNT}:user/user-{i}"),),
        )
        for i in (0, 1)
    )
    blue = role(inventory, 'aws_iam_role.team["blue"]')
    assert [s.actions for s in blue.trust_policy.statements] == [("sts:AssumeRole", "sts:TagSession")] * 2


def test_attachments_expanded_with_for_each_over_resources(inventory) -> None:
    assert role(inventory, 'aws_iam_role.team["red"]').attachments == (
        Attachment(policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess", source=at(110),
                   address='aws_iam_role_policy_attachment.team["red"]'),
    )
    assert role(inventory, 'aws_iam_role.team["blue"]').attachments == (
        Attachment(policy_arn="arn:aws:iam::aws:policy/PowerUserAccess", source=at(110),
                   address='aws_iam_role_policy_attachment.team["blue"]'),
    )


def test_source_and_override_documents_merge_by_sid(inventory) -> None:
    merged = role(inventory, "aws_iam_role.merged").trust_policy
    address = "data.aws_iam_policy_document.merged"
    assert merged.statements == (
        Statement(source=at(44), address=address, effect=Effect.ALLOW, sid="Keep", actions=("sts:AssumeRole",),
                  principals=(Principal(kind=PrincipalKind.SERVICE, value="ec2.amazonaws.com"),)),
        Statement(source=at(63), address=address, effect=Effect.DENY, sid="Replace", actions=("sts:AssumeRole",),
                  principals=(Principal(kind=PrincipalKind.AWS, value="*"),)),
        Statement(source=at(78), address=address, effect=Effect.ALLOW, actions=("sts:AssumeRole",),
                  principals=(Principal(
                      kind=PrincipalKind.FEDERATED,
                      value=f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
                  ),)),
    )


def test_dynamic_block_over_unknown_values_keeps_one_unknown_statement(inventory) -> None:
    (statement,) = role(inventory, "aws_iam_role.unknown").trust_policy.statements
    reason = "dynamic 'statement' over {var.unknown_statements} not known before apply"
    assert statement == Statement(
        source=at(100),
        address="data.aws_iam_policy_document.unknown",
        effect=Effect.ALLOW,
        actions=(Unknown("statement.value.actions", reason),),
        principals=(Principal(kind=PrincipalKind.AWS, value=Unknown("statement.value.principals", reason)),),
        unknown=Unknown("statement.value.actions", reason),
    )


def test_unknown_count_is_one_instance_with_an_info(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('variable "n" {}\nresource "aws_iam_user" "u" {\n  count = var.n\n  name  = "u"\n}\n')
    inventory = parse_terraform(tmp_path, ParseContext(root=tmp_path))
    assert [u.address for u in inventory.users] == ["aws_iam_user.u[0]"]
    assert [(d.level.value, d.line) for d in inventory.diagnostics] == [("info", 3)]
