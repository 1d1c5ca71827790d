"""End to end on CloudFormation: the grants `credmint scan` reports for issue 4's cases.

Expected grants are derived by hand from SEMANTICS.md and DECISIONS.md for each fixture under
fixtures/cloudformation (and the CDK bootstrap template of the shared corpus, when present).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "fixtures/cloudformation"
BOOTSTRAP = (ROOT.parent / "shared/corpus/aws-cdk-cli/packages/aws-cdk/lib/api/bootstrap"
             / "bootstrap-template.yaml")
ACCOUNT = "111111111111"
NO_EXTERNAL_ID = (("Null", "sts:ExternalId", ("true",)),)


def grants(path: Path, tmp_path: Path, *args: str) -> set[tuple]:
    report = tmp_path / "report.json"
    code = main(["scan", str(path), "--account-id", ACCOUNT, "--format", "json",
                 "--fail-on", "none", "-o", str(report), *args])
    assert code == 0
    return {
        (g["principal"], g["action"], g["target"], g["certainty"],
         tuple((c["operator"], c["key"], tuple(c["values"])) for c in g["conditions"]))
        for g in json.loads(report.read_text())["grants"]
    }


def role(name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{name}"


DEV = f"arn:aws:iam::{ACCOUNT}:user/dev"
DEV_SESSION = (DEV, "sts:GetSessionToken", DEV, "definite", ())


@pytest.mark.parametrize("parameters, expected", [
    (["--parameter", "UseProd=true"], {
        ("arn:aws:iam::222222222222:root", "sts:AssumeRole", role("target"), "uncertain", ()),
        DEV_SESSION}),
    (["--parameter", "UseProd=false"], {
        (DEV, "sts:AssumeRole", role("target"), "definite", ()), DEV_SESSION}),
    # UseProd has no default: IsProd is unknown, so both principals, each uncertain
    ([], {
        ("arn:aws:iam::222222222222:root", "sts:AssumeRole", role("target"), "uncertain", ()),
        (DEV, "sts:AssumeRole", role("target"), "uncertain", ()), DEV_SESSION}),
], ids=["prod", "not-prod", "unknown"])
def test_if_selected_principal_under_each_condition_value(tmp_path, parameters, expected):
    assert grants(CASES / "grants/if_principal", tmp_path, *parameters) == expected


@pytest.mark.parametrize("parameters, accounts", [
    ([], ["222222222222", "333333333333"]),
    (["--parameter", "TrustedAccounts=444444444444"], ["444444444444"]),
], ids=["default", "given"])
def test_split_parameter_lists_the_trusted_accounts(tmp_path, parameters, accounts):
    assert grants(CASES / "grants/split_accounts", tmp_path, *parameters) == {
        (f"arn:aws:iam::{account}:root", "sts:AssumeRole", role("shared"), "uncertain", ())
        for account in accounts
    }


def test_sam_function_role(tmp_path):
    deployer = role("lambda/app-DeployerRole-{DeployerRole.suffix}")
    assert grants(CASES / "sam", tmp_path, "--stack-name", "app") == {
        ("lambda.amazonaws.com", "sts:AssumeRole", deployer, "definite", ()),
        ("states.amazonaws.com", "sts:AssumeRole", role("app-WorkflowRole-{WorkflowRole.suffix}"),
         "definite", ()),
        # its boundary is a customer policy outside the templates, and deploy-* is no role here
        (deployer, "sts:AssumeRole", role("deploy-*"), "uncertain", ()),
        # a policy template this version does not know could allow anything: an uncertain grant
        # to `*`, never one whose target names the template (SEMANTICS.md §8)
        (deployer, "sts:AssumeRole", "*", "uncertain", ()),
    }


def test_cdk_synthesized_stack(tmp_path):
    user = f"arn:aws:iam::{ACCOUNT}:user/AppStack-CiUser1A2B3C4D-{{CiUser1A2B3C4D.suffix}}"
    provider = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    assert grants(CASES / "grants/cdk_stack", tmp_path, "--stack-name", "AppStack") == {
        # the account trusts; the user's DefaultPolicy allows exactly this role's ARN
        (user, "sts:AssumeRole", role("AppStack-DeployRole5E8A0C5B-{DeployRole5E8A0C5B.suffix}"),
         "definite", ()),
        (user, "sts:GetSessionToken", user, "definite", ()),
        (provider, "sts:AssumeRoleWithWebIdentity", role("github-deploy"), "conditional", (
            ("StringEquals", "token.actions.githubusercontent.com:aud", ("sts.amazonaws.com",)),
            ("StringLike", "token.actions.githubusercontent.com:sub", ("repo:example-org/*",)))),
    }


BOOTSTRAP_DEFAULTS = ("TrustedAccounts=", "TrustedAccountsForLookup=", "CloudFormationExecutionPolicies=",
                      "FileAssetsBucketName=", "FileAssetsBucketKmsKeyId=", "ContainerAssetsRepositoryName=",
                      "PublicAccessBlockConfiguration=true", "InputPermissionsBoundary=",
                      "UseExamplePermissionsBoundary=false", "DenyExternalId=true")
"""Every parameter a bootstrap condition reads, given its default."""


@pytest.mark.skipif(not BOOTSTRAP.is_file(), reason="no ../shared/corpus here")
def test_cdk_bootstrap_template_with_default_parameters(tmp_path):
    # Defaults, given: no trusted accounts, ExternalId denied, and the execution role gets
    # AdministratorAccess, so it may assume every role that trusts its own account.
    exec_role = role("cdk-hnb659fds-cfn-exec-role-111111111111-{AWS::Region}")
    trusting = ("deploy", "file-publishing", "image-publishing", "lookup")
    given = [argument for value in BOOTSTRAP_DEFAULTS for argument in ("--parameter", value)]
    assert grants(BOOTSTRAP, tmp_path, "--root", str(BOOTSTRAP.parent), *given) == {
        ("cloudformation.amazonaws.com", "sts:AssumeRole", exec_role, "definite", ()),
        (exec_role, "sts:AssumeRole", "*", "uncertain", ()),
        *((exec_role, "sts:AssumeRole",
           role(f"cdk-hnb659fds-{name}-role-111111111111-{{AWS::Region}}"), "conditional",
           NO_EXTERNAL_ID) for name in trusting),
    }


@pytest.mark.skipif(not BOOTSTRAP.is_file(), reason="no ../shared/corpus here")
def test_cdk_bootstrap_template_reads_the_deployers_choices_both_ways(tmp_path):
    """Not given, the parameters are the deployer's choices (issue 13 §11): the accounts
    `cdk bootstrap --trust` names may assume the deploy, publishing and lookup roles; the custom
    execution policies are unknown; ExternalId is denied or not, so the trusting roles are
    reached without it (the most permissive world), never dropped."""
    exec_role = role("cdk-hnb659fds-cfn-exec-role-111111111111-{AWS::Region}")
    trusting = ("deploy", "file-publishing", "image-publishing", "lookup")
    assert grants(BOOTSTRAP, tmp_path, "--root", str(BOOTSTRAP.parent)) == {
        ("cloudformation.amazonaws.com", "sts:AssumeRole", exec_role, "definite", ()),
        (exec_role, "sts:AssumeRole", "*", "uncertain", ()),
        *((exec_role, "sts:AssumeRole", role(f"cdk-hnb659fds-{name}-role-111111111111-{{AWS::Region}}"),
           "uncertain", ()) for name in trusting),
        *(("{TrustedAccounts}", "sts:AssumeRole",
           role(f"cdk-hnb659fds-{name}-role-111111111111-{{AWS::Region}}"), "uncertain", ())
          for name in trusting),
        ("{TrustedAccountsForLookup}", "sts:AssumeRole",
         role("cdk-hnb659fds-lookup-role-111111111111-{AWS::Region}"), "uncertain", ()),
    }
