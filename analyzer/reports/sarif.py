"""`--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it (CONTRACT.md "SARIF").

Every rule of `credmint.analyzer.rules.RULES` is listed with its stable id, short and full description,
help and `security-severity`; each finding is one result located at the statement that creates
the grant, with the grant's other statements as related locations. Accepted (suppressed) findings
stay in the log as results carrying a `suppressions` entry, so that nothing is silently dropped.
URIs are repository-relative, as the sources are, and percent-encoded (RFC 3986) so that a file
name with a space or `%` is still a `uri-reference` GitHub accepts (issue 15 §6); the run carries
`automationDetails.id`, so that code scanning keeps credmint's runs apart from other tools'.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Iterable, Union
from urllib.parse import quote

from credmint.analyzer import __version__
from credmint.analyzer.diff import Diff
from credmint.analyzer.inventory import DiagnosticLevel, Source
from credmint.analyzer.model import Grant
from credmint.analyzer.report import Report
from credmint.analyzer.rules import RULES, Finding, Rule, Severity
from credmint.analyzer.suppressions import SuppressedFinding

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
AUTOMATION_ID = "credmint/"
"""The run's category: GitHub keeps one analysis per category (the trailing `/` ends the prefix)."""
INFORMATION_URI = "https://github.com/credmint/credmint"
SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}
LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}


def _rule_name(rule: Rule) -> str:
    return "".join(word.capitalize() for word in re.findall(r"[A-Za-z0-9]+", rule.title))


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": _rule_name(rule),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale},
        "help": {
            "text": f"{rule.rationale} Fix: {rule.fix}",
            "markdown": f"{rule.rationale}\n\n**Fix:** {rule.fix}",
        },
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "security-severity": SECURITY_SEVERITY[rule.severity],
            "precision": "high",
            "tags": ["security", "iam", "sts"],
        },
    }


def uri(file: str) -> str:
    """A repository-relative path as a relative URI reference: every byte but the unreserved
    characters and `/` percent-encoded, the one escape of this format."""
    return quote(file, safe="/")


def _location(
    source: Source, message: str | None = None, index: int | None = None
) -> dict[str, Any]:
    location: dict[str, Any] = {}
    if index is not None:
        location["id"] = index
    location["physicalLocation"] = {
        "artifactLocation": {"uri": uri(source.file)},
        "region": {"startLine": max(source.line, 1)},
    }
    if message:
        location["message"] = {"text": message}
    return location


def _fingerprint(finding: Finding) -> str:
    return hashlib.sha256("|".join(finding.key).encode("utf-8")).hexdigest()[:32]


def result_for(
    finding: Finding,
    grants: Iterable[Grant],
    suppression: SuppressedFinding | None,
    unreviewed: SuppressedFinding | None = None,
) -> dict[str, Any]:
    rule_index = next(i for i, rule in enumerate(RULES) if rule.id == finding.rule)
    related = [s for g in grants for s in g.sources if s != finding.source]
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": f"{finding.title}: {finding.message}"},
        "locations": [_location(finding.source)] if finding.source else [],
        "relatedLocations": [
            _location(s, "also involved", i) for i, s in enumerate(dict.fromkeys(related), 1)
        ],
        "partialFingerprints": {"credmintFinding/v1": _fingerprint(finding)},
        "properties": {
            "severity": finding.severity.value,
            "principal": finding.principal,
            "target": finding.target,
        },
    }
    if unreviewed is not None:  # a suppression the change adds: not obeyed (issue 15 §1)
        result["properties"]["unreviewedSuppression"] = {
            "reason": unreviewed.reason,
            "origin": unreviewed.origin,
        }
    if suppression is not None:
        kind = "inSource" if suppression.in_source else "external"
        result["suppressions"] = [
            {"kind": kind, "status": "accepted", "justification": suppression.reason}
        ]
    return result


def sarif_log(subject: Union[Report, Diff]) -> dict[str, Any]:
    head = subject if isinstance(subject, Report) else subject.head
    findings = subject.findings
    suppressed = subject.suppressed
    by_pair: dict[tuple[str, str], list[Grant]] = {}
    for grant in head.analysis.grants:
        by_pair.setdefault((grant.principal, grant.target), []).append(grant)
    entries = [(f, None) for f in findings] + [(s.finding, s) for s in suppressed]
    entries.sort(key=lambda e: (e[0].key, e[1] is not None))
    unreviewed = {s.finding.key: s for s in getattr(subject, "added_suppressions", ())}
    results = [
        result_for(f, by_pair.get((f.principal, f.target), []), s, None if s else unreviewed.get(f.key))
        for f, s in entries
    ]
    return _log(invocation(subject), results)


def _log(run_invocation: dict[str, Any], results: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "credmint",
                        "version": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [rule_descriptor(rule) for rule in RULES],
                    }
                },
                "automationDetails": {"id": AUTOMATION_ID},
                "invocations": [run_invocation],
                "results": results,
            }
        ],
    }


def invocation(subject: Union[Report, Diff]) -> dict[str, Any]:
    """Inputs that could not be read, as tool notifications: code scanning shows a failed run
    instead of a clean one (CONTRACT.md: an unreadable input never passes silently)."""
    diagnostics = (
        subject.analysis.diagnostics if isinstance(subject, Report) else subject.diagnostics
    )
    errors = [d for d in diagnostics if d.level is DiagnosticLevel.ERROR]
    return {
        "executionSuccessful": not errors,
        "toolExecutionNotifications": [
            {
                "level": "error",
                "message": {"text": d.message},
                "locations": [] if d.file in ("", ".") else [_location(Source(file=d.file, line=d.line))],
            }
            for d in errors
        ],
    }


def render(subject: Union[Report, Diff]) -> str:
    return json.dumps(sarif_log(subject), indent=2, ensure_ascii=False) + "\n"


def render_failure(why: str) -> str:
    """The log of a run that could not analyse at all: no results, a failed invocation saying why
    (code scanning then shows a failed run, never a clean one)."""
    failed = {
        "executionSuccessful": False,
        "toolExecutionNotifications": [{"level": "error", "message": {"text": why}}],
    }
    return json.dumps(_log(failed, []), indent=2, ensure_ascii=False) + "\n"
