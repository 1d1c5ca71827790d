"""Data sources, variables and functions whose values Terraform knows before apply (issue 13 item 9).

- `nullable = false`: a null from the caller means the variable's default (Terraform docs, "Input
  Variables", "Disallowing null input values");
- `data "aws_service_principal"`: `name` is `SERVICE.amazonaws.com`, `id` `SERVICE.REGION.amazonaws.com`
  (AWS provider docs, "Data Source: aws_service_principal");
- `data "aws_region"` with a region given is that region (AWS provider docs, "Data Source: aws_region");
- `data "aws_iam_policy"` of an AWS managed policy: its ARN (path included) and document from the
  bundled snapshot (SEMANTICS.md §8);
- `fileset(path, pattern)`: the matching files relative to `path` (Terraform docs, "fileset Function").
"""

from __future__ import annotations

import json
from pathlib import Path

from credmint.analyzer.app.cli import main
from credmint.analyzer.managed import aws_policy
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform import parse_terraform

ACCOUNT = "111111111111"
TRUST = ('jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", '
         'Principal = %s }] })')


def inventory(folder: Path):
    return parse_terraform(folder, ParseContext(root=folder, account_id=ACCOUNT, aws_policies=aws_policy))


def test_not_nullable_variable_takes_its_default_for_a_callers_null(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'module "a" {\n  source = "./m"\n  name = null\n  other = null\n}\n'
        'module "b" {\n  source = "./m"\n  name = "given"\n}\n'
    )
    (tmp_path / "m").mkdir()
    (tmp_path / "m/main.tf").write_text(
        'variable "name" {\n  type = string\n  default = "node"\n  nullable = false\n}\n'
        'variable "other" {\n  type = string\n  default = "kept"\n}\n'
        'resource "aws_iam_role" "r" {\n  name = var.name\n  description = coalesce(var.other, "null")\n'
        '  assume_role_policy = ' + TRUST % '{ Service = "ec2.amazonaws.com" }' + '\n}\n'
    )
    roles = {r.address: r.name for r in inventory(tmp_path).roles}
    # `other` is nullable (the default): the caller's null stays null
    assert roles == {"module.a.aws_iam_role.r": "node", "module.b.aws_iam_role.r": "given"}


def test_service_principal_partition_and_given_region(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'data "aws_service_principal" "lambda" {\n  service_name = "lambda"\n}\n'
        'data "aws_service_principal" "logs" {\n  service_name = "logs"\n  region = "eu-west-1"\n}\n'
        'data "aws_region" "given" {\n  region = "eu-west-1"\n}\n'
        'data "aws_region" "current" {}\n'
        'data "aws_partition" "p" {}\n'
        'resource "aws_iam_role" "r" {\n'
        '  name = "r-${data.aws_region.given.name}-${data.aws_partition.p.partition}"\n'
        '  description = "${data.aws_service_principal.logs.id} ${data.aws_region.current.name}"\n'
        '  assume_role_policy = ' + TRUST % "{ Service = [data.aws_service_principal.lambda.name, data.aws_service_principal.logs.name] }" + '\n}\n'
    )
    (role,) = inventory(tmp_path).roles
    assert role.name == "r-eu-west-1-aws"
    assert [p.value for p in role.trust_policy.statements[0].principals] == ["lambda.amazonaws.com", "logs.amazonaws.com"]


def test_service_principal_grant(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'data "aws_service_principal" "ec2" {\n  service_name = "ec2"\n}\n'
        'resource "aws_iam_role" "r" {\n  name = "r"\n'
        '  assume_role_policy = ' + TRUST % "{ Service = data.aws_service_principal.ec2.name }" + '\n}\n'
    )
    out = tmp_path / "r.json"
    main(["scan", str(tmp_path), "--account-id", ACCOUNT, "--format", "json", "-o", str(out), "--no-cache"])
    grants = [(g["principal"], g["action"], g["target"], g["certainty"]) for g in json.loads(out.read_text())["grants"]]
    assert grants == [("ec2.amazonaws.com", "sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/r", "definite")]


