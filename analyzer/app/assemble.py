"""The report of one tree: run the rules, set the accepted findings apart, keep their warnings."""

from __future__ import annotations

from dataclasses import replace

from credmint.analyzer.report import Report
from credmint.analyzer.rules import Settings, find_findings
from credmint.analyzer.suppressions import Suppressions, apply_suppressions
from credmint.analyzer.walk import Analysis


def build_report(
    analysis: Analysis,
    *,
    rules: Settings = Settings(),
    suppressions: Suppressions = Suppressions(),
    fail_on: str = "high",
) -> Report:
    findings, suppressed, warnings = apply_suppressions(
        find_findings(analysis, rules), analysis.grants, suppressions
    )
    if warnings:
        merged = dict.fromkeys([*analysis.diagnostics, *warnings])
        ordered = sorted(merged, key=lambda d: (d.file, d.line, d.level.value, d.message))
        analysis = replace(analysis, diagnostics=tuple(ordered))
    return Report(
        analysis=analysis,
        account_id=rules.account_id,
        findings=findings,
        suppressed=suppressed,
        fail_on=fail_on,
    )
