"""Issue 14: each evasion beside a good template gives its finding (exit 1 at `--fail-on high`); each
false alarm gives none (exit 0). Run through the CLI on the fixtures in fixtures/rules/evasions and
fixtures/rules/false_alarms.

Expected answers come from SEMANTICS.md §1, §4 and §6 and the AWS pages cited beside each group;
the `good` role of every evasion template is narrowed as AWS documents and must stay quiet.
"""

import json
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main

RULES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
ACCOUNT = "111111111111"
EVASIVE = f"arn:aws:iam::{ACCOUNT}:role/evasive"
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
EKS = f"arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
PARTNER = "arn:aws:iam::222222222222:root"

# Principal "*" admits every AWS principal of every account (SEMANTICS.md §1). None of these
# conditions stops a stranger: a wildcard in the account part of an ARN or in an account / org id
# matches the stranger's own (IAM User Guide, reference_policies_condition-keys: aws:PrincipalArn,
# aws:PrincipalAccount, aws:PrincipalOrgID); StringLike's `*` spans colons, and an IAM path may hold
# them (IAM API Role.Path: `\u002F[\u0021-\u007E]+\u002F`), so `arn:*:iam::ACCOUNT:role/x` is
# met by `arn:aws:iam::STRANGER:role/p:iam::ACCOUNT:role/x`; `${aws:PrincipalAccount}` is the
# caller's own account (reference_policies_variables); a stranger outside any organisation has no
# aws:PrincipalOrgID, so IfExists and ForAllValues pass and ForAnyValue fails
# (reference_policies_condition-single-vs-multi-valued-context-keys); a negated operator admits
# everyone it does not list; aws:SourceAccount is never in a principal's own request, so a Deny that
# needs it never applies.
PUBLIC_CRITICAL = [
    "CM101_principalarn_arn_star",
    "CM101_principalarn_double_star",
    "CM101_principalarn_question_star",
    "CM101_principalarn_arnlike_any_account",
    "CM101_principalarn_star_spans_the_account",
    "CM101_principalaccount_twelve_questions",
    "CM101_principalorgid_o_star",
    "CM101_null_principalarn_false",
    "CM101_principalaccount_is_itself",
    "CM101_terraform_principalaccount_is_itself",  # HCL writes the variable `$${...}`
    "CM101_principalorgid_ifexists",
    "CM101_principalorgid_forallvalues",
    "CM101_principalarn_not_equals",
    "CM101_deny_that_never_applies",
    "CM101_deny_an_outsider_steps_around",
    # Issue 14 item 2: the widest statement decides, not the merged grant's narrowest conditions.
    "CM101_public_statement_beside_a_narrow_one",
]
# Cross-account trust: the guard must be a value an outsider cannot send (sts:ExternalId,
# SEMANTICS.md §1); a negated, Null-true, IfExists or `*` ExternalId condition is met by a caller
# that sends another value or none (reference_policies_elements_condition_operators).
CROSS_ACCOUNT = [
    "CM105_externalid_not_equals",
    "CM105_externalid_null_true",
    "CM105_externalid_ifexists",
    "CM105_externalid_star",
]
# Web identity: without a sub that pins the subject, every identity of the provider (SEMANTICS.md §4).
WEB_IDENTITY = {
    "CM102_github_sub_not_equals": GITHUB,
    "CM102_github_sub_null_false": GITHUB,
    "CM102_github_sub_ifexists_star": GITHUB,
    "CM102_github_owner_wildcard": GITHUB,  # anyone may register an owner named acme-anything
    "CM102_github_deny_for_one_repository": GITHUB,
    "CM102_eks_sub_system_star": EKS,
    "CM102_cognito_negated_aud": "cognito-identity.amazonaws.com",
}

EXPECTED = {
    **{f"evasions/{name}": {("CM101", "critical", "*", EVASIVE)} for name in PUBLIC_CRITICAL},
    **{f"evasions/{name}": {("CM105", "high", PARTNER, EVASIVE)} for name in CROSS_ACCOUNT},
    **{f"evasions/{name}": {("CM102", "critical", who, EVASIVE)} for name, who in WEB_IDENTITY.items()},
    # aws:SourceOwner / aws:SourceArn come only with a service's call for a resource, never with a
    # principal's AssumeRole (reference_policies_condition-keys, aws:SourceOwner / aws:SourceArn):
    # the public part admits nobody, the service part only that source.
    "false_alarms/CM101_source_owner": set(),
    "false_alarms/CM101_source_arn": set(),
    # ${aws:ResourceOrgID} is the role's own organisation (reference_policies_condition-keys).
    "false_alarms/CM101_same_organisation_by_variable": set(),
    # AWS's own example pins Google by "accounts.google.com:aud" (id_roles_create_for-idp_oidc;
    # reference_policies_iam-condition-keys, "Available keys for AWS web identity federation").
    "false_alarms/CM102_google_aud": set(),
    # `{var.repos[*].name}` is a value unknown before apply; its `*` is Terraform's splat.
    "false_alarms/CM103_splat_placeholder": set(),
    # A service principal's chain is the design (StackSets' administration → execution role).
    "false_alarms/CM301_stackset_administration_to_execution": set(),
}


def _path(name: str) -> Path:
    folder = RULES_DIR / name
    return folder if folder.is_dir() else folder.with_suffix(".yaml")


def scan(target: Path, tmp_path: Path, *extra: str) -> tuple[int, dict]:
    out = tmp_path / "report.json"
    code = main(["scan", str(target), "--account-id", ACCOUNT, "--format", "json", "-o", str(out),
                 "--root", str(RULES_DIR), *extra])
    return code, json.loads(out.read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_evasion_is_caught_and_false_alarm_is_quiet(name, tmp_path):
    code, report = scan(_path(name), tmp_path, "--fail-on", "high")
    found = {(f["rule"], f["severity"], f["principal"], f["target"]) for f in report["findings"]}
    assert found == EXPECTED[name]
    assert [d for d in report["diagnostics"] if d["level"] == "error"] == []
    assert code == (1 if EXPECTED[name] else 0)


def test_every_evasion_and_false_alarm_fixture_is_listed():
    present = {f"{p.parent.name}/{p.stem}" for folder in ("evasions", "false_alarms")
               for p in (RULES_DIR / folder).iterdir()}
    assert present == set(EXPECTED)


def test_the_widest_statement_is_where_the_finding_points(tmp_path):
    _, report = scan(_path("evasions/CM101_public_statement_beside_a_narrow_one"), tmp_path)
    (finding,) = report["findings"]
    # The second statement of role `evasive` (the public one) begins at line 15, not the first at 10.
    assert finding["source"] == {"file": "evasions/CM101_public_statement_beside_a_narrow_one.yaml", "line": 15}
