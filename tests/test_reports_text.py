"""Text output (issue 7 §9): readable at 80 columns, suppressed findings listed, colour only on a
terminal and never with NO_COLOR."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from credmint.analyzer.app import cli
from credmint.analyzer.app.cli import build_parser, evaluate
from credmint.analyzer.reports import diff_text, text
from cfn_trees import ACCOUNT, ALICE, PARTNER, write_tree

IGNORE_PARTNER = (
    "    Metadata:\n      credmint:\n        ignore:\n          - {rule: CM105, reason: x}\n"
)


def analyse(tmp_path: Path, *argv: str):
    return evaluate(
        build_parser().parse_args([*argv, "--root", str(tmp_path), "--account-id", ACCOUNT])
    )[0]


def test_scan_text_fits_80_columns_and_lists_suppressed_findings(tmp_path: Path) -> None:
    write_tree(tmp_path / "t", [ALICE, PARTNER], deploy_metadata=IGNORE_PARTNER)
    lines = text.render(analyse(tmp_path, "scan", str(tmp_path / "t"))).splitlines()
    assert max(len(line) for line in lines) <= 80
    assert "Suppressed findings (1):" in lines
    assert "  CM105 arn:aws:iam::222222222222:root ->" in "\n".join(lines)


def test_diff_text_fits_80_columns_and_marks_changes(tmp_path: Path) -> None:
    write_tree(tmp_path / "base", [ALICE])
    write_tree(tmp_path / "head", [ALICE, PARTNER])
    diff = analyse(tmp_path, "diff", "--base", str(tmp_path / "base"), str(tmp_path / "head"))
    plain = diff_text.render(diff)
    assert plain.startswith("credmint diff: 1 added, 0 removed, 0 changed (base")
    assert "+ arn:aws:iam::222222222222:root" in plain.splitlines()
    assert max(len(line) for line in plain.splitlines()) <= 80
    assert "\033[" not in plain
    assert "\033[32m+ arn:aws:iam::222222222222:root\033[0m" in diff_text.render(diff, color=True)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("no_color", "expected"), [(None, True), ("1", False), ("", True)])
def test_colour_only_on_a_terminal_without_no_color(
    monkeypatch: pytest.MonkeyPatch, no_color: str | None, expected: bool
) -> None:
    monkeypatch.setattr(cli.sys, "stdout", Terminal())
    if no_color is None:
        monkeypatch.delenv("NO_COLOR", raising=False)
    else:
        monkeypatch.setenv("NO_COLOR", no_color)
    assert cli._use_color(None) is expected
    assert cli._use_color(Path("report.txt")) is False
