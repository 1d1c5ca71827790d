"""Choices made at deploy time are read both ways (issue 13 §11, docs/DECISIONS.md "Issue 13 —
deploy-time choices, plans, SAM").

A conditional over `terraform.workspace`, a variable the scanned tfvars leave to its default, or a
CloudFormation parameter `--parameter` does not pin is read with the condition true and false. A
grant both ways give keeps its certainty; one only one way gives is `uncertain`, its reason naming
the choice. Past `MAX_CHOICES` conditions, every choice-dependent condition is unknown instead.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main
from credmint.analyzer.inventory import (
    DEPLOY_CHOICE,
    Attachment,
    Condition,
    Effect,
    InputFile,
    Inventory,
    Principal,
    PrincipalKind,
    PolicyDocument,
    Role,
    Source,
    Statement,
    Unknown,
)
from credmint.parsers.cloudformation import parse_cloudformation
from credmint.parsers.context import ParseContext
from credmint.parsers.worlds import MAX_CHOICES, MAX_FLIPS, World, explore

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "fixtures/choices"
ACCOUNT = "111111111111"
ALICE, BOB, CAROL, DAVE = (f"arn:aws:iam::{ACCOUNT}:user/{name}" for name in ("alice", "bob", "carol", "dave"))


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


def assumes(path: Path, tmp_path: Path, *args: str, env: dict | None = None) -> dict[tuple, tuple]:
    """(principal, target) → (certainty, the reasons naming a choice) of each AssumeRole grant."""
    report = tmp_path / "report.json"
    code = main(["scan", str(path), "--account-id", ACCOUNT, "--format", "json",
                 "--fail-on", "none", "-o", str(report), *args])
    assert code == 0
    return {
        (g["principal"], g["target"]): (
            g["certainty"], tuple(r for r in g["reasons"] if DEPLOY_CHOICE in r))
        for g in json.loads(report.read_text())["grants"] if g["action"] == "sts:AssumeRole"
    }


def only(text: str) -> tuple[str]:
    return (f"only when {text} ({DEPLOY_CHOICE})",)


# -- Terraform -----------------------------------------------------------------------------

def test_terraform_conditionals_over_defaults_and_the_workspace_are_read_both_ways(tmp_path, monkeypatch):
    monkeypatch.delenv("TF_WORKSPACE", raising=False)
    assert assumes(CASES / "terraform", tmp_path) == {
        (ALICE, role("deploy")): ("definite", ()),  # trusted both ways
        (BOB, role("deploy")): ("uncertain", only("local.is_prod")),
        # count = terraform.workspace == "prod" ? 1 : 0: the workspace is not assumed "default"
        (ALICE, role("release")): ("uncertain", only('terraform.workspace == "prod"')),
        # the attachment exists only when var.grant_ops (default false) is chosen true
        (BOB, role("ops")): ("uncertain", only("var.grant_ops")),
    }


def test_terraform_choices_given_on_the_command_line_are_certain(tmp_path, monkeypatch):
    monkeypatch.delenv("TF_WORKSPACE", raising=False)
    given = ("--var", "env=prod", "--var", "grant_ops=true", "--workspace", "prod")
    assert assumes(CASES / "terraform", tmp_path, *given) == {
        (ALICE, role("deploy")): ("definite", ()),
        (BOB, role("deploy")): ("definite", ()),
        (ALICE, role("release")): ("definite", ()),
        (BOB, role("ops")): ("definite", ()),
    }
    other = ("--var", "env=dev", "--var", "grant_ops=false", "--workspace", "default")
    assert assumes(CASES / "terraform", tmp_path, *other) == {(ALICE, role("deploy")): ("definite", ())}


def test_tf_workspace_environment_variable_gives_the_workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_WORKSPACE", "prod")
    assert assumes(CASES / "terraform", tmp_path)[(ALICE, role("release"))] == ("definite", ())


def test_a_value_in_the_scanned_tfvars_is_not_a_choice(tmp_path):
    """tfvars/terraform.tfvars sets env = "prod": the conditional is decided, no world is read."""
    assert assumes(CASES / "tfvars", tmp_path) == {(BOB, role("deploy")): ("definite", ())}


def test_a_module_argument_that_depends_on_a_choice_makes_the_module_condition_one(tmp_path):
    (tmp_path / "iam").mkdir()
    (tmp_path / "iam/main.tf").write_text(
        'variable "enabled" {\n  default = true\n}\n'
        'resource "aws_iam_role" "r" {\n  count = var.enabled ? 1 : 0\n  name = "child"\n'
        '  assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow",'
        ' Action = "sts:AssumeRole", Principal = {Service = "ec2.amazonaws.com"}}]})\n}\n')
    (tmp_path / "main.tf").write_text(
        'variable "on" {\n  default = false\n}\n'
        'module "iam" {\n  source = "./iam"\n  enabled = var.on\n}\n'
        'module "fixed" {\n  source = "./iam"\n  enabled = false\n}\n')
    assert assumes(tmp_path, tmp_path, "--root", str(tmp_path)) == {
        ("ec2.amazonaws.com", role("child")): ("uncertain", only("var.enabled (module iam)")),
    }


# -- CloudFormation --------------------------------------------------------------------------

def test_cloudformation_conditions_over_parameters_the_deployer_may_override(tmp_path):
    assert assumes(CASES / "cloudformation", tmp_path) == {
        (ALICE, role("deploy")): ("definite", ()),  # in both lists of the Fn::If
        (BOB, role("deploy")): ("uncertain", only("Env = prod")),
        # IsStaging: no allowed value of Env is staging, so Carol's statement never exists;
        # Batch exists when Tier (default web, no AllowedValues) is chosen batch
        (CAROL, role("batch")): ("uncertain", only("Tier = batch")),
        (DAVE, role("deploy")): ("definite", ()),  # Pinned has a single allowed value
    }


def test_cloudformation_parameters_given_pin_the_choice(tmp_path):
    assert assumes(CASES / "cloudformation", tmp_path, "--parameter", "Env=prod",
                   "--parameter", "Tier=web") == {
        (ALICE, role("deploy")): ("definite", ()),
        (BOB, role("deploy")): ("definite", ()),
        (DAVE, role("deploy")): ("definite", ()),
    }


def test_too_many_choices_are_read_one_at_a_time_and_together_as_unknown(tmp_path):
    """Past MAX_CHOICES, each choice is flipped alone and one read has them all unknown: every
    role is still reported, uncertain, naming its own choice (never 2**N reads, never dropped)."""
    count = MAX_CHOICES + 1
    parameters = "".join(f"  P{n}:\n    Type: String\n    Default: a\n" for n in range(count))
    conditions = "".join(f"  C{n}: !Equals [!Ref P{n}, b]\n" for n in range(count))
    roles = "".join(
        f"  R{n}:\n    Type: AWS::IAM::Role\n    Condition: C{n}\n    Properties:\n"
        f"      RoleName: r{n}\n      AssumeRolePolicyDocument:\n        Statement:\n"
        "          - Effect: Allow\n            Action: sts:AssumeRole\n"
        "            Principal: {Service: ec2.amazonaws.com}\n" for n in range(count))
    template = tmp_path / "template.yaml"
    template.write_text(f"Parameters:\n{parameters}Conditions:\n{conditions}Resources:\n{roles}")
    assert assumes(template, tmp_path) == {
        ("ec2.amazonaws.com", role(f"r{n}")): ("uncertain", only(f"P{n} = b")) for n in range(count)}
    report = tmp_path / "report.json"
    main(["scan", str(template), "--format", "json", "--fail-on", "none", "-o", str(report)])
    assert [d["message"] for d in json.loads(report.read_text())["diagnostics"]
            if d["level"] == "warning"] == [
        f"{count} conditions depend on choices made at deploy time, more than {MAX_CHOICES} to "
        "combine: each is read both ways alone, and all together as unknown"]


# -- the mechanism ---------------------------------------------------------------------------

def _statement(line: int, principal: str, unknown: Unknown | None = None) -> Statement:
    return Statement(source=Source(file="t", line=line), address="R", actions=("sts:AssumeRole",),
                     principals=(Principal(kind=PrincipalKind.AWS, value=principal),), unknown=unknown)


def _inventory(*statements: Statement) -> Inventory:
    trust = PolicyDocument(source=Source(file="t", line=1), address="R", statements=statements)
    return Inventory(roles=(Role(name="r", arn=role("r"), source=Source(file="t", line=1),
                                 address="R", trust_policy=trust),),
                     inputs=(InputFile(path="t", format="test"),))


@pytest.mark.parametrize("choices, reads", [
    (1, 1 + 2), (MAX_CHOICES, 1 + 2 ** MAX_CHOICES),
    (MAX_CHOICES + 1, 1 + MAX_CHOICES + 1 + 1), (MAX_FLIPS + 10, 1 + MAX_FLIPS + 1),
])
def test_worlds_read_are_bounded(choices, reads):
    """A hostile template does not multiply worlds: past MAX_CHOICES, each choice is flipped
    alone (at most MAX_FLIPS) and one read has every choice unknown."""
    calls = []

    def read(world: World) -> Inventory:
        calls.append(world)
        for n in range(choices):
            world.decide(f"c{n}", False, f"!c{n}")
        return _inventory(_statement(2, ALICE))

    inventory = explore(read)
    assert len(calls) == reads
    assert calls[-1].is_blind == (choices > MAX_CHOICES)
    assert inventory.roles[0].trust_policy.statements == (_statement(2, ALICE),)


def test_beyond_the_bound_what_only_the_unknown_read_lacks_stays_uncertain():
    """The read with every choice unknown stands for the combinations not read one by one: a
    statement it does not have (it has an unknown one instead) is uncertain, never dropped."""
    def read(world: World) -> Inventory:
        decided = [world.decide(f"c{n}", False, f"!c{n}") for n in range(MAX_CHOICES + 1)]
        if None in decided:
            return _inventory(_statement(2, "{unknown}", Unknown("x", "not known")))
        return _inventory(_statement(2, ALICE))

    (merged,) = explore(read).roles
    some = "for some of the choices c0; c1; c2; ..."
    assert merged.trust_policy.statements == (
        _statement(2, ALICE, Unknown(some, DEPLOY_CHOICE)),
        _statement(2, "{unknown}", Unknown("x", "not known")),
    )


def test_choices_found_only_in_another_world_are_explored_too():
    """`a ? (b ? x : y) : z`: b is met only where a is true; it is read both ways as well."""
    def read(world: World) -> Inventory:
        if world.decide("a", False, "!a") and world.decide("b", True, "!b"):
            return _inventory(_statement(2, ALICE), _statement(3, BOB))
        return _inventory(_statement(2, ALICE))

    (merged,) = explore(read).roles
    assert merged.trust_policy.statements == (
        _statement(2, ALICE), _statement(3, BOB, Unknown("when a and b", DEPLOY_CHOICE)))


def test_a_statement_split_across_worlds_keeps_what_every_world_shares():
    both = Statement(source=Source(file="t", line=2), address="R", actions=("sts:AssumeRole",),
                     principals=(Principal(kind=PrincipalKind.AWS, value=ALICE),
                                 Principal(kind=PrincipalKind.AWS, value=BOB)))

    def read(world: World) -> Inventory:
        return _inventory(both if world.decide("p", False, "!p") else _statement(2, ALICE))

    (merged,) = explore(read).roles
    assert merged.trust_policy.statements == (
        _statement(2, ALICE), _statement(2, BOB, Unknown("when p", DEPLOY_CHOICE)))


def test_a_boundary_only_some_worlds_have_does_not_cut():
    """`permissions_boundary = var.x ? arn : null`: where it is absent it limits nothing."""
    boundary = Attachment(policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess",
                          source=Source(file="t", line=9), address="R")

    def read(world: World) -> Inventory:
        inventory = _inventory(_statement(2, ALICE))
        if world.decide("b", True, "!b"):
            inventory = replace(inventory, roles=(replace(inventory.roles[0], permissions_boundary=boundary),))
        return inventory

    (merged,) = explore(read).roles
    assert merged.permissions_boundary is None


# -- a world that decides against the default does not read the default elsewhere -------------

def test_cloudformation_parameter_chosen_otherwise_is_unknown_not_its_default(tmp_path):
    template = tmp_path / "template.yaml"
    template.write_text(
        "Parameters:\n  Policies:\n    Type: CommaDelimitedList\n    Default: ''\n"
        "Conditions:\n  HasPolicies: !Not [!Equals ['', !Join ['', !Ref Policies]]]\n"
        "Resources:\n  R:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: r\n"
        "      ManagedPolicyArns: !If [HasPolicies, !Ref Policies, "
        "[arn:aws:iam::aws:policy/ReadOnlyAccess]]\n"
        "      AssumeRolePolicyDocument:\n        Statement: []\n")
    (role,) = parse_cloudformation(template, ParseContext(root=tmp_path)).roles
    join = 'Fn::Join(["",{"Ref":"Policies"}])'
    assert [(a.policy_arn, a.unknown) for a in role.attachments] == [
        ("arn:aws:iam::aws:policy/ReadOnlyAccess", Unknown(f'when "" = {join}', DEPLOY_CHOICE)),
        # the deployer gave policies: which ones is unknown, never the default's empty name
        (Unknown("Policies", "a value the deployer chooses (--parameter)"),
         Unknown(f'when "" != {join}', DEPLOY_CHOICE)),
    ]


def test_terraform_variable_chosen_otherwise_is_unknown_not_its_default(tmp_path):
    (tmp_path / "main.tf").write_text(
        'variable "role_name" {\n  default = ""\n}\n'
        'resource "aws_iam_role" "r" {\n  name = var.role_name != "" ? var.role_name : "fallback"\n'
        '  assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow",'
        ' Action = "sts:AssumeRole", Principal = {Service = "ec2.amazonaws.com"}}]})\n}\n')
    assert assumes(tmp_path, tmp_path, "--root", str(tmp_path)) == {
        ("ec2.amazonaws.com", role("fallback")): ("uncertain", only('!(var.role_name != "")')),
        ("ec2.amazonaws.com", role("{var.role_name}")): ("uncertain", only('var.role_name != ""')),
    }


def test_an_allow_every_world_has_under_other_conditions_is_not_uncertain():
    """`Condition: !If [DenyExternalId, {Null: ...}, !Ref AWS::NoValue]`: the trust allows the
    caller both ways, with and without the condition; kept as each world reads it, untagged."""
    plain = _statement(2, ALICE)
    conditioned = replace(plain, conditions=(Condition(operator="Null", key="sts:ExternalId", values=("true",)),))

    def read(world: World) -> Inventory:
        return _inventory(conditioned if world.decide("deny", True, "!deny") else plain)

    (merged,) = explore(read).roles
    assert merged.trust_policy.statements == (conditioned, plain)


def test_a_deny_only_some_worlds_have_unconditionally_stays_a_maybe():
    deny = replace(_statement(3, ALICE), effect=Effect.DENY)
    conditioned = replace(deny, conditions=(Condition(operator="Bool", key="aws:SecureTransport", values=("false",)),))

    def read(world: World) -> Inventory:
        return _inventory(_statement(2, ALICE), conditioned if world.decide("d", True, "!d") else deny)

    (merged,) = explore(read).roles
    assert merged.trust_policy.statements == (
        _statement(2, ALICE),
        replace(conditioned, unknown=Unknown("when d", DEPLOY_CHOICE)),
        replace(deny, unknown=Unknown("when !d", DEPLOY_CHOICE)),
    )


def test_what_only_a_non_default_world_cannot_read_is_a_warning_naming_the_choice(tmp_path):
    """A world mixes the deployer's choice with every other value's default: a module that needs
    a key ARN when its own key is switched off reads `Resource: null` there. That world is no
    deployment AWS would accept, so it gives no grant and no error (exit 0); the default's world
    decides. terraform-aws-eks's `cluster_encryption` policy has this shape."""
    (tmp_path / "main.tf").write_text('''
variable "create_key" {
  default = true
}
variable "key_arn" {
  default = null
}
resource "aws_iam_user" "u" {
  name = "u"
}
resource "aws_iam_user_policy" "kms" {
  user = aws_iam_user.u.name
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "kms:Decrypt",
                   Resource = var.create_key ? "arn:aws:kms:eu-west-1:111111111111:key/k" : var.key_arn }]
  })
}
''')
    out = tmp_path / "r.json"
    code = main(["scan", str(tmp_path), "--root", str(tmp_path), "--account-id", "111111111111",
                 "--format", "json", "-o", str(out), "--fail-on", "none"])
    report = json.loads(out.read_text())
    assert code == 0
    assert [d["level"] for d in report["diagnostics"] if "holds null" in d["message"]] == ["warning"]
    assert any(d["message"].startswith("when !(var.create_key): ") for d in report["diagnostics"])
    code = main(["scan", str(tmp_path), "--root", str(tmp_path), "--account-id", "111111111111",
                 "--format", "json", "-o", str(out), "--var", "create_key=false"])
    assert code == 2  # chosen: that world is the deployment, and AWS would refuse it


