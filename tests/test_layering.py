"""DESIGN.md and issue 19: three layers, each importing only those below it.

parsers → analyzer semantics → app. The parsers read templates into the inventory and import nothing
else of the analyzer; the semantics (everything in `credmint.analyzer` outside `app`) never import a
parser or the app; the app (`credmint.analyzer.app`) may import anything.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"credmint.analyzer": ROOT / "analyzer", "credmint.parsers": ROOT / "parsers"}

INVENTORY_MODULES = {"credmint.analyzer.inventory", "credmint.analyzer.inventory_json"}
"""The inventory and its JSON form (an exported inventory is one more input format, issue 18)."""


def module_name(package: str, path: Path) -> str:
    parts = path.relative_to(FOLDERS[package]).with_suffix("").parts
    return ".".join((package, *parts[: -1 if parts[-1] == "__init__" else None]))


def imports(package: str):
    """(module, imported name) for every import of every module of `package`, wherever it stands."""
    for path in sorted(FOLDERS[package].rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path}: relative import"
                names = [node.module or ""]
            else:
                continue
            yield from ((module_name(package, path), name) for name in names)


def layer(name: str) -> str | None:
    """The layer a module of credmint belongs to (None for anything else: stdlib, dependencies)."""
    for prefix, which in (("credmint.analyzer.app", "app"), ("credmint.analyzer", "semantics"),
                          ("credmint.parsers", "parsers")):
        if name == prefix or name.startswith(prefix + "."):
            return which
    return None


def test_the_parsers_import_only_the_inventory_above_them():
    offenders = [
        (module, name) for module, name in imports("credmint.parsers")
        if layer(name) not in (None, "parsers") and name not in INVENTORY_MODULES
    ]
    assert offenders == []


def test_the_semantics_import_neither_a_parser_nor_the_app():
    offenders = [
        (module, name) for module, name in imports("credmint.analyzer")
        if layer(module) == "semantics" and layer(name) in ("parsers", "app")
    ]
    assert offenders == []


def test_every_module_of_the_project_is_imported_by_its_credmint_name():
    offenders = [
        (module, name) for package in FOLDERS for module, name in imports(package)
        if name.split(".")[0] in ("analyzer", "parsers")
    ]
    assert offenders == []
