"""Nested stacks, stack sets and CDK construct paths (issue 4 §5-6).

Fixture: fixtures/cloudformation/nested (template.yaml creates child/template.yaml as a nested
stack and an inline stack set). Expected values are read off both files.
"""

from __future__ import annotations

from pathlib import Path

from credmint.analyzer.inventory import (
    DEPLOY_CHOICE,
    Diagnostic,
    DiagnosticLevel,
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
PARENT = "fixtures/cloudformation/nested/template.yaml"
CHILD = "fixtures/cloudformation/nested/child/template.yaml"
ACCOUNT = "111111111111"


def parse():
    ctx = ParseContext(root=ROOT, account_id=ACCOUNT, stack_name="main")
    return parse_cloudformation(ROOT / PARENT, ctx)


def test_nested_stack_is_read_with_the_parameters_its_parent_passes():
    app, unnamed, _ = parse().roles
    assert (app.address, app.source, app.name) == ("Network.AppRole", Source(file=CHILD, line=7),
                                                    "dev-app")
    (statement,) = app.trust_policy.statements
    assert statement.source == Source(file=CHILD, line=13)
    assert statement.principals == (Principal(kind=PrincipalKind.AWS, value="222222222222"),)
    # a nested stack is named PARENT-LogicalId-SUFFIX, and its unnamed resources after it
    assert unnamed.address == "Network.Unnamed"
    assert unnamed.name == Text((
        "main-Network-",
        Unknown("Network.suffix", "random suffix of a nested stack name", generated=True),
        "-Unnamed-",
        Unknown("Unnamed.suffix", "random suffix of a name CloudFormation generates",
                generated=True),
    ))


def test_outputs_of_a_nested_stack_answer_getatt_and_remote_ones_stay_unknown():
    (user,) = parse().users
    (statement,) = user.inline_policies[0].document.statements
    assert [render(resource) for resource in statement.resources] == [
        f"arn:aws:iam::{ACCOUNT}:role/dev-app", "{Remote.Outputs.RoleArn}"]


def test_cdk_path_metadata_is_kept_beside_the_logical_id():
    (user,) = parse().users
    assert (user.address, user.construct_path) == ("Deployer", "App/Deployer/Resource")


def test_stack_set_template_body_is_read_at_its_lines_in_the_target_accounts():
    *_, audit = parse().roles
    instances = Unknown("Baseline.account", "each account the stack set deploys to", generated=True)
    assert (audit.address, audit.source, audit.account) == (
        "Baseline.AuditRole", Source(file=PARENT, line=50), instances)
    assert audit.arn == Text(("arn:aws:iam::", instances, ":role/audit"))
    (statement,) = audit.trust_policy.statements
    assert statement.source == Source(file=PARENT, line=56)
    assert statement.principals == (
        Principal(kind=PrincipalKind.AWS, value="arn:aws:iam::333333333333:root"),)


def test_stacks_that_cannot_be_read_are_warnings():
    assert parse().diagnostics == (
        Diagnostic(level=DiagnosticLevel.WARNING, file=PARENT, line=14,
                   message="Remote: nested stack template https://s3.amazonaws.com/bucket/"
                           "remote.yaml is not a local file; its resources are not analysed "
                           "and its outputs are unknown"),
        Diagnostic(level=DiagnosticLevel.WARNING, file=PARENT, line=18,
                   message="Outside: nested stack template ../../../../outside.yaml is outside "
                           "the project root; not read"),
    )


def test_a_stack_that_nests_itself_is_read_once(tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text("Resources:\n  Self:\n    Type: AWS::CloudFormation::Stack\n"
                        "    Properties:\n      TemplateURL: ./template.yaml\n")
    inventory = parse_cloudformation(template, ParseContext(root=tmp_path))
    assert [d.message for d in inventory.diagnostics] == [
        "Self: nested stack template ./template.yaml includes itself; not read"]


def test_serverless_application_with_a_local_location_is_a_nested_stack(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "template.yaml").write_text(
        "Resources:\n  Inner:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      RoleName: inner\n      AssumeRolePolicyDocument:\n        Statement: []\n")
    template = tmp_path / "template.yaml"
    template.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  App:\n    Type: AWS::Serverless::Application\n    Properties:\n"
        "      Location: app/template.yaml\n"
        "  Store:\n    Type: AWS::Serverless::Application\n    Properties:\n"
        "      Location:\n"
        "        ApplicationId: arn:aws:serverlessrepo:us-east-1:1:applications/x\n"
        "        SemanticVersion: 1.0.0\n")
    inventory = parse_cloudformation(template, ParseContext(root=tmp_path))
    assert [(role.address, role.name) for role in inventory.roles] == [("App.Inner", "inner")]
    assert [(d.line, d.message) for d in inventory.diagnostics] == [
        (7, "Store: nested stack template (not a string) is not a local file; its resources are "
            "not analysed and its outputs are unknown")]


def test_stack_set_template_body_in_a_json_file_keeps_the_line_of_its_string(tmp_path):
    import json

    body = json.dumps({"Resources": {"R": {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": "r", "AssumeRolePolicyDocument": {"Statement": []}}}}}, indent=1)
    template = tmp_path / "template.json"
    template.write_text('{"Resources": {\n "Set": {"Type": "AWS::CloudFormation::StackSet",\n'
                        f'  "Properties": {{"TemplateBody": {json.dumps(body)}}}}}}}}}\n')
    (role,) = parse_cloudformation(template, ParseContext(root=tmp_path)).roles
    assert (role.address, role.source.line) == ("Set.R", 3)


def test_cdk_nested_stack_points_at_its_synthesized_template(tmp_path):
    template = tmp_path / "Parent.template.json"
    template.write_text(
        '{"Resources": {"NestedStackResource": {"Type": "AWS::CloudFormation::Stack",\n'
        ' "Properties": {"TemplateURL": {"Fn::Join": ["", ["https://s3.", {"Ref": "AWS::Region"},'
        ' ".amazonaws.com/cdk-assets/abc.json"]]}},\n'
        ' "Metadata": {"aws:asset:path": "ParentNested1A2B.nested.template.json"}}}}\n')
    inventory = parse_cloudformation(template, ParseContext(root=tmp_path))
    assert [(d.line, d.message) for d in inventory.diagnostics] == [
        (1, "NestedStackResource: CDK nested stack ParentNested1A2B.nested.template.json: read "
            "as a template of its own, without the parameters passed here; its outputs are "
            "unknown")]


def test_a_nested_stack_under_an_unknown_condition_makes_its_statements_uncertain(tmp_path):
    (tmp_path / "child.yaml").write_text(
        "Resources:\n  Inner:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      RoleName: inner\n      AssumeRolePolicyDocument:\n        Statement:\n"
        "          - Effect: Allow\n            Principal: {Service: ec2.amazonaws.com}\n"
        "            Action: sts:AssumeRole\n")
    template = tmp_path / "template.yaml"
    template.write_text(
        "Parameters:\n  Enabled:\n    Type: String\n"
        "Conditions:\n  IsEnabled: !Equals [!Ref Enabled, 'yes']\n"
        "Resources:\n  Child:\n    Type: AWS::CloudFormation::Stack\n    Condition: IsEnabled\n"
        "    Properties:\n      TemplateURL: child.yaml\n")
    (role,) = parse_cloudformation(template, ParseContext(root=tmp_path)).roles
    # Enabled has no default: the deployer chooses it (issue 13 §11), both ways are read
    assert role.trust_policy.statements[0].unknown == Unknown("when Enabled = yes", DEPLOY_CHOICE)
    given = ParseContext(root=tmp_path, parameters={"Enabled": "no"})
    assert parse_cloudformation(template, given).roles == ()
