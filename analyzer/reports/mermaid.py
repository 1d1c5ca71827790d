"""`--format mermaid`: the grant graph as a Mermaid flowchart (whole, focused, or a diff's edges).

Node ids are `n0`, `n1`, ... in sorted identity order and labels are quoted with Mermaid's entity
escapes, so any identity (quotes, brackets, `{unknown}` parts) renders and the output is
deterministic. Line style says certainty: thick definite, plain conditional, dotted uncertain.
`max_edges`/`max_chars` keep the graph under GitHub's limits when it is embedded in Markdown.
"""

from __future__ import annotations

from typing import Union

from analyzer.diff import Diff
from analyzer.model import Certainty
from analyzer.report import Report
from analyzer.reports.edges import (
    ADDED,
    CHANGED,
    REMOVED,
    Edge,
    error_comments,
    select_edges,
    short_label,
)

ARROWS = {Certainty.DEFINITE: "==>", Certainty.CONDITIONAL: "-->", Certainty.UNCERTAIN: "-.->"}
CHANGE_STYLES = {
    ADDED: "stroke:#2da44e",
    REMOVED: "stroke:#cf222e,stroke-dasharray:4",
    CHANGED: "stroke:#bf8700",
}
ESCAPES = {
    "&": "#amp;",
    '"': "#quot;",
    "<": "#lt;",
    ">": "#gt;",
    "#": "#35;",
    "|": "#124;",
    "`": "#96;",
    "%": "#37;",
    ";": "#59;",
}


def escape(text: str) -> str:
    """A label's text that cannot leave its quoted node: the one escape of this format.

    Line breaks and other control characters become spaces (a newline would end the statement,
    then three backticks the Markdown block); quotes, pipes, backticks, `#`, `%`, `;`, `<`, `>`
    and `&`, which Mermaid reads in a label, are its `#code;` entities (issue 15 §3)."""
    return "".join(" " if not ch.isprintable() else ESCAPES.get(ch, ch) for ch in text)


def _edge_label(edge: Edge) -> str:
    action = edge.grant.action.value.removeprefix("sts:")
    label = f"{action} · {edge.grant.certainty.value}"
    return f"{edge.change} · {label}" if edge.change else label


def render_edges(
    edges: list[Edge], *, max_edges: int | None = None, max_chars: int | None = None
) -> str:
    """The flowchart of `edges`, cut to the first `max_edges` and under `max_chars` characters."""
    shown = edges if max_edges is None else edges[:max_edges]
    while True:
        text = _flowchart(shown, hidden=len(edges) - len(shown))
        if max_chars is None or len(text) <= max_chars or not shown:
            return text
        shown = shown[: len(shown) // 2]


def _flowchart(edges: list[Edge], hidden: int) -> str:
    nodes = sorted({n for e in edges for n in (e.grant.principal, e.grant.target)})
    ids = {node: f"n{i}" for i, node in enumerate(nodes)}
    lines = ["flowchart LR"]
    lines += [f'  {ids[n]}["{escape(short_label(n))}"]' for n in nodes]
    for edge in edges:
        arrow = ARROWS[edge.grant.certainty]
        lines.append(
            f'  {ids[edge.grant.principal]} {arrow}|"{escape(_edge_label(edge))}"| '
            f"{ids[edge.grant.target]}"
        )
    lines += [f"  linkStyle {i} {CHANGE_STYLES[e.change]}" for i, e in enumerate(edges) if e.change]
    if hidden:
        lines.append(f'  more["{hidden} more edges not shown"]')
    return "\n".join(lines) + "\n"


def render(subject: Union[Report, Diff], *, focus: str | None = None) -> str:
    return render_edges(select_edges(subject, focus)) + error_comments(subject, "%%")