def _child(folder: Path, role_name: str) -> None:
    folder.mkdir()
    (folder / "main.tf").write_text(
        'variable "dist" {\n  default = "oss"\n}\n'
        f'resource "aws_iam_role" "r" {{\n  count = var.dist == "oss" ? 0 : 1\n  name = "{role_name}"\n'
        '  assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow",'
        ' Action = "sts:AssumeRole", Principal = {Service = "ec2.amazonaws.com"}}]})\n}\n')


def test_one_root_variable_handed_on_to_several_modules_is_one_choice(tmp_path):
    """AFT passes `terraform_distribution` unchanged to several modules, each testing
    `var.terraform_distribution == "oss"`: one choice of the deployer, so one condition, not one per
    module (which spent the bound of MAX_CHOICES on copies and left every combination unknown)."""
    _child(tmp_path / "a", "a")
    _child(tmp_path / "b", "b")
    others = "".join(
        f'variable "on{n}" {{\n  default = false\n}}\n'
        f'resource "aws_iam_role" "r{n}" {{\n  count = var.on{n} ? 1 : 0\n  name = "r{n}"\n'
        '  assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow",'
        ' Action = "sts:AssumeRole", Principal = {Service = "ec2.amazonaws.com"}}]})\n}\n'
        for n in range(MAX_CHOICES - 1))
    (tmp_path / "main.tf").write_text(
        'variable "dist" {\n  default = "oss"\n}\n'
        'module "a" {\n  source = "./a"\n  dist = var.dist\n}\n'
        'module "b" {\n  source = "./b"\n  dist = var.dist\n}\n' + others)
    report = tmp_path / "report.json"
    main(["scan", str(tmp_path), "--root", str(tmp_path), "--account-id", ACCOUNT, "--format", "json",
          "--fail-on", "none", "-o", str(report)])
    assert not [d for d in json.loads(report.read_text())["diagnostics"] if "deploy time" in d["message"]]
    assert assumes(tmp_path, tmp_path, "--root", str(tmp_path)) == {
        ("ec2.amazonaws.com", role("a")): ("uncertain", only('!(var.dist == "oss")')),
        ("ec2.amazonaws.com", role("b")): ("uncertain", only('!(var.dist == "oss")')),
        **{("ec2.amazonaws.com", role(f"r{n}")): ("uncertain", only(f"var.on{n}")) for n in range(MAX_CHOICES - 1)},
    }


