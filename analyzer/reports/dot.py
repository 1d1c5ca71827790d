"""`--format dot`: the grant graph in Graphviz DOT (whole, focused, or a diff's edges).

Nodes are the quoted identities themselves (DOT escapes only `"` and `\\`), labelled short;
edge style says certainty as in the Mermaid graph. Sorted, so the output is deterministic.
"""

from __future__ import annotations

from typing import Union

from credmint.analyzer.diff import Diff
from credmint.analyzer.model import Certainty
from credmint.analyzer.power import PowerLabel
from credmint.analyzer.report import Report
from credmint.analyzer.reports.edges import (
    ADDED,
    CHANGED,
    REMOVED,
    error_comments,
    powers_of,
    select_edges,
    short_label,
)

STYLES = {Certainty.DEFINITE: "bold", Certainty.CONDITIONAL: "solid", Certainty.UNCERTAIN: "dashed"}
COLOURS = {ADDED: "forestgreen", REMOVED: "red3", CHANGED: "darkgoldenrod"}
POWER_FILLS = {
    PowerLabel.ADMINISTRATOR: "#ffebe9",
    PowerLabel.CAN_ESCALATE: "#fff1e5",
    PowerLabel.UNKNOWN: "#f6f8fa",
    PowerLabel.WRITES: "#fff8c5",
    PowerLabel.READ_ONLY: "#dafbe1",
}
"""Node fill by the power of a target, the colours of the Mermaid graph."""


def quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")
    return f'"{escaped}"'


def render(subject: Union[Report, Diff], *, focus: str | None = None) -> str:
    edges = select_edges(subject, focus)
    nodes = sorted({n for e in edges for n in (e.grant.principal, e.grant.target)})
    lines = ["digraph credmint {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    powers = powers_of(subject)
    for node in nodes:
        attributes = [f"label={quote(short_label(node))}"]
        if node in powers:
            power = powers[node]
            attributes += ["style=filled", f"fillcolor={quote(POWER_FILLS[power.label])}",
                           f"tooltip={quote('power: ' + power.summary)}"]
        lines.append(f"  {quote(node)} [{', '.join(attributes)}];")
    for edge in edges:
        grant = edge.grant
        label = f"{grant.action.value}\n{grant.certainty.value}" + (
            f"\n{edge.change}" if edge.change else ""
        )
        attributes = [f"label={quote(label)}", f"style={STYLES[grant.certainty]}"]
        if edge.change:
            attributes.append(f"color={COLOURS[edge.change]}")
        lines.append(
            f"  {quote(grant.principal)} -> {quote(grant.target)} [{', '.join(attributes)}];"
        )
    lines += error_comments(subject, "//").splitlines()
    lines.append("}")
    return "\n".join(lines) + "\n"
