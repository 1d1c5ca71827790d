"""`credmint explain`: why a principal reaches a target, hop by hop (issue 7 §6).

Each hop is a grant with the statements (file:line) and reasons that allow it and the conditions
on it, so a reader can open exactly the lines that make the chain. Chains are the shortest ones,
from the same graph as the report's `paths` (role sessions continue chains; federated users and
patterns end them).
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from itertools import islice
from typing import Any, Iterator

import networkx as nx

from credmint.analyzer.graph import build_graph
from credmint.analyzer.inventory import render as render_value
from credmint.analyzer.lookup import find_identity
from credmint.analyzer.model import Certainty, Grant, weakest
from credmint.analyzer.report import grant_dict
from credmint.analyzer.reports import plain
from credmint.analyzer.trust_reading import why_nobody
from credmint.analyzer.walk import Analysis

MAX_CHAINS = 20
WIDTH = 80


@dataclass(frozen=True, slots=True, kw_only=True)
class Chain:
    principal: str
    target: str
    hops: tuple[Grant, ...]

    @property
    def certainty(self) -> Certainty:
        """A chain is as sure as its weakest hop."""
        return weakest(*(h.certainty for h in self.hops))


@dataclass(frozen=True, slots=True, kw_only=True)
class Explanation:
    principal: str
    target: str | None
    chains: tuple[Chain, ...]
    reached_by: tuple[Chain, ...] = ()
    """Without a target: the shortest chain from each principal that reaches this identity."""
    trust_statements: tuple[str, ...] = ()
    """For a role of the templates that nobody reaches: each trust statement and why it admits no one."""


def explain_chains(analysis: Analysis, principal: str, target: str | None = None) -> Explanation:
    """The chains from `principal` (to `target` when given); UnknownIdentity for an unknown name.

    Without a target, every question about the identity is answered: what it reaches (shortest
    chain first), who reaches it, and for a role nobody can assume, why each trust statement
    admits no one."""
    grants = analysis.grants
    who = find_identity(
        principal, [g.principal for g in grants] + [g.target for g in grants] + [p.id for p in analysis.principals]
    )
    graph = build_graph(grants)
    if target is None:
        simple = _simple(graph)
        reached_by = tuple(_chains_into(grants, graph, simple, who))
        return Explanation(
            principal=who, target=None, chains=tuple(_every_chain(grants, graph, simple, who)),
            reached_by=reached_by, trust_statements=() if reached_by else tuple(why_nobody(analysis, who)),
        )
    whom = find_identity(target, [g.target for g in grants] + list(graph.nodes))
    return Explanation(
        principal=who, target=whom, chains=tuple(_chains_to(grants, graph, who, whom))
    )


def _hop(graph: "nx.MultiDiGraph", here: str, there: str) -> Grant:
    return graph[here][there][min(graph[here][there])]["grant"]


def _simple(graph: "nx.MultiDiGraph") -> "nx.DiGraph":
    simple = nx.DiGraph()
    simple.add_nodes_from(sorted(graph.nodes))
    simple.add_edges_from(sorted(set(graph.edges())))
    return simple


def _every_chain(
    grants: tuple[Grant, ...], graph: "nx.MultiDiGraph", simple: "nx.DiGraph", who: str
) -> list[Chain]:
    """Every grant the principal holds, then one shortest chain to each target reached further."""
    chains = [Chain(principal=who, target=g.target, hops=(g,)) for g in grants if g.principal == who]
    chains += [Chain(principal=who, target=end, hops=hops) for end, hops in _far(graph, simple, who, inward=False)]
    return sorted(chains, key=lambda c: (len(c.hops), c.target, c.hops[0].action.value))


def _chains_into(
    grants: tuple[Grant, ...], graph: "nx.MultiDiGraph", simple: "nx.DiGraph", whom: str
) -> list[Chain]:
    """Every grant to the identity, then one shortest chain from each principal reaching it further."""
    chains = [Chain(principal=g.principal, target=whom, hops=(g,)) for g in grants
              if g.target == whom and g.principal != whom]
    chains += [Chain(principal=end, target=whom, hops=hops) for end, hops in _far(graph, simple, whom, inward=True)]
    return sorted(chains, key=lambda c: (len(c.hops), c.principal, c.hops[0].action.value))


def _far(
    graph: "nx.MultiDiGraph", simple: "nx.DiGraph", start: str, *, inward: bool
) -> Iterator[tuple[str, tuple[Grant, ...]]]:
    """Each identity two or more hops from `start` (towards it when `inward`), with the hops of one
    shortest chain between them, in the order they are taken."""
    if start not in simple:
        return
    walk = simple.reverse(copy=False) if inward else simple
    for end, nodes in sorted(nx.single_source_shortest_path(walk, start).items()):
        if len(nodes) > 2:
            forward = nodes[::-1] if inward else nodes
            yield end, tuple(_hop(graph, a, b) for a, b in zip(forward, forward[1:]))


def _chains_to(
    grants: tuple[Grant, ...], graph: "nx.MultiDiGraph", who: str, whom: str
) -> list[Chain]:
    direct = [
        Chain(principal=who, target=whom, hops=(g,))
        for g in grants
        if (g.principal, g.target) == (who, whom)
    ]
    if direct or who not in graph or whom not in graph or not nx.has_path(graph, who, whom):
        return direct
    routes = sorted(islice(nx.all_shortest_paths(_simple(graph), who, whom), MAX_CHAINS))
    return [
        Chain(
            principal=who,
            target=whom,
            hops=tuple(_hop(graph, a, b) for a, b in zip(nodes, nodes[1:])),
        )
        for nodes in routes
    ]


def _chain_dict(chain: Chain) -> dict[str, Any]:
    return {
        "principal": chain.principal,
        "target": chain.target,
        "certainty": chain.certainty.value,
        "hops": [grant_dict(h) for h in chain.hops],
    }


def as_dict(explanation: Explanation) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "principal": explanation.principal,
        "target": explanation.target,
        "chains": [_chain_dict(c) for c in explanation.chains],
    }
    if explanation.target is None:
        answer["reached_by"] = [_chain_dict(c) for c in explanation.reached_by]
        answer["trust_statements"] = list(explanation.trust_statements)
    return answer


def render_json(explanation: Explanation) -> str:
    return json.dumps(as_dict(explanation), indent=2, ensure_ascii=False) + "\n"


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(
        plain.line(text),
        WIDTH,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_long_words=True,
        break_on_hyphens=False,
    )


def _hop_lines(number: int, hop: Grant) -> list[str]:
    lines = _wrap(f"{number}. {hop.principal} -> {hop.target}", "  ")
    lines += _wrap(f"{hop.action.value}, {hop.certainty.value}", "     ")
    for c in hop.conditions:
        lines += _wrap(
            f"if: {c.operator} {c.key} = {', '.join(render_value(v) for v in c.values)}", "     "
        )
    if hop.excepted:
        lines += _wrap(f"except: {', '.join(hop.excepted)}", "     ")
    for reason in hop.reasons:
        lines += _wrap(f"why: {reason}", "     ")
    if hop.sources:
        lines += _wrap(f"at: {', '.join(str(s) for s in hop.sources)}", "     ")
    return lines


def render_text(explanation: Explanation) -> str:
    out: list[str] = []
    if not explanation.chains:
        whom = explanation.target or "anything"
        out += _wrap(f"{explanation.principal} cannot mint credentials for {whom} in the analysed templates.", "")
        out.append("")
    for chain in explanation.chains:
        hops = "1 hop" if len(chain.hops) == 1 else f"{len(chain.hops)} hops"
        out += _wrap(
            f"{chain.principal} can mint credentials for {chain.target} "
            f"({chain.certainty.value}, {hops}):",
            "",
        )
        for number, hop in enumerate(chain.hops, 1):
            out += _hop_lines(number, hop)
        out.append("")
    if explanation.target is None:
        out += _reached_by_lines(explanation)
    return plain.guarded("\n".join(out).rstrip("\n") + "\n")


def _reached_by_lines(explanation: Explanation) -> list[str]:
    if not explanation.reached_by:
        out = _wrap(f"Nobody can mint credentials for {explanation.principal} in the analysed templates.", "")
        if explanation.trust_statements:
            out += _wrap("Trust statements considered:", "")
            for line in explanation.trust_statements:
                out += _wrap(line, "  ")
        return out
    out = []
    for chain in explanation.reached_by:
        hops = "1 hop" if len(chain.hops) == 1 else f"{len(chain.hops)} hops"
        out += _wrap(f"{chain.principal} reaches {chain.target} ({chain.certainty.value}, {hops}):", "")
        for number, hop in enumerate(chain.hops, 1):
            out += _hop_lines(number, hop)
        out.append("")
    return out