def test_a_choice_handed_on_under_another_name_stays_the_modules_own(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/main.tf").write_text(
        'variable "flavour" {\n  default = "oss"\n}\n'
        'resource "aws_iam_role" "r" {\n  count = var.flavour == "oss" ? 0 : 1\n  name = "a"\n'
        '  assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow",'
        ' Action = "sts:AssumeRole", Principal = {Service = "ec2.amazonaws.com"}}]})\n}\n')
    (tmp_path / "main.tf").write_text(
        'variable "dist" {\n  default = "oss"\n}\nmodule "a" {\n  source = "./a"\n  flavour = var.dist\n}\n')
    assert assumes(tmp_path, tmp_path, "--root", str(tmp_path)) == {
        ("ec2.amazonaws.com", role("a")): ("uncertain", only('!(var.flavour == "oss") (module a)')),
    }


def test_one_module_condition_over_two_instances_chooses_both_of_their_values(tmp_path):
    """govuk-aws: the role_user module, called twice with two root variables, creates its role when
    `length(var.role_user_arns) > 0` (one condition text, one key for both instances). A world that
    flips it must read both instances' variables as chosen otherwise (unknown), not only the first's:
    else the second role exists there with the default `[]` as its principals, and no grant at all."""
    (tmp_path / "ru").mkdir()
    (tmp_path / "ru/main.tf").write_text(
        'variable "arns" {\n  default = []\n}\nvariable "name" {}\n'
        'resource "aws_iam_role" "r" {\n  count = length(var.arns) > 0 ? 1 : 0\n  name = var.name\n'
        '  assume_role_policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow",'
        ' Action = "sts:AssumeRole", Principal = {AWS = var.arns}}]})\n}\n')
    (tmp_path / "main.tf").write_text(
        'variable "science" {\n  default = []\n}\nvariable "engineer" {\n  default = []\n}\n'
        'module "science" {\n  source = "./ru"\n  name = "science"\n  arns = var.science\n}\n'
        'module "engineer" {\n  source = "./ru"\n  name = "engineer"\n  arns = var.engineer\n}\n')
    found = assumes(tmp_path, tmp_path, "--root", str(tmp_path))
    assert {(principal, target) for principal, target in found} == {
        ("{var.arns}", role("science")), ("{var.arns}", role("engineer"))}
    assert {certainty for certainty, _ in found.values()} == {"uncertain"}
