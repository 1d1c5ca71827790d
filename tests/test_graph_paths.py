"""The scan's chains (`graph.shortest_paths`, a breadth-first search over a dict, issue 17) are the
ones networkx's BFS finds over the same graph: the same first-found shortest chain for every
principal and target, `*` starting chains but ending them when reached, chains cut at
MAX_CHAIN_HOPS. The reference below is the networkx search the scan used before."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from credmint.analyzer.graph import ANY, MAX_CHAIN_HOPS, _chain_hops, shortest_paths
from credmint.analyzer.model import Action, Certainty, ChainPath, Grant, PrincipalType


def networkx_paths(grants: list[Grant]) -> list[ChainPath]:
    hops = _chain_hops(grants)
    simple = nx.DiGraph()
    simple.add_nodes_from(sorted({node for pair in hops for node in pair}))
    simple.add_edges_from(sorted(hops))
    successors = simple.neighbors

    def onward(node: str):
        return iter(()) if node == ANY else successors(node)

    found = []
    for source in sorted(simple.nodes):
        if simple.out_degree(source) == 0:
            continue
        chains = {source: ()}
        neighbors = successors if source == ANY else onward
        for here, there in nx.generic_bfs_edges(simple, source, neighbors, depth_limit=MAX_CHAIN_HOPS):
            chains[there] = chains[here] + (hops[(here, there)],)
        found += [ChainPath(principal=source, target=t, hops=c) for t, c in sorted(chains.items()) if len(c) >= 2]
    return found


NODES = st.sampled_from([ANY, "a", "b", "c", "d", "e", "f", "role/g", "user/h"])
ACTIONS = st.sampled_from([Action.ASSUME_ROLE, Action.ASSUME_ROLE_WITH_WEB_IDENTITY, Action.GET_SESSION_TOKEN])


def grant(principal: str, action: Action, target: str) -> Grant:
    return Grant(principal=principal, principal_type=PrincipalType.ROLE, action=action, target=target,
                 certainty=Certainty.DEFINITE)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(NODES, ACTIONS, NODES), max_size=30))
def test_chains_are_networkx_s(edges: list[tuple[str, Action, str]]) -> None:
    grants = [grant(*edge) for edge in edges]
    assert list(shortest_paths(grants)) == networkx_paths(grants)


def test_a_line_longer_than_the_limit_is_cut_as_networkx_cuts_it() -> None:
    names = [f"r{n:03}" for n in range(MAX_CHAIN_HOPS + 5)]
    grants = [grant(here, Action.ASSUME_ROLE, there) for here, there in zip(names, names[1:])]
    ours = list(shortest_paths(grants))
    assert ours == networkx_paths(grants)
    assert max(len(path.hops) for path in ours) == MAX_CHAIN_HOPS


def test_the_public_principal_starts_chains_and_a_reached_star_ends_them() -> None:
    grants = [grant(ANY, Action.ASSUME_ROLE, "a"), grant("a", Action.ASSUME_ROLE, ANY),
              grant(ANY, Action.ASSUME_ROLE, "b"), grant("a", Action.ASSUME_ROLE, "c")]
    ours = [(p.principal, p.target) for p in shortest_paths(grants)]
    assert ours == [(ANY, "c")]  # from `*`: * → a → c; a → * reaches `*` the target, which goes nowhere
