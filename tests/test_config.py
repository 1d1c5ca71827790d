"""Settings and suppressions (issue 7 §7): CLI > CREDMINT_* > file > defaults; trusted principals,
ignore entries, inline suppressions with reason and expiry, baselines. Suppressed findings are
listed, never dropped."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from credmint.analyzer.app.config import ConfigError, load_settings
from credmint.analyzer.suppressions import IgnoreEntry
from cfn_trees import ACCOUNT, ALICE, DEPLOY, PARTNER, run, write_tree

OPEN_ROLE = """\
# credmint:ignore CM101 reason="public demo role, no permissions"{expires}
resource "aws_iam_role" "open" {{
  name = "open"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ AWS = "*" }}
      Action    = "sts:AssumeRole"
    }}]
  }})
}}
"""
OPEN = f"arn:aws:iam::{ACCOUNT}:role/open"
METADATA = (
    "    Metadata:\n      credmint:\n        ignore:\n"
    "          - {{rule: {rule}, reason: {reason}}}\n"
)


def settings(
    tmp_path: Path, *, cli: dict | None = None, env: dict | None = None, config: Path | None = None
):
    cli = {"account_id": None, "fail_on": None, **(cli or {})}
    return load_settings(**cli, config=config, env=env or {}, cwd=tmp_path)


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".credmint.yaml"
    path.write_text(text, encoding="utf-8")
    return path


# --- precedence ------------------------------------------------------------------------------


def test_defaults_without_any_setting(tmp_path: Path) -> None:
    loaded = settings(tmp_path)
    assert (
        loaded.account_id,
        loaded.fail_on,
        loaded.trusted_principals,
        loaded.ignores,
        loaded.file,
    ) == (None, "high", (), (), None)


def test_file_then_environment_then_command_line(tmp_path: Path) -> None:
    write_config(tmp_path, 'account_id: "111111111111"\nfail_on: low\n')
    assert (settings(tmp_path).account_id, settings(tmp_path).fail_on) == ("111111111111", "low")
    env = {"CREDMINT_ACCOUNT_ID": "222222222222", "CREDMINT_FAIL_ON": "medium"}
    assert (settings(tmp_path, env=env).account_id, settings(tmp_path, env=env).fail_on) == (
        "222222222222",
        "medium",
    )
    cli = {"account_id": "333333333333", "fail_on": "critical"}
    both = settings(tmp_path, cli=cli, env=env)
    assert (both.account_id, both.fail_on) == ("333333333333", "critical")


def test_config_keys_for_rules_and_suppressions(tmp_path: Path) -> None:
    write_config(
        tmp_path,
        "\n".join(
            [
                "trusted_accounts: ['222222222222']",
                "federation_allowance: ['Manager*']",
                f"trusted_principals: ['{PARTNER}']",
                "ignore:",
                "  - CM104",
                f"  - {{rule: CM105, target: '{DEPLOY}', reason: auditor}}",
                f"  - {{principal: '{ALICE}', action: 'sts:AssumeRole'}}",
            ]
        )
        + "\n",
    )
    loaded = settings(tmp_path)
    assert loaded.rules.trusted_accounts == frozenset({"222222222222"})
    assert loaded.rules.federation_allowance == ("Manager*",)
    assert loaded.trusted_principals == (PARTNER,)
    where = str(tmp_path / ".credmint.yaml")
    assert loaded.ignores == (
        IgnoreEntry(rule="CM104", reason=f"rule CM104 ignored in {where}"),
        IgnoreEntry(rule="CM105", target=DEPLOY, reason="auditor"),
        IgnoreEntry(principal=ALICE, action="sts:AssumeRole", reason=f"ignored in {where}"),
    )


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib is 3.11+")
def test_pyproject_tool_credmint_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.credmint]\nfail_on = "medium"\n', encoding="utf-8"
    )
    loaded = settings(tmp_path)
    assert (loaded.fail_on, loaded.file) == (
        "medium",
        f"{tmp_path / 'pyproject.toml'} [tool.credmint]",
    )


def test_the_yaml_file_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.credmint]\nfail_on = "medium"\n', encoding="utf-8"
    )
    write_config(tmp_path, "fail_on: low\n")
    assert settings(tmp_path).fail_on == "low"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fail_on: sometimes\n", "fail_on must be one of none, low, medium, high, critical"),
        ("account_id: 12345\n", "account_id must be 12 digits, got '12345'"),
        ("acount_id: '111111111111'\n", "unknown key(s) acount_id"),
        ("ignore: CM101\n", "ignore must be a list"),
        ("ignore: [{reason: x}]\n", "an ignore entry needs a rule, principal, action or target"),
        ("- a list\n", "settings must be a mapping"),
        ("!!python/object:os.system {}\n", "could not determine a constructor"),
    ],
)
def test_bad_settings_are_errors(tmp_path: Path, text: str, message: str) -> None:
    write_config(tmp_path, text)
    with pytest.raises(ConfigError) as problem:
        settings(tmp_path)
    assert message in str(problem.value)


def test_a_missing_config_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    write_tree(tmp_path / "t", [ALICE])
    assert run(["scan", str(tmp_path / "t"), "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "settings file" in capsys.readouterr().err


# --- end to end ------------------------------------------------------------------------------


def scan(tmp_path: Path, *argv: str) -> tuple[int, dict]:
    out = tmp_path / "report.json"
    code = run(
        [
            "scan",
            str(tmp_path / "t"),
            "--root",
            str(tmp_path),
            "--format",
            "json",
            "-o",
            str(out),
            *argv,
        ]
    )
    return code, json.loads(out.read_text(encoding="utf-8"))


def test_the_settings_file_in_the_current_directory_applies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path / "t", [ALICE, PARTNER])
    write_config(tmp_path, f'account_id: "{ACCOUNT}"\nfail_on: none\n')
    monkeypatch.chdir(tmp_path)
    code, report = scan(tmp_path)
    assert code == 0
    assert report["account_id"] == ACCOUNT
    assert [f["rule"] for f in report["findings"]] == ["CM105"]
    monkeypatch.setenv("CREDMINT_FAIL_ON", "high")
    assert scan(tmp_path)[0] == 1
    assert scan(tmp_path, "--fail-on", "critical")[0] == 0


def test_trusted_principals_give_suppressed_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path / "t", [ALICE, PARTNER])
    write_config(tmp_path, f"trusted_principals: ['{PARTNER}']\n")
    monkeypatch.chdir(tmp_path)
    code, report = scan(tmp_path, "--account-id", ACCOUNT)
    assert code == 0
    assert report["findings"] == []
    assert [(s["rule"], s["principal"], s["suppression"]) for s in report["suppressed"]] == [
        ("CM105", PARTNER, {"reason": "trusted principal", "origin": "config", "expires": None})
    ]


def test_an_ignored_grant_is_suppressed_with_its_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path / "t", [ALICE, PARTNER])
    write_config(
        tmp_path, f"ignore:\n  - {{principal: '{PARTNER}', target: '{DEPLOY}', reason: 'audit'}}\n"
    )
    monkeypatch.chdir(tmp_path)
    code, report = scan(tmp_path, "--account-id", ACCOUNT)
    assert code == 0
    assert [(s["rule"], s["suppression"]["reason"]) for s in report["suppressed"]] == [
        ("CM105", "audit")
    ]


def write_open_role(tmp_path: Path, expires: str = "") -> None:
    (tmp_path / "t").mkdir(exist_ok=True)
    (tmp_path / "t" / "main.tf").write_text(OPEN_ROLE.format(expires=expires), encoding="utf-8")


def test_inline_hcl_suppression_above_the_block(tmp_path: Path) -> None:
    write_open_role(tmp_path, " expires=2999-12-31")
    code, report = scan(tmp_path, "--account-id", ACCOUNT)
    assert code == 0
    assert report["findings"] == []
    assert [
        (s["rule"], s["principal"], s["target"], s["suppression"]) for s in report["suppressed"]
    ] == [
        (
            "CM101",
            "*",
            OPEN,
            {
                "reason": "public demo role, no permissions",
                "origin": "t/main.tf:1",
                "expires": "2999-12-31",
            },
        )
    ]


def test_an_expired_inline_suppression_no_longer_applies_and_warns(tmp_path: Path) -> None:
    write_open_role(tmp_path, " expires=2020-01-01")
    code, report = scan(tmp_path, "--account-id", ACCOUNT)
    assert code == 1
    assert [f["rule"] for f in report["findings"]] == ["CM101"]
    assert report["suppressed"] == []
    assert {
        "level": "warning",
        "file": "t/main.tf",
        "line": 1,
        "message": "credmint:ignore CM101 expired on 2020-01-01: not applied",
    } in report["diagnostics"]


def test_an_inline_suppression_needs_a_reason(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    text = OPEN_ROLE.format(expires="").replace(' reason="public demo role, no permissions"', "")
    (tmp_path / "t" / "main.tf").write_text(text, encoding="utf-8")
    code, report = scan(tmp_path, "--account-id", ACCOUNT)
    assert code == 1
    assert {
        "level": "warning",
        "file": "t/main.tf",
        "line": 1,
        "message": 'credmint:ignore CM101 has no reason="...": not applied',
    } in report["diagnostics"]


def test_cloudformation_metadata_suppression(tmp_path: Path) -> None:
    metadata = METADATA.format(rule="CM105", reason="partner")
    write_tree(tmp_path / "t", [ALICE, PARTNER], deploy_metadata=metadata)
    code, report = scan(tmp_path, "--account-id", ACCOUNT)
    assert code == 0
    assert [(s["rule"], s["suppression"]) for s in report["suppressed"]] == [
        ("CM105", {"reason": "partner", "origin": "t/template.yaml:7", "expires": None})
    ]


def test_a_suppression_for_another_rule_does_not_apply(tmp_path: Path) -> None:
    metadata = METADATA.format(rule="CM101", reason="other")
    write_tree(tmp_path / "t", [ALICE, PARTNER], deploy_metadata=metadata)
    code, report = scan(tmp_path, "--account-id", ACCOUNT)
    assert code == 1
    assert report["suppressed"] == []


def test_baseline_accepts_todays_findings_and_only_new_ones_fail(tmp_path: Path) -> None:
    write_tree(tmp_path / "t", [ALICE, PARTNER])
    baseline = tmp_path / "baseline.json"
    code, report = scan(
        tmp_path, "--account-id", ACCOUNT, "--baseline", str(baseline), "--update-baseline"
    )
    assert code == 0
    assert json.loads(baseline.read_text(encoding="utf-8")) == {
        "schema_version": 2,
        "findings": [
            {"rule": "CM105", "principal": PARTNER, "target": DEPLOY, "severity": "high"}
        ],
    }
    assert [s["suppression"]["origin"] for s in report["suppressed"]] == [str(baseline)]
    assert scan(tmp_path, "--account-id", ACCOUNT, "--baseline", str(baseline))[0] == 0
    write_tree(tmp_path / "t", [ALICE, PARTNER, "arn:aws:iam::333333333333:root"])
    code, report = scan(tmp_path, "--account-id", ACCOUNT, "--baseline", str(baseline))
    assert code == 1
    assert [f["principal"] for f in report["findings"]] == ["arn:aws:iam::333333333333:root"]


def test_a_baseline_finding_whose_severity_rises_is_new(tmp_path: Path) -> None:
    """Issue 14 §4 for the baseline as for diff: a public trust accepted while MFA held it to high
    (CM101 high) fails once the condition is dropped (critical), though rule, principal and target
    are the same."""
    write_tree(tmp_path / "t", ["*"], mfa=True)
    baseline = tmp_path / "baseline.json"
    scan(tmp_path, "--account-id", ACCOUNT, "--baseline", str(baseline), "--update-baseline")
    assert json.loads(baseline.read_text(encoding="utf-8"))["findings"] == [
        {"rule": "CM101", "principal": "*", "target": DEPLOY, "severity": "high"}
    ]
    write_tree(tmp_path / "t", ["*"])
    code, report = scan(tmp_path, "--account-id", ACCOUNT, "--baseline", str(baseline))
    assert code == 1
    assert [(f["rule"], f["severity"]) for f in report["findings"]] == [("CM101", "critical")]
    assert report["suppressed"] == []


def test_a_baseline_finding_whose_severity_falls_stays_accepted(tmp_path: Path) -> None:
    write_tree(tmp_path / "t", ["*"])
    baseline = tmp_path / "baseline.json"
    scan(tmp_path, "--account-id", ACCOUNT, "--baseline", str(baseline), "--update-baseline")
    write_tree(tmp_path / "t", ["*"], mfa=True)
    code, report = scan(tmp_path, "--account-id", ACCOUNT, "--baseline", str(baseline))
    assert code == 0
    assert [s["rule"] for s in report["suppressed"]] == ["CM101"]


def test_a_version_1_baseline_accepts_its_findings_at_any_severity(tmp_path: Path) -> None:
    """Files written before severities were recorded keep meaning what they meant."""
    write_tree(tmp_path / "t", ["*"])
    baseline = tmp_path / "baseline.json"
    entry = {"rule": "CM101", "principal": "*", "target": DEPLOY}
    baseline.write_text(json.dumps({"schema_version": 1, "findings": [entry]}), encoding="utf-8")
    code, report = scan(tmp_path, "--account-id", ACCOUNT, "--baseline", str(baseline))
    assert code == 0
    assert [(s["rule"], s["severity"]) for s in report["suppressed"]] == [("CM101", "critical")]


def test_update_baseline_needs_a_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    write_tree(tmp_path / "t", [ALICE])
    assert run(["scan", str(tmp_path / "t"), "--update-baseline"]) == 2
    assert "--update-baseline needs scan and --baseline FILE" in capsys.readouterr().err


def test_an_unreadable_baseline_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    write_tree(tmp_path / "t", [ALICE])
    (tmp_path / "baseline.json").write_text("{not json", encoding="utf-8")
    assert run(["scan", str(tmp_path / "t"), "--baseline", str(tmp_path / "baseline.json")]) == 2
    assert "cannot be read" in capsys.readouterr().err


def test_update_baseline_is_for_scan_only(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    write_tree(tmp_path / "base", [ALICE])
    write_tree(tmp_path / "head", [ALICE, PARTNER])
    baseline = tmp_path / "baseline.json"
    argv = [
        "diff",
        "--base",
        str(tmp_path / "base"),
        str(tmp_path / "head"),
        "--baseline",
        str(baseline),
    ]
    assert run([*argv, "--update-baseline"]) == 2
    assert "--update-baseline needs scan and --baseline FILE" in capsys.readouterr().err
    assert not baseline.exists()


def test_an_inline_lookup_past_the_end_of_a_file_reads_no_comment(tmp_path):
    """A statement parsed out of a string passed into a module can carry a line past the end of the
    module's file: looking for `credmint:ignore` above it must read nothing, never raise."""
    from credmint.analyzer.inventory import Source
    from credmint.parsers.suppressions import InlineSuppressions

    (tmp_path / "main.tf").write_text('# credmint:ignore CM101 reason="x"\nresource "a" "b" {}\n')
    assert InlineSuppressions(tmp_path)(Source(file="main.tf", line=40)) == []


def test_a_baseline_of_an_unknown_schema_version_is_refused(tmp_path):
    """A newer baseline may accept findings in a way this credmint cannot tell: exit 2, never a
    silent acceptance (docs/report-format.md, baseline file)."""
    import pytest

    from credmint.analyzer.baseline import BaselineError, read_baseline

    for version in (3, "2", True, None):
        path = tmp_path / "b.json"
        path.write_text(json.dumps({"schema_version": version, "findings": []}))
        with pytest.raises(BaselineError, match="schema_version"):
            read_baseline(path)
    path.write_text(json.dumps({"findings": [{"rule": "CM101", "principal": "*", "target": "t"}]}))
    assert read_baseline(path) == {("CM101", "*", "t"): None}  # version 1: no severity, any accepted
