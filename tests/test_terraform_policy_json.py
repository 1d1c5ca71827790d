"""The shared policy JSON normaliser (parsers/policy_json.py), as both parsers rely on it."""

from credmint.analyzer.inventory import (
    Condition,
    DiagnosticLevel,
    Effect,
    Principal,
    PrincipalKind,
    Source,
    Statement,
    Text,
    Unknown,
)
from credmint.parsers.policy_json import document_from_json, document_from_text

SRC = Source(file="p.tf", line=3)


def test_statement_elements_are_normalised() -> None:
    document, diagnostics = document_from_json(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Sid": "Trust",
                "Effect": "Allow",
                "NotAction": "iam:*",
                "Resource": ["a", "b"],
                "Principal": {"AWS": ["111111111111", "*"], "Service": "ec2.amazonaws.com"},
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": True}, "NumericLessThan": {"n": 5}},
            },
        },
        source=SRC,
        address="aws_iam_policy.p",
    )
    assert diagnostics == []
    assert document.version == "2012-10-17"
    assert document.statements == (
        Statement(
            source=SRC,
            address="aws_iam_policy.p",
            effect=Effect.ALLOW,
            sid="Trust",
            actions=("iam:*",),
            is_not_action=True,
            resources=("a", "b"),
            principals=(
                Principal(kind=PrincipalKind.AWS, value="111111111111"),
                Principal(kind=PrincipalKind.AWS, value="*"),
                Principal(kind=PrincipalKind.SERVICE, value="ec2.amazonaws.com"),
            ),
            conditions=(
                Condition(operator="Bool", key="aws:MultiFactorAuthPresent", values=("true",)),
                Condition(operator="NumericLessThan", key="n", values=("5",)),
            ),
        ),
    )


def test_bare_star_principal_is_any() -> None:
    document, _ = document_from_json(
        {"Statement": [{"Effect": "Deny", "NotPrincipal": "*", "Action": "sts:*"}]},
        source=SRC,
        address="x",
    )
    (statement,) = document.statements
    assert statement.effect is Effect.DENY
    assert statement.is_not_principal
    assert statement.principals == (Principal(kind=PrincipalKind.ANY, value="*"),)
    assert statement.resources is None


def test_unknown_values_are_kept() -> None:
    role = Unknown("var.role")
    arn = Text(("arn:aws:iam::", Unknown("var.account"), ":root"))
    document, diagnostics = document_from_json(
        {"Statement": [{"Effect": "Allow", "Action": role, "Principal": {"AWS": [arn]}}]},
        source=SRC,
        address="x",
        line_of=lambda raw, index: 9,
    )
    assert diagnostics == []
    (statement,) = document.statements
    assert statement.actions == (role,)
    assert statement.principals == (Principal(kind=PrincipalKind.AWS, value=arn),)
    assert statement.unknown == role
    assert statement.source == Source(file="p.tf", line=9)


def test_wholly_unknown_document() -> None:
    unknown = Unknown("var.policy")
    document, diagnostics = document_from_json(unknown, source=SRC, address="x")
    assert document.unknown == unknown and document.statements == () and diagnostics == []


def test_invalid_statements_are_error_diagnostics_and_others_kept() -> None:
    document, diagnostics = document_from_json(
        {"Statement": [{"Action": "a"}, {"Effect": "Permit", "Action": "b"}, {"Effect": "Deny", "Action": "c"}]},
        source=SRC,
        address="x",
    )
    assert [s.actions for s in document.statements] == [("c",)]
    assert [(d.level, d.line) for d in diagnostics] == [(DiagnosticLevel.ERROR, 3)] * 2


def test_statement_not_a_list() -> None:
    _, diagnostics = document_from_json({"Statement": "x"}, source=SRC, address="x")
    assert [d.level for d in diagnostics] == [DiagnosticLevel.ERROR]


def test_text_lines_locate_each_statement() -> None:
    text = '{\n  "Statement": [\n    {"Effect": "Allow", "Action": "a"},\n\n    {\n      "Effect": "Deny", "Action": "b"}\n  ]\n}'
    document, diagnostics = document_from_text(text, source=SRC, address="x", first_line=10)
    assert diagnostics == []
    assert [s.source.line for s in document.statements] == [12, 14]


def test_invalid_json_text_is_an_error_at_its_line() -> None:
    document, diagnostics = document_from_text('{\n "Statement": [\n}', source=SRC, address="x", first_line=10)
    assert document.statements == ()
    assert [(d.level, d.line) for d in diagnostics] == [(DiagnosticLevel.ERROR, 12)]


def test_effect_written_in_lower_case_is_read_as_meant() -> None:
    document, diagnostics = document_from_json(
        {"Statement": {"Effect": "allow", "Action": "sts:AssumeRole"}}, source=SRC, address="x"
    )
    assert [s.effect for s in document.statements] == [Effect.ALLOW] and diagnostics == []


def test_unknown_principal_type_marks_the_statement_unknown() -> None:
    kind = Unknown("var.kind")
    document, diagnostics = document_from_json(
        {"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {kind: ["x"]}}},
        source=SRC,
        address="x",
    )
    (statement,) = document.statements
    assert diagnostics == [] and statement.principals == () and statement.unknown == kind
