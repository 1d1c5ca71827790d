"""The report: an analysis plus the run's settings, as the renderers and outside checks see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from credmint.analyzer import __version__
from credmint.analyzer.inventory import Condition, Diagnostic, Source, render
from credmint.analyzer.model import ChainPath, Grant, ReportPrincipal
from credmint.analyzer.suppressions import SuppressedFinding
from credmint.analyzer.passrole import ServicePath
from credmint.analyzer.power import Power
from credmint.analyzer.session_tokens import session_tokens
from credmint.analyzer.walk import Analysis

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    analysis: Analysis
    account_id: str | None
    findings: tuple = ()
    fail_on: str = "high"
    suppressed: tuple[SuppressedFinding, ...] = ()
    """Findings a user accepted (config, baseline, inline): listed in every report, never dropped."""


def source_dict(source: Source | None) -> dict[str, Any] | None:
    return None if source is None else {"file": source.file, "line": source.line}


def condition_dict(condition: Condition) -> dict[str, Any]:
    return {
        "operator": condition.operator,
        "key": condition.key,
        "values": [render(v) for v in condition.values],
    }


# Per grant and per hop, enum values are read as `_value_`: the same value without the `value`
# property's call (Python 3.11), a measurable part of the JSON report of a 10,000-user organisation.


def grant_dict(grant: Grant) -> dict[str, Any]:
    return {
        "principal": grant.principal,
        "action": grant.action._value_,
        "target": grant.target,
        "certainty": grant.certainty._value_,
        "conditions": [condition_dict(c) for c in grant.conditions],
        "except": list(grant.excepted),
        "reasons": list(grant.reasons),
        "sources": [source_dict(s) for s in grant.sources],
    }


def principal_dict(principal: ReportPrincipal) -> dict[str, Any]:
    return {
        "id": principal.id,
        "type": principal.type.value,
        "name": principal.name,
        "address": principal.address,
        "source": source_dict(principal.source),
    }


def path_dict(path: ChainPath) -> dict[str, Any]:
    return {
        "principal": path.principal,
        "target": path.target,
        "hops": [
            {"principal": h.principal, "action": h.action._value_, "target": h.target} for h in path.hops
        ],
    }


def service_path_dict(path: ServicePath) -> dict[str, Any]:
    return {
        "principal": path.principal,
        "role": path.role,
        "service": path.service,
        "actions": list(path.actions),
        "certainty": path.certainty.value,
        "reasons": list(path.reasons),
        "sources": [source_dict(s) for s in path.sources],
    }


def power_dict(target: str, power: Power) -> dict[str, Any]:
    return {
        "target": target,
        "power": power.label.value,
        "services": list(power.services),
        "actions": list(power.actions),
        "reasons": list(power.reasons),
        "sources": [source_dict(s) for s in power.sources],
    }


def diagnostic_dict(diagnostic: Diagnostic) -> dict[str, Any]:
    return {
        "level": diagnostic.level.value,
        "file": diagnostic.file,
        "line": diagnostic.line,
        "message": diagnostic.message,
    }


def suppressed_dict(suppressed: SuppressedFinding) -> dict[str, Any]:
    return {
        **suppressed.finding.as_dict(),
        "suppression": {"reason": suppressed.reason, "origin": suppressed.origin, "expires": suppressed.expires},
    }


def report_dict(report: Report) -> dict[str, Any]:
    """The JSON report of CONTRACT.md, field for field."""
    analysis = report.analysis
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "credmint", "version": __version__},
        "account_id": report.account_id,
        "inputs": [{"path": i.path, "format": i.format} for i in analysis.inventory.inputs],
        "principals": [principal_dict(p) for p in analysis.principals],
        "grants": [_with_power(grant_dict(g), analysis.powers.get(g.target)) for g in analysis.grants],
        "paths": [path_dict(p) for p in analysis.paths],
        "service_paths": [service_path_dict(p) for p in analysis.service_paths],
        "findings": [f.as_dict() for f in report.findings],
        "suppressed": [suppressed_dict(s) for s in report.suppressed],
        "diagnostics": [diagnostic_dict(d) for d in analysis.diagnostics],
        "powers": [power_dict(t, p) for t, p in analysis.powers.items()],
        "session_tokens": session_tokens(analysis).as_dict(),
    }


def _with_power(grant: dict[str, Any], power: Power | None) -> dict[str, Any]:
    """`target_power`: the label of the target's power (`powers` has why); null for a user's own
    session token."""
    grant["target_power"] = None if power is None else power.label._value_
    return grant
