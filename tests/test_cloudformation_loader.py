"""read_template and is_cloudformation: safe loading, positions, and honest errors.

DESIGN.md (untrusted input, honest errors): no input makes the parser raise; what cannot be read
is an error diagnostic with file and line.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel, InputFile, Inventory, Text, Unknown
from credmint.parsers.cloudformation import is_cloudformation, parse_cloudformation, read_template
from credmint.parsers.cloudformation.loader import MAX_BYTES
from credmint.parsers.context import ParseContext

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "fixtures/cloudformation"


def error(file: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(level=DiagnosticLevel.ERROR, file=file, line=line, message=message)


def test_invalid_yaml_is_an_error_at_its_line_and_nothing_else_is_read():
    ctx = ParseContext(root=ROOT)
    inventory = parse_cloudformation(CASES / "invalid_yaml/template.yaml", ctx)
    file = "fixtures/cloudformation/invalid_yaml/template.yaml"
    # libyaml's words ("did not find expected ',' or ']'"); PyYAML's own parser says "expected
    # ',' or ']', but got ':'": the loader uses libyaml when PyYAML has it (parsers/cloudformation)
    (diagnostic,) = inventory.diagnostics
    assert (diagnostic.level, diagnostic.file, diagnostic.line) == (DiagnosticLevel.ERROR, file, 6)
    assert diagnostic.message.startswith("invalid YAML: ") and "expected ',' or ']'" in diagnostic.message
    assert inventory == Inventory(inputs=(InputFile(path=file, format="cloudformation"),), diagnostics=(diagnostic,))


def test_aliases_are_rejected_at_the_alias():
    ctx = ParseContext(root=ROOT)
    template, diagnostics = read_template(CASES / "alias/template.yaml", ctx)
    assert template is None
    assert diagnostics == [error("fixtures/cloudformation/alias/template.yaml", 10,
                                 "YAML aliases are not allowed in CloudFormation templates")]


def write(tmp_path: Path, text: str, name: str = "template.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_invalid_json_is_an_error_at_its_line(tmp_path):
    text = '{\n  "Resources": {\n    "A": {"Type": "AWS::IAM::User"}\n    "B": 1\n}'
    path = write(tmp_path, text, "t.json")
    template, diagnostics = read_template(path, ParseContext(root=tmp_path))
    assert template is None
    assert diagnostics == [error("t.json", 4, "invalid JSON: Expecting ',' delimiter")]


def test_yaml_bomb_of_aliases_is_rejected_without_expanding(tmp_path):
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]"
              for i in range(8)]
    template, diagnostics = read_template(write(tmp_path, "\n".join(lines)),
                                          ParseContext(root=tmp_path))
    assert template is None
    assert diagnostics == [error("template.yaml", 2,
                                 "YAML aliases are not allowed in CloudFormation templates")]


@pytest.mark.parametrize("text, name", [("[" * 5000 + "]" * 5000, "deep.json"),
                                        ("a: " + "[" * 5000 + "]" * 5000, "deep.yaml")])
def test_deep_nesting_is_an_error_not_a_crash(tmp_path, text, name):
    template, diagnostics = read_template(write(tmp_path, text, name), ParseContext(root=tmp_path))
    assert template is None
    assert [(d.level, d.line) for d in diagnostics] == [(DiagnosticLevel.ERROR, 1)]
    # ours ("nesting deeper than 128 levels"), or libyaml's own bound when it has one (0.2.6:
    # "exceeded maximum nesting depth"), which stops the parser before the composer sees it
    assert "nesting deeper than 128 levels" in diagnostics[0].message or (
        "exceeded maximum nesting depth" in diagnostics[0].message
    )


def test_nesting_past_our_bound_but_within_libyamls_is_ours_to_refuse(tmp_path):
    text = "a: " + "[" * 200 + "]" * 200
    template, diagnostics = read_template(write(tmp_path, text, "mid.yaml"), ParseContext(root=tmp_path))
    assert template is None
    assert [(d.level, d.line, d.message) for d in diagnostics] == [
        (DiagnosticLevel.ERROR, 1, "nesting deeper than 128 levels")
    ]


def test_huge_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.yaml"
    with path.open("wb") as handle:
        handle.truncate(MAX_BYTES + 1)
    template, diagnostics = read_template(path, ParseContext(root=tmp_path))
    assert template is None
    assert diagnostics == [error("huge.yaml", 0, "file larger than 20 MB: not read")]


def test_not_utf8_is_an_error_at_its_line(tmp_path):
    path = tmp_path / "latin.yaml"
    path.write_bytes(b"Resources:\n  A: caf\xe9\n")
    _, diagnostics = read_template(path, ParseContext(root=tmp_path))
    assert diagnostics == [error("latin.yaml", 2, "file is not UTF-8 text")]


def test_unknown_tag_is_a_warning_and_an_unknown_value(tmp_path):
    path = write(tmp_path, "Resources:\n  M:\n    Type: AWS::IAM::User\n"
                           "    Properties:\n      UserName: !Rain::Module x\n")
    template, diagnostics = read_template(path, ParseContext(root=tmp_path))
    assert template["Resources"]["M"]["Properties"]["UserName"] == Unknown(
        "!Rain::Module", "unsupported YAML tag")
    assert diagnostics == [Diagnostic(
        level=DiagnosticLevel.WARNING, file="template.yaml", line=5,
        message="unsupported tag !Rain::Module: its value is unknown")]


def test_scalars_stay_as_written(tmp_path):
    path = write(tmp_path, "\ufeffVersion: 2012-10-17\nAccount: 000011112222\nFlag: true\nN: ~\n")
    template, diagnostics = read_template(path, ParseContext(root=tmp_path))
    assert template == {"Version": "2012-10-17", "Account": "000011112222", "Flag": "true",
                        "N": None}
    assert diagnostics == []


def test_json_keeps_numbers_and_booleans_as_text_and_allows_tabs(tmp_path):
    path = write(tmp_path, '{\t"A":\t1.50, "B": true, "C": [false, null]}', "t.json")
    template, _ = read_template(path, ParseContext(root=tmp_path))
    assert template == {"A": "1.50", "B": "true", "C": ["false", None]}


def test_a_document_that_is_not_a_mapping_is_skipped_silently(tmp_path):
    path = write(tmp_path, "foo", "f.json")
    assert read_template(path, ParseContext(root=tmp_path)) == (None, [])


@pytest.mark.parametrize("template, expected", [
    ({"AWSTemplateFormatVersion": "2010-09-09"}, True),
    ({"Resources": {"A": {"Type": "AWS::IAM::Role"}, "B": {"Type": "Custom::Thing"}}}, True),
    ({"Resources": {"A": {"Type": "Alexa::ASK::Skill"}}}, True),
    ({"Resources": {"A": {"Type": "MyOrg::Service::Thing"}}}, True),
    ({"Resources": {}}, False),
    ({"Parameters": {"P": {"Type": "String"}}, "Rules": {"R": {"Assertions": []}}}, True),
    ({"Parameters": {"P": {"Type": "String"}}}, False),
    ({"Rules": {}, "rules": []}, False),
    ({"Resources": {"A": {"Type": "aws_iam_role"}}}, False),
    ({"resource": {"aws_iam_role": {"a": {}}}}, False),
    ({"Resources": {"A": "x"}}, False),
    ({"Resources": {"M": {"Rain::Module": "vpc.yml"}, "R": {"Type": "AWS::IAM::Role"}}}, True),
    (["Resources"], False),
    (None, False),
])
def test_is_cloudformation_by_content(template, expected):
    assert is_cloudformation(template) is expected


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8)
    | st.sampled_from(["Ref", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "AWS::IAM::Role",
                       "AWS::IAM::Policy", "AWS::NoValue", "${X}", "${A.Arn}", "Roles",
                       "AWS::Serverless::Function", "C"]),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(["Ref", "Fn::Sub", "Fn::GetAtt", "Fn::Join", "Type",
                                       "Properties", "PolicyDocument", "Statement", "Roles",
                                       "AssumeRolePolicyDocument", "RoleName", "Policies", "A",
                                       "X", "Fn::If", "Condition", "Role", "Fn::Select",
                                       "Fn::FindInMap"]), children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=200, deadline=None)
@given(resources=st.dictionaries(st.sampled_from(["A", "X", "Role"]), _json, max_size=3))
def test_no_template_shape_makes_the_parser_raise(tmp_path_factory, resources):
    import json

    path = tmp_path_factory.mktemp("fuzz") / "t.json"
    path.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09",
                                "Parameters": {"X": {"Type": "String"}},
                                "Conditions": {"C": {"Fn::Equals": [{"Ref": "X"}, "a"]}},
                                "Resources": resources}))
    inventory = parse_cloudformation(path, ParseContext(root=path.parent))
    assert inventory.inputs == (InputFile(path="t.json", format="cloudformation"),)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200))
def test_no_text_makes_the_reader_raise(tmp_path_factory, text):
    path = tmp_path_factory.mktemp("fuzz") / "t.yaml"
    path.write_text(text, encoding="utf-8")
    parse_cloudformation(path, ParseContext(root=path.parent))


def test_long_chains_of_names_and_conditions_are_bounded_not_a_crash(tmp_path):
    import json

    roles = {f"R{i}": {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": {"Fn::Sub": f"${{R{i + 1}}}-x"} if i < 399 else "last",
        "AssumeRolePolicyDocument": {"Statement": []}}} for i in range(400)}
    conditions = {"C0": {"Fn::Equals": ["a", "a"]}}
    conditions.update({f"C{i}": {"Fn::Not": [{"Condition": f"C{i - 1}"}]} for i in range(1, 400)})
    roles["R0"]["Condition"] = "C399"
    path = tmp_path / "t.json"
    path.write_text(json.dumps({"Conditions": conditions, "Resources": roles}))
    inventory = parse_cloudformation(path, ParseContext(root=tmp_path))
    assert len(inventory.roles) == 400
    assert inventory.roles[0].name == Text((Unknown("R32", "circular or too long a chain of "
                                                     "references"), "-x" * 32))
    assert inventory.roles[-1].name == "last"
