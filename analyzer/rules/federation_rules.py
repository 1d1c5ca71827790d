"""GetFederationToken wider than it should be (SEMANTICS.md §2)."""

from __future__ import annotations

from typing import Iterator

from credmint.analyzer.federation import covers
from credmint.analyzer.model import Action
from credmint.analyzer.patterns import Tri
from credmint.analyzer.rules.base import Finding, Rule, Settings
from credmint.analyzer.walk import Analysis


def federation_too_wide(rule: Rule, analysis: Analysis, settings: Settings) -> Iterator[Finding]:
    for grant in analysis.grants:
        if grant.action is not Action.GET_FEDERATION_TOKEN:
            continue
        name = grant.target.split("federated-user/", 1)[-1]
        if name == "*" and not settings.federation_allowance:
            yield rule.finding(grant, f"{grant.principal} can mint federated-user credentials for any name")
            continue
        if settings.federation_allowance and not any(
            covers(allowed, name) is Tri.YES for allowed in settings.federation_allowance
        ):
            yield rule.finding(
                grant,
                f"{grant.principal} can mint federated-user credentials for {name}, wider than the allowance "
                f"{', '.join(settings.federation_allowance)}",
            )
