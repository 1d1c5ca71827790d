"""Issue 19 §2: no import cycle among credmint's modules, counting every import the source holds.

Imports under `TYPE_CHECKING` and inside functions count too: a cycle hidden there is still two
modules that cannot be understood one without the other. `from package import module` is an edge to
the module; importing a submodule is not an edge to its package's `__init__`.
"""

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"credmint.analyzer": ROOT / "analyzer", "credmint.parsers": ROOT / "parsers"}


def modules() -> dict[str, Path]:
    found = {}
    for package, folder in FOLDERS.items():
        for path in folder.rglob("*.py"):
            parts = path.relative_to(folder).with_suffix("").parts
            found[".".join((package, *parts[: -1 if parts[-1] == "__init__" else None]))] = path
    return found


def import_graph() -> nx.DiGraph:
    known = modules()
    graph = nx.DiGraph()
    for module, path in known.items():
        graph.add_node(module)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                targets = [f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" in known
                           else node.module for alias in node.names]
            else:
                continue
            graph.add_edges_from((module, target) for target in targets
                                 if target in known and target != module)
    return graph


def test_the_graph_sees_the_modules_and_their_imports():
    graph = import_graph()
    assert graph.has_edge("credmint.parsers.cloudformation.intrinsics",
                          "credmint.parsers.cloudformation.conditions")
    assert graph.has_edge("credmint.analyzer.app.cli", "credmint.analyzer.walk")


def test_no_import_cycle():
    cycles = [sorted(group) for group in nx.strongly_connected_components(import_graph())
              if len(group) > 1]
    assert cycles == []
