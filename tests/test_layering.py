"""DESIGN.md: dependencies point one way; parsers import only the inventory, the analyzer no parser."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(package: str):
    for path in sorted((ROOT / package).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                yield path, [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                yield path, [node.module]


def test_the_analyzer_never_imports_a_parser_except_the_cli():
    offenders = [
        (path.relative_to(ROOT).as_posix(), name)
        for path, names in imported_modules("analyzer")
        for name in names
        if name.split(".")[0] == "parsers" and path.name != "cli.py"
    ]
    assert offenders == []


INVENTORY_MODULES = {"analyzer.inventory", "analyzer.inventory_json"}
"""The inventory and its JSON form (an exported inventory is one more input format, issue 18)."""


def test_parsers_import_only_the_inventory_from_the_analyzer():
    offenders = [
        (path.relative_to(ROOT).as_posix(), name)
        for path, names in imported_modules("parsers")
        for name in names
        if name.split(".")[0] == "analyzer" and name not in INVENTORY_MODULES
    ]
    assert offenders == []
