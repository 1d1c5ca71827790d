"""List, map and encoding intrinsics (issue 4 §1), read off fixtures/cloudformation/functions."""

from __future__ import annotations

from pathlib import Path

from credmint.analyzer.inventory import Principal, PrincipalKind, Unknown, render
from credmint.parsers.cloudformation import parse_cloudformation
from credmint.parsers.context import ParseContext

ROOT = Path(__file__).resolve().parents[1]
FILE = "fixtures/cloudformation/functions/template.yaml"


def parse(**settings):
    return parse_cloudformation(ROOT / FILE, ParseContext(root=ROOT, **settings))


def test_split_of_a_parameter_gives_one_trusted_account_each():
    (role,) = parse().roles
    assert role.trust_policy.statements[0].principals == (
        Principal(kind=PrincipalKind.AWS, value="111111111111"),
        Principal(kind=PrincipalKind.AWS, value="222222222222"),
    )


def test_split_of_a_given_parameter():
    (role,) = parse(parameters={"TrustedAccounts": "555555555555"}).roles
    assert role.trust_policy.statements[0].principals == (
        Principal(kind=PrincipalKind.AWS, value="555555555555"),
    )


def test_each_function_evaluated_or_left_unknown():
    inventory = parse()
    (statement,) = inventory.roles[0].inline_policies[0].document.statements
    assert [render(value) for value in statement.resources] == [
        "arn:aws:iam::333333333333:role/deploy",      # FindInMap with the Stage default
        "arn:aws:iam::222222222222:role/x",           # every region maps to aws; Select of Split
        '{Fn::Select(["0",{"Ref":"Subnets"}])}',      # SSM parameter: unknown
        "YWJj",                                       # Base64 of "abc"
        "10.0.1.0/24",                                # second /24 of 10.0.0.0/16
        '{"a":["b","c"]}',                            # ToJsonString
        "3",                                          # Length
        "{Fn::ImportValue(Shared-RoleArn)}",
        '{Fn::Select(["0",{"Fn::GetAZs":""}])}',
        "none",                                       # FindInMap DefaultValue
    ]
    assert statement.unknown == Unknown('Fn::Select(["0",{"Ref":"Subnets"}])',
                                        "Fn::Select of values not known before deployment")
    assert inventory.diagnostics == ()
