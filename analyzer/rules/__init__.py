"""Findings: the grants that should block a merge, one pure function per risk in one table.

Rule ids are stable: CM1xx trust policies, CM2xx the caller's side, CM3xx chains.
Severities gate `--fail-on`.
"""

from __future__ import annotations

from credmint.analyzer.rules.base import FAIL_ON_CHOICES, Finding, Rule, Settings, Severity, at_or_above
from credmint.analyzer.rules.caller_rules import federation_with_power, minting_on_user
from credmint.analyzer.rules.chains import chain_reaches_administrator
from credmint.analyzer.rules.federation_rules import federation_too_wide
from credmint.analyzer.rules.power_scale import scale
from credmint.analyzer.rules.trust_rules import (
    cross_account_without_guard,
    saml_or_roles_anywhere_without_conditions,
    trust_allows_anyone,
)
from credmint.analyzer.rules.web_identity import literal_star_subject, web_identity_without_subject, wildcard_subject
from credmint.analyzer.walk import Analysis

RULES: tuple[Rule, ...] = (
    Rule(
        id="CM101",
        severity=Severity.CRITICAL,
        title="Role trusts any principal",
        rationale="Principal '*' lets every AWS principal of every account assume the role; conditions that "
        "do not pin the caller (MFA, source IP, ExternalId) leave it high.",
        fix="Name the accounts or roles that may assume it, or add aws:PrincipalOrgID / aws:PrincipalArn.",
        check=trust_allows_anyone,
    ),
    Rule(
        id="CM102",
        severity=Severity.CRITICAL,
        title="Web identity trust without a subject condition",
        rationale="Without a sub condition (aud for Cognito) every identity of the provider qualifies: for "
        "GitHub, workflows of any repository on GitHub.",
        fix="Add StringEquals (or StringLike) on the provider's sub, e.g. repo:ORG/REPO:ref:refs/heads/main.",
        check=web_identity_without_subject,
    ),
    Rule(
        id="CM103",
        severity=Severity.HIGH,
        title="GitHub subject with a wildcard in the organisation or repository",
        rationale="StringLike repo:ORG/* admits every repository of ORG, every branch and environment.",
        fix="Name the repository, and the branch or environment, explicitly.",
        check=wildcard_subject,
    ),
    Rule(
        id="CM104",
        severity=Severity.LOW,
        title="StringEquals with a wildcard in a web identity condition",
        rationale="StringEquals compares '*' literally: the condition matches no real subject.",
        fix="Use StringLike for patterns, or name the subject exactly.",
        check=literal_star_subject,
    ),
    Rule(
        id="CM105",
        severity=Severity.HIGH,
        title="Cross-account trust without ExternalId or organisation condition",
        rationale="A role trusting another account without sts:ExternalId or aws:PrincipalOrgID is open to "
        "confused-deputy use by anyone that account lets in.",
        fix="Add sts:ExternalId for third parties or aws:PrincipalOrgID for your organisation, or list the "
        "account in trusted_accounts.",
        check=cross_account_without_guard,
    ),
    Rule(
        id="CM106",
        severity=Severity.MEDIUM,
        title="GetFederationToken wider than needed",
        rationale="A user that can mint federated-user credentials for any name can impersonate any name in "
        "CloudTrail and hand out sessions with its own permissions.",
        fix="Restrict Resource to arn:aws:sts::ACCOUNT:federated-user/PREFIX*.",
        check=federation_too_wide,
    ),
    Rule(
        id="CM107",
        severity=Severity.MEDIUM,
        title="SAML or Roles Anywhere trust without conditions",
        rationale="Every identity the IdP maps to the role, or any certificate of any trust anchor in the "
        "account, can assume it.",
        fix="Add conditions on SAML:aud / saml:sub, or on aws:PrincipalTag/x509Subject and the trust anchor ARN.",
        check=saml_or_roles_anywhere_without_conditions,
    ),
    Rule(
        id="CM201",
        severity=Severity.LOW,
        title="Minting permission granted directly to a user",
        rationale="AWS advises granting sts:AssumeRole and sts:GetFederationToken to groups rather than users: "
        "access is then given and taken away by group membership.",
        fix="Move the statement to a group's policy and add the user to the group.",
        check=minting_on_user,
    ),
    Rule(
        id="CM202",
        severity=Severity.HIGH,
        title="GetFederationToken by a user with administrator or escalation permissions",
        rationale="GetFederationToken gives the federated session the calling user's own permissions, within the "
        "session policy the caller chooses: a user who can escalate can mint sessions that can too.",
        fix="Take sts:GetFederationToken from the user, or its administrator and escalation permissions "
        "(keep a separate user for minting federated sessions).",
        check=federation_with_power,
    ),
    Rule(
        id="CM301",
        severity=Severity.HIGH,
        title="Role chain reaches an administrator-equivalent role",
        rationale="A principal that cannot assume an administrator role directly reaches it through other roles; "
        "a role is administrator-equivalent when it may do everything or holds one escalation action "
        "(iam:AttachRolePolicy, iam:PutUserPolicy, iam:CreatePolicyVersion, iam:PassRole with a launch...).",
        fix="Break the chain: narrow the intermediate roles' sts:AssumeRole permissions or the admin role's trust.",
        check=chain_reaches_administrator,
    ),
)


def find_findings(analysis: Analysis, settings: Settings = Settings()) -> tuple[Finding, ...]:
    """Every rule's findings, each severity then scaled by the power of its target (power_scale)."""
    found = [scale(f, analysis.powers) for rule in RULES for f in rule.check(rule, analysis, settings)]
    return tuple(sorted(found, key=lambda f: (f.rule, f.principal, f.target)))


__all__ = ["FAIL_ON_CHOICES", "RULES", "Finding", "Rule", "Settings", "Severity", "at_or_above", "find_findings"]
