"""The power of what is minted: what a role's (or a federated user's) credentials can do.

Every role and federated-user target gets one label, strongest first:

- `administrator`: its policies, within its boundary and SCPs, allow every action on every resource;
- `can-escalate`: it holds one action of `ESCALATIONS` (each alone sufficient to gain more power: the
  privilege-escalation paths published for IAM by Rhino Security Labs and PMapper) on a resource it
  can use that way;
- `unknown`: one of the two above depends on what the templates do not show (a policy outside them,
  a value unknown before apply) — treated as the strongest by severity scaling;
- `writes`: an Allow statement names an action that is not a read (`READ_VERBS`), listed by service;
- `read-only`: none of the above.

The policies that make the label are kept as reasons and sources (docs/DECISIONS.md, "Issue 14 —
power and escalation").
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from functools import lru_cache
from typing import Iterable, Iterator, Sequence

from credmint.analyzer.callers import Caller, caller_side
from credmint.analyzer.inventory import Effect, Source, Unknown, Value, concat, render
from credmint.analyzer.model import Action, Certainty, Grant, PrincipalType
from credmint.analyzer.passrole import LAUNCHERS, launch_resource
from credmint.analyzer.patterns import Tri, match_resource
from credmint.analyzer.policy import Labelled, Request, Support, action_truth
from credmint.analyzer.variables import substitute_variables


class PowerLabel(str, Enum):
    ADMINISTRATOR = "administrator"
    CAN_ESCALATE = "can-escalate"
    UNKNOWN = "unknown"
    WRITES = "writes"
    READ_ONLY = "read-only"

    @property
    def rank(self) -> int:
        """Higher is stronger; `unknown` ranks above `writes` because it may be administrator."""
        return _RANKS[self]


_RANKS = {
    PowerLabel.ADMINISTRATOR: 4, PowerLabel.CAN_ESCALATE: 3, PowerLabel.UNKNOWN: 2, PowerLabel.WRITES: 1,
    PowerLabel.READ_ONLY: 0,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Power:
    label: PowerLabel
    services: tuple[str, ...] = ()
    """For `writes`: the services whose resources it can change (`*`: every service)."""
    actions: tuple[str, ...] = ()
    """The permissions that make `administrator` (`*`) or `can-escalate` (the escalation actions)."""
    reasons: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()

    @property
    def summary(self) -> str:
        """`writes (s3, sqs)`, `can-escalate (iam:AttachRolePolicy)`, `administrator (*)`, `read-only`."""
        listed = self.services or self.actions
        return self.label.value + (f" ({', '.join(listed)})" if listed else "")


@dataclass(frozen=True, slots=True)
class Escalation:
    """One IAM action that alone lets its holder gain permissions.

    `kind` is the IAM resource it acts on; `on_self` says whether acting on the holder itself
    escalates (attaching a policy to yourself does; creating an access key for yourself does not).
    """

    action: str
    kind: str
    on_self: bool


ESCALATIONS: tuple[Escalation, ...] = (
    Escalation("iam:AttachUserPolicy", "user", True),
    Escalation("iam:AttachGroupPolicy", "group", True),
    Escalation("iam:AttachRolePolicy", "role", True),
    Escalation("iam:PutUserPolicy", "user", True),
    Escalation("iam:PutGroupPolicy", "group", True),
    Escalation("iam:PutRolePolicy", "role", True),
    Escalation("iam:CreatePolicyVersion", "policy", True),
    Escalation("iam:SetDefaultPolicyVersion", "policy", True),
    Escalation("iam:AddUserToGroup", "group", True),
    Escalation("iam:UpdateAssumeRolePolicy", "role", False),
    Escalation("iam:CreateAccessKey", "user", False),
    Escalation("iam:CreateLoginProfile", "user", False),
    Escalation("iam:UpdateLoginProfile", "user", False),
)
"""iam:PassRole with a service launch call (`passrole.LAUNCHERS`) is the last escalation: see
`_pass_role`."""

ANY_ACTION = "credmint:AnyActionAtAll"
"""A made-up action that only `*`-style Action (or NotAction) patterns match."""
ANY_RESOURCE = "arn:aws:credmint-any-service:credmint-any-region:000000000000:credmint-any-resource"
"""A made-up resource that only `*`-style Resource patterns match."""
IAM_PROBE = "iam:PutRolePolicy"
"""With ANY_ACTION: a NotAction that keeps IAM out (PowerUserAccess) is not administrator."""

READ_VERBS = (
    "Get", "List", "Describe", "Head", "View", "Search", "Query", "Select", "PartiQLSelect", "Scan",
    "Lookup", "Read", "BatchGet", "BatchRead", "BatchDescribe", "BatchCheck", "BatchDetect", "Check",
    "Is", "Preview", "Validate", "Test", "Retrieve", "Discover", "Detect", "Verify", "Estimate",
    "Count", "Compare", "Evaluate", "Simulate", "Download", "Filter", "Sample", "Contains",
    "Classify", "Recognize", "Receive", "Generate", "AdminGet", "AdminList", "ESHttpGet", "ESHttpHead",
)
"""Verbs that begin the names of actions that only read (AWS's Service Authorization Reference
marks them Read or List). Any other action — a pattern that may match another verb included — writes."""
_READ_PREFIXES = tuple(verb.lower() for verb in READ_VERBS)


def power_of(caller: Caller) -> Power:
    """The label of a user or role of the templates, with the statements that make it.

    One without any Allow statement is `unknown`, not `read-only`: its policies are attached outside
    the analysed templates (or not yet), and a missed power is worse than a loud finding."""
    if not any(item.statement.effect is not Effect.DENY for item in caller.identity):
        return Power(label=PowerLabel.UNKNOWN, reasons=(
            f"no policy of the analysed templates allows {caller.name} anything: its policies are elsewhere",))
    admin = _administrator(caller)
    if admin is not None and admin.certainty is not Certainty.UNCERTAIN:
        return _power(PowerLabel.ADMINISTRATOR, [admin], actions=("*",))
    found = list(_escalations(caller))
    sure = [(action, s) for action, s in found if s.certainty is not Certainty.UNCERTAIN]
    if sure:
        actions = tuple(dict.fromkeys(action for action, _ in sure))
        return _power(PowerLabel.CAN_ESCALATE, [s for _, s in sure], actions=actions)
    doubts = [s for s in (admin, *(s for _, s in found)) if s is not None]
    written, unknown = _writes(caller)
    if doubts or unknown:
        reasons = tuple(dict.fromkeys(r for s in doubts for r in s.reasons)) + unknown
        return Power(label=PowerLabel.UNKNOWN, reasons=reasons,
                     sources=tuple(dict.fromkeys(src for s in doubts for src in s.sources)))
    if written:
        services = tuple(sorted(written))
        reasons = tuple(dict.fromkeys(r for items in written.values() for r in items))
        return Power(label=PowerLabel.WRITES, services=services, reasons=reasons,
                     sources=tuple(dict.fromkeys(s for items in written.values() for s in items.values())))
    return Power(label=PowerLabel.READ_ONLY, reasons=(f"no policy of {caller.name} allows an action that writes",))


def _power(label: PowerLabel, supports: Sequence[Support], actions: tuple[str, ...]) -> Power:
    return Power(
        label=label,
        actions=actions,
        reasons=tuple(dict.fromkeys(r for s in supports for r in s.reasons)),
        sources=tuple(dict.fromkeys(src for s in supports for src in s.sources)),
    )


def _administrator(caller: Caller) -> Support | None:
    found: Support | None = None
    for action in (ANY_ACTION, IAM_PROBE):
        request = Request(action=action, resource=ANY_RESOURCE, context=caller.context)
        support = caller_side(caller, request, "every action on every resource")
        if support is None:
            return None
        found = support if found is None else found & support
    return found


def _may_allow(allows: Sequence[Labelled], action: str) -> bool:
    """A cheap first cut: some Allow statement may cover the action."""
    return any(action_truth(item.statement, action) is not Tri.NO for item in allows)


def _escalations(caller: Caller) -> Iterator[tuple[str, Support]]:
    allows = [item for item in caller.identity if item.statement.effect is not Effect.DENY]
    for entry in ESCALATIONS:
        if not _may_allow(allows, entry.action):
            continue
        support = _best(
            caller_side(caller, Request(action=entry.action, resource=r, context=caller.context),
                        f"{entry.action} on {what}")
            for r, what in _candidates(caller, entry.action, entry.kind, entry.on_self)
        )
        if support is not None:
            yield entry.action, support
    if _may_allow(allows, "iam:PassRole"):
        yield from _pass_role(caller)


def _pass_role(caller: Caller) -> Iterator[tuple[str, Support]]:
    """iam:PassRole on a role other than its own, with a launch call of a service that runs code
    with the passed role (ec2:RunInstances, lambda:CreateFunction, ...)."""
    for service, (launch_action, template) in sorted(LAUNCHERS.items()):
        context = replace(caller.context, known={**caller.context.known, "iam:passedtoservice": (service,)})
        passing = _best(
            caller_side(caller, Request(action="iam:PassRole", resource=r, context=context),
                        f"iam:PassRole on {what} to {service}")
            for r, what in _candidates(caller, "iam:PassRole", "role", False)
        )
        if passing is None:
            continue
        resource = launch_resource(template, caller.account)
        launching = caller_side(caller, Request(action=launch_action, resource=resource, context=caller.context),
                                launch_action)
        if launching is not None:
            yield f"iam:PassRole+{launch_action}", passing & launching


def _best(supports: Iterable[Support | None]) -> Support | None:
    best: Support | None = None
    for support in supports:
        if support is not None and support.outranks(best):
            best = support
    return best


def _candidates(caller: Caller, action: str, kind: str, on_self: bool) -> Iterator[tuple[Value, str]]:
    """Resources to ask about: any other `kind` of the caller's account (what `*` or a wildcard
    covers), the caller itself when acting on itself escalates, and each resource its Allow
    statements name for the action (a named other principal), policy variables substituted."""
    yield concat("arn:aws:iam::", caller.account, f":{kind}/credmint-any-{kind}"), f"any {kind} of its account"
    if on_self and caller.type.value == kind:
        yield caller.entity.arn, "itself"
    shape = f"arn:aws:iam::*:{kind}/*"
    for item in _allows(caller.identity, action):
        if item.statement.is_not_resource:
            continue
        for pattern in item.statement.resources or ():
            substituted = substitute_variables(pattern, item.version, caller.context)
            if substituted is None:
                continue  # a variable the caller cannot have: the statement names nothing for it
            resource = _in_own_account(substituted, caller)
            text = render(resource)
            if match_resource(shape, resource) is Tri.NO or ":iam::aws:" in text:
                continue  # not this kind, or an AWS managed policy
            if not on_self and text == caller.id:
                continue
            yield resource, text


def _in_own_account(resource: Value, caller: Caller) -> Value:
    """IAM acts only on its own account's entities: `arn:aws:iam::*:user/x` there is the caller's user x."""
    if not isinstance(resource, str):
        return resource
    parts = resource.split(":", 5)
    if len(parts) == 6 and any(c in parts[4] for c in "*?"):
        return concat(":".join(parts[:4]) + ":", caller.account, ":" + parts[5])
    return resource


def _allows(items: Sequence[Labelled], action: str) -> Iterator[Labelled]:
    for item in items:
        if item.statement.effect is not Effect.DENY and action_truth(item.statement, action) is not Tri.NO:
            yield item


def _writes(caller: Caller) -> tuple[dict[str, dict[str, Source]], tuple[str, ...]]:
    """Services its identity statements may change (within its boundary), each with the statements
    that say so; and the doubts: statements whose actions are unknown before apply."""
    written, unknown = _written_services(caller.identity)
    if caller.boundary is None:
        return written, unknown
    bounded, doubts = _written_services(caller.boundary)
    return _within(written, bounded), unknown + doubts


def _within(written: dict[str, dict[str, Source]], bounded: dict[str, dict[str, Source]]) -> dict[str, dict[str, Source]]:
    """The services both sides may write (`*` on one side keeps the other's)."""
    if "*" in bounded:
        return written
    if "*" in written:
        return {service: written["*"] for service in bounded}
    return {service: reasons for service, reasons in written.items() if service in bounded}


def _written_services(items: Sequence[Labelled]) -> tuple[dict[str, dict[str, Source]], tuple[str, ...]]:
    written: dict[str, dict[str, Source]] = {}
    unknown: list[str] = []
    for item in items:
        statement = item.statement
        if statement.effect is Effect.DENY:
            continue
        if statement.unknown is not None or isinstance(statement.effect, Unknown):
            doubt = statement.unknown or statement.effect
            unknown.append(f"{item.origin} ({statement.source}): {doubt} is unknown before apply")
            continue
        for service, actions in _services_written(statement.actions, statement.is_not_action):
            if service is None:
                unknown.append(f"{item.origin} ({statement.source}): an action is unknown before apply")
            else:
                written.setdefault(service, {})[f"{item.origin} allows {actions} ({statement.source})"] = statement.source
    return written, tuple(dict.fromkeys(unknown))


@lru_cache(maxsize=16384)
def _services_written(actions: tuple[Value, ...], is_not_action: bool) -> tuple[tuple[str | None, str], ...]:
    """Each service an Action list may write (`*` for all) with the actions that do; the service None
    for an action unknown before apply. Cached: managed policies' lists are shared by their holders."""
    if is_not_action:
        return (("*", "every action but " + ", ".join(render(a) for a in actions)),)
    found: dict[str | None, list[str]] = {}
    for action in actions:
        if not isinstance(action, str):
            found.setdefault(None, []).append(render(action))
        elif is_write(action):
            found.setdefault(action.split(":", 1)[0].lower() if ":" in action else "*", []).append(action)
    return tuple((service, ", ".join(listed)) for service, listed in found.items())


def is_write(action: str) -> bool:
    """Can an Action pattern match an action that is not a read? `s3:Get*` no; `s3:*`, `s3:G*` yes."""
    if ":" not in action:
        return True
    service, name = action.split(":", 1)
    if "*" in service or "?" in service:
        return True
    head = name
    for wildcard in "*?":
        head = head.split(wildcard, 1)[0]
    return not head.lower().startswith(_READ_PREFIXES)


def target_powers(grants: Iterable[Grant], callers: Sequence[Caller]) -> dict[str, Power]:
    """The power of every role and federated-user target of the grants.

    A role of the templates has its own power; a role outside them is `unknown`. A federated
    user's session has at most its minting user's permissions (the session policy intersects them,
    and is chosen by the caller at call time): the strongest of the users that can mint the name.
    """
    by_id = {c.id: c for c in callers}
    known: dict[str, Power] = {}
    powers: dict[str, Power] = {}
    for grant in grants:
        if grant.action is Action.GET_SESSION_TOKEN:
            continue
        holder_id = grant.principal if grant.action is Action.GET_FEDERATION_TOKEN else grant.target
        holder = by_id.get(holder_id)
        if holder is None or (grant.action is not Action.GET_FEDERATION_TOKEN and holder.type is not PrincipalType.ROLE):
            power = Power(label=PowerLabel.UNKNOWN, reasons=(
                f"{grant.target} is not a role of the analysed templates: its policies are not seen",))
        else:
            if holder.id not in known:
                known[holder.id] = power_of(holder)
            power = known[holder.id]
        powers[grant.target] = strongest(powers.get(grant.target), power)
    return dict(sorted(powers.items()))


def strongest(held: Power | None, other: Power) -> Power:
    if held is None or other.label.rank > held.label.rank:
        return other
    if other is held or other.label.rank < held.label.rank or other == held:
        return held
    return Power(
        label=held.label,
        services=tuple(sorted(set(held.services) | set(other.services))),
        actions=tuple(dict.fromkeys(held.actions + other.actions)),
        reasons=tuple(dict.fromkeys(held.reasons + other.reasons)),
        sources=tuple(dict.fromkeys(held.sources + other.sources)),
    )
