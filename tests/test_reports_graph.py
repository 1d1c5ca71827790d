"""`--format mermaid` and `--format dot` (issue 7 §5): the whole grant graph or `--focus`, escaped,
deterministic."""

from __future__ import annotations

from pathlib import Path

import pytest

from credmint.analyzer.reports.dot import quote
from credmint.analyzer.reports.mermaid import escape
from cfn_trees import ACCOUNT, ALICE, PARTNER, run, write_tree

WHOLE_MERMAID = """\
flowchart LR
  n0["111111111111:role/admin"]
  n1["111111111111:role/deploy"]
  n2["111111111111:user/alice"]
  n3["222222222222:root"]
  n1 ==>|"AssumeRole · definite"| n0
  n2 ==>|"AssumeRole · definite"| n1
  n3 -.->|"AssumeRole · uncertain"| n1
  classDef power_unknown fill:#f6f8fa,stroke:#6e7781,stroke-dasharray:4
  class n0,n1 power_unknown
"""

WHOLE_DOT = """\
digraph credmint {
  rankdir=LR;
  node [shape=box, fontname="Helvetica"];
  "arn:aws:iam::111111111111:role/admin" [label="111111111111:role/admin", style=filled, \
fillcolor="#f6f8fa", tooltip="power: unknown"];
  "arn:aws:iam::111111111111:role/deploy" [label="111111111111:role/deploy", style=filled, \
fillcolor="#f6f8fa", tooltip="power: unknown"];
  "arn:aws:iam::111111111111:user/alice" [label="111111111111:user/alice"];
  "arn:aws:iam::222222222222:root" [label="222222222222:root"];
  "arn:aws:iam::111111111111:role/deploy" -> "arn:aws:iam::111111111111:role/admin" \
[label="sts:AssumeRole\\ndefinite", style=bold];
  "arn:aws:iam::111111111111:user/alice" -> "arn:aws:iam::111111111111:role/deploy" \
[label="sts:AssumeRole\\ndefinite", style=bold];
  "arn:aws:iam::222222222222:root" -> "arn:aws:iam::111111111111:role/deploy" \
[label="sts:AssumeRole\\nuncertain", style=dashed];
}
"""


def render(tmp_path: Path, fmt: str, *extra: str) -> tuple[int, str]:
    tree = write_tree(tmp_path / "t", [ALICE, PARTNER])
    out = tmp_path / f"graph.{fmt}"
    code = run(
        [
            "scan",
            str(tree),
            "--root",
            str(tmp_path),
            "--account-id",
            ACCOUNT,
            "--fail-on",
            "none",
            "--format",
            fmt,
            "-o",
            str(out),
            *extra,
        ]
    )
    return code, out.read_text(encoding="utf-8")


def test_mermaid_whole_graph(tmp_path: Path) -> None:
    assert render(tmp_path, "mermaid") == (0, WHOLE_MERMAID)


def test_dot_whole_graph(tmp_path: Path) -> None:
    assert render(tmp_path, "dot") == (0, WHOLE_DOT)


def test_focus_on_a_principal_keeps_what_it_reaches(tmp_path: Path) -> None:
    code, text = render(tmp_path, "mermaid", "--focus", "user/alice")
    assert code == 0
    assert (
        text
        == """\
flowchart LR
  n0["111111111111:role/admin"]
  n1["111111111111:role/deploy"]
  n2["111111111111:user/alice"]
  n1 ==>|"AssumeRole · definite"| n0
  n2 ==>|"AssumeRole · definite"| n1
  classDef power_unknown fill:#f6f8fa,stroke:#6e7781,stroke-dasharray:4
  class n0,n1 power_unknown
"""
    )


def test_focus_on_a_target_keeps_what_reaches_it(tmp_path: Path) -> None:
    code, text = render(tmp_path, "dot", "--focus", "arn:aws:iam::222222222222:root")
    assert code == 0
    edges = [line.split(" [")[0].strip() for line in text.splitlines() if "->" in line]
    assert edges == [
        '"arn:aws:iam::111111111111:role/deploy" -> "arn:aws:iam::111111111111:role/admin"',
        '"arn:aws:iam::222222222222:root" -> "arn:aws:iam::111111111111:role/deploy"',
    ]


def test_focus_on_nothing_known_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    tree = write_tree(tmp_path / "t", [ALICE])
    code = run(
        ["scan", str(tree), "--root", str(tmp_path), "--format", "dot", "--focus", "role/nobody"]
    )
    assert code == 2
    assert "'role/nobody' names no principal or target" in capsys.readouterr().err


def test_focus_needs_a_graph_format(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    tree = write_tree(tmp_path / "t", [ALICE])
    assert run(["scan", str(tree), "--format", "json", "--focus", "user/alice"]) == 2
    assert "--focus applies to --format mermaid or dot" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ('role/"x"', "role/#quot;x#quot;"),
        ("a<b>&c", "a#lt;b#gt;#amp;c"),
        ("{var.x}|#", "{var.x}#124;#35;"),
    ],
)
def test_mermaid_labels_are_entity_escaped(raw: str, escaped: str) -> None:
    assert escape(raw) == escaped


@pytest.mark.parametrize(
    ("raw", "quoted"),
    [('role/"x"', '"role/\\"x\\""'), ("a\\b", '"a\\\\b"'), ("two\nlines", '"two\\nlines"')],
)
def test_dot_ids_are_quoted_and_escaped(raw: str, quoted: str) -> None:
    assert quote(raw) == quoted


def test_graphs_are_byte_identical_across_runs(tmp_path: Path) -> None:
    assert render(tmp_path, "mermaid") == render(tmp_path, "mermaid")
    assert render(tmp_path, "dot") == render(tmp_path, "dot")
