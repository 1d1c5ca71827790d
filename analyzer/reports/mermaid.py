"""`--format mermaid`: the grant graph as a Mermaid flowchart (whole, focused, or a diff's edges).

Node ids are `n0`, `n1`, ... in sorted identity order and labels are quoted with Mermaid's entity
escapes, so any identity (quotes, brackets, `{unknown}` parts) renders and the output is
deterministic. Line style says certainty: thick definite, plain conditional, dotted uncertain.
`max_edges`/`max_chars` keep the graph under GitHub's limits when it is embedded in Markdown.
"""

from __future__ import annotations

from typing import Mapping, Union

from credmint.analyzer.diff import Diff
from credmint.analyzer.model import Certainty
from credmint.analyzer.power import Power, PowerLabel
from credmint.analyzer.report import Report
from credmint.analyzer.reports.edges import (
    ADDED,
    CHANGED,
    REMOVED,
    Edge,
    error_comments,
    powers_of,
    select_edges,
    short_label,
)

ARROWS = {Certainty.DEFINITE: "==>", Certainty.CONDITIONAL: "-->", Certainty.UNCERTAIN: "-.->"}
CHANGE_STYLES = {
    ADDED: "stroke:#2da44e",
    REMOVED: "stroke:#cf222e,stroke-dasharray:4",
    CHANGED: "stroke:#bf8700",
}
POWER_STYLES = {
    PowerLabel.ADMINISTRATOR: "fill:#ffebe9,stroke:#cf222e,stroke-width:3px",
    PowerLabel.CAN_ESCALATE: "fill:#fff1e5,stroke:#bc4c00,stroke-width:3px",
    PowerLabel.UNKNOWN: "fill:#f6f8fa,stroke:#6e7781,stroke-dasharray:4",
    PowerLabel.WRITES: "fill:#fff8c5,stroke:#9a6700",
    PowerLabel.READ_ONLY: "fill:#dafbe1,stroke:#1a7f37",
}
"""Node style by the power of a target: red administrator, orange can-escalate, yellow writes,
green read-only, grey dashed unknown."""
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


def _comment(text: str) -> str:
    """A comment's text: Mermaid reads `%%{init: …}%%` anywhere, comments included, as a directive
    (themes, colours that hide the graph), so `%` is its entity there too."""
    return text.replace("%", ESCAPES["%"])


def _edge_label(edge: Edge) -> str:
    action = edge.grant.action.value.removeprefix("sts:")
    label = f"{action} · {edge.grant.certainty.value}"
    return f"{edge.change} · {label}" if edge.change else label


def render_edges(
    edges: list[Edge], *, max_edges: int | None = None, max_chars: int | None = None,
    powers: Mapping[str, Power] | None = None,
) -> str:
    """The flowchart of `edges`, cut to the first `max_edges` and under `max_chars` characters."""
    shown = edges if max_edges is None else edges[:max_edges]
    while True:
        text = _flowchart(shown, hidden=len(edges) - len(shown), powers=powers or {})
        if max_chars is None or len(text) <= max_chars or not shown:
            return text
        shown = shown[: len(shown) // 2]


def _flowchart(edges: list[Edge], hidden: int, powers: Mapping[str, Power]) -> str:
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
    lines += _power_classes(nodes, ids, powers)
    return "\n".join(lines) + "\n"


def _power_classes(nodes: list[str], ids: Mapping[str, str], powers: Mapping[str, Power]) -> list[str]:
    """`classDef power_writes ...` and `class n1,n4 power_writes`: each target styled by its power."""
    lines: list[str] = []
    for label, style in POWER_STYLES.items():
        members = [ids[n] for n in nodes if n in powers and powers[n].label is label]
        if members:
            name = "power_" + label.value.replace("-", "_")
            lines += [f"  classDef {name} {style}", f"  class {','.join(members)} {name}"]
    return lines


def render(subject: Union[Report, Diff], *, focus: str | None = None) -> str:
    return render_edges(select_edges(subject, focus), powers=powers_of(subject)) + error_comments(subject, "%%", _comment)
