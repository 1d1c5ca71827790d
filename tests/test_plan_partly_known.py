"""Partly known plans (issue 13 §12): what a plan knows is read, not replaced by one unknown.

Fixture: fixtures/terraform_plan/partly_known/plan.json, written by hand after Terraform's "JSON
Output Format" (https://developer.hashicorp.com/terraform/internals/json-format): `planned_values`
omit unknown values, `resource_changes[].change.after_unknown` marks them, and `configuration`
lists each expression's `references`. Its configuration is, in HCL:

    resource "aws_iam_openid_connect_provider" "github" { url = "https://token.actions..." ... }
    data "aws_iam_policy_document" "ci_trust" {         # read at apply: its provider ARN is new
      statement {
        actions = ["sts:AssumeRoleWithWebIdentity"]
        principals { type = "Federated", identifiers = [aws_iam_openid_connect_provider.github.arn] }
        condition { test = "StringEquals", variable = "token.actions...:aud", values = [...] }
        condition { test = "StringLike", variable = "token.actions...:sub", values = [...] }
      }
    }
    resource "aws_iam_role" "ci" { assume_role_policy = data.aws_iam_policy_document.ci_trust.json }
    data "aws_iam_policy_document" "deployer_trust" {   # trusts the ci role, whose name is random
      statement { actions = ["sts:AssumeRole"], principals { type = "AWS", identifiers = [aws_iam_role.ci.arn] } }
    }
    resource "aws_iam_role" "deployer" { name = "deployer", assume_role_policy = ...deployer_trust.json }

Expected (SEMANTICS.md §4 and §1): the OIDC provider → ci with AssumeRoleWithWebIdentity,
`conditional` on aud and sub; ci → deployer `definite` (a same-account role named by its ARN needs
no identity policy). The ci role has neither `name` nor `name_prefix`: Terraform gives it a random
name, but it exists, so its grants are as certain as its trust (docs/DECISIONS.md, "Identities").
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

from credmint.analyzer.app.cli import main

ROOT = Path(__file__).resolve().parents[1]
PLAN = ROOT / "fixtures/terraform_plan/partly_known/plan.json"
ACCOUNT = "111111111111"
PROVIDER = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
CI = f"arn:aws:iam::{ACCOUNT}:role/{{aws_iam_role.ci.name}}"
DEPLOYER = f"arn:aws:iam::{ACCOUNT}:role/deployer"
GITHUB_CONDITIONS = (
    ("StringEquals", "token.actions.githubusercontent.com:aud", ("sts.amazonaws.com",)),
    ("StringLike", "token.actions.githubusercontent.com:sub", ("repo:example-org/app:ref:refs/heads/main",)),
)
IDENTIFIER = "{data.aws_iam_policy_document.ci_trust.statement[0].principals[0].identifiers[0]}"


def grants(plan: Path, tmp_path: Path) -> set[tuple]:
    report = tmp_path / "report.json"
    code = main(["scan", str(plan), "--format", "json", "--fail-on", "none", "-o", str(report),
                 "--root", str(plan.parent)])
    assert code == 0
    return {
        (g["principal"], g["action"], g["target"], g["certainty"],
         tuple((c["operator"], c["key"], tuple(c["values"])) for c in g["conditions"]))
        for g in json.loads(report.read_text())["grants"]
    }


def variant(tmp_path: Path, change) -> Path:
    """The fixture plan with one change, written where no `.tf` files sit beside it."""
    plan = copy.deepcopy(json.loads(PLAN.read_text()))
    change(plan)
    folder = tmp_path / "plan"
    folder.mkdir()
    (folder / "plan.json").write_text(json.dumps(plan))
    return folder / "plan.json"


def configured(plan: dict, address: str) -> dict:
    return next(r for r in plan["configuration"]["root_module"]["resources"] if r["address"] == address)


def test_trust_of_a_data_source_read_at_apply_is_evaluated_with_its_known_parts(tmp_path):
    assert grants(PLAN, tmp_path) == {
        (PROVIDER, "sts:AssumeRoleWithWebIdentity", CI, "conditional", GITHUB_CONDITIONS),
        (CI, "sts:AssumeRole", DEPLOYER, "definite", ()),
    }


def test_an_unknown_provider_keeps_the_known_action_and_conditions(tmp_path):
    """The provider ARN comes from a variable, not a resource: it stays unknown, but the trust is
    never a wholly unknown sts:AssumeRole one."""
    def from_variable(plan: dict) -> None:
        document = configured(plan, "data.aws_iam_policy_document.ci_trust")
        document["expressions"]["statement"][0]["principals"][0]["identifiers"] = {
            "references": ["var.provider_arn"]}

    assert grants(variant(tmp_path, from_variable), tmp_path) == {
        (IDENTIFIER, "sts:AssumeRoleWithWebIdentity", CI, "uncertain", GITHUB_CONDITIONS),
        (CI, "sts:AssumeRole", DEPLOYER, "definite", ()),
    }


def test_a_name_the_author_sets_but_the_plan_does_not_know_stays_uncertain(tmp_path):
    """`name = var.x` (unknown): the name is the author's, not generated; grants naming the role
    depend on it."""
    def named_by_variable(plan: dict) -> None:
        configured(plan, "aws_iam_role.ci")["expressions"]["name"] = {"references": ["var.role_name"]}

    assert grants(variant(tmp_path, named_by_variable), tmp_path) == {
        (PROVIDER, "sts:AssumeRoleWithWebIdentity", CI, "uncertain", GITHUB_CONDITIONS),
        (CI, "sts:AssumeRole", DEPLOYER, "uncertain", ()),
    }


def test_a_reference_inside_an_encoded_policy_is_not_the_policy(tmp_path):
    """`assume_role_policy = jsonencode({... aws_iam_user.alice.arn ...})` lists one reference,
    an ARN: only a policy document's `json` may stand for a whole policy argument."""
    def encoded(plan: dict) -> None:
        configured(plan, "aws_iam_role.deployer")["expressions"]["assume_role_policy"] = {
            "references": ["aws_iam_role.ci.arn", "aws_iam_role.ci"]}

    assert grants(variant(tmp_path, encoded), tmp_path) == {
        (PROVIDER, "sts:AssumeRoleWithWebIdentity", CI, "conditional", GITHUB_CONDITIONS),
        ("{aws_iam_role.deployer.assume_role_policy}", "sts:AssumeRole", DEPLOYER, "uncertain", ()),
    }


def test_without_the_configuration_nothing_is_guessed(tmp_path):
    """No `configuration`: neither what the trusts refer to nor whether a name is set is known."""
    def without(plan: dict) -> None:
        del plan["configuration"]

    assert grants(variant(tmp_path, without), tmp_path) == {
        ("{aws_iam_role.ci.assume_role_policy}", "sts:AssumeRole", CI, "uncertain", ()),
        ("{aws_iam_role.deployer.assume_role_policy}", "sts:AssumeRole", DEPLOYER, "uncertain", ()),
    }
