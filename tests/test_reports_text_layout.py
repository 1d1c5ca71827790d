"""Issue 16: the text report answers first — summary, findings, a compact table by target — and
keeps reasons, conditions, sources, service paths and info diagnostics for `--verbose`."""

from __future__ import annotations

from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main

REPO = Path(__file__).resolve().parents[1]
LAYOUT = REPO / "fixtures" / "reports" / "layout"
ACCOUNT = "123456789012"


def text(tmp_path: Path, *extra: str, folder: Path = LAYOUT) -> tuple[int, list[str]]:
    out = tmp_path / "report.txt"
    code = main(["scan", str(folder), "--root", str(folder), "--account-id", ACCOUNT, "--format", "text",
                 "-o", str(out), *extra])
    return code, out.read_text().splitlines()


def test_summary_first_then_the_table_by_target(tmp_path):
    code, lines = text(tmp_path)
    assert code == 0
    assert lines[:7] == [
        f"credmint: 3 grants from 3 principals to 3 targets; account {ACCOUNT}",  # GetSessionToken folded
        "  findings: none (--fail-on high: passes)",
        "  uncertain: 1 grant, decided by 1 unknown (see Uncertain)",
        "  GetSessionToken cannot be denied: 2 users can always mint session credentials;",
        "    0 of them hold long-term access keys in the templates",
        "  through services: 1 way to 1 role (iam:PassRole and a launch call; not grants;",
        "    --verbose lists them)",
    ]
    table = lines.index("  role/deploy  [power: unknown]")  # no policy of its own in the templates
    assert lines[table + 1].split() == ["user/alice", "assume", "definite", "main.tf:46"]
    assert lines[lines.index("  role/partner  [power: unknown]") + 1].split() == ["{var.who}", "assume", "uncertain", "main.tf:62"]
    assert "  ec2 (1): role/app" in lines  # only a service assumes it: counted by service
    assert not any("why:" in line or "GetSessionToken  " in line for line in lines)
    assert not any("user/bob via" in line for line in lines)  # service paths only counted
    assert all(len(line) <= 80 for line in lines)


def test_uncertain_grants_are_grouped_under_the_value_that_decides_them(tmp_path):
    _, lines = text(tmp_path)
    start = lines.index("Uncertain, by what would decide them:")
    assert lines[start + 1:start + 4] == [
        "  {var.who} is unknown before apply — 1 grant",
        "    decided by: --var who=VALUE",
        "    {var.who} -> role/partner",
    ]
    _, decided = text(tmp_path, "--var", f"who=arn:aws:iam::{ACCOUNT}:user/bob")
    assert "Uncertain, by what would decide them:" not in decided


def test_verbose_adds_reasons_sources_and_service_paths(tmp_path):
    _, lines = text(tmp_path, "--verbose")
    assert "        why: trust policy of role/deploy allows account 123456789012" in lines
    assert lines[lines.index("  role/app  [power: unknown]") + 1].split() == [
        "ec2.amazonaws.com", "assume", "definite", "main.tf:54"]
    paths = lines.index("Through services (iam:PassRole and a launch call; not grants):")
    assert lines[paths + 1:paths + 3] == ["  role/app", "    user/bob via ec2.amazonaws.com (iam:PassRole, ec2:RunInstances)"]
    assert lines[-1] != "Reasons, conditions and sources of each grant: --verbose (or --format json)."


def test_info_diagnostics_are_counted_and_warnings_grouped_by_kind(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    body = (LAYOUT / "main.tf").read_text()
    modules = "".join(
        f'module "remote{n}" {{\n  source = "git::https://example.invalid/m{n}.git"\n}}\n' for n in range(4)
    )
    (folder / "main.tf").write_text(body + modules)
    _, lines = text(tmp_path, folder=folder)
    summary = next(line for line in lines if line.startswith("  diagnostics:"))
    assert summary.startswith("  diagnostics: 0 error, 4 warning")
    warnings = lines[lines.index("Warnings:") + 1:]
    assert warnings[0].startswith("  4 × … not analysed (source … is not a local path; not downloaded)")
    assert not any(line.startswith("Info:") for line in lines)
    _, verbose = text(tmp_path, "--verbose", folder=folder)
    assert sum("module.remote" in line for line in verbose) >= 4


def test_colour_only_when_asked(tmp_path):
    from credmint.analyzer.reports import text as text_report
    from credmint.analyzer.report import Report
    from credmint.analyzer.walk import analyze
    from credmint.parsers.context import ParseContext
    from credmint.parsers.detect import load_inputs

    analysis = analyze(load_inputs([LAYOUT], ParseContext(root=LAYOUT, account_id=ACCOUNT)))
    report = Report(analysis=analysis, account_id=ACCOUNT)
    assert "\033[" not in text_report.render(report)
    assert "\033[1m" in text_report.render(report, color=True)
    _, piped = text(tmp_path)  # -o FILE: never coloured
    assert not any("\033[" in line for line in piped)



@pytest.mark.parametrize(("cause", "decided_by"), [
    ("{var.who} is unknown before apply (variable who has no default and no value (--var))", "--var who=VALUE"),
    ("only when !(var.prefixed) (a choice made at deploy time)", "--var prefixed=VALUE"),
    ("only when Env = prod (a choice made at deploy time)", "--parameter Env=VALUE"),
    ("only when terraform.workspace == \"prod\" (a choice made at deploy time)", "--workspace NAME"),
    ("{Partner} is unknown before apply (parameter without a default (--parameter))", "--parameter Partner=VALUE"),
    ("the policies of account 222222222222 are not analysed",
     "that account's templates with --account-map PATH=222222222222, or its exported inventory"),
    ("arn:aws:iam::222222222222:role/scanner is in an account whose policies are not analysed",
     "that account's templates with --account-map PATH=222222222222, or its exported inventory"),
    ("arn:aws:iam::111111111111:role/x is not a role of the analysed templates: its trust policy decides",
     "the templates that define it, in the same run"),
    ("{aws_iam_role.x.unique_id} is unknown before apply", "a plan JSON (terraform show -json) that resolves it"),
])
def test_each_kind_of_unknown_names_what_decides_it(cause, decided_by):
    from credmint.analyzer.reports.summary import decider

    assert decider(cause) == decided_by
