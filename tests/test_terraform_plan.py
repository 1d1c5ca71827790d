"""parse_plan and parse_plan_prior_state on hand-written plans (fixtures/terraform_plan/).

Expected entities, unknowns and grants are read off the plan files and derived from
shared/SEMANTICS.md and docs/DECISIONS.md; lines are those of each resource's `"address"` in
the plan file (no `.tf` configuration next to these plans).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credmint.analyzer.inventory import (
    Attachment,
    DiagnosticLevel,
    Effect,
    IdentityProvider,
    InputFile,
    Membership,
    ProviderKind,
    Source,
    Text,
    Unknown,
)
from credmint.analyzer.managed import lookup
from credmint.analyzer.walk import analyze
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform_plan import parse_plan, parse_plan_prior_state
from credmint.parsers.terraform_plan.addresses import (
    config_address,
    module_path,
    resource_key,
    split_address,
)
from credmint.parsers.terraform_plan.configuration import Configuration
from credmint.parsers.terraform_plan.document import check_format_version

ROOT = Path(__file__).resolve().parent.parent
PLANS = ROOT / "fixtures" / "terraform_plan"
MODULES = "fixtures/terraform_plan/modules/plan.json"
V01 = "fixtures/terraform_plan/version_0_1/plan.json"
ACCOUNT = "111111111111"


def ctx(**settings: object) -> ParseContext:
    return ParseContext(root=ROOT, **settings)  # type: ignore[arg-type]


def at(line: int, file: str = MODULES) -> Source:
    return Source(file=file, line=line)


def by_address(entities, address):
    (found,) = [e for e in entities if e.address == address]
    return found


def grant_keys(inventory) -> set[tuple[str, str, str, str]]:
    return {
        (g.principal, g.action.value, g.target, g.certainty.value)
        for g in analyze(inventory, lookup).grants
    }


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def user(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:user/{name}"


@pytest.fixture(scope="module")
def modules():
    return parse_plan(ROOT / MODULES, ctx(account_id=ACCOUNT))


def test_module_with_count_gives_one_role_per_instance(modules):
    team0 = by_address(modules.roles, "module.team[0].aws_iam_role.this")
    team1 = by_address(modules.roles, "module.team[1].aws_iam_role.this")
    assert (team0.name, team0.arn, team0.source) == ("team-0", role("team-0"), at(130))
    assert (team1.name, team1.arn, team1.source) == ("team-1", role("team-1"), at(154))
    (statement,) = team0.trust_policy.statements
    assert statement.effect is Effect.ALLOW and statement.actions == ("sts:AssumeRole",)
    assert [p.value for p in statement.principals] == [f"arn:aws:iam::{ACCOUNT}:root"]


def test_for_each_attachments_join_their_roles_by_name(modules):
    team0 = by_address(modules.roles, "module.team[0].aws_iam_role.this")
    team1 = by_address(modules.roles, "module.team[1].aws_iam_role.this")
    readonly = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    assert team0.attachments == (
        Attachment(
            policy_arn=readonly,
            source=at(76),
            address='aws_iam_role_policy_attachment.readonly["team-0"]',
        ),
    )
    assert team1.attachments == (
        Attachment(
            policy_arn=readonly,
            source=at(87),
            address='aws_iam_role_policy_attachment.readonly["team-1"]',
        ),
    )


def test_computed_mirrors_of_a_new_role_are_not_read_as_attachments(modules):
    # managed_policy_arns and inline_policy are unknown for a new role that does not set them.
    for entity in modules.roles:
        assert entity.inline_policies == ()
        assert all(a.address != entity.address for a in entity.attachments)


def test_group_membership_and_group_policy(modules):
    bob = by_address(modules.users, "aws_iam_user.bob")
    assert bob.groups == (
        Membership(group="devs", source=at(51), address="aws_iam_group_membership.devs"),
    )
    devs = by_address(modules.groups, "aws_iam_group.devs")
    (policy,) = devs.inline_policies
    assert (
        policy.name == "assume-team-roles" and policy.address == "aws_iam_group_policy.devs_assume"
    )
    assert policy.document.statements[0].resources == (role("team-*"),)


def test_no_op_resource_keeps_its_known_values(modules):
    carol = by_address(modules.users, "aws_iam_user.carol")
    assert (carol.name, carol.arn, carol.source) == ("carol", user("carol"), at(21))


def test_deleted_resource_is_not_planned(modules):
    assert [r.address for r in modules.roles if r.address == "aws_iam_role.legacy"] == []


def test_scp_joined_to_its_attachment_by_reference(modules):
    (scp,) = modules.scps
    assert (scp.name, scp.address, scp.targets, scp.account) == (
        "deny-assume",
        "aws_organizations_policy.deny_assume",
        ("222222222222",),
        ACCOUNT,
    )
    (statement,) = scp.document.statements
    assert statement.effect is Effect.DENY and statement.actions == ("sts:AssumeRole",)


def test_inputs_and_no_problem_diagnostics(modules):
    assert modules.inputs == (InputFile(path=MODULES, format="terraform-plan"),)
    assert [d for d in modules.diagnostics if d.level is not DiagnosticLevel.INFO] == []


def test_modules_plan_grants(modules):
    # bob is in devs, whose policy allows sts:AssumeRole on role/team-*; the team roles trust the
    # account: bob reaches both, and the pattern itself stays an uncertain outside target.
    assert grant_keys(modules) == {
        (user("bob"), "sts:AssumeRole", role("team-0"), "definite"),
        (user("bob"), "sts:AssumeRole", role("team-1"), "definite"),
        (user("bob"), "sts:AssumeRole", role("team-*"), "uncertain"),
        (user("bob"), "sts:GetSessionToken", user("bob"), "definite"),
        (user("carol"), "sts:GetSessionToken", user("carol"), "definite"),
    }
    (team0,) = [g for g in analyze(modules, lookup).grants if g.target == role("team-0")]
    assert set(team0.sources) == {at(130), at(61)}


def test_prior_state_is_the_inventory_before_apply():
    prior = parse_plan_prior_state(ROOT / MODULES, ctx(account_id=ACCOUNT))
    assert [r.address for r in prior.roles] == ["aws_iam_role.legacy"]
    assert [u.address for u in prior.users] == ["aws_iam_user.carol"]
    legacy = prior.roles[0]
    assert legacy.source == at(419)
    assert legacy.attachments == () and legacy.inline_policies == ()
    # legacy trusts carol by ARN, same account: no identity policy needed (SEMANTICS §1).
    assert grant_keys(prior) == {
        (user("carol"), "sts:AssumeRole", role("legacy"), "definite"),
        (user("carol"), "sts:GetSessionToken", user("carol"), "definite"),
    }


def test_account_taken_from_the_plan_when_not_given():
    inventory = parse_plan(ROOT / MODULES, ctx())
    assert by_address(inventory.users, "aws_iam_user.bob").arn == user("bob")
    (note,) = [d for d in inventory.diagnostics if "taken from" in d.message]
    assert note.level is DiagnosticLevel.INFO and "aws_iam_user.carol.arn" in note.message


def test_given_account_that_differs_from_the_plan_is_a_warning():
    inventory = parse_plan(ROOT / MODULES, ctx(account_id="999999999999"))
    (warning,) = [d for d in inventory.diagnostics if d.level is DiagnosticLevel.WARNING]
    assert "999999999999" in warning.message and ACCOUNT in warning.message


def test_format_0_1_reference_joins_an_unknown_role():
    inventory = parse_plan(ROOT / V01, ctx(account_id=ACCOUNT))
    lambda_role = by_address(inventory.roles, "aws_iam_role.lambda")
    # `role` is unknown in the plan (the new role's id); the configuration refers to
    # aws_iam_role.lambda, whose id is its name.
    (policy,) = lambda_role.inline_policies
    assert (policy.name, policy.address, policy.source) == (
        "assume-any",
        "aws_iam_role_policy.lambda_assume",
        at(27, V01),
    )
    assert inventory.providers == (
        IdentityProvider(
            kind=ProviderKind.OIDC,
            arn=f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com",
            url="token.actions.githubusercontent.com",
            client_ids=("sts.amazonaws.com",),
            source=at(40, V01),
            address="aws_iam_openid_connect_provider.github",
        ),
    )
    assert grant_keys(inventory) == {
        ("lambda.amazonaws.com", "sts:AssumeRole", role("lambda-runner"), "definite"),
        # Resource "*" is no inventory role's ARN: a grant to the pattern, uncertain (DECISIONS.md).
        (role("lambda-runner"), "sts:AssumeRole", "*", "uncertain"),
    }


def test_unknown_attribute_is_never_read_as_null(tmp_path):
    plan = json.loads((PLANS / "unknown_trust" / "plan.json").read_text())
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    inventory = parse_plan(tmp_path / "plan.json", ParseContext(root=tmp_path))
    deploy = by_address(inventory.roles, "aws_iam_role.deploy")
    assert deploy.trust_policy.unknown == Unknown(
        "aws_iam_role.deploy.assume_role_policy", "known after apply (from aws_iam_user.alice.arn)"
    )
    (policy,) = inventory.policies
    assert policy.document.unknown == Unknown(
        "aws_iam_policy.assume_admin.policy", "known after apply (from aws_iam_role.admin.arn)"
    )
    # The attachment's role and policy_arn are unknown too; their references name the entities.
    assert deploy.attachments == (
        Attachment(
            policy_arn=f"arn:aws:iam::{ACCOUNT}:policy/assume-admin",
            source=Source(file="plan.json", line=1),
            address="aws_iam_role_policy_attachment.deploy_assume_admin",
        ),
    )


@pytest.mark.parametrize(
    ("version", "accepted"),
    [
        ("0.1", True),
        ("0.2", True),
        ("1.0", True),
        ("1.2", True),
        ("1.3", True),
        ("2.0", False),
        ("10.1", False),
        ("one", False),
        (None, False),
        (1.2, False),
    ],
)
def test_format_versions(version, accepted):
    assert (check_format_version(version) is None) is accepted


def test_bad_major_version_is_one_error_and_nothing_read():
    inventory = parse_plan(PLANS / "bad_major" / "plan.json", ctx())
    (error,) = inventory.diagnostics
    assert error.level is DiagnosticLevel.ERROR and error.line == 2
    assert error.file == "fixtures/terraform_plan/bad_major/plan.json"
    assert "format_version 2.0 is not supported" in error.message
    assert inventory.users == () and inventory.inputs[0].format == "terraform-plan"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ("[]", "not an object"),
        ('{"planned_values": {}}', "no format_version"),
    ],
)
def test_unreadable_plans_are_error_diagnostics(tmp_path, text, message):
    path = tmp_path / "plan.json"
    path.write_text(text)
    (error,) = parse_plan(path, ParseContext(root=tmp_path)).diagnostics
    assert error.level is DiagnosticLevel.ERROR and message in error.message


def test_state_file_reads_its_values(tmp_path):
    state = {
        "format_version": "1.0",
        "terraform_version": "1.5.7",
        "values": {
            "root_module": {
                "resources": [
                    {
                        "address": "aws_iam_user.dave",
                        "mode": "managed",
                        "type": "aws_iam_user",
                        "name": "dave",
                        "values": {
                            "name": "dave",
                            "path": "/staff/",
                            "arn": "arn:aws:iam::222222222222:user/staff/dave",
                        },
                    }
                ]
            }
        },
    }
    (tmp_path / "state.json").write_text(json.dumps(state, indent=1))
    inventory = parse_plan(tmp_path / "state.json", ParseContext(root=tmp_path))
    (dave,) = inventory.users
    assert (dave.arn, dave.path, dave.source) == (
        "arn:aws:iam::222222222222:user/staff/dave",
        "/staff/",
        Source(file="state.json", line=8),
    )


@pytest.mark.parametrize(
    ("address", "parts", "modules", "key", "config"),
    [
        ("aws_iam_role.x", ["aws_iam_role", "x"], (), "aws_iam_role.x", "aws_iam_role.x"),
        (
            'module.a["k.1"].module.b[0].aws_iam_role.x["y.z"]',
            ["module", 'a["k.1"]', "module", "b[0]", "aws_iam_role", 'x["y.z"]'],
            ("a", "b"),
            "aws_iam_role.x",
            "module.a.module.b.aws_iam_role.x",
        ),
        (
            "module.a.data.aws_iam_policy_document.d",
            ["module", "a", "data", "aws_iam_policy_document", "d"],
            ("a",),
            "data.aws_iam_policy_document.d",
            "module.a.data.aws_iam_policy_document.d",
        ),
    ],
)
def test_addresses(address, parts, modules, key, config):
    assert split_address(address) == parts
    assert module_path(address) == modules
    assert resource_key(address) == key
    assert config_address(address) == config


def test_configuration_references_keep_the_longest_of_each():
    configuration = Configuration(
        {
            "root_module": {
                "module_calls": {
                    "a": {
                        "module": {
                            "resources": [
                                {
                                    "address": "aws_iam_role_policy.p",
                                    "expressions": {
                                        "role": {
                                            "references": [
                                                "aws_iam_role.r[0].name",
                                                "aws_iam_role.r[0]",
                                                "aws_iam_role.r",
                                            ]
                                        },
                                        "policy": {"references": ["var.doc", "each.key"]},
                                    },
                                }
                            ]
                        }
                    }
                }
            }
        }
    )
    address = 'module.a["x"].aws_iam_role_policy.p'
    assert configuration.references(address, "role") == ('module.a["x"].aws_iam_role.r[0].name',)
    assert configuration.references(address, "policy") == ('module.a["x"].var.doc', "each.key")
    assert configuration.is_configured(address, "name") is False
    assert configuration.is_configured("aws_iam_role_policy.other", "name") is None


def test_hostile_nesting_is_an_error_not_a_crash(tmp_path):
    deep = "[" * 50_000 + "]" * 50_000
    (tmp_path / "plan.json").write_text('{"format_version": "1.2", "planned_values": ' + deep + "}")
    (error,) = parse_plan(tmp_path / "plan.json", ParseContext(root=tmp_path)).diagnostics
    assert error.level is DiagnosticLevel.ERROR


def one_resource_plan(tmp_path: Path, type_: str, after: dict, after_unknown: dict) -> Path:
    address = f"{type_}.x"
    change = {"actions": ["create"], "after": after, "after_unknown": after_unknown}
    plan = {
        "format_version": "1.2",
        "planned_values": {
            "root_module": {
                "resources": [
                    {"address": address, "mode": "managed", "type": type_, "values": after}
                ]
            }
        },
        "resource_changes": [
            {"address": address, "mode": "managed", "type": type_, "change": change}
        ],
        "configuration": {
            "root_module": {
                "resources": [
                    {"address": address, "type": type_, "expressions": {k: {} for k in after}}
                ]
            }
        },
    }
    (tmp_path / "plan.json").write_text(json.dumps(plan))
    return tmp_path / "plan.json"


def test_name_prefix_gives_a_name_pattern(tmp_path):
    path = one_resource_plan(
        tmp_path,
        "aws_iam_user",
        {"name_prefix": "ci-", "path": "/"},
        {"name": True, "arn": True},
    )
    (ci,) = parse_plan(path, ParseContext(root=tmp_path, account_id=ACCOUNT)).users
    assert ci.name == Text(("ci-", Unknown("aws_iam_user.x.name", "name_prefix: generated suffix", generated=True)))


def test_configured_inline_policy_unknown_at_plan_time_stays_unknown(tmp_path):
    trust = '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"}}]}'
    path = one_resource_plan(
        tmp_path,
        "aws_iam_role",
        {"name": "app", "path": "/", "assume_role_policy": trust, "inline_policy": None},
        {"inline_policy": True, "managed_policy_arns": True, "arn": True},
    )
    (app,) = parse_plan(path, ParseContext(root=tmp_path, account_id=ACCOUNT)).roles
    # The author sets inline_policy (the configuration names it): unknown, never empty.
    (policy,) = app.inline_policies
    assert policy.name == Unknown("aws_iam_role.x.inline_policy.name", "known after apply")
    assert policy.document.unknown == Unknown(
        "aws_iam_role.x.inline_policy.policy", "known after apply"
    )
    assert app.attachments == ()  # managed_policy_arns is not set by the author
