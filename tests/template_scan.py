"""Scan one template written into tmp_path and read the JSON report back, for behaviour tests."""

from __future__ import annotations

import json
from pathlib import Path

from credmint.analyzer.app.cli import main

ACCOUNT = "111111111111"


def scan_template(
    tmp_path: Path, name: str, text: str, *args: str, account: str | None = ACCOUNT
) -> tuple[int, dict]:
    """`credmint scan` of a folder holding only `name`, with `--account-id account` unless `args`
    give their own or `account` is None: the exit status and the report."""
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(text)
    out = tmp_path / "report.json"
    given = () if account is None or "--account-id" in args else ("--account-id", account)
    code = main(["scan", str(folder), *given, "--fail-on", "none", "--format", "json", "-o", str(out), *args])
    return code, json.loads(out.read_text())


def grants_of(report: dict) -> dict[tuple[str, str, str], dict]:
    """The report's grants by (principal, action, target)."""
    return {(g["principal"], g["action"], g["target"]): g for g in report["grants"]}


def diagnostics_of(report: dict, level: str) -> list[tuple[str, int, str]]:
    return [(d["file"], d["line"], d["message"]) for d in report["diagnostics"] if d["level"] == level]
