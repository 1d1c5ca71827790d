"""The caller's side, as AWS's guide on granting permission to create temporary credentials advises
(id_credentials_temp_control-access_enable-create): grant minting to groups, not users; and mind that
GetFederationToken hands the user's own permissions to the sessions it mints."""

from __future__ import annotations

from typing import Iterator

from credmint.analyzer.callers import Caller
from credmint.analyzer.inventory import Effect
from credmint.analyzer.model import Action, PrincipalType
from credmint.analyzer.patterns import Tri, match_action
from credmint.analyzer.power import Power, PowerLabel, power_of
from credmint.analyzer.policy import Labelled
from credmint.analyzer.rules.base import Finding, Rule, Settings
from credmint.analyzer.walk import Analysis

MINTING = (Action.ASSUME_ROLE.value, Action.GET_FEDERATION_TOKEN.value)
"""What a user needs a permission for; GetSessionToken needs none (SEMANTICS.md §3)."""


def minting_on_user(rule: Rule, analysis: Analysis, settings: Settings) -> Iterator[Finding]:
    """A user's own policy names an STS minting action: AWS advises a group's policy instead.

    Only statements that name the `sts` service count: `*` and NotAction grant everything and are
    other rules' concern."""
    for caller in analysis.world.callers:
        if caller.type is not PrincipalType.USER:
            continue
        found = [(item, actions) for item in caller.own if (actions := _minting_actions(item))]
        if not found:
            continue
        item, actions = found[0]
        where = "; ".join(f"{i.origin} ({i.statement.source})" for i, _ in found)
        yield Finding(
            rule=rule.id,
            severity=rule.severity,
            title=rule.title,
            message=f"user {caller.name} is granted {', '.join(actions)} directly: {where}. Move the statement "
            f"to a group's policy and add {caller.name} to that group, so that access is given and taken "
            "away by group membership",
            principal=caller.id,
            target=caller.id,
            source=item.statement.source,
        )


def _minting_actions(item: Labelled) -> list[str]:
    statement = item.statement
    if statement.effect is not Effect.ALLOW or statement.is_not_action:
        return []
    named = [a for a in statement.actions if isinstance(a, str) and a.lower().startswith("sts:")]
    return [m for m in MINTING if any(match_action(a, m) is not Tri.NO for a in named)]


def federation_with_power(rule: Rule, analysis: Analysis, settings: Settings) -> Iterator[Finding]:
    """GetFederationToken gives the session the user's own permissions (within the session policy
    the caller picks): a user with administrator or escalation permissions mints that power."""
    callers = {c.id: c for c in analysis.world.callers}
    powers: dict[str, Power] = {}
    for grant in analysis.grants:
        caller: Caller | None = callers.get(grant.principal)
        if grant.action is not Action.GET_FEDERATION_TOKEN or caller is None:
            continue
        if caller.id not in powers:
            powers[caller.id] = power_of(caller)
        power = powers[caller.id]
        if power.label not in (PowerLabel.ADMINISTRATOR, PowerLabel.CAN_ESCALATE):
            continue
        yield rule.finding(
            grant,
            f"{grant.principal} may mint federated sessions for {grant.target} while holding "
            f"{power.label.value} permissions ({', '.join(power.actions)}; "
            f"{'; '.join(power.reasons[:3])}): a session gets the user's permissions within the "
            "session policy the caller chooses",
        )
