"""What Terraform and OpenTofu read in a module folder (issue 13 item 9).

- `*.tf.json`: Terraform's JSON syntax, defined by the native one (Terraform docs, "JSON
  Configuration Syntax", https://developer.hashicorp.com/terraform/language/syntax/json);
- `*.tofu` / `*.tofu.json`: OpenTofu's own files; where `x.tofu` and `x.tf` both exist OpenTofu
  reads `x.tofu` only (OpenTofu docs, "Files and Directories");
- override files (`override.tf`, `*_override.tf`, their JSON forms), merged into the blocks they
  override (Terraform docs, "Override Files",
  https://developer.hashicorp.com/terraform/language/files/override).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform import parse_terraform
from credmint.parsers.terraform.json_syntax import JsonSyntaxError, to_native
from credmint.parsers.terraform_files import config_files

ACCOUNT = "111111111111"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"


def role(name: str, user: str) -> str:
    return (f'resource "aws_iam_role" "{name}" {{\n  name = "{name}"\n'
            f'  assume_role_policy = jsonencode({{ Version = "2012-10-17", Statement = [{{ Effect = "Allow", '
            f'Action = "sts:AssumeRole", Principal = {{ AWS = aws_iam_user.{user}.arn }} }}] }})\n}}\n')


USERS = 'resource "aws_iam_user" "alice" { name = "alice" }\nresource "aws_iam_user" "bob" { name = "bob" }\n'


def scan(folder: Path) -> tuple[dict, set[tuple[str, str, str]]]:
    out = folder.parent / f"{folder.name}-report.json"
    main(["scan", str(folder), "--account-id", ACCOUNT, "--format", "json", "-o", str(out), "--fail-on", "none",
          "--no-cache"])
    report = json.loads(out.read_text())
    grants = {(g["principal"], g["target"], g["certainty"]) for g in report["grants"] if g["action"] == "sts:AssumeRole"}
    return report, grants


def write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


JSON_CONFIG = {
    "//": "a comment property, ignored",
    "variable": {"who": {"type": "string", "default": "alice"}, "literal": {"default": "${not.a.reference}"}},
    "resource": {
        "aws_iam_user": {"alice": {"name": "${var.who}"}},
        "aws_iam_role": {"deploy": {
            "name": "deploy",
            "assume_role_policy": "${data.aws_iam_policy_document.trust.json}",
        }},
    },
    "data": {"aws_iam_policy_document": {"trust": {
        "statement": [{
            "actions": ["sts:AssumeRole"],
            "principals": {"type": "AWS", "identifiers": ["${aws_iam_user.alice.arn}"]},
            "condition": [{"test": "StringEquals", "variable": "aws:PrincipalTag/team", "values": ["a \"quoted\" ${var.who}"]}],
        }],
    }}},
    "output": {"literal": {"value": "${var.literal}"}},
}


def test_tf_json_is_read_with_its_lines(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text(json.dumps(JSON_CONFIG, indent=2))
    report, grants = scan(tmp_path)
    assert grants == {(ALICE, f"arn:aws:iam::{ACCOUNT}:role/deploy", "conditional")}
    (grant,) = [g for g in report["grants"] if g["action"] == "sts:AssumeRole"]
    # the template string is a template (`${var.who}`), its quotes literal characters
    assert grant["conditions"] == [{"operator": "StringEquals", "key": "aws:PrincipalTag/team",
                                     "values": ['a "quoted" alice']}]
    lines = (tmp_path / "main.tf.json").read_text().splitlines()
    (source,) = grant["sources"]
    # a block given as an array element starts at its own `{`, the line after `"statement": [`
    assert source["file"] == "main.tf.json" and '"statement": [' in lines[source["line"] - 2]
    assert report["diagnostics"] == []


def test_json_variable_default_is_literal_and_type_an_expression() -> None:
    text, _ = to_native(json.dumps({"variable": {"v": {"type": "list(string)", "default": ["${x}"]}}}))
    assert 'type = list(string)' in text and 'default = ["$${x}"]' in text


@pytest.mark.parametrize("text, line", [("{\n  \"resource\": [1,\n", 3), ("[1]", 1), ("{\"resource\": {\"a\": 1}}", 1)])
def test_broken_json_configuration_is_an_error_with_its_line(text: str, line: int) -> None:
    with pytest.raises(JsonSyntaxError) as problem:
        to_native(text)
    assert problem.value.line == line


def test_broken_tf_json_is_an_error_diagnostic(tmp_path: Path) -> None:
    write(tmp_path / "m", {"main.tf": USERS, "bad.tf.json": '{"resource": {"aws_iam_role": {"x": {"name": "${"}}}}'})
    inventory = parse_terraform(tmp_path / "m", ParseContext(root=tmp_path))
    assert [(d.level.value, d.file, d.line) for d in inventory.diagnostics] == [("error", "m/bad.tf.json", 1)]
    assert {u.name for u in inventory.users} == {"alice", "bob"}


def test_tofu_files_and_their_tf_twins(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", {
        "main.tf": USERS,
        "roles.tf": role("old", "alice"),
        "roles.tofu": role("new", "bob"),  # OpenTofu reads this one, not roles.tf
        "more.tofu.json": json.dumps({"resource": {"aws_iam_role": {"json": {
            "name": "json", "assume_role_policy": "${jsonencode({Version = \"2012-10-17\", Statement = [{"
            "Effect = \"Allow\", Action = \"sts:AssumeRole\", Principal = {AWS = aws_iam_user.alice.arn}}]})}"}}}}),
        ".hidden.tf": role("hidden", "alice"),
        "editor.tf~": role("backup", "alice"),
    })
    assert [p.name for p in config_files(folder).all] == ["main.tf", "more.tofu.json", "roles.tofu"]
    _, grants = scan(folder)
    assert grants == {
        (BOB, f"arn:aws:iam::{ACCOUNT}:role/new", "definite"),
        (ALICE, f"arn:aws:iam::{ACCOUNT}:role/json", "definite"),
    }


def test_override_files_merge_into_their_blocks(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", {
        "main.tf": USERS + role("deploy", "alice").replace("}\n", '  tags = { keep = "me" }\n}\n', 1)
        + 'locals {\n  who = "alice"\n}\n' + role("audit", "alice"),
        # arguments replace the original's, the rest of the block stays
        "deploy_override.tf": 'resource "aws_iam_role" "deploy" {\n  assume_role_policy = jsonencode({ '
        'Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", '
        'Principal = { AWS = aws_iam_user.bob.arn } }] })\n}\n',
        # lexically later overrides compound; JSON override files too
        "override.tf.json": json.dumps({"resource": {"aws_iam_role": {"audit": {"name": "audit-2"}}}}),
    })
    report, grants = scan(folder)
    assert grants == {
        (BOB, f"arn:aws:iam::{ACCOUNT}:role/deploy", "definite"),
        (ALICE, f"arn:aws:iam::{ACCOUNT}:role/audit-2", "definite"),
    }
    by_target = {g["target"]: g["sources"] for g in report["grants"] if g["action"] == "sts:AssumeRole"}
    # the overriding argument is read, and reported, from the override file
    assert by_target[f"arn:aws:iam::{ACCOUNT}:role/deploy"] == [{"file": "deploy_override.tf", "line": 2}]
    assert report["diagnostics"] == []


def test_override_replaces_nested_blocks_of_a_type(tmp_path: Path) -> None:
    document = ('data "aws_iam_policy_document" "t" {\n  statement {\n    actions = ["sts:AssumeRole"]\n'
                '    principals {\n      type = "AWS"\n      identifiers = [aws_iam_user.%s.arn]\n    }\n  }\n}\n')
    folder = write(tmp_path / "m", {
        "main.tf": USERS + document % "alice"
        + 'resource "aws_iam_role" "r" {\n  name = "r"\n  assume_role_policy = data.aws_iam_policy_document.t.json\n}\n',
        "policy_override.tf": document % "bob",
    })
    _, grants = scan(folder)
    assert grants == {(BOB, f"arn:aws:iam::{ACCOUNT}:role/r", "definite")}


def test_an_override_without_its_original_is_an_error(tmp_path: Path) -> None:
    folder = write(tmp_path / "m", {"main.tf": USERS, "x_override.tf": role("ghost", "alice")})
    inventory = parse_terraform(folder, ParseContext(root=tmp_path))
    assert [(d.level.value, d.file, d.line, d.message) for d in inventory.diagnostics] == [
        ("error", "m/x_override.tf", 1, "override of resource aws_iam_role.ghost, which no other file of the module defines"),
    ]
    assert inventory.roles == ()


def test_a_module_of_tf_json_files_is_called(tmp_path: Path) -> None:
    write(tmp_path, {"main.tf": USERS + 'module "m" {\n  source = "./m"\n  user = aws_iam_user.bob.arn\n}\n'})
    write(tmp_path / "m", {"main.tf.json": json.dumps({
        "variable": {"user": {"type": "string"}},
        "resource": {"aws_iam_role": {"m": {"name": "m", "assume_role_policy": "${jsonencode({Version = \"2012-10-17\", "
                     "Statement = [{Effect = \"Allow\", Action = \"sts:AssumeRole\", Principal = {AWS = var.user}}]})}"}}},
    })})
    _, grants = scan(tmp_path)
    assert grants == {(BOB, f"arn:aws:iam::{ACCOUNT}:role/m", "definite")}


def test_json_shapes_providers_dynamic_blocks_and_module_providers(tmp_path: Path) -> None:
    """Blocks as arrays, `dynamic` with an iterator, provider aliases, a module's `providers` map
    and a backend: each means what its native spelling means."""
    write(tmp_path / "m", {"main.tf": 'variable "v" {}\nresource "aws_iam_user" "far" { name = "far" }\n'})
    write(tmp_path, {"main.tf.json": json.dumps({
        "terraform": {"backend": {"s3": {"bucket": "b"}}},
        "provider": {"aws": [{"region": "eu-west-1"},
                             {"alias": "prod", "assume_role": {"role_arn": "arn:aws:iam::222222222222:role/deployer"}}]},
        "locals": {"teams": {"a": "alice", "b": "bob"}},
        "resource": {
            "aws_iam_user": {"u": {"for_each": "${local.teams}", "name": "${each.value}"}},
            "aws_iam_role": {"r": {"name": "r", "assume_role_policy": "${data.aws_iam_policy_document.t.json}"}},
        },
        "data": {"aws_iam_policy_document": {"t": {"dynamic": {"statement": {
            "for_each": "${local.teams}", "iterator": "team",
            "content": {"actions": ["sts:AssumeRole"],
                        "principals": [{"type": "AWS", "identifiers": ["${aws_iam_user.u[team.key].arn}"]}]},
        }}}}},
        "module": {"m": {"source": "./m", "v": 1, "providers": {"aws": "aws.prod"}}},
    }, indent=1)})
    found = parse_terraform(tmp_path, ParseContext(root=tmp_path, account_id=ACCOUNT))
    assert sorted(str(u.arn) for u in found.users) == [
        "arn:aws:iam::111111111111:user/alice", "arn:aws:iam::111111111111:user/bob",
        "arn:aws:iam::222222222222:user/far",
    ]
    (trust,) = [r.trust_policy for r in found.roles]
    assert [str(p.value) for s in trust.statements for p in s.principals] == [ALICE, BOB]
    assert found.diagnostics == ()


@pytest.mark.parametrize("config", [
    {"resource": {"aws_iam_role": {"r": {"provider": "aws.x } resource \"aws_iam_user\" \"evil\" { name = \"e\""}}}},
    {"variable": {"v": {"type": "string) (x"}}},
    {"resource \"aws_iam_user\" \"evil\" {}\nlocals": {}},
], ids=["provider", "type", "block-type"])
def test_json_strings_cannot_change_the_structure(tmp_path: Path, config: dict) -> None:
    """A string read as an expression (a reference, a type) must stay one expression: hostile
    input (README, "Hostile input") that tries to close its block is an error, and adds nothing."""
    write(tmp_path, {"main.tf.json": json.dumps(config)})
    found = parse_terraform(tmp_path, ParseContext(root=tmp_path))
    assert found.users == () and [(d.level.value, d.file) for d in found.diagnostics] == [("error", "main.tf.json")]


def test_a_policy_string_of_many_lines_in_json_points_at_its_own_line(tmp_path: Path) -> None:
    """In a `.tf.json` file a policy is one JSON string on one line: its statements are on that line,
    not on the lines after it that its `\\n`s would suggest."""
    policy = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                 "Principal": {"AWS": ALICE}}]}, indent=2)
    write(tmp_path, {"main.tf.json": json.dumps({"resource": {
        "aws_iam_user": {"alice": {"name": "alice"}},
        "aws_iam_role": {"r": {"name": "r", "assume_role_policy": policy}},
    }}, indent=2)})
    report, _ = scan(tmp_path)
    (grant,) = [g for g in report["grants"] if g["action"] == "sts:AssumeRole"]
    lines = (tmp_path / "main.tf.json").read_text().splitlines()
    assert [s["file"] for s in grant["sources"]] == ["main.tf.json"]
    assert '"assume_role_policy"' in lines[grant["sources"][0]["line"] - 1]
