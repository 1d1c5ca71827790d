"""Community-module shapes end to end (issue 3, "Done when"): count switches, name_prefix, dynamic
principals and conditions, a GitHub OIDC role and a group allowed to assume a role, all through local
modules. The fixtures are written for credmint in the style of terraform-aws-iam's examples
(iam-assumable-role, iam-github-oidc, iam-group-with-assumable-roles-policy); expected grants are
derived from SEMANTICS.md and docs/DECISIONS.md by hand.
"""

from __future__ import annotations

import json
from pathlib import Path

from credmint.analyzer.app.cli import main
from credmint.analyzer.inventory import Text, Unknown
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform import parse_terraform

ROOT = Path(__file__).resolve().parent.parent
CASE = ROOT / "fixtures/terraform/module_patterns/root"
ACCOUNT = "111111111111"
GITHUB = "token.actions.githubusercontent.com"


def test_inventory_of_the_module_calls() -> None:
    inventory = parse_terraform(CASE, ParseContext(root=ROOT, account_id=ACCOUNT))
    assert [r.address for r in inventory.roles] == [
        "module.admin.aws_iam_role.this[0]",
        "module.deployer.aws_iam_role.this[0]",
        "module.github.aws_iam_role.this",
    ]  # module.disabled has create = false: count 0, no role
    deployer = inventory.roles[1]
    assert deployer.name == Text(
        ("deployer-", Unknown("module.deployer.aws_iam_role.this[0].name", "name_prefix: generated suffix", generated=True))
    )
    admin = inventory.roles[0]
    assert [a.policy_arn for a in admin.attachments] == ["arn:aws:iam::aws:policy/AdministratorAccess"]
    assert [a.address for a in admin.attachments] == [
        'module.admin.aws_iam_role_policy_attachment.this["AdministratorAccess"]'
    ]
    (group,) = inventory.groups
    assert [a.policy_arn for a in group.attachments] == [f"arn:aws:iam::{ACCOUNT}:policy/admins-assume"]
    (alice,) = inventory.users
    assert [m.group for m in alice.groups] == ["admins"]
    assert inventory.diagnostics == ()


def scan(tmp_path: Path) -> tuple[int, set[tuple]]:
    out = tmp_path / "report.json"
    code = main(["scan", str(CASE), "--account-id", ACCOUNT, "--format", "json", "-o", str(out),
                 "--root", str(ROOT / "fixtures/terraform/module_patterns")])
    report = json.loads(out.read_text())
    return code, {
        (g["principal"], g["action"], g["target"], g["certainty"],
         frozenset((c["operator"], c["key"], tuple(c["values"])) for c in g["conditions"]))
        for g in report["grants"]
    }


def test_grants(tmp_path: Path) -> None:
    code, grants = scan(tmp_path)
    admin = f"arn:aws:iam::{ACCOUNT}:role/admin"
    alice = f"arn:aws:iam::{ACCOUNT}:user/alice"
    deployer = f"arn:aws:iam::{ACCOUNT}:role/deployer-{{module.deployer.aws_iam_role.this[0].name}}"
    assert grants == {
        # GitHub workflows of the two listed subjects, through the account's OIDC provider (§4)
        (f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}", "sts:AssumeRoleWithWebIdentity",
         f"arn:aws:iam::{ACCOUNT}:role/gha", "conditional",
         frozenset({("StringEquals", f"{GITHUB}:aud", ("sts.amazonaws.com",)),
                    ("StringLike", f"{GITHUB}:sub", ("repo:my-org/app:ref:refs/heads/main", "repo:my-org/infra:*"))})),
        # admin trusts the account: alice's group policy allows it, with the trust's MFA condition (§1)
        (alice, "sts:AssumeRole", admin, "conditional",
         frozenset({("Bool", "aws:MultiFactorAuthPresent", ("true",))})),
        (alice, "sts:GetSessionToken", alice, "definite", frozenset()),  # §3
        # AdministratorAccess allows sts:AssumeRole on *: roles outside the templates, uncertain
        (admin, "sts:AssumeRole", "*", "uncertain", frozenset()),
        # admin trusts its own account and AdministratorAccess allows it: it may assume itself
        # (id_roles_update-role-trust-policy: the role ARN or the account ARN; issue 13 item 2)
        (admin, "sts:AssumeRole", admin, "conditional",
         frozenset({("Bool", "aws:MultiFactorAuthPresent", ("true",))})),
        # a service principal (§5); the role's name is generated from its prefix, which decides
        # nothing here (issue 3: uncertain only "where it matters")
        ("codebuild.amazonaws.com", "sts:AssumeRole", deployer, "definite", frozenset()),
    }
    assert code == 0
