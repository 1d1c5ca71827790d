"""Intrinsic functions, pseudo parameters and parameters, evaluated as CloudFormation would.

Fixture: fixtures/cloudformation/intrinsics/template.yaml. Expected values are read off the
template: defaults when no `--parameter` is given, the given values otherwise; pseudo parameters
not given to the run stay `Unknown` and render as `{AWS::Region}`.
"""

from __future__ import annotations

from pathlib import Path

from credmint.analyzer.inventory import (
    CURRENT_ACCOUNT,
    Condition,
    Principal,
    PrincipalKind,
    Source,
    Text,
    Unknown,
    render,
)
from credmint.parsers.cloudformation import parse_cloudformation
from credmint.parsers.context import ParseContext

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "fixtures/cloudformation/intrinsics/template.yaml"
FILE = "fixtures/cloudformation/intrinsics/template.yaml"


def parse(**settings):
    return parse_cloudformation(TEMPLATE, ParseContext(root=ROOT, **settings))


def test_parameter_defaults_sub_and_join_in_names():
    app, worker = parse().roles
    assert app.name == "dev-app"
    assert app.path == "/dev/"
    assert app.arn == Text(("arn:aws:iam::", CURRENT_ACCOUNT, ":role/dev/dev-app"))
    # Path from !Sub with ${AWS::URLSuffix}; no RoleName: the logical id stands for the name.
    assert worker.path == "/amazonaws.com/"
    assert render(worker.arn) == (
        "arn:aws:iam::{account_id}:role/amazonaws.com/{AWS::StackName}-Worker-{Worker.suffix}")


def test_comma_delimited_list_default_gives_one_principal_per_account():
    (statement,) = parse().roles[0].trust_policy.statements
    assert statement.source == Source(file=FILE, line=19)
    assert statement.principals == (
        Principal(kind=PrincipalKind.AWS, value="333333333333"),
        Principal(kind=PrincipalKind.AWS, value="444444444444"),
    )


def test_parameter_without_default_is_unknown():
    (statement,) = parse().roles[0].trust_policy.statements
    org = Unknown("Org", "parameter without a default (--parameter)")
    assert statement.conditions == (
        Condition(operator="StringEquals", key="aws:PrincipalOrgID", values=(org,)),
    )
    assert statement.unknown == org


def test_sub_list_form_with_unknown_pseudo_parameters():
    (policy,) = parse().roles[0].inline_policies
    assert policy.name == Text((
        "dev-", Unknown("AWS::Region", "the region the stack deploys into", generated=True), "-",
        Unknown("AWS::StackName", "the stack name (--stack-name)", generated=True),
    ))
    assert policy.source == Source(file=FILE, line=27)
    assert policy.document.source == Source(file=FILE, line=30)


def test_resources_sub_escape_getatt_novalue_and_import():
    (statement,) = parse().roles[0].inline_policies[0].document.statements
    assert statement.source == Source(file=FILE, line=32)
    assert [render(resource) for resource in statement.resources] == [
        "arn:aws:iam::{account_id}:role/dev-*",
        "arn:aws:iam::{account_id}:role/${aws:username}",  # ${!aws:username} is literal
        "arn:aws:iam::{account_id}:role/amazonaws.com/{AWS::StackName}-Worker-{Worker.suffix}",
        "arn:aws:iam::{account_id}:role/amazonaws.com/{AWS::StackName}-Worker-{Worker.suffix}"
        "/{Worker.RoleId}",
        # !Ref AWS::NoValue removed its item
        "{Fn::ImportValue(SharedRoleArn)}",
    ]
    assert statement.conditions == ()  # Condition: !Ref AWS::NoValue removed the key


def test_join_of_pseudo_parameters_in_a_principal():
    (statement,) = parse().roles[1].trust_policy.statements
    assert statement.principals == (
        Principal(kind=PrincipalKind.AWS, value=Text(("arn:aws:iam::", CURRENT_ACCOUNT, ":root"))),
    )


def test_given_parameters_account_region_and_stack_name_override_defaults():
    inventory = parse(
        account_id="111111111111", region="eu-west-1", stack_name="core",
        parameters={"Env": "prod", "Org": "o-abc", "Accounts": "555555555555, 666666666666"},
    )
    app, worker = inventory.roles
    assert (app.name, app.arn) == ("prod-app", "arn:aws:iam::111111111111:role/prod/prod-app")
    (trust,) = app.trust_policy.statements
    assert [p.value for p in trust.principals] == ["555555555555", "666666666666"]
    assert trust.conditions[0].values == ("o-abc",)
    (policy,) = app.inline_policies
    assert policy.name == "prod-eu-west-1-core"
    resource = policy.document.statements[0].resources[0]
    assert render(resource) == "arn:aws:iam::111111111111:role/prod-*"
    assert worker.trust_policy.statements[0].principals[0].value == "arn:aws:iam::111111111111:root"
    assert inventory.diagnostics == ()
