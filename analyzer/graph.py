"""The grant graph and its role-chaining paths.

Nodes are CONTRACT.md identities; each edge carries its `Grant`. A role session may call
AssumeRole, so chains continue through roles; federated-user sessions may call no STS action but
GetCallerIdentity (SEMANTICS.md §1), so their nodes have no outgoing edge and end every chain.
GetSessionToken's self-grants are left out: they reach nothing new.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import networkx as nx

from credmint.analyzer.model import Action, ChainPath, Grant, Hop


def build_graph(grants: Iterable[Grant]) -> "nx.MultiDiGraph":
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
    """For each principal and each target it reaches through two or more grants, one shortest chain."""
    hops = _chain_hops(grants)
    simple = nx.DiGraph()
    simple.add_nodes_from(sorted({node for pair in hops for node in pair}))
    simple.add_edges_from(sorted(hops))
    # `*` is two identities: the public principal (a trust's `"AWS": "*"`), which starts chains,
    # and the target pattern "any role outside the templates" (an identity allow on `*`), which
    # ends them (docs/DECISIONS.md, Paths). Reached as a target, it goes no further: a neighbour
    # function says so (a filtered view slowed every BFS step fivefold, a copy of the graph
    # without its edges cost as much as building it).
    successors = simple.neighbors

    def onward(node: str) -> Iterator[str]:
        return iter(()) if node == ANY else successors(node)

    for source in sorted(simple.nodes):
        if simple.out_degree(source) == 0:
            continue
        # The BFS tree from `source`: each node's chain extends its discoverer's, as
        # single_source_shortest_path would choose it, without building a node list per target.
        chains: dict[str, tuple[Hop, ...]] = {source: ()}
        neighbors = successors if source == ANY else onward
        for here, there in nx.generic_bfs_edges(simple, source, neighbors, depth_limit=MAX_CHAIN_HOPS):
            chains[there] = chains[here] + (hops[(here, there)],)
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
