"""The grant graph and its role-chaining paths.

Nodes are CONTRACT.md identities; each edge carries its `Grant`. A role session may call
AssumeRole, so chains continue through roles; federated-user sessions may call no STS action but
GetCallerIdentity (SEMANTICS.md §1), so their nodes have no outgoing edge and end every chain.
GetSessionToken's self-grants are left out: they reach nothing new.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, Iterator

from credmint.analyzer.model import Action, ChainPath, Grant, Hop

if TYPE_CHECKING:
    import networkx as nx


def build_graph(grants: Iterable[Grant]) -> "nx.MultiDiGraph":
    """Every grant an edge (explain's questions); networkx is imported by what asks for it."""
    import networkx as nx

    graph = nx.MultiDiGraph()
    for grant in sorted(grants, key=lambda g: g.key):
        if not _is_edge(grant):
            continue
        graph.add_edge(grant.principal, grant.target, key=grant.action.value, grant=grant)
    return graph


def _is_edge(grant: Grant) -> bool:
    """Every grant but GetSessionToken's and a role's own: those reach nothing new."""
    return grant.action is not Action.GET_SESSION_TOKEN and grant.principal != grant.target


ANY = "*"

MAX_CHAIN_HOPS = 32
"""Chains longer than this are not listed (every grant still is): a hostile line of N roles would
otherwise build N² hops per source."""


def shortest_paths(grants: Iterable[Grant]) -> Iterator[ChainPath]:
    """For each principal and each target it reaches through two or more grants, one shortest chain:
    the first found by a breadth-first search that takes each node's successors in name order (as
    networkx's `generic_bfs_edges` over a graph built from the sorted hops would; a scan does not
    import networkx for it, which cost every run 80 ms)."""
    hops = _chain_hops(grants)
    successors: dict[str, list[str]] = {}
    for here, there in sorted(hops):
        successors.setdefault(here, []).append(there)
    for source in sorted(successors):
        chains: dict[str, tuple[Hop, ...]] = {source: ()}
        level = [source]
        for _ in range(MAX_CHAIN_HOPS):
            reached: list[str] = []
            for here in level:
                # `*` is two identities: the public principal (a trust's `"AWS": "*"`), which starts
                # chains, and the target pattern "any role outside the templates" (an identity
                # allow on `*`), which ends them (docs/DECISIONS.md, Paths).
                if here == ANY and source != ANY:
                    continue
                for there in successors.get(here, ()):
                    if there not in chains:
                        chains[there] = chains[here] + (hops[(here, there)],)
                        reached.append(there)
            if not reached:
                break
            level = reached
        for target in sorted(chains):
            chain = chains[target]
            if len(chain) >= 2:
                yield ChainPath(principal=source, target=target, hops=chain)


def _chain_hops(grants: Iterable[Grant]) -> dict[tuple[str, str], Hop]:
    """One hop per pair that a grant connects (the edges of `build_graph`), by the least action
    name; paths share these frozen hops. Read from the grants, not from a graph built for it."""
    least: dict[tuple[str, str], Action] = {}
    for grant in grants:
        if not _is_edge(grant):
            continue
        pair = (grant.principal, grant.target)
        held = least.get(pair)
        if held is None or grant.action._value_ < held._value_:
            least[pair] = grant.action
    return {
        (here, there): Hop(principal=here, action=action, target=there) for (here, there), action in least.items()
    }
