"""Issue 19's move, replayable: run from the repository root on any later main, as often as wanted.

    python scripts/restructure.py

1. `git mv` the delivery layer (APP below) from `analyzer/` into `analyzer/app/`.
2. Put the hand-written pieces of `scripts/restructure_payload/` in place (the `credmint` package,
   `analyzer/app/__init__.py`, the interfaces that break the two import cycles, the layering and
   cycle tests, CONTRIBUTING.md, the DECISIONS section) and `git rm` the payload.
3. Rewrite every project import to its installed name: `analyzer.walk` → `credmint.analyzer.walk`,
   `analyzer.cli` → `credmint.analyzer.app.cli`, `parsers.x` → `credmint.parsers.x`, in every tracked
   Python file (imports, dotted names in strings such as monkeypatch targets), and the paths of the
   moved files (`analyzer/cli.py` → `analyzer/app/cli.py`) in Python and Markdown.
4. Point the cycles' type-only imports at the interfaces, and lift attributes.py's one import from
   inside a function to the top (it was there only to dodge the cycle).
5. pyproject.toml (package-dir mapping, the entry point, pytest's pythonpath), action.yml (copies
   `credmint/`), README's layout section.

Every step checks what it finds: a step already done is skipped, a text it cannot recognise stops
the script with a message (exit 1), so a main that moved on is never half rewritten silently.
It finishes by refusing any import of a top-level `analyzer` or `parsers` that is left.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAYLOAD = Path("scripts/restructure_payload")
PACKAGES = ("analyzer", "parsers")

APP = ("cli", "github_action", "github_comment", "git_base", "config", "trusted",
       "workspace", "assemble")
"""The delivery layer: what only carries answers to a terminal or a pull request. Each is imported by
nothing of the semantics (checked by tests/test_layering.py once moved)."""

INTERFACES = {
    "parsers/cloudformation/conditions.py": [("parsers.cloudformation.intrinsics import Evaluator",
                                              "parsers.cloudformation.interfaces import Evaluator")],
    "parsers/cloudformation/functions.py": [("parsers.cloudformation.intrinsics import Evaluator",
                                             "parsers.cloudformation.interfaces import Evaluator")],
    **{f"parsers/terraform/{name}.py": [("parsers.terraform.module import ModuleInstance",
                                         "parsers.terraform.interfaces import ModuleInstance")]
       for name in ("choices", "expansion", "files", "providers")},
    **{f"parsers/terraform/{name}.py": [("parsers.terraform.module import ResourceObject",
                                         "parsers.terraform.interfaces import ResourceObject")]
       for name in ("attributes", "policy_document")},
}
"""Type-only imports that closed the two cycles, and the interface each now names instead."""

LIFTED = ("parsers/terraform/attributes.py",
          "from parsers.terraform.policy_document import render_document",
          "from parsers.terraform.values import ")
"""A function-level import lifted to the module's top, placed after the import it names last."""

LAYOUT = """## Layout

Three layers, each importing only those below it (tests/test_layering.py), and no import cycle
(tests/test_import_cycles.py). Installed, they are one package, `credmint`:

```
credmint.parsers        parsers/        each input format → the inventory (imports only the inventory)
        │
        ▼
credmint.analyzer       analyzer/       the semantics: the inventory (`inventory.py`), IAM matching
                                        (`patterns`, `conditions`, `policy`), the mechanisms (`trust`,
                                        `identity`), the graph and walk, the power of each target
                                        (`power`), the rules, the diff, explain and the reports
        │
        ▼
credmint.analyzer.app   analyzer/app/   delivery: the `credmint` command (`cli.py`), the GitHub
                                        Action and its comment, the base checkout of a diff, the
                                        settings files, suppressions as a run applies them
```

The folders `parsers/` and `analyzer/` keep their place in the repository; pyproject.toml maps them
to `credmint.parsers` and `credmint.analyzer`, and `credmint/__init__.py` does the same in a source
checkout, so `python -m credmint` and the tests run from the root read the checkout.
CONTRIBUTING.md says where a new rule, resource type or output format goes.

"""

PYPROJECT = [
    ('credmint = "analyzer.cli:run"', 'credmint = "credmint.analyzer.app.cli:run"'),
    ('[tool.setuptools.package-data]\nanalyzer = ["data/*"]',
     '[tool.setuptools.package-data]\n"credmint.analyzer" = ["data/*"]'),
    ('testpaths = ["tests"]\n', 'testpaths = ["tests"]\npythonpath = ["."]\n'),
]
FIND_BLOCK = '[tool.setuptools.packages.find]\ninclude = ["analyzer*", "parsers*"]\n'

ACTION = ("for part in pyproject.toml README.md analyzer parsers; do",
          "for part in pyproject.toml README.md credmint analyzer parsers; do")


