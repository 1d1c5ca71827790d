"""Who can mint what: run every STS mechanism over the inventory, then chain the grants.

One function per mechanism, listed in `MECHANISMS`; the graph and its shortest paths come from
`analyzer.graph`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterable, Iterator

from analyzer.callers import Caller, PolicyIndex, PolicyLookup, build_callers
from analyzer.candidates import CallerIndex
from analyzer.inventory import Diagnostic, Inventory
from analyzer.model import ChainPath, Grant, ReportPrincipal
from analyzer.graph import build_graph, shortest_paths
from analyzer.passrole import ServicePath, service_paths
from analyzer.identity import federation_grants, outside_role_grants, session_token_grants
from analyzer.trust import TrustedRole, grants_for_callers, grants_for_outsiders, invalid_principals, trusted_role


@dataclass(frozen=True, slots=True, kw_only=True)
class World:
    """The inventory read for the walk: callers with their policies, roles with their trust."""

    callers: tuple[Caller, ...]
    index: CallerIndex
    roles: tuple[TrustedRole, ...]
    role_arns: frozenset[str]


Mechanism = Callable[[World], Iterator[Grant]]


def assume_role_by_trust(world: World) -> Iterator[Grant]:
    for target in world.roles:
        yield from grants_for_callers(target, world.index)
        yield from grants_for_outsiders(target, world.callers)


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


def analyze(inventory: Inventory, policy_lookup: PolicyLookup | None = None) -> Analysis:
    index = PolicyIndex(inventory.policies, policy_lookup)
    callers = tuple(build_callers(inventory, index))
    roles = tuple(t for t in (trusted_role(r) for r in inventory.roles) if t is not None)
    world = World(
        callers=callers, index=CallerIndex(callers), roles=roles, role_arns=frozenset(t.id for t in roles)
    )
    grants = merge_grants(g for mechanism in MECHANISMS for g in mechanism(world))
    diagnostics = [*inventory.diagnostics, *index.diagnostics]
    for target in roles:
        diagnostics += invalid_principals(target)
    graph = build_graph(grants)
    return Analysis(
        inventory=inventory,
        world=world,
        principals=tuple(_principals(callers, grants)),
        grants=grants,
        paths=tuple(shortest_paths(graph)),
        service_paths=tuple(service_paths(grants, callers)),
        diagnostics=tuple(sorted(set(diagnostics), key=_diagnostic_order)),
    )


def _diagnostic_order(diagnostic: Diagnostic) -> tuple:
    return (diagnostic.file, diagnostic.line, diagnostic.level.value, diagnostic.message)


def merge_grants(grants: Iterable[Grant]) -> tuple[Grant, ...]:
    """One grant per (principal, action, target): the strongest, with every reason (DECISIONS.md)."""
    merged: dict[tuple[str, str, str], Grant] = {}
    for grant in grants:
        held = merged.get(grant.key)
        if held is None:
            merged[grant.key] = grant
            continue
        stronger = grant if _stronger(grant, held) else held
        merged[grant.key] = replace(
            stronger,
            reasons=tuple(dict.fromkeys(stronger.reasons + held.reasons + grant.reasons)),
            sources=tuple(dict.fromkeys(stronger.sources + held.sources + grant.sources)),
        )
    return tuple(sorted(merged.values(), key=lambda g: g.key))


def _stronger(candidate: Grant, held: Grant) -> bool:
    if candidate.certainty.rank != held.certainty.rank:
        return candidate.certainty.rank > held.certainty.rank
    return len(candidate.conditions) < len(held.conditions)


def _principals(callers: Iterable[Caller], grants: Iterable[Grant]) -> Iterator[ReportPrincipal]:
    """The templates' users and roles, then every outside principal that holds a grant."""
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
    outside = {g.principal: g.principal_type for g in grants if g.principal not in seen}
    for principal, kind in sorted(outside.items()):
        yield ReportPrincipal(id=principal, type=kind, name=principal)
