"""Fn::ForEach (AWS::LanguageExtensions), read off fixtures/cloudformation/loops."""

from __future__ import annotations

from pathlib import Path

from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel, Principal, PrincipalKind, Source
from credmint.parsers.cloudformation import parse_cloudformation
from credmint.parsers.context import ParseContext

ROOT = Path(__file__).resolve().parents[1]
FILE = "fixtures/cloudformation/loops/template.yaml"


def parse(**settings):
    return parse_cloudformation(ROOT / FILE, ParseContext(root=ROOT, account_id="111111111111",
                                                          **settings))


def test_each_item_of_the_collection_makes_a_copy_at_the_fragment_lines():
    inventory = parse()
    assert [(r.address, r.name, r.source) for r in inventory.roles] == [
        ("dataengRole", "data-eng-deploy", Source(file=FILE, line=13)),  # &{} keeps a-z, 0-9
        ("webRole", "web-deploy", Source(file=FILE, line=13)),
    ]
    assert [s.principals for r in inventory.roles for s in r.trust_policy.statements] == [
        (Principal(kind=PrincipalKind.AWS, value="arn:aws:iam::111111111111:role/data-eng-ci"),),
        (Principal(kind=PrincipalKind.AWS, value="arn:aws:iam::111111111111:role/web-ci"),),
    ]


def test_a_collection_not_known_before_deployment_is_a_warning():
    assert parse().diagnostics == (Diagnostic(
        level=DiagnosticLevel.WARNING, file=FILE, line=26,
        message="Fn::ForEach::Unknown: its collection is not known before deployment; the "
                "resources it makes are not analysed"),)


def test_given_parameters_expand_the_loop():
    inventory = parse(parameters={"Teams": "ops", "Other": "a,b"})
    assert [r.name for r in inventory.roles] == ["ops-deploy"]
    assert [u.address for u in inventory.users] == ["aUser", "bUser"]
    assert inventory.diagnostics == ()