def fail(message: str) -> None:
    sys.exit(f"restructure: {message}")


def git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        fail(f"git {' '.join(args)}: {done.stderr.strip()}")
    return done.stdout


def read(path: str | Path) -> str:
    return (ROOT / path).read_text(encoding="utf-8")


def write(path: str | Path, text: str) -> None:
    (ROOT / path).write_text(text, encoding="utf-8")


def old_modules() -> set[str]:
    """The project's modules by their names before the move (`analyzer.cli`, `parsers.terraform`)."""
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            if parts[:2] == ("analyzer", "app"):
                parts = ("analyzer", *parts[2:])  # moved already: its old name
            found.add(".".join(parts))
    return found


def new_name(old: str) -> str:
    parts = old.split(".")
    if parts[0] == "analyzer" and len(parts) > 1 and parts[1] in APP:
        return ".".join(("credmint", "analyzer", "app", *parts[1:]))
    return f"credmint.{old}"


def move_app() -> None:
    (ROOT / "analyzer" / "app").mkdir(exist_ok=True)
    for name in APP:
        old, new = Path("analyzer", f"{name}.py"), Path("analyzer", "app", f"{name}.py")
        if (ROOT / old).exists():
            if (ROOT / new).exists():
                fail(f"both {old} and {new} exist")
            git("mv", str(old), str(new))
        elif not (ROOT / new).exists():
            fail(f"{old} is gone and {new} was never made: is APP still right?")


def install_payload() -> None:
    """Each payload file to its place (overwriting, e.g. tests/test_layering.py); fragments spliced."""
    if not (ROOT / PAYLOAD).exists():
        return
    for source in sorted((ROOT / PAYLOAD).rglob("*")):
        if source.is_dir():
            continue
        target = source.relative_to(ROOT / PAYLOAD)
        if target.as_posix() == "docs/DECISIONS-section.md":
            decisions = read("docs/DECISIONS.md")
            section = source.read_text(encoding="utf-8")
            if section.splitlines()[0] not in decisions:
                write("docs/DECISIONS.md", decisions.rstrip("\n") + "\n\n" + section)
            continue
        (ROOT / target).parent.mkdir(parents=True, exist_ok=True)
        (ROOT / target).write_bytes(source.read_bytes())
        git("add", str(target))
    git("rm", "-r", "-q", "-f", str(PAYLOAD))  # -f: the payload may be staged only (git checkout X --)


DOTTED = re.compile(r"(?<![\w.])((?:analyzer|parsers)(?:\.\w+)+)")
RESOURCE = re.compile(r"""files\((["'])(analyzer|parsers)\1\)""")
BARE_IMPORT = re.compile(r"^(\s*)import (analyzer|parsers)\s*$", re.MULTILINE)


