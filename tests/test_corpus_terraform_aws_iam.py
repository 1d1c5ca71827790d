"""terraform-aws-iam's examples, checked by hand against SEMANTICS.md (issue 3 "Done when").

Opt-in: the examples are read from ../shared/corpus (never copied here) and the test skips where
that folder is absent. Each expectation was derived by reading the example and its modules.
"""

import json
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
V5, V6 = CORPUS / "terraform-aws-iam-v5", CORPUS / "terraform-aws-iam-v6"
pytestmark = pytest.mark.skipif(not V5.is_dir(), reason="no ../shared/corpus here")

ACCOUNT, PROD = "111111111111", "835367859851"
MFA = frozenset({("Bool", "aws:MultiFactorAuthPresent", ("true",)),
                 ("NumericLessThan", "aws:MultiFactorAuthAge", ("86400",))})
GITHUB = "token.actions.githubusercontent.com"


def grants(repo: Path, example: str, tmp_path: Path) -> set:
    out = tmp_path / "r.json"
    main(["scan", str(repo / "examples" / example), "--account-id", ACCOUNT, "--root", str(repo),
          "--format", "json", "-o", str(out)])
    return {
        (g["principal"], g["action"], g["target"], g["certainty"],
         frozenset((c["operator"], c["key"], tuple(c["values"])) for c in g["conditions"]))
        for g in json.loads(out.read_text())["grants"]
    }


def test_v5_group_with_assumable_roles_policy(tmp_path):
    # Roles are created through the aliased provider in account 835367859851 and trust the
    # current account; groups let user1 assume admin (MFA) and readonly, user2 readonly and custom
    # (MFA). Both accounts are in the run, so the grants are definite or conditional (§1).
    user1, user2 = f"arn:aws:iam::{ACCOUNT}:user/user1", f"arn:aws:iam::{ACCOUNT}:user/user2"
    role = f"arn:aws:iam::{PROD}:role/"
    assert grants(V5, "iam-group-with-assumable-roles-policy", tmp_path) == {
        (user1, "sts:AssumeRole", role + "admin", "conditional", MFA),
        (user1, "sts:AssumeRole", role + "readonly", "definite", frozenset()),
        (user2, "sts:AssumeRole", role + "readonly", "definite", frozenset()),
        (user2, "sts:AssumeRole", role + "custom", "conditional", MFA),
        (user1, "sts:GetSessionToken", user1, "definite", frozenset()),  # §3
        (user2, "sts:GetSessionToken", user2, "definite", frozenset()),
        # AdministratorAccess and PowerUserAccess allow sts:AssumeRole on any role (§8).
        (role + "admin", "sts:AssumeRole", "*", "uncertain", frozenset()),
        (role + "poweruser", "sts:AssumeRole", "*", "uncertain", frozenset()),
    }


def test_v5_github_oidc(tmp_path):
    # Web identity from the account's GitHub provider, gated by iss/aud and two subjects (§4).
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/{GITHUB}"
    (found,) = grants(V5, "iam-github-oidc", tmp_path)
    principal, action, target, certainty, conditions = found
    assert (principal, action, target, certainty) == (
        provider, "sts:AssumeRoleWithWebIdentity", f"arn:aws:iam::{ACCOUNT}:role/ex-iam-github-oidc", "conditional"
    )
    assert ("StringLike", f"{GITHUB}:sub", ("repo:terraform-aws-modules/terraform-aws-iam:pull_request",
                                             "repo:terraform-aws-modules/terraform-aws-iam:ref:refs/heads/master")) in conditions


def test_v5_assumable_role(tmp_path):
    found = grants(V5, "iam-assumable-role", tmp_path)
    admin = f"arn:aws:iam::{ACCOUNT}:role/admin"
    # Another account and a user in it are trusted for admin, MFA required: uncertain (§1).
    assert ("arn:aws:iam::307990089504:root", "sts:AssumeRole", admin, "uncertain", MFA) in found
    assert ("arn:aws:iam::835367859851:user/anton", "sts:AssumeRole", admin, "uncertain", MFA) in found
    # allow_self_assume_role: `*` narrowed by aws:PrincipalArn to the role itself (DECISIONS.md).
    assert (admin, "sts:AssumeRole", admin, "definite", frozenset()) in found
    assert ("*", "sts:AssumeRole", admin, "conditional",
            frozenset({("ArnLike", "aws:PrincipalArn", (admin,))})) in found
    # role_requires_mfa puts codedeploy in the MFA statement: MFA is never present for a service
    # principal, so the statement does not apply to it (§1) and codedeploy gets no grant.
    assert not any(g[0] == "codedeploy.amazonaws.com" and g[2] == admin for g in found)
    # AdministratorAccess reaches roles outside the templates.
    assert (admin, "sts:AssumeRole", "*", "uncertain", frozenset()) in found


def test_v6_iam_role(tmp_path):
    found = grants(V6, "iam-role", tmp_path)
    saml = {g for g in found if g[1] == "sts:AssumeRoleWithSAML"}
    assert saml == {(
        f"arn:aws:iam::{ACCOUNT}:saml-provider/idp_saml", "sts:AssumeRoleWithSAML",
        f"arn:aws:iam::{ACCOUNT}:role/ex-iam-role-saml-{{module.iam_role_saml.aws_iam_role.this[0].name}}",
        "conditional", frozenset({("StringEquals", "SAML:aud", ("https://signin.aws.amazon.com/saml",))}),
    )}
    # The caller identity running Terraform is trusted for admin: unknown before apply (issue 3).
    admin = f'arn:aws:iam::{ACCOUNT}:role/admin-{{module.iam_roles["admin"].aws_iam_role.this[0].name}}'
    assert ("{data.aws_caller_identity.current.arn}", "sts:AssumeRole", admin, "uncertain", MFA) in found
