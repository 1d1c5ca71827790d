"""The edges a graph report draws: every grant of a report, or the grants a diff touches.

Shared by the Mermaid and DOT renderers so that both draw the same graph. GetSessionToken
self-grants are left out, as in the chain graph (they reach nothing new). `--focus` keeps the
edges on chains that pass through one principal or target: what reaches it, and what it reaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable, Mapping, Union

import networkx as nx

from credmint.analyzer.diff import ADDED_TITLE, Diff
from credmint.analyzer.lookup import find_identity
from credmint.analyzer.model import Action, Grant
from credmint.analyzer.power import Power
from credmint.analyzer.report import Report

ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True, slots=True, kw_only=True)
class Edge:
    grant: Grant
    change: str | None = None


def select_edges(subject: Union[Report, Diff], focus: str | None = None) -> list[Edge]:
    """Sorted edges to draw; UnknownIdentity when `focus` names nothing in the graph."""
    edges = [e for e in _all_edges(subject) if _is_drawn(e.grant)]
    if focus is not None:
        edges = _through(edges, focus)
    return sorted(edges, key=lambda e: (e.grant.key, e.change or ""))


def _all_edges(subject: Union[Report, Diff]) -> Iterable[Edge]:
    if isinstance(subject, Report):
        return [Edge(grant=g) for g in subject.analysis.grants]
    return [
        *(Edge(grant=g, change=ADDED) for g in subject.added),
        *(Edge(grant=c.after, change=CHANGED) for c in subject.changed),
        *(Edge(grant=g, change=REMOVED) for g in subject.removed),
    ]


def _is_drawn(grant: Grant) -> bool:
    return grant.action is not Action.GET_SESSION_TOKEN and grant.principal != grant.target


def _through(edges: list[Edge], focus: str) -> list[Edge]:
    graph = nx.DiGraph()
    graph.add_edges_from((e.grant.principal, e.grant.target) for e in edges)
    node = find_identity(focus, graph.nodes)
    after = nx.descendants(graph, node) | {node}
    before = nx.ancestors(graph, node) | {node}
    return [
        e
        for e in edges
        if {e.grant.principal, e.grant.target} <= after
        or {e.grant.principal, e.grant.target} <= before
    ]


def short_label(identity: str) -> str:
    """An ARN shown as ACCOUNT:resource (`123456789012:role/deploy`); other ids as they are."""
    parts = identity.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        return f"{parts[4]}:{parts[5]}" if parts[4] else parts[5]
    return identity


def error_comments(
    subject: Union[Report, Diff], marker: str, escape: Callable[[str], str] = lambda text: text
) -> str:
    """Error diagnostics as comment lines (`%%` in Mermaid, `//` in DOT): a graph of the readable
    inputs must not look complete when an input could not be read (CONTRACT.md). `escape` is the
    format's own for what a comment cannot hold (Mermaid reads `%%{…}%%` anywhere as a directive)."""
    diagnostics = (
        subject.analysis.diagnostics if isinstance(subject, Report) else subject.diagnostics
    )
    lines = [
        f"{marker} error: {d.file}:{d.line}: {d.message}"
        for d in diagnostics
        if d.level.value == "error"
    ]
    if isinstance(subject, Diff):
        lines += [
            f"{marker} {ADDED_TITLE.lower()}: {s.finding.rule} {s.finding.principal} -> "
            f"{s.finding.target}: {s.reason} ({s.origin})"
            for s in subject.added_suppressions
        ]
    return "".join(f"{marker} {escape(' '.join(line.split())[len(marker) + 1:])}\n" for line in lines)


def powers_of(subject: Union[Report, Diff]) -> Mapping[str, Power]:
    """The power of each target a graph draws: the head's, else the base's (a removed target)."""
    if isinstance(subject, Report):
        return subject.analysis.powers
    return {**subject.base.analysis.powers, **subject.head.analysis.powers}