def rewrite_from_imports(text: str, known: set[str]) -> str:
    """`from analyzer import cli` → `from credmint.analyzer.app import cli`, statement by statement."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return text  # not Python the project runs (a test's sample): left to the dotted rewrite
    lines = text.splitlines(keepends=True)
    for node in sorted((n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)),
                       key=lambda n: n.lineno, reverse=True):
        if node.level or not node.module or node.module.split(".")[0] not in PACKAGES:
            continue
        groups: dict[str, list[str]] = {}
        for alias in node.names:
            full = f"{node.module}.{alias.name}"
            where = new_name(full).rsplit(".", 1)[0] if full in known else new_name(node.module)
            groups.setdefault(where, []).append(
                alias.name + (f" as {alias.asname}" if alias.asname else ""))
        first = node.lineno - 1
        if len(groups) == 1:
            (target,) = groups
            head = f"from {node.module} import"
            if head not in lines[first]:
                fail(f"cannot read the import on line {node.lineno}: {lines[first]!r}")
            lines[first] = lines[first].replace(head, f"from {target} import", 1)
            continue
        indent = lines[first][: len(lines[first]) - len(lines[first].lstrip())]
        lines[first:node.end_lineno] = [f"{indent}from {target} import {', '.join(names)}\n"
                                        for target, names in sorted(groups.items())]
    return "".join(lines)


def rewrite_python(text: str, known: set[str]) -> str:
    text = rewrite_from_imports(text, known)
    text = BARE_IMPORT.sub(lambda m: f"{m.group(1)}import credmint.{m.group(2)}", text)
    text = RESOURCE.sub(lambda m: f"files({m.group(1)}credmint.{m.group(2)}{m.group(1)})", text)

    def dotted(match: re.Match[str]) -> str:
        parts = match.group(1).split(".")
        for cut in range(len(parts), 1, -1):  # the longest prefix naming a module, at least two parts
            prefix = ".".join(parts[:cut])
            if prefix in known:
                return ".".join((new_name(prefix), *parts[cut:]))
        return match.group(1)

    return DOTTED.sub(dotted, text)


MOVED_PATH = re.compile(r"(?<![\w/.])analyzer/(" + "|".join(APP) + r")\.py\b")


def rewrite_paths(text: str) -> str:
    return MOVED_PATH.sub(r"analyzer/app/\1.py", text)


def rewrite_sources() -> None:
    known = old_modules()
    own = {"scripts/restructure.py"}
    for path in git("ls-files", "*.py", "*.md").split():
        if path in own or path.startswith(("fixtures/", PAYLOAD.as_posix(), "docs/DECISIONS")):
            continue
        text = read(path)
        new = rewrite_paths(text)
        if path.endswith(".py"):
            new = rewrite_python(new, known)
        if new != text:
            write(path, new)


def break_cycles() -> None:
    for path, swaps in INTERFACES.items():
        text = read(path)
        for old, new in swaps:
            old_line, new_line = f"from credmint.{old}", f"from credmint.{new}"
            if new_line in text:
                continue
            if old_line not in text:
                fail(f"{path}: expected {old_line!r}")
            text = text.replace(old_line, new_line)
        write(path, text)
    path, lifted, after = LIFTED
    lifted, after = lifted.replace("from ", "from credmint.", 1), after.replace("from ", "from credmint.", 1)
    lines = read(path).splitlines(keepends=True)
    inner = [i for i, line in enumerate(lines) if line.strip() == lifted and line != line.lstrip()]
    if not inner:
        if lifted + "\n" not in lines:
            fail(f"{path}: expected {lifted!r}")
        return
    for i in reversed(inner):
        del lines[i : i + 2 if i + 1 < len(lines) and not lines[i + 1].strip() else i + 1]
    anchor = next((i for i, line in enumerate(lines) if line.startswith(after)), None)
    if anchor is None:
        fail(f"{path}: expected a line starting {after!r}")
    lines.insert(anchor + 1, lifted + "\n")
    write(path, "".join(lines))


def packages() -> list[str]:
    found = ["credmint"]
    for package in PACKAGES:
        for init in sorted((ROOT / package).rglob("__init__.py")):
            found.append(".".join(("credmint", *init.parent.relative_to(ROOT).parts)))
    return sorted(found)


def edit_pyproject() -> None:
    text = read("pyproject.toml")
    for old, new in PYPROJECT:
        if new not in text:
            if old not in text:
                fail(f"pyproject.toml: expected {old!r}")
            text = text.replace(old, new)
    listed = "".join(f'    "{name}",\n' for name in packages())
    block = ("[tool.setuptools]\n"
             "# The repository's folders installed under one name of the project's own (issue 19):\n"
             "# credmint.analyzer is analyzer/, credmint.parsers is parsers/ (tests/test_packaging.py).\n"
             'package-dir = {"credmint" = "credmint", "credmint.analyzer" = "analyzer", '
             '"credmint.parsers" = "parsers"}\n'
             f"packages = [\n{listed}]\n")
    if FIND_BLOCK in text:
        text = text.replace(FIND_BLOCK, block)
    elif "[tool.setuptools]\n" in text:
        text = re.sub(r"\[tool\.setuptools\]\n.*?\]\n", lambda _: block, text, count=1, flags=re.DOTALL)
    else:
        fail("pyproject.toml: expected the [tool.setuptools.packages.find] block")
    write("pyproject.toml", text)


def edit_action_and_readme() -> None:
    action = read("action.yml")
    if ACTION[1] not in action:
        if ACTION[0] not in action:
            fail(f"action.yml: expected {ACTION[0]!r}")
        write("action.yml", action.replace(ACTION[0], ACTION[1]))
    readme = read("README.md")
    section = re.search(r"^## Layout\n.*?(?=^## )", readme, flags=re.MULTILINE | re.DOTALL)
    if section is None:
        fail("README.md: expected a '## Layout' section followed by another '## ' section")
    write("README.md", readme[: section.start()] + LAYOUT + readme[section.end():])


def check() -> None:
    left = re.compile(r"^\s*(from|import) (analyzer|parsers)\b", re.MULTILINE)
    offenders = [path for path in git("ls-files", "*.py").split()
                 if (ROOT / path).exists() and path != "scripts/restructure.py"
                 and not path.startswith("fixtures/") and left.search(read(path))]
    if offenders:
        fail("imports of the old names left in: " + ", ".join(offenders))


def main() -> None:
    move_app()
    install_payload()
    rewrite_sources()
    break_cycles()
    edit_pyproject()
    edit_action_and_readme()
    check()
    print("restructure: done; now run the suite, scripts/scan_corpus.py and bench/run.py --sizes 500")


if __name__ == "__main__":
    main()
