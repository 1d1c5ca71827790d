"""Who can mint what: run every STS mechanism over the inventory, then chain the grants.

One function per mechanism, listed in `MECHANISMS`; the graph and its shortest paths come from
`credmint.analyzer.graph`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import islice
from typing import Callable, Iterable, Iterator, Mapping

from credmint.analyzer.callers import Caller, PolicyIndex, PolicyLookup, build_callers
from credmint.analyzer.candidates import CallerIndex
from credmint.analyzer.graph import shortest_paths
from credmint.analyzer.identity import federation_grants, outside_role_grants, session_token_grants
from credmint.analyzer.inventory import (
    CURRENT_ACCOUNT,
    Diagnostic,
    DiagnosticLevel,
    IdentityProvider,
    Inventory,
    Value,
    render,
    unknowns_in,
)
from credmint.analyzer.model import Action, Certainty, ChainPath, Grant, ReportPrincipal, strength
from credmint.analyzer.passrole import ServicePath, service_paths
from credmint.analyzer.power import Power, target_powers
from credmint.analyzer.trust import (
    TrustedRole,
    grants_for_callers,
    grants_for_outsiders,
    invalid_principals,
    known_callers,
    trusted_role,
    unusable_trusts,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class World:
    """The inventory read for the walk: callers with their policies, roles with their trust."""

    callers: tuple[Caller, ...]
    index: CallerIndex
    roles: tuple[TrustedRole, ...]
    role_arns: frozenset[str]
    arn_doubts: Mapping[str, tuple[str, ...]]
    """Each caller whose ARN is partly unknown before apply → a doubt per unknown part
    (`unknown_names_are_uncertain`), worded once per walk rather than once per grant."""
    pairs: "PairCount" = field(default_factory=lambda: PairCount(MAX_TRUST_PAIRS))


Mechanism = Callable[[World], Iterator[Grant]]


class TooMuchWork(Exception):
    """A bound on the analysis' own work was reached; the message names it."""


@dataclass(slots=True)
class PairCount:
    """(caller, role) pairs whose trust was evaluated in one analysis."""

    left: int = 0
    stopped: str = ""

    def spend(self, pairs: int) -> None:
        self.left -= pairs
        if self.left < 0:
            raise TooMuchWork(
                f"more than {MAX_TRUST_PAIRS:,} caller-role pairs to evaluate (trust policies whose "
                "principal is unknown or `*` offer every caller): the rest are not analysed"
            )


def assume_role_by_trust(world: World) -> Iterator[Grant]:
    known = known_callers(world.callers)
    for target in world.roles:
        yield from grants_for_callers(target, world.index, world.pairs.spend)
        yield from grants_for_outsiders(target, world.callers, known)


def assume_role_outside_templates(world: World) -> Iterator[Grant]:
    for caller in world.callers:
        yield from outside_role_grants(caller, world.role_arns)


def get_federation_token(world: World) -> Iterator[Grant]:
    for caller in world.callers:
        yield from federation_grants(caller)


def get_session_token(world: World) -> Iterator[Grant]:
    for caller in world.callers:
        yield from session_token_grants(caller)


