"""The CLI and JSON report as CONTRACT.md defines them, on the seed fixtures of issue 2.

Line numbers below were read off the fixture files by hand; a source that points at the wrong line
fails, not only a missing one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main

REPO = Path(__file__).resolve().parent.parent
CASES = REPO / "fixtures" / "cases"
ACCOUNT = "111111111111"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
UPDATE_APP = "arn:aws:iam::123123123123:role/UpdateAPP"
FEDERATED_ANY = f"arn:aws:sts::{ACCOUNT}:federated-user/*"


def run(argv: list[str]) -> int:
    try:
        return main(argv)
    except SystemExit as exit_:  # an argparse-style exit still has to carry the contract's code
        return exit_.code if isinstance(exit_.code, int) else 2


def scan_json(tmp_path: Path, *paths: Path, name: str = "report.json") -> tuple[int, dict, Path]:
    out = tmp_path / name
    code = run(["scan", *map(str, paths), "--account-id", ACCOUNT, "--fail-on", "none",
                "--format", "json", "-o", str(out)])
    assert out.is_file(), f"-o {out} wrote nothing (exit {code})"
    return code, json.loads(out.read_text()), out


def fixture_file(case: str) -> str:
    """The report's repo-relative POSIX path of a case's template."""
    folder = CASES / case
    template = folder / "main.tf" if (folder / "main.tf").exists() else folder / "template.yaml"
    return template.relative_to(REPO).as_posix()


# For each seed fixture and grant (principal, action, target): the lines (inclusive ranges) that
# make it true. `cause` must hold at least one source; every source must fall in `allowed`.
SEED_SOURCES = {
    "seed_group_updateapp_tf": {
        (ALICE, "sts:AssumeRole", UPDATE_APP): {
            "cause": [(10, 14)],  # the group policy's statement
            "allowed": [(1, 3), (5, 16), (18, 20), (26, 30)],  # group, policy, alice, membership
        },
        (ALICE, "sts:GetSessionToken", ALICE): {"cause": [(18, 20)], "allowed": [(18, 20)]},
        (BOB, "sts:GetSessionToken", BOB): {"cause": [(22, 24)], "allowed": [(22, 24)]},
    },
    "seed_group_updateapp_cfn": {
        (ALICE, "sts:AssumeRole", UPDATE_APP): {
            "cause": [(16, 18)],
            "allowed": [(3, 6), (7, 18), (19, 24)],
        },
        (ALICE, "sts:GetSessionToken", ALICE): {"cause": [(19, 24)], "allowed": [(19, 24)]},
        (BOB, "sts:GetSessionToken", BOB): {"cause": [(25, 28)], "allowed": [(25, 28)]},
    },
    "seed_federation_star_tf": {
        (ALICE, "sts:GetFederationToken", FEDERATED_ANY): {
            "cause": [(14, 18)],
            "allowed": [(1, 3), (9, 20)],
        },
        (ALICE, "sts:GetSessionToken", ALICE): {"cause": [(1, 3)], "allowed": [(1, 3)]},
        (BOB, "sts:GetSessionToken", BOB): {"cause": [(5, 7)], "allowed": [(5, 7)]},
    },
    "seed_federation_star_cfn": {
        (ALICE, "sts:GetFederationToken", FEDERATED_ANY): {
            "cause": [(12, 14)],
            "allowed": [(3, 14)],
        },
        (ALICE, "sts:GetSessionToken", ALICE): {"cause": [(3, 6)], "allowed": [(3, 6)]},
        (BOB, "sts:GetSessionToken", BOB): {"cause": [(15, 18)], "allowed": [(15, 18)]},
    },
}

# Where each user of the seed fixtures is defined: (address, lines of its block).
SEED_PRINCIPALS = {
    "seed_group_updateapp_tf": {ALICE: ("aws_iam_user.alice", (18, 20)),
                                BOB: ("aws_iam_user.bob", (22, 24))},
    "seed_group_updateapp_cfn": {ALICE: ("Alice", (19, 24)), BOB: ("Bob", (25, 28))},
    "seed_federation_star_tf": {ALICE: ("aws_iam_user.alice", (1, 3)),
                                BOB: ("aws_iam_user.bob", (5, 7))},
    "seed_federation_star_cfn": {ALICE: ("Alice", (3, 14)), BOB: ("Bob", (15, 18))},
}

SEEDS = sorted(SEED_SOURCES)


def within(line: int, ranges: list[tuple[int, int]]) -> bool:
    return any(low <= line <= high for low, high in ranges)


@pytest.mark.parametrize("case", SEEDS)
def test_report_shape(case: str, tmp_path: Path) -> None:
    code, report, _ = scan_json(tmp_path, CASES / case)
    assert code == 0
    required = {"schema_version", "tool", "account_id", "inputs", "principals", "grants", "paths",
                "findings", "diagnostics"}
    assert required <= set(report), f"missing top-level keys: {sorted(required - set(report))}"
    assert report["schema_version"] == 1
    assert report["tool"]["name"] == "credmint"
    assert isinstance(report["tool"]["version"], str) and report["tool"]["version"]
    assert report["account_id"] == ACCOUNT
    for key in ("inputs", "principals", "grants", "paths", "findings", "diagnostics"):
        assert isinstance(report[key], list), key

    expected_format = "terraform" if case.endswith("_tf") else "cloudformation"
    assert report["inputs"], "inputs lists what was scanned"
    for entry in report["inputs"]:
        assert isinstance(entry["path"], str) and case in entry["path"]
        assert entry["format"] == expected_format

    for principal in report["principals"]:
        assert {"id", "type", "name", "address", "source"} <= set(principal)
        assert {"file", "line"} <= set(principal["source"])
        assert isinstance(principal["source"]["line"], int)

    for grant in report["grants"]:
        fields = {"principal", "action", "target", "certainty", "conditions", "except", "reasons",
                  "sources"}
        assert fields <= set(grant), f"grant misses {sorted(fields - set(grant))}"
        assert grant["certainty"] in {"definite", "conditional", "uncertain"}
        assert isinstance(grant["conditions"], list) and isinstance(grant["except"], list)
        for condition in grant["conditions"]:
            assert {"operator", "key", "values"} <= set(condition)
            assert isinstance(condition["values"], list)
        assert grant["reasons"] and all(isinstance(r, str) and r for r in grant["reasons"])
        assert isinstance(grant["sources"], list)

    # Issue 14's extension (fields added, none renamed): every role and federated-user target has
    # a power label, said on the grant and explained in `powers`; `session_tokens` counts the users.
    labels = {"administrator", "can-escalate", "unknown", "writes", "read-only"}
    powers = {p["target"]: p for p in report["powers"]}
    for grant in report["grants"]:
        if grant["action"] == "sts:GetSessionToken":
            assert grant["target_power"] is None
            continue
        assert grant["target_power"] in labels
        assert powers[grant["target"]]["power"] == grant["target_power"]
    for power in report["powers"]:
        assert set(power) == {"target", "power", "services", "actions", "reasons", "sources"}
        assert power["reasons"] and all(isinstance(r, str) and r for r in power["reasons"])
    users = {g["principal"] for g in report["grants"] if g["action"] == "sts:GetSessionToken"}
    assert report["session_tokens"] == {"users": len(users), "with_access_keys": []}

    assert not [d for d in report["diagnostics"] if d.get("level") == "error"]


@pytest.mark.parametrize("case", SEEDS)
def test_principals_point_at_their_definition(case: str, tmp_path: Path) -> None:
    _, report, _ = scan_json(tmp_path, CASES / case)
    by_id = {principal["id"]: principal for principal in report["principals"]}
    for arn, (address, (low, high)) in SEED_PRINCIPALS[case].items():
        assert arn in by_id, f"principal {arn} not listed"
        principal = by_id[arn]
        assert principal["type"] == "user"
        assert principal["name"] == arn.rsplit("/", 1)[1]
        assert principal["address"] == address
        assert principal["source"]["file"] == fixture_file(case)
        assert low <= principal["source"]["line"] <= high, principal["source"]


@pytest.mark.parametrize("case", SEEDS)
def test_grant_sources_point_at_the_causing_lines(case: str, tmp_path: Path) -> None:
    _, report, _ = scan_json(tmp_path, CASES / case)
    grants = {(g["principal"], g["action"], g["target"]): g for g in report["grants"]}
    assert set(grants) == set(SEED_SOURCES[case])
    for identity, lines in SEED_SOURCES[case].items():
        sources = grants[identity]["sources"]
        assert sources, f"{identity}: no sources"
        for source in sources:
            assert source["file"] == fixture_file(case), (identity, source)
            assert isinstance(source["line"], int)
            assert within(source["line"], lines["allowed"]), (identity, source, lines)
        assert any(within(s["line"], lines["cause"]) for s in sources), (identity, sources, lines)


@pytest.mark.parametrize("case", SEEDS)
def test_output_is_deterministic(case: str, tmp_path: Path) -> None:
    _, _, first = scan_json(tmp_path, CASES / case, name="first.json")
    _, _, second = scan_json(tmp_path, CASES / case, name="second.json")
    assert first.read_bytes() == second.read_bytes()


def test_output_option_writes_the_file_not_stdout(tmp_path: Path, capsys) -> None:
    out = tmp_path / "nested.json"
    code = run(["scan", str(CASES / "seed_federation_star_tf"), "--account-id", ACCOUNT,
                "--fail-on", "none", "--format", "json", "--output", str(out)])
    assert code == 0
    assert json.loads(out.read_text())["schema_version"] == 1
    assert '"schema_version"' not in capsys.readouterr().out


def test_json_to_stdout_without_output_option(capsys) -> None:
    code = run(["scan", str(CASES / "seed_federation_star_tf"), "--account-id", ACCOUNT,
                "--fail-on", "none", "--format", "json"])
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert (ALICE, "sts:GetFederationToken", FEDERATED_ANY) in {
        (g["principal"], g["action"], g["target"]) for g in report["grants"]
    }


def test_missing_path_is_an_error_and_the_rest_is_still_reported(tmp_path: Path) -> None:
    missing = CASES / "does-not-exist"  # inside the project root, like the fixture next to it
    assert not missing.exists()
    code, report, _ = scan_json(tmp_path, missing, CASES / "seed_federation_star_tf")
    assert code == 2
    errors = [d for d in report["diagnostics"] if d.get("level") == "error"]
    assert errors, "a missing input must be an error diagnostic"
    assert any("does-not-exist" in f"{d.get('file')} {d.get('message')}" for d in errors)
    assert (ALICE, "sts:GetFederationToken", FEDERATED_ANY) in {
        (g["principal"], g["action"], g["target"]) for g in report["grants"]
    }


def test_missing_path_alone_exits_2(tmp_path: Path) -> None:
    code = run(["scan", str(tmp_path / "nothing-here"), "--account-id", ACCOUNT, "--format", "json",
                "-o", str(tmp_path / "report.json")])
    assert code == 2


# Invalid principals: error diagnostic at the statement's line (DECISIONS.md), exit 2 (fail closed).
@pytest.mark.parametrize("case, lines", [
    ("invalid_principal_partial_wildcard_tf", (17, 17)),
    ("invalid_principal_partial_wildcard_cfn", (25, 28)),
])
def test_invalid_principal_is_an_error_at_its_statement(case: str, lines: tuple[int, int],
                                                        tmp_path: Path) -> None:
    code, report, _ = scan_json(tmp_path, CASES / case)
    assert code == 2
    errors = [d for d in report["diagnostics"] if d.get("level") == "error"]
    assert any(d.get("file") == fixture_file(case) and lines[0] <= d.get("line", 0) <= lines[1]
               for d in errors), errors


def test_text_format_shows_principal_and_target(capsys) -> None:
    code = run(["scan", str(CASES / "seed_group_updateapp_tf"), "--account-id", ACCOUNT,
                "--fail-on", "none", "--format", "text"])
    assert code == 0
    out = capsys.readouterr().out
    assert "alice" in out
    assert UPDATE_APP in out
    assert "sts:AssumeRole" in out or "AssumeRole" in out
    assert "uncertain" in out


def test_fail_on_exit_code_is_2_even_with_findings_when_an_error_exists(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    code = run(["scan", str(CASES / "invalid_notprincipal_tf"), "--account-id", ACCOUNT,
                "--fail-on", "low", "--format", "json", "-o", str(out)])
    assert code == 2


# A grant that needs both sides (trust naming the account + identity allow) cites both statements,
# as CONTRACT.md's example grant does (identity statement and trust statement).
@pytest.mark.parametrize("case, trust_lines, identity_lines, attachment_lines", [
    ("trust_account_root_tf", (5, 9), (17, 21), (33, 36)),
    ("trust_account_root_cfn", (10, 13), (23, 25), (14, 25)),
])
def test_two_sided_grant_cites_trust_and_identity(case: str, trust_lines: tuple[int, int],
                                                  identity_lines: tuple[int, int],
                                                  attachment_lines: tuple[int, int],
                                                  tmp_path: Path) -> None:
    _, report, _ = scan_json(tmp_path, CASES / case)
    deploy = f"arn:aws:iam::{ACCOUNT}:role/deploy"
    grants = {(g["principal"], g["action"], g["target"]): g for g in report["grants"]}
    grant = grants[(ALICE, "sts:AssumeRole", deploy)]
    lines = [s["line"] for s in grant["sources"] if s["file"] == fixture_file(case)]
    assert len(lines) == len(grant["sources"]), grant["sources"]
    assert any(within(line, [trust_lines]) for line in lines), (lines, "trust statement")
    assert any(within(line, [identity_lines]) for line in lines), (lines, "identity statement")
    allowed = [trust_lines, identity_lines, attachment_lines, (1, 11) if case.endswith("_tf")
               else (3, 13), (25, 27) if case.endswith("_tf") else (26, 29)]
    assert all(within(line, allowed) for line in lines), lines
    assert len(grant["reasons"]) >= 2


@pytest.mark.parametrize("case, line_range", [
    ("trust_account_root_tf", (1, 11)),
    ("trust_account_root_cfn", (3, 13)),
])
def test_roles_are_principals_too(case: str, line_range: tuple[int, int], tmp_path: Path) -> None:
    _, report, _ = scan_json(tmp_path, CASES / case)
    by_id = {principal["id"]: principal for principal in report["principals"]}
    role = by_id[f"arn:aws:iam::{ACCOUNT}:role/deploy"]
    assert role["type"] == "role"
    assert role["name"] == "deploy"
    assert role["address"] == ("aws_iam_role.deploy" if case.endswith("_tf") else "Deploy")
    assert role["source"]["file"] == fixture_file(case)
    assert line_range[0] <= role["source"]["line"] <= line_range[1]


def test_the_command_writes_its_whole_report_to_a_pipe_and_exits_with_its_code(tmp_path: Path) -> None:
    """`credmint` (credmint.analyzer.app.cli:run) exits without tearing its heap down: its stdout must still be
    flushed whole, and its status be the contract's (1: a finding at or above --fail-on)."""
    import subprocess
    import sys

    copies = tmp_path / "many"
    for n in range(60):  # more output than a pipe buffer holds
        (copies / f"c{n}").mkdir(parents=True)
        (copies / f"c{n}" / "main.tf").write_text(
            (REPO / "fixtures" / "examples" / "seed" / "main.tf").read_text().replace(
                'name = "alice"', f'name = "alice{n}"'
            )
        )
    done = subprocess.run(
        [sys.executable, "-c", "from credmint.analyzer.app.cli import run; run()", "scan", str(copies), "--root", str(copies),
         "--account-id", ACCOUNT, "--format", "json", "--fail-on", "low", "--no-cache"],
        capture_output=True, text=True, timeout=120, check=False, cwd=REPO,
    )
    report = json.loads(done.stdout)
    assert len(done.stdout) > 65_536
    assert {f"arn:aws:iam::{ACCOUNT}:user/alice{n}" for n in range(60)} <= {g["principal"] for g in report["grants"]}
    assert done.returncode == 1 and report["findings"]


def test_an_internal_index_error_is_never_reported_as_a_usage_error(tmp_path, monkeypatch):
    """Only a name that matches no identity is the user's to correct; any other LookupError
    (IndexError, KeyError) is a bug and must surface as one, not as `credmint: error:` exit 2."""
    import pytest

    import credmint.analyzer.app.cli as cli

    def broken(*_args, **_kwargs):
        raise IndexError("list index out of range")

    monkeypatch.setattr(cli, "evaluate", broken)
    with pytest.raises(IndexError):
        cli.main(["scan", str(tmp_path)])
