"""Each rule fires on its fixture and stays quiet on the near miss (issue 5).

Expected findings are derived from each rule's definition (analyzer/rules/__init__.py) and
SEMANTICS.md §4, not from printed output: (rule, severity, principal, target), exactly.
"""

import json
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main
from credmint.analyzer.rules import RULES

RULES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "rules"
ACCOUNT = "111111111111"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/"
GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"

EXPECTED = {
    "CM101_fires": {("CM101", "critical", "*", ROLE + "open")},
    "CM101_fires_high": {("CM101", "high", "*", ROLE + "open-mfa")},
    "CM101_quiet": set(),
    "CM102_fires": {("CM102", "critical", GITHUB, ROLE + "gha")},
    "CM102_quiet": set(),
    "CM102_fires_cognito": {("CM102", "critical", "cognito-identity.amazonaws.com", ROLE + "cognito")},
    "CM102_quiet_cognito": set(),
    "CM103_fires": {("CM103", "high", GITHUB, ROLE + "gha")},
    "CM103_quiet": set(),
    "CM104_fires": {("CM104", "low", GITHUB, ROLE + "gha")},
    "CM104_quiet": set(),
    "CM105_fires": {("CM105", "high", "arn:aws:iam::222222222222:root", ROLE + "partner")},
    "CM105_quiet": set(),
    "CM106_fires": {
        ("CM106", "medium", f"arn:aws:iam::{ACCOUNT}:user/broker", f"arn:aws:sts::{ACCOUNT}:federated-user/*"),
        ("CM201", "low", f"arn:aws:iam::{ACCOUNT}:user/broker", f"arn:aws:iam::{ACCOUNT}:user/broker"),
    },
    "CM106_quiet": {("CM201", "low", f"arn:aws:iam::{ACCOUNT}:user/broker", f"arn:aws:iam::{ACCOUNT}:user/broker")},
    "CM107_fires": {("CM107", "medium", f"arn:aws:iam::{ACCOUNT}:saml-provider/corp-idp", ROLE + "idp")},
    "CM107_fires_roles_anywhere": {("CM107", "medium", "rolesanywhere.amazonaws.com", ROLE + "anywhere")},
    "CM107_quiet": set(),
    # Issue 14 item 5: a minting permission in a user's own policy is CM201 (AWS advises a group).
    "CM201_fires": {("CM201", "low", f"arn:aws:iam::{ACCOUNT}:user/dev", f"arn:aws:iam::{ACCOUNT}:user/dev")},
    "CM201_quiet": set(),
    # GetFederationToken by a user holding iam:AttachUserPolicy on * (an escalation action).
    "CM202_fires": {
        ("CM202", "high", f"arn:aws:iam::{ACCOUNT}:user/broker", f"arn:aws:sts::{ACCOUNT}:federated-user/app-*")
    },
    "CM202_quiet": set(),
    "CM301_fires": {
        ("CM301", "high", f"arn:aws:iam::{ACCOUNT}:user/dev", ROLE + "admin"),
        ("CM201", "low", f"arn:aws:iam::{ACCOUNT}:user/dev", f"arn:aws:iam::{ACCOUNT}:user/dev"),
    },
    # Issue 14 item 3: one escalation action alone (iam:AttachRolePolicy on *) is administrator-equivalent.
    "CM301_fires_escalation": {("CM301", "high", f"arn:aws:iam::{ACCOUNT}:user/dev", ROLE + "iam")},
    "CM301_quiet": {("CM201", "low", f"arn:aws:iam::{ACCOUNT}:user/dev", f"arn:aws:iam::{ACCOUNT}:user/dev")},
    # iam:CreateAccessKey on the holder's own user (`${aws:username}`; a role has none) escalates nothing.
    "CM301_quiet_scoped": set(),
}


def scan(fixture: Path, tmp_path: Path) -> tuple[int, dict]:
    out = tmp_path / "report.json"
    code = main(["scan", str(fixture), "--account-id", ACCOUNT, "--format", "json", "-o", str(out), "--root",
                 str(RULES_DIR)])
    return code, json.loads(out.read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rule_fixture_gives_exactly_the_expected_findings(name, tmp_path):
    code, report = scan(RULES_DIR / f"{name}.yaml", tmp_path)
    found = {(f["rule"], f["severity"], f["principal"], f["target"]) for f in report["findings"]}
    assert found == EXPECTED[name]
    assert [d for d in report["diagnostics"] if d["level"] == "error"] == []
    blocking = any(severity in ("high", "critical") for _, severity, _, _ in EXPECTED[name])
    assert code == (1 if blocking else 0)  # --fail-on defaults to high


def test_every_fixture_is_listed():
    assert {p.stem for p in RULES_DIR.glob("*.yaml")} == set(EXPECTED)


def test_rule_ids_are_unique_and_each_has_a_firing_and_a_quiet_fixture():
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule_id in ids:
        assert any(name.startswith(f"{rule_id}_fires") for name in EXPECTED), rule_id
        assert any(name.startswith(f"{rule_id}_quiet") for name in EXPECTED), rule_id


def test_findings_point_at_the_trust_statement(tmp_path):
    _, report = scan(RULES_DIR / "CM101_fires.yaml", tmp_path)
    assert report["findings"][0]["source"] == {"file": "CM101_fires.yaml", "line": 10}


def test_fail_on_gates_by_severity(tmp_path):
    out = tmp_path / "r.json"
    fixture = str(RULES_DIR / "CM106_fires.yaml")  # one medium finding
    base = ["scan", fixture, "--account-id", ACCOUNT, "--format", "json", "-o", str(out)]
    assert main(base + ["--fail-on", "medium"]) == 1
    assert main(base + ["--fail-on", "high"]) == 0
    assert main(base + ["--fail-on", "none"]) == 0


def test_cm201_message_says_the_fix(tmp_path):
    """AWS, "Granting permissions to create temporary security credentials"
    (id_credentials_temp_control-access_enable-create): grant permissions to groups, not users."""
    _, report = scan(RULES_DIR / "CM201_fires.yaml", tmp_path)
    assert report["findings"][0]["message"] == (
        "user dev is granted sts:AssumeRole directly: user dev inline policy assume-deploy (CM201_fires.yaml:12). "
        "Move the statement to a group's policy and add dev to that group, so that access is given and taken "
        "away by group membership"
    )


def test_cm202_message_names_the_permissions(tmp_path):
    _, report = scan(RULES_DIR / "CM202_fires.yaml", tmp_path)
    message = report["findings"][0]["message"]
    assert "while holding can-escalate permissions (iam:AttachUserPolicy; group brokers inline policy federate " \
           "allows iam:AttachUserPolicy on any user of its account (CM202_fires.yaml:13))" in message
