"""Case folders under fixtures/cases: each template's expected grants, derived by hand from the rules.

Every `fixtures/cases/<name>/` holds one template (`main.tf` or `template.yaml`) and an
`expected.json` whose answer was reasoned from SEMANTICS.md, CONTRACT.md and DECISIONS.md, never
copied from the tool's output. The report must contain exactly that set of grants (and of paths, when
the case lists them); order does not matter, and neither do conditions' or values' order.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main

CASES_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "cases"
CASE_DIRS = sorted(path for path in CASES_DIR.iterdir() if (path / "expected.json").is_file())


def _condition_key(condition: dict) -> tuple:
    return (condition["operator"], condition["key"], frozenset(condition["values"]))


def _grant_key(grant: dict) -> tuple:
    """What identifies a grant for comparison: order-free conditions and carve-outs."""
    return (
        grant["principal"],
        grant["action"],
        grant["target"],
        grant["certainty"],
        frozenset(_condition_key(condition) for condition in grant.get("conditions", [])),
        frozenset(grant.get("except", [])),
    )


def _path_key(path: dict) -> tuple:
    return (
        path["principal"],
        path["target"],
        tuple((hop["principal"], hop["action"], hop["target"]) for hop in path["hops"]),
    )


def _show_grant(key: tuple) -> str:
    principal, action, target, certainty, conditions, carved = key
    text = f"{principal} --{action}--> {target} [{certainty}]"
    if conditions:
        shown = "; ".join(
            f"{operator} {name} {sorted(values)}" for operator, name, values in sorted(conditions,
                                                                                        key=repr)
        )
        text += f" if {shown}"
    if carved:
        text += f" except {sorted(carved)}"
    return text


def _show_path(key: tuple) -> str:
    principal, target, hops = key
    chain = " ; ".join(f"{p} --{a}--> {t}" for p, a, t in hops)
    return f"{principal} => {target}: {chain}"


def _diff(kind: str, expected: set, actual: set, show) -> str:
    lines = [f"{kind} differ from the expected set:"]
    lines += [f"  missing:    {show(key)}" for key in sorted(expected - actual, key=repr)]
    lines += [f"  unexpected: {show(key)}" for key in sorted(actual - expected, key=repr)]
    return "\n".join(lines)


@pytest.mark.parametrize("case_dir", CASE_DIRS, ids=[path.name for path in CASE_DIRS])
def test_case(case_dir: Path, tmp_path: Path) -> None:
    expected = json.loads((case_dir / "expected.json").read_text())
    report_path = tmp_path / "report.json"

    exit_code = main(
        ["scan", str(case_dir), *expected["args"], "--format", "json", "-o", str(report_path)]
    )

    assert report_path.is_file(), f"no report written (exit code {exit_code})"
    report = json.loads(report_path.read_text())
    context = f"{case_dir.name}: {expected['description']}"

    expected_grants = {_grant_key(grant) for grant in expected["grants"]}
    actual_grants = {_grant_key(grant) for grant in report["grants"]}
    problems = []
    if actual_grants != expected_grants:
        problems.append(_diff("grants", expected_grants, actual_grants, _show_grant))
    identities = [(g["principal"], g["action"], g["target"]) for g in report["grants"]]
    repeated = sorted({identity for identity in identities if identities.count(identity) > 1})
    if repeated:  # CONTRACT.md: a grant is identified by principal, action and target
        problems.append(f"grants listed more than once: {repeated}")
    if "paths" in expected:
        expected_paths = {_path_key(path) for path in expected["paths"]}
        actual_paths = {_path_key(path) for path in report["paths"]}
        if actual_paths != expected_paths:
            problems.append(_diff("paths", expected_paths, actual_paths, _show_path))
    if exit_code != expected["exit_code"]:
        diagnostics = "\n".join(
            f"  {d.get('level')} {d.get('file')}:{d.get('line')} {d.get('message')}"
            for d in report.get("diagnostics", [])
        )
        problems.append(
            f"exit code {exit_code}, expected {expected['exit_code']}; diagnostics:\n{diagnostics}"
        )
    assert not problems, context + "\n" + "\n".join(problems)


def test_case_folders_are_well_formed() -> None:
    """One template per folder, and `<rule>_tf` / `<rule>_cfn` twins expect the same answer."""
    assert CASE_DIRS, "no case folders found"
    for case_dir in CASE_DIRS:
        templates = [name for name in ("main.tf", "template.yaml") if (case_dir / name).is_file()]
        assert len(templates) == 1, f"{case_dir.name}: {templates}"
        expected_template = {"_tf": "main.tf", "_cfn": "template.yaml"}
        for suffix, name in expected_template.items():
            if case_dir.name.endswith(suffix):
                assert templates == [name], case_dir.name
    for tf_dir in (path for path in CASE_DIRS if path.name.endswith("_tf")):
        cfn_dir = tf_dir.with_name(tf_dir.name[: -len("_tf")] + "_cfn")
        if not cfn_dir.is_dir():
            continue
        tf_expected = json.loads((tf_dir / "expected.json").read_text())
        cfn_expected = json.loads((cfn_dir / "expected.json").read_text())
        for key in ("args", "exit_code", "paths"):
            assert tf_expected.get(key) == cfn_expected.get(key), (tf_dir.name, key)
        assert {_grant_key(g) for g in tf_expected["grants"]} == {
            _grant_key(g) for g in cfn_expected["grants"]
        }, tf_dir.name