MECHANISMS: tuple[Mechanism, ...] = (
    assume_role_by_trust,
    assume_role_outside_templates,
    get_federation_token,
    get_session_token,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Analysis:
    inventory: Inventory
    world: World
    principals: tuple[ReportPrincipal, ...]
    grants: tuple[Grant, ...]
    paths: tuple[ChainPath, ...]
    service_paths: tuple[ServicePath, ...]
    diagnostics: tuple[Diagnostic, ...]
    powers: Mapping[str, Power] = field(default_factory=dict)
    """The power of each role and federated-user target (analyzer/power.py)."""


def analyze(inventory: Inventory, policy_lookup: PolicyLookup | None = None) -> Analysis:
    index = PolicyIndex(inventory.policies, policy_lookup)
    callers = tuple(build_callers(inventory, index))
    roles = tuple(t for t in (trusted_role(r) for r in inventory.roles) if t is not None)
    world = World(
        callers=callers,
        index=CallerIndex(callers),
        roles=roles,
        role_arns=frozenset(t.id for t in roles),
        arn_doubts=_arn_doubts({c.id: c.entity.arn for c in callers}),
    )
    found = list(islice(
        (unknown_names_are_uncertain(g, world) for g in _bounded(world)), MAX_GRANTS + 1
    ))
    grants = merge_grants(found[:MAX_GRANTS])
    diagnostics = [*inventory.diagnostics, *index.diagnostics]
    if world.pairs.stopped:
        diagnostics.append(_too_many(world.pairs.stopped))
    if len(found) > MAX_GRANTS:
        diagnostics.append(_too_many(f"more than {MAX_GRANTS} grants: the rest are not reported"))
    for target in roles:
        diagnostics += invalid_principals(target)
        diagnostics += unusable_trusts(target)
    return Analysis(
        inventory=inventory,
        world=world,
        principals=tuple(_principals(callers, grants, inventory.providers)),
        grants=grants,
        paths=_bounded_paths(grants, diagnostics),
        service_paths=tuple(service_paths(grants, callers)),
        diagnostics=tuple(sorted(set(diagnostics), key=_diagnostic_order)),
        powers=target_powers(grants, callers),
    )


MAX_GRANTS = 250_000
"""Hostile input can make grants quadratic (N roles trusting `*`: N² grants); past this bound the run
fails closed with an error instead of hanging (issue 9). A 10,000-user organisation has about
110,000 grants (bench/), so the bound leaves it room twice over; 250,000 grants take about 10 s and
stay under 1 GiB with the report."""
MAX_TRUST_PAIRS = 500_000
"""A trust whose principal is unknown (a parameter without a value, every deploy-time choice
read at once) or `*` is evaluated against every caller: 700 such roles and 700 callers are
half a million evaluations (10 to 20 s); a 1 MB template held 2,700 (162 s)."""
MAX_PATH_HOPS = 300_000
"""Hops summed over every listed chain: chains grow quadratically in number and length (a line of
1,500 roles made a 290 MB report and 2 GiB); past this bound they are cut, with an error."""


def _bounded_paths(grants: Iterable[Grant], diagnostics: list[Diagnostic]) -> tuple[ChainPath, ...]:
    paths: list[ChainPath] = []
    hops = 0
    for path in shortest_paths(grants):
        hops += len(path.hops)
        if hops > MAX_PATH_HOPS:
            diagnostics.append(_too_many(f"chains of more than {MAX_PATH_HOPS} hops in all: the rest are not listed"))
            break
        paths.append(path)
    return tuple(paths)


def _bounded(world: World) -> Iterator[Grant]:
    """Every mechanism's grants; one that reaches a bound on its work stops there (an error)."""
    for mechanism in MECHANISMS:
        try:
            yield from mechanism(world)
        except TooMuchWork as problem:
            world.pairs.stopped = str(problem)


def _too_many(message: str) -> Diagnostic:
    return Diagnostic(level=DiagnosticLevel.ERROR, message=message, file=".", line=0)


def unknown_names_are_uncertain(grant: Grant, world: World) -> Grant:
    """A grant naming a user or role whose ARN is partly unknown before apply (a variable without a
    value, an attribute known after apply) is `uncertain`, its reasons naming each unknown.

    No doubt comes from the deploying account's symbol (it is the account, whatever its id) nor
    from a generated name part (`name_prefix`, CloudFormation's suffix): those entities exist
    whatever the name, and matching already makes uncertain the decisions that depend on it."""
    if grant.action is Action.GET_SESSION_TOKEN:
        return grant  # every user may, whatever its name (SEMANTICS.md §3)
    principal, target = world.arn_doubts.get(grant.principal, ()), world.arn_doubts.get(grant.target, ())
    if not principal and not target:
        return grant
    doubts = tuple(dict.fromkeys(principal + target))
    return replace(grant, certainty=Certainty.UNCERTAIN, reasons=grant.reasons + doubts)


def _arn_doubts(arns: Mapping[str, Value]) -> dict[str, tuple[str, ...]]:
    """For each identity whose ARN holds unknown parts (the account's symbol and generated name
    parts aside), why it is doubtful: the words `unknown_names_are_uncertain` adds to its grants."""
    doubts: dict[str, tuple[str, ...]] = {}
    for identity, arn in arns.items():
        parts = [part for part in unknowns_in(arn) if part != CURRENT_ACCOUNT and not part.generated]
        if parts:
            doubts[identity] = tuple(
                f"{p} is unknown before apply" + (f" ({p.reason})" if p.reason else "") for p in parts
            )
    return doubts


def _diagnostic_order(diagnostic: Diagnostic) -> tuple:
    return (diagnostic.file, diagnostic.line, diagnostic.level.value, diagnostic.message)


def merge_grants(grants: Iterable[Grant]) -> tuple[Grant, ...]:
    """One grant per (principal, action, target): the strongest, with every reason (DECISIONS.md)."""
    merged: dict[tuple[str, str, str], Grant] = {}
    for grant in grants:
        key = grant.key
        held = merged.get(key)
        if held is None:
            merged[key] = grant
            continue
        stronger = grant if strength(grant.certainty, grant.conditions) > strength(held.certainty, held.conditions) else held
        merged[key] = replace(
            stronger,
            reasons=tuple(dict.fromkeys(stronger.reasons + held.reasons + grant.reasons)),
            sources=tuple(dict.fromkeys(stronger.sources + held.sources + grant.sources)),
        )
    return tuple(merged[key] for key in sorted(merged))


def _principals(
    callers: Iterable[Caller], grants: Iterable[Grant], providers: Iterable[IdentityProvider]
) -> Iterator[ReportPrincipal]:
    """The templates' users and roles, then every other principal that holds a grant — an identity
    provider of the templates with its address and source."""
    seen: set[str] = set()
    for caller in sorted(callers, key=lambda c: c.id):
        if caller.id in seen:
            continue
        seen.add(caller.id)
        yield ReportPrincipal(
            id=caller.id,
            type=caller.type,
            name=caller.name,
            address=caller.entity.address,
            source=caller.entity.source,
        )
    defined = {render(p.arn): p for p in providers}
    outside = {g.principal: g.principal_type for g in grants if g.principal not in seen}
    for principal, kind in sorted(outside.items()):
        provider = defined.get(principal)
        if provider is None:
            yield ReportPrincipal(id=principal, type=kind, name=principal)
        else:
            yield ReportPrincipal(
                id=principal, type=kind, name=principal, address=provider.address, source=provider.source
            )
