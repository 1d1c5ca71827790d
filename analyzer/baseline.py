"""The baseline: findings accepted when credmint was adopted, so that only new ones gate a merge.

A JSON file listing finding identities (rule, principal, target) with the severity each had when it
was accepted; line numbers never matter, so moving a block keeps its finding accepted. A finding
whose severity rose since (a condition dropped: high → critical) is a new finding, as in `diff`
(issue 14 §4). Version 1 files recorded no severity: their entries accept any severity.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable, Mapping

from credmint.analyzer.rules import Finding, Severity

BASELINE_VERSION = 2

Baseline = Mapping[tuple[str, str, str], "Severity | None"]
"""Accepted finding identities and the severity accepted (None: any, a version 1 entry)."""


class BaselineError(Exception):
    """A baseline file that cannot be read."""


def read_baseline(path: Path) -> dict[tuple[str, str, str], Severity | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        version = data.get("schema_version", 1)
        if type(version) is not int or not 1 <= version <= BASELINE_VERSION:
            # A newer file may accept findings in a way this credmint cannot tell: refuse it.
            raise ValueError(f"schema_version {version!r} is not one this credmint reads (1 to {BASELINE_VERSION})")
        accepted: dict[tuple[str, str, str], Severity | None] = {}
        for entry in data["findings"]:
            key = (entry["rule"], entry["principal"], entry["target"])
            severity = None if entry.get("severity") is None else Severity(entry["severity"])
            accepted[key] = _higher(accepted[key], severity) if key in accepted else severity
        return accepted
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as problem:
        raise BaselineError(f"baseline {path} cannot be read: {problem}") from None


def accepted_findings(findings: Iterable[Finding]) -> dict[tuple[str, str, str], Severity | None]:
    """Each finding's identity with the highest severity it has among `findings`."""
    accepted: dict[tuple[str, str, str], Severity | None] = {}
    for finding in findings:
        accepted[finding.key] = _higher(accepted.get(finding.key, finding.severity), finding.severity)
    return accepted


def is_accepted(finding: Finding, baseline: Baseline) -> bool:
    """In the baseline at this severity or a higher one (or an entry that recorded none)."""
    if finding.key not in baseline:
        return False
    severity = baseline[finding.key]
    return severity is None or finding.severity.rank <= severity.rank


def write_baseline(path: Path, findings: Iterable[Finding]) -> None:
    accepted = accepted_findings(findings)
    data = {
        "schema_version": BASELINE_VERSION,
        "findings": [
            {"rule": r, "principal": p, "target": t, "severity": accepted[(r, p, t)].value}
            for r, p, t in sorted(accepted)
        ],
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")


def _higher(a: Severity | None, b: Severity | None) -> Severity | None:
    if a is None or b is None:
        return None
    return a if a.rank >= b.rank else b
