"""parse_terraform on small fixtures: exact entities, statements, lines and unknowns.

Expectations are read off the fixtures' HCL (fixtures/terraform/<case>/main.tf), not printed by the code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from credmint.analyzer.inventory import (
    CURRENT_ACCOUNT,
    Attachment,
    Condition,
    DiagnosticLevel,
    Effect,
    IdentityProvider,
    InputFile,
    Membership,
    Principal,
    PrincipalKind,
    ProviderKind,
    Source,
    Statement,
    Text,
    Unknown,
)
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform import parse_terraform

ROOT = Path(__file__).resolve().parent.parent
BASIC = "fixtures/terraform/basic/main.tf"
AWS, ANY, SERVICE = PrincipalKind.AWS, PrincipalKind.ANY, PrincipalKind.SERVICE


def parse(case: str, **settings: object):
    return parse_terraform(ROOT / "fixtures/terraform" / case, ParseContext(root=ROOT, **settings))


def at(line: int, file: str = BASIC) -> Source:
    return Source(file=file, line=line)


def arn(rest: str, account: object = CURRENT_ACCOUNT) -> object:
    """`arn:aws:iam::{account}:{rest}` as the parser builds it (a Text while the account is symbolic)."""
    if isinstance(account, str):
        return f"arn:aws:iam::{account}:{rest}"
    return Text(("arn:aws:iam::", account, ":" + rest))


@pytest.fixture(scope="module")
def basic():
    return parse("basic")


def by_address(entities, address):
    (found,) = [e for e in entities if e.address == address]
    return found


def test_inputs_name_the_directory(basic) -> None:
    assert basic.inputs == (InputFile(path="fixtures/terraform/basic", format="terraform"),)


def test_users_with_path_groups_and_boundary(basic) -> None:
    alice = by_address(basic.users, "aws_iam_user.alice")
    assert (alice.name, alice.path, alice.arn, alice.source) == (
        "alice", "/staff/", arn("user/staff/alice"), at(16)
    )
    assert alice.account is CURRENT_ACCOUNT
    assert alice.groups == (
        Membership(group="cm-platform-deployers", source=at(30), address="aws_iam_group_membership.deployers"),
    )
    bob = by_address(basic.users, "aws_iam_user.bob")
    assert bob.arn == arn("user/bob")
    assert bob.groups == (
        Membership(group="cm-platform-deployers", source=at(36), address="aws_iam_user_group_membership.bob"),
        Membership(group="auditors", source=at(36), address="aws_iam_user_group_membership.bob"),
    )
    assert bob.permissions_boundary == Attachment(
        policy_arn=arn("policy/boundary"), source=at(23), address="aws_iam_user.bob"
    )
    exclusive = Attachment(policy_arn=arn("policy/boundary"), source=at(170), address="aws_iam_policy_attachment.exclusive")
    assert bob.attachments == (exclusive,)


def test_group_name_from_local_interpolation_and_inline_heredoc_trim(basic) -> None:
    (group,) = basic.groups
    assert (group.name, group.arn, group.address) == (
        "cm-platform-deployers", arn("group/cm-platform-deployers"), "aws_iam_group.deployers"
    )
    (inline,) = group.inline_policies
    assert (inline.name, inline.source, inline.address) == ("assume-deploy", at(144), "aws_iam_group_policy.deployers")
    assert inline.document.source == at(147)
    assert inline.document.statements == (
        Statement(
            source=at(149),  # the statement's line inside the <<-EOT heredoc
            address="aws_iam_group_policy.deployers",
            effect=Effect.ALLOW,
            actions=("sts:AssumeRole",),
            resources=(arn("role/ci/deploy"),),
        ),
    )


def test_role_with_jsonencode_trust_inline_document_and_attachments(basic) -> None:
    deploy = by_address(basic.roles, "aws_iam_role.deploy")
    assert (deploy.name, deploy.path, deploy.arn, deploy.source) == ("deploy", "/ci/", arn("role/ci/deploy"), at(41))
    assert deploy.trust_policy.source == at(44)
    assert deploy.trust_policy.version == "2012-10-17"
    assert deploy.trust_policy.statements == (
        Statement(
            source=at(47),
            address="aws_iam_role.deploy",
            effect=Effect.ALLOW,
            actions=("sts:AssumeRole",),
            principals=(Principal(kind=AWS, value=arn("root")),),
            conditions=(Condition(operator="Bool", key="aws:MultiFactorAuthPresent", values=("true",)),),
        ),
    )
    assert deploy.permissions_boundary == Attachment(
        policy_arn=arn("policy/boundary"), source=at(60), address="aws_iam_role.deploy"
    )
    assert deploy.attachments == (
        Attachment(policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess", source=at(59), address="aws_iam_role.deploy"),
        Attachment(policy_arn=arn("policy/boundary"), source=at(170), address="aws_iam_policy_attachment.exclusive"),
    )
    (inline,) = deploy.inline_policies
    assert (inline.name, inline.source, inline.address) == ("chain", at(62), "aws_iam_role.deploy")
    admin_arn = Text(("arn:aws:iam::", CURRENT_ACCOUNT, ":role/", Unknown("var.admin_name", "variable admin_name has no default and no value (--var)")))
    assert inline.document.address == "data.aws_iam_policy_document.chain"
    assert inline.document.statements == (
        Statement(source=at(112), address="data.aws_iam_policy_document.chain", effect=Effect.ALLOW,
                  actions=("sts:AssumeRole",), resources=(admin_arn,)),
        Statement(source=at(116), address="data.aws_iam_policy_document.chain", effect=Effect.DENY,
                  actions=("iam:*",), resources=("arn:aws:iam::*:role/cm-platform-*",), is_not_resource=True),
    )


def test_policy_document_with_every_block_kind(basic) -> None:
    admin = by_address(basic.roles, "aws_iam_role.admin")
    missing = Unknown("var.admin_name", "variable admin_name has no default and no value (--var)")
    assert admin.name == missing
    assert admin.arn == Text(("arn:aws:iam::", CURRENT_ACCOUNT, ":role/", missing))
    trust = admin.trust_policy
    assert (trust.source, trust.address, trust.version) == (at(73), "data.aws_iam_policy_document.admin_trust", "2012-10-17")
    address = "data.aws_iam_policy_document.admin_trust"
    assert trust.statements == (
        Statement(
            source=at(74), address=address, effect=Effect.ALLOW, sid="FromDeploy",
            actions=("sts:AssumeRole", "sts:TagSession"),
            principals=(Principal(kind=AWS, value=arn("role/ci/deploy")),),
            conditions=(Condition(operator="StringEquals", key="aws:PrincipalTag/team", values=("platform",)),),
        ),
        Statement(
            source=at(88), address=address, effect=Effect.DENY,
            actions=("sts:AssumeRole",), is_not_action=True,
            principals=(Principal(kind=ANY, value="*"),),
        ),
        Statement(  # the principals block with no identifiers is dropped, as the provider does
            source=at(97), address=address, effect=Effect.DENY, actions=("sts:AssumeRole",),
            principals=(Principal(kind=SERVICE, value="ec2.amazonaws.com"),), is_not_principal=True,
        ),
    )
    assert admin.attachments == (
        Attachment(policy_arn="arn:aws:iam::aws:policy/AdministratorAccess", source=at(160),
                   address="aws_iam_role_policy_attachment.admin"),
    )


def test_managed_policy_from_heredoc_with_statement_lines(basic) -> None:
    (policy,) = basic.policies
    assert (policy.name, policy.arn, policy.path, policy.source) == ("boundary", arn("policy/boundary"), "/", at(123))
    assert policy.document.source == at(125)
    assert policy.document.statements == (
        Statement(source=at(129), address="aws_iam_policy.boundary", effect=Effect.ALLOW,
                  actions=("iam:*",), is_not_action=True, resources=("*",)),
        Statement(source=at(134), address="aws_iam_policy.boundary", effect=Effect.ALLOW,
                  actions=("sts:AssumeRole",),
                  resources=(Text(("arn:aws:iam::", CURRENT_ACCOUNT, ":role/platform/*")),)),
    )


def test_inline_policy_from_json_string_matched_by_literal_name(basic) -> None:
    alice = by_address(basic.users, "aws_iam_user.alice")
    (inline,) = alice.inline_policies
    assert (inline.name, inline.source) == ("federation", at(154))
    assert inline.document.statements == (
        Statement(source=at(157), address="aws_iam_user_policy.alice", effect=Effect.ALLOW,
                  actions=("sts:GetFederationToken",), resources=("*",)),
    )


def test_providers(basic) -> None:
    assert basic.providers == (
        IdentityProvider(
            kind=ProviderKind.OIDC,
            arn=arn("oidc-provider/token.actions.githubusercontent.com"),
            url="token.actions.githubusercontent.com",
            client_ids=("sts.amazonaws.com",),
            source=at(178),
            address="aws_iam_openid_connect_provider.github",
        ),
        IdentityProvider(
            kind=ProviderKind.SAML, arn=arn("saml-provider/okta"), source=at(184),
            address="aws_iam_saml_provider.okta",
        ),
    )


def test_name_prefix_and_attributes_known_only_after_apply(basic) -> None:
    role = by_address(basic.roles, "aws_iam_role.unique")
    generated = Unknown("aws_iam_role.unique.name", "name_prefix: generated suffix", generated=True)
    assert role.name == Text(("gen-", generated))
    assert role.arn == Text(("arn:aws:iam::", CURRENT_ACCOUNT, ":role/gen-", generated))
    (statement,) = role.trust_policy.statements
    unique_id = Unknown("aws_iam_user.alice.unique_id", "known only after apply")
    assert statement.principals == (Principal(kind=AWS, value=unique_id),)
    assert statement.unknown == unique_id
    assert statement.source == at(191)


def test_attachment_to_an_entity_outside_the_templates_is_an_info(basic) -> None:
    infos = sorted((d.line, d.message) for d in basic.diagnostics if d.level is DiagnosticLevel.INFO)
    assert infos == [
        (30, "aws_iam_group_membership.deployers: user carol is not defined in the analysed templates; not recorded"),
        (165, "aws_iam_user_policy_attachment.ghost: user ghost is not defined in the analysed templates; not recorded"),
    ]
    assert [d for d in basic.diagnostics if d.level is not DiagnosticLevel.INFO] == []


def test_account_id_given_makes_arns_plain_strings() -> None:
    inventory = parse("basic", account_id="111111111111")
    deploy = by_address(inventory.roles, "aws_iam_role.deploy")
    assert deploy.arn == "arn:aws:iam::111111111111:role/ci/deploy"
    assert deploy.account == "111111111111"
    assert deploy.trust_policy.statements[0].principals == (
        Principal(kind=AWS, value="arn:aws:iam::111111111111:root"),
    )


def test_partition_from_context() -> None:
    inventory = parse("basic", account_id="111111111111", partition="aws-cn")
    deploy = by_address(inventory.roles, "aws_iam_role.deploy")
    assert deploy.arn == "arn:aws-cn:iam::111111111111:role/ci/deploy"
    assert deploy.trust_policy.statements[0].principals == (
        Principal(kind=AWS, value="arn:aws-cn:iam::111111111111:root"),
    )


def test_variables_defaults_locals_any_order_and_escapes() -> None:
    (role,) = parse("variables").roles
    assert role.name == "app-from-default-role"
    (statement,) = role.trust_policy.statements
    assert statement.principals == (Principal(kind=AWS, value="111111111111"),)
    missing = Unknown("var.missing", "variable missing has no default and no value (--var)")
    assert statement.conditions == (
        Condition(operator="StringEquals", key="aws:username", values=("${aws:username}",)),
        Condition(operator="StringEquals", key="sts:ExternalId", values=("not-used",)),
        Condition(operator="StringLike", key="aws:PrincipalArn",
                  values=(Text(("arn:aws:iam::*:role/", missing, "-*")),)),
    )


def test_var_values_override_defaults_and_parse_by_type() -> None:
    inventory = parse(
        "variables",
        variables={"overridden": "from-var", "principals": '["222222222222", "333333333333"]', "missing": "ci"},
    )
    (statement,) = inventory.roles[0].trust_policy.statements
    assert statement.principals == (
        Principal(kind=AWS, value="222222222222"),
        Principal(kind=AWS, value="333333333333"),
    )
    assert [c.values for c in statement.conditions] == [
        ("${aws:username}",), ("from-var",), ("arn:aws:iam::*:role/ci-*",)
    ]


def test_broken_file_is_an_error_with_its_line_and_other_files_are_read() -> None:
    inventory = parse("broken")
    assert [u.address for u in inventory.users] == ["aws_iam_user.carol"]
    errors = [(d.file, d.line) for d in inventory.diagnostics if d.level is DiagnosticLevel.ERROR]
    assert errors == [
        ("fixtures/terraform/broken/bad.tf", 7),
        ("fixtures/terraform/broken/good.tf", 7),  # invalid JSON policy text
        ("fixtures/terraform/broken/good.tf", 12),  # a statement without Effect
    ]
    (carol,) = inventory.users
    invalid_json, partly_valid = carol.inline_policies
    assert invalid_json.document.statements == ()
    assert [s.effect for s in partly_valid.document.statements] == [Effect.DENY]


def test_missing_directory_never_raises(tmp_path: Path) -> None:
    inventory = parse_terraform(tmp_path / "absent", ParseContext(root=tmp_path))
    assert inventory.users == () and inventory.diagnostics == ()


def test_policies_from_a_local_heredoc_a_file_and_a_template_keep_their_lines() -> None:
    inventory = parse("policy_files")
    file = "fixtures/terraform/policy_files/"
    roles = {r.address: r.trust_policy for r in inventory.roles}
    local = roles["aws_iam_role.from_local"]
    assert (local.source, [s.source for s in local.statements]) == (
        at(3, file + "main.tf"), [at(5, file + "main.tf")]
    )
    from_file = roles["aws_iam_role.from_file"]
    assert (from_file.source, [s.source for s in from_file.statements]) == (
        at(1, file + "trust.json"), [at(4, file + "trust.json")]
    )
    assert from_file.statements[0].principals == (Principal(kind=AWS, value="arn:aws:iam::222222222222:root"),)
    # %{for} adds lines: statements point at the argument, not at lines of the rendered text
    template = roles["aws_iam_role.from_template"]
    assert [(s.source, s.actions, s.effect) for s in template.statements] == [
        (at(23, file + "main.tf"), ("sts:AssumeRole",), Effect.ALLOW),
        (at(23, file + "main.tf"), ("sts:TagSession",), Effect.ALLOW),
        (at(23, file + "main.tf"), ("*",), Effect.DENY),
    ]
    assert template.statements[0].principals == (Principal(kind=SERVICE, value="lambda.amazonaws.com"),)
    assert inventory.diagnostics == ()


def test_data_sources_known_before_apply_and_not(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'data "aws_iam_policy" "read_only" {\n  arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}\n'
        'data "aws_region" "here" {}\n'
        'data "aws_iam_role" "existing" {\n  name = "existing"\n}\n'
        'resource "aws_iam_role" "r" {\n  name = "r-${data.aws_region.here.name}"\n'
        '  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",'
        ' Principal = { AWS = data.aws_iam_role.existing.arn } }] })\n'
        '  managed_policy_arns = [data.aws_iam_policy.read_only.arn]\n}\n'
    )
    (role,) = parse_terraform(tmp_path, ParseContext(root=tmp_path, region="eu-west-1")).roles
    assert role.name == "r-eu-west-1"
    assert [a.policy_arn for a in role.attachments] == ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
    assert role.trust_policy.statements[0].principals == (
        Principal(kind=AWS, value=Unknown("data.aws_iam_role.existing.arn", "known only after apply")),
    )
