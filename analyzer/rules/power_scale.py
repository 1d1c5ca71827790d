"""Severity by the power of the target: a finding about minting credentials that can do little is
not as severe as one about credentials that own the account (docs/DECISIONS.md, "Issue 14 — power
and escalation").

Rules judge their base severity; `scale` caps it afterwards, in this one place, for the rules whose
harm is what the minted credentials can do (`SCALED_RULES`). `administrator`, `can-escalate` and
`unknown` (it may be either) keep the base severity.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Mapping

from credmint.analyzer.power import Power, PowerLabel
from credmint.analyzer.rules.base import Finding, Severity

SCALED_RULES = frozenset({"CM101", "CM102", "CM105", "CM301"})
CAPS: Mapping[PowerLabel, Severity] = {
    PowerLabel.WRITES: Severity.HIGH,
    PowerLabel.READ_ONLY: Severity.MEDIUM,
}


def scale(finding: Finding, powers: Mapping[str, Power]) -> Finding:
    """The finding with its severity capped by its target's power, saying so in its message."""
    power = powers.get(finding.target)
    if finding.rule not in SCALED_RULES or power is None or power.label not in CAPS:
        return finding
    cap = CAPS[power.label]
    if finding.severity.rank <= cap.rank:
        return finding
    what = f"writes {', '.join(power.services)}" if power.services else power.label.value
    return replace(
        finding,
        severity=cap,
        message=f"{finding.message} (severity {finding.severity.value} capped at {cap.value}: the target's "
        f"power is {what})",
    )
