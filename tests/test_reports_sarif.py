"""`--format sarif` (CONTRACT.md "SARIF", issue 7 §3): valid SARIF 2.1.0, stable rule ids with
descriptions, help and security-severity, one result per finding at the line that creates it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from credmint.analyzer.inventory import Source
from credmint.analyzer.model import Action, Certainty, Grant, PrincipalType
from credmint.analyzer.reports.sarif import result_for
from credmint.analyzer.rules import RULES, Finding, Severity
from cfn_trees import ACCOUNT, ALICE, DEPLOY, PARTNER, run, write_tree

SCHEMA = json.loads(
    (Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())


def validate(log: dict) -> None:
    """Against OASIS's schema with format checking on: a URI that is no `uri-reference` fails."""
    VALIDATOR.validate(log)
SEVERITIES = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0"}
IGNORE_PARTNER = """\
    Metadata:
      credmint:
        ignore:
          - {rule: CM105, reason: "partner audit role", expires: "2099-01-01"}
"""


def sarif(tmp_path: Path, *argv: str) -> tuple[int, dict, str]:
    out = tmp_path / "credmint.sarif"
    code = run(
        [
            *argv,
            "--root",
            str(tmp_path),
            "--account-id",
            ACCOUNT,
            "--format",
            "sarif",
            "-o",
            str(out),
        ]
    )
    text = out.read_text(encoding="utf-8")
    return code, json.loads(text), text


def test_scan_sarif_validates_and_locates_the_finding(tmp_path: Path) -> None:
    write_tree(tmp_path / "t", [ALICE, PARTNER])
    code, log, _ = sarif(tmp_path, "scan", str(tmp_path / "t"))
    validate(log)
    assert code == 1
    assert log["version"] == "2.1.0"
    (run_,) = log["runs"]
    assert run_["tool"]["driver"]["name"] == "credmint"
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == [rule.id for rule in RULES]
    (result,) = run_["results"]
    assert result["ruleId"] == "CM105"
    assert run_["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "CM105"
    assert result["level"] == "error"
    assert result["locations"] == [
        {
            "physicalLocation": {
                "artifactLocation": {"uri": "t/template.yaml"},
                "region": {"startLine": 14},
            }
        }
    ]
    assert result["relatedLocations"] == []
    assert result["properties"] == {"severity": "high", "principal": PARTNER, "target": DEPLOY}
    assert "suppressions" not in result


def test_every_rule_has_descriptions_help_and_security_severity(tmp_path: Path) -> None:
    write_tree(tmp_path / "t", [ALICE])
    _, log, _ = sarif(tmp_path, "scan", str(tmp_path / "t"))
    by_id = {rule.id: rule for rule in RULES}
    for descriptor in log["runs"][0]["tool"]["driver"]["rules"]:
        rule = by_id[descriptor["id"]]
        assert descriptor["shortDescription"] == {"text": rule.title}
        assert descriptor["fullDescription"] == {"text": rule.rationale}
        assert rule.fix in descriptor["help"]["text"]
        assert descriptor["properties"]["security-severity"] == SEVERITIES[rule.severity.value]


def test_suppressed_findings_stay_as_suppressed_results(tmp_path: Path) -> None:
    write_tree(tmp_path / "t", [ALICE, PARTNER], deploy_metadata=IGNORE_PARTNER)
    code, log, _ = sarif(tmp_path, "scan", str(tmp_path / "t"))
    validate(log)
    assert code == 0
    (result,) = log["runs"][0]["results"]
    assert result["ruleId"] == "CM105"
    assert result["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "partner audit role"}
    ]


def test_diff_sarif_holds_only_introduced_findings(tmp_path: Path) -> None:
    write_tree(tmp_path / "base", [ALICE, PARTNER])
    write_tree(tmp_path / "head", [ALICE, PARTNER, "arn:aws:iam::333333333333:root"])
    code, log, _ = sarif(tmp_path, "diff", "--base", str(tmp_path / "base"), str(tmp_path / "head"))
    validate(log)
    assert code == 1
    assert [(r["ruleId"], r["properties"]["principal"]) for r in log["runs"][0]["results"]] == [
        ("CM105", "arn:aws:iam::333333333333:root")
    ]


def test_sarif_is_byte_identical_across_runs(tmp_path: Path) -> None:
    write_tree(tmp_path / "t", [ALICE, PARTNER])
    assert (
        sarif(tmp_path, "scan", str(tmp_path / "t"))[2]
        == sarif(tmp_path, "scan", str(tmp_path / "t"))[2]
    )


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_related_locations_are_the_grants_other_sources(rule) -> None:
    trust, policy = Source(file="infra/iam.tf", line=21), Source(file="infra/iam.tf", line=40)
    grant = Grant(
        principal=ALICE,
        principal_type=PrincipalType.USER,
        action=Action.ASSUME_ROLE,
        target=DEPLOY,
        certainty=Certainty.DEFINITE,
        sources=(trust, policy, trust),
    )
    finding = Finding(
        rule=rule.id,
        severity=Severity.LOW,
        title=rule.title,
        message="m",
        principal=ALICE,
        target=DEPLOY,
        source=trust,
    )
    result = result_for(finding, [grant], None)
    assert result["level"] == "note"
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 21}
    assert result["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": {
                "artifactLocation": {"uri": "infra/iam.tf"},
                "region": {"startLine": 40},
            },
            "message": {"text": "also involved"},
        }
    ]
    validate(
        {
            "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "credmint"}}, "results": [result]}],
        }
    )


def test_the_format_checker_is_on() -> None:
    """A file name with a space is no `uri-reference`: the check that GitHub's upload makes."""
    assert "uri-reference" in VALIDATOR.format_checker.checkers
    log = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [], "originalUriBaseIds": {"R": {"uri": "infra/github oidc.tf"}}}]}
    with pytest.raises(jsonschema.ValidationError, match="uri-reference"):
        validate(log)


@pytest.mark.parametrize(
    ("name", "uri"),
    [
        ("github oidc.yaml", "infra/github%20oidc.yaml"),
        ("100%.yaml", "infra/100%25.yaml"),
        ("a#b?c.yaml", "infra/a%23b%3Fc.yaml"),
        ("é[1].yaml", "infra/%C3%A9%5B1%5D.yaml"),
    ],
)
def test_file_names_become_percent_encoded_relative_uris(tmp_path: Path, name: str, uri: str) -> None:
    write_tree(tmp_path / "infra", [ALICE, PARTNER])
    (tmp_path / "infra" / "template.yaml").rename(tmp_path / "infra" / name)
    _, log, _ = sarif(tmp_path, "scan", str(tmp_path / "infra"))
    validate(log)
    (result,) = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == uri
    assert log["runs"][0]["automationDetails"] == {"id": "credmint/"}


def test_a_failed_run_is_a_valid_log_of_a_failed_invocation() -> None:
    from credmint.analyzer.reports.sarif import render_failure

    log = json.loads(render_failure("input fail-on must be one of none, low"))
    validate(log)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["invocations"] == [
        {
            "executionSuccessful": False,
            "toolExecutionNotifications": [
                {"level": "error", "message": {"text": "input fail-on must be one of none, low"}}
            ],
        }
    ]
