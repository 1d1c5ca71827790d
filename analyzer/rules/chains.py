"""Role chains that reach administrator-equivalent roles which the caller could not reach directly."""

from __future__ import annotations

from typing import Iterator

from credmint.analyzer.model import PrincipalType
from credmint.analyzer.power import PowerLabel
from credmint.analyzer.rules.base import Finding, Rule, Settings
from credmint.analyzer.walk import Analysis

# Either label gives the whole account: `can-escalate` holds one action of `power.ESCALATIONS`.
ADMINISTRATOR_EQUIVALENT = (PowerLabel.ADMINISTRATOR, PowerLabel.CAN_ESCALATE)


def chain_reaches_administrator(rule: Rule, analysis: Analysis, settings: Settings) -> Iterator[Finding]:
    admins = {t: p for t, p in analysis.powers.items() if p.label in ADMINISTRATOR_EQUIVALENT}
    by_pair = {(g.principal, g.target): g for g in analysis.grants}
    for path in analysis.paths:
        power = admins.get(path.target)
        if power is None or (path.principal, path.target) in by_pair:
            continue
        first = by_pair[(path.hops[0].principal, path.hops[0].target)]
        if first.principal_type is PrincipalType.SERVICE:
            # A service principal acts only as someone directs it: the chain it starts is the design
            # (CloudFormation StackSets' administration role → execution role), and who may direct
            # it — iam:PassRole plus the service's launch call — is judged as a service path.
            continue
        chain = " -> ".join([path.principal, *(hop.target for hop in path.hops)])
        yield Finding(
            rule=rule.id,
            severity=rule.severity,
            title=rule.title,
            message=f"{path.principal} reaches administrator-equivalent {path.target} ({power.label.value}: "
            f"{', '.join(power.actions)}) only through {chain}",
            principal=path.principal,
            target=path.target,
            source=first.sources[0] if first.sources else None,
        )