def test_aws_managed_policy_by_name_from_the_snapshot(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'data "aws_iam_policy" "basic" {\n  name = "AWSLambdaBasicExecutionRole"\n}\n'
        'data "aws_iam_policy" "admin" {\n  arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n}\n'
        'data "aws_iam_policy" "mine" {\n  name = "not-an-aws-policy"\n}\n'
        'resource "aws_iam_user" "u" {\n  name = "u"\n}\n'
        'resource "aws_iam_user_policy_attachment" "a" {\n  user = aws_iam_user.u.name\n'
        '  policy_arn = data.aws_iam_policy.basic.arn\n}\n'
        'resource "aws_iam_user_policy" "copy" {\n  user = aws_iam_user.u.name\n  name = "copy"\n'
        '  policy = data.aws_iam_policy.admin.policy\n}\n'
        'resource "aws_iam_user_policy_attachment" "b" {\n  user = aws_iam_user.u.name\n'
        '  policy_arn = data.aws_iam_policy.mine.arn\n}\n'
    )
    (user,) = inventory(tmp_path).users
    arns = [str(a.policy_arn) for a in user.attachments]
    # the path of a service-role policy comes from the snapshot; a policy not in it stays unknown
    assert arns == ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                    "{data.aws_iam_policy.mine.arn}"]
    (inline,) = user.inline_policies
    assert [(s.actions, s.resources) for s in inline.document.statements] == [(("*",), ("*",))]


def test_fileset_lists_files_inside_the_project(tmp_path: Path) -> None:
    (tmp_path / "policies/deep").mkdir(parents=True)
    for name in ("policies/a.json", "policies/deep/b.json", "policies/c.txt"):
        (tmp_path / name).write_text(
            '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}]}'
        )
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_user" "u" {\n  name = "u"\n}\n'
        'resource "aws_iam_user_policy" "p" {\n  for_each = fileset(path.module, "policies/**/*.json")\n'
        '  user = aws_iam_user.u.name\n  name = basename(each.value)\n  policy = file(each.value)\n}\n'
        'locals {\n  outside = fileset("..", "*")\n}\n'
        'resource "aws_iam_user" "v" {\n  name = "v${length(local.outside)}"\n}\n'
    )
    found = inventory(tmp_path)
    users = {u.name: [p.name for p in u.inline_policies] for u in found.users}
    assert users["u"] == ["a.json", "b.json"]
    assert [(d.level.value, d.line) for d in found.diagnostics if "outside the project root" in d.message] == [
        ("warning", 11)
    ]


def test_region_of_the_provider_configuration(tmp_path: Path) -> None:
    """`data "aws_region"` answers the region of the provider configuration it uses, when the
    configuration gives one (AWS provider docs, "Data Source: aws_region"); else it is unknown."""
    (tmp_path / "main.tf").write_text(
        'provider "aws" {\n  region = "eu-central-1"\n}\n'
        'provider "aws" {\n  alias = "west"\n  region = "us-west-2"\n}\n'
        'provider "aws" {\n  alias = "somewhere"\n  region = var.region\n}\n'
        'variable "region" {}\n'
        'data "aws_region" "here" {}\n'
        'data "aws_region" "west" {\n  provider = aws.west\n}\n'
        'data "aws_region" "somewhere" {\n  provider = aws.somewhere\n}\n'
        'data "aws_partition" "p" {}\n'
        'resource "aws_iam_user" "u" {\n'
        '  name = "${data.aws_region.here.name}.${data.aws_region.west.region}.${data.aws_partition.p.reverse_dns_prefix}"\n'
        '  path = "/${data.aws_region.somewhere.name}/"\n}\n'
    )
    (user,) = inventory(tmp_path).users
    assert user.name == "eu-central-1.us-west-2.com.amazonaws"
    assert str(user.path) == "/{data.aws_region.somewhere.name}/"
