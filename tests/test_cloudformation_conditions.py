"""Conditions and Fn::If (issue 4 §2): decided conditions choose, unknown ones keep every branch.

Fixture: fixtures/cloudformation/conditions/template.yaml. A statement or resource that exists
only under a condition unknown before deployment is kept with that condition as the statement's
`unknown`, so the analyzer reports its grants as uncertain and names the condition.
"""

from __future__ import annotations

from pathlib import Path

from credmint.analyzer.inventory import (
    CURRENT_ACCOUNT,
    DEPLOY_CHOICE,
    Condition,
    Diagnostic,
    DiagnosticLevel,
    Effect,
    Principal,
    PrincipalKind,
    Source,
    Statement,
    Text,
    Unknown,
)
from credmint.parsers.cloudformation import parse_cloudformation
from credmint.parsers.context import ParseContext

ROOT = Path(__file__).resolve().parents[1]
FILE = "fixtures/cloudformation/conditions/template.yaml"
REASON = "a CloudFormation condition not known before deployment"
EXTERNAL = Unknown("ExternalAccount", "parameter without a default (--parameter)")


def parse(**settings):
    return parse_cloudformation(ROOT / FILE, ParseContext(root=ROOT, **settings))


def trust(line: int, principal: Principal, *, unknown=None, conditions=()) -> Statement:
    return Statement(source=Source(file=FILE, line=line), address=principal_address(line),
                     effect=Effect.ALLOW, actions=("sts:AssumeRole",), principals=(principal,),
                     conditions=conditions, unknown=unknown)


def principal_address(line: int) -> str:
    return "External" if line > 56 else "Deploy"


def aws(value) -> Principal:
    return Principal(kind=PrincipalKind.AWS, value=value)


EC2 = Principal(kind=PrincipalKind.SERVICE, value="ec2.amazonaws.com")
SOURCE_ACCOUNT = (Condition(operator="StringEquals", key="aws:SourceAccount",
                            values=("111111111111",)),)


def test_choices_are_read_both_ways_and_unknown_conditions_keep_every_branch():
    """Env (default dev, AllowedValues dev/prod) and ExternalAccount (no default) are the
    deployer's to choose (issue 13 §11): both ways are read, never the default alone. What only
    one way gives carries the choice (`when Env = prod`); InUsEast (no region) stays unknown."""
    inventory = parse()
    dev, external, prod = inventory.roles
    assert (dev.name, prod.name) == ("deploy-dev", "deploy-prod")
    assert dev.address == prod.address == "Deploy"
    in_us_east = Unknown("Condition InUsEast", REASON)
    assert dev.trust_policy.statements == (
        trust(23, aws(Text(("arn:aws:iam::", CURRENT_ACCOUNT, ":root"))),
              unknown=Unknown("when Env != prod", DEPLOY_CHOICE)),
        # no region given: both the statement with its condition block and without it
        trust(37, EC2, conditions=SOURCE_ACCOUNT, unknown=in_us_east),
        trust(37, EC2, unknown=in_us_east),
        # DevAndExternal = IsDev and HasExternal: only when ExternalAccount is given; the
        # account it names is unknown, and that is the reason the statement keeps
        trust(32, aws(EXTERNAL), unknown=EXTERNAL),
    )
    assert prod.trust_policy.statements == (
        trust(23, aws("arn:aws:iam::222222222222:role/release"),
              unknown=Unknown("when Env = prod", DEPLOY_CHOICE)),
        trust(37, EC2, conditions=SOURCE_ACCOUNT, unknown=in_us_east),
        trust(37, EC2, unknown=in_us_east),
    )
    assert external.trust_policy.statements == (trust(63, aws(EXTERNAL), unknown=EXTERNAL),)
    assert [user.name for user in inventory.users] == ["always", "prod-only"]
    assert inventory.diagnostics == ()


def test_if_selected_principal_under_the_other_condition_value():
    inventory = parse(region="us-east-1", parameters={"Env": "prod", "ExternalAccount": ""})
    (deploy,) = inventory.roles  # HasExternal is false: the External role is not created
    assert deploy.name == "deploy-prod"
    assert deploy.trust_policy.statements == (
        trust(23, aws("arn:aws:iam::222222222222:role/release")),
        trust(37, EC2, conditions=SOURCE_ACCOUNT),
    )
    assert [user.name for user in inventory.users] == ["prod-only", "always"]
    assert inventory.diagnostics == ()


def test_given_parameter_makes_the_conditional_statement_certain():
    inventory = parse(region="eu-west-1", parameters={"Env": "dev", "ExternalAccount": "333333333333"})
    deploy, external = inventory.roles
    assert deploy.trust_policy.statements == (
        trust(23, aws(Text(("arn:aws:iam::", CURRENT_ACCOUNT, ":root")))),
        trust(32, aws("333333333333")),
        trust(37, EC2),
    )
    assert external.trust_policy.statements == (trust(63, aws("333333333333")),)
