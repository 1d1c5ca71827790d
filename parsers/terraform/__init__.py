"""Terraform HCL: one root module directory (and the local modules it calls) into an inventory.

The pipeline, one module per job:
    hcl.py            files → python-hcl2 lark trees (parsed once per text), blocks and attributes
    templates.py      quoted strings and heredocs → template nodes (`${}`, `%{if}`, `%{for}`, `~`)
    evaluator.py      expressions → values; scope.py (names, calls, step budget), operators.py
    functions.py      built-ins: string_functions.py, collection_functions.py, files.py (file I/O)
    types.py          variable type constraints (optional attributes)
    blocks.py         a block's arguments and nested blocks, `dynamic` expanded
    module.py         one module instance: variables, locals, resources, data; expansion.py
                      (count/for_each), modules.py (module calls), providers.py (accounts)
    attributes.py     computed attributes (ARNs, ids, names) known before apply
    policy_document.py  aws_iam_policy_document, and any policy argument → PolicyDocument
    resources.py      IAM resource instances → inventory entities, joined by name
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel, InputFile, Inventory
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform.evaluator import evaluate
from credmint.parsers.terraform.scps import read_scps
from credmint.parsers.terraform.hcl import ParseFailure, read_body, read_file
from credmint.parsers.terraform.module import MISSING, ModuleInstance, parse_value
from credmint.parsers.terraform.modules import Loader, all_instances
from credmint.parsers.terraform.scope import Budget
from credmint.parsers.terraform.roots import called_folders, looks_like_root
from credmint.parsers.terraform_files import is_config_name
from credmint.parsers.terraform.resources import read_instances
from credmint.parsers.worlds import World, explore

__all__ = ["called_folders", "find_root_modules", "looks_like_root", "parse_terraform"]

_SKIPPED = frozenset({"node_modules", "__pycache__"})
"""Folders never searched for root modules (besides hidden ones such as `.terraform`, `.git`)."""


def parse_terraform(directory: Path, ctx: ParseContext, instantiated: set[Path] | None = None) -> Inventory:
    """The inventory of one root module; never raises on bad input (diagnostics instead).
    `instantiated` gets the (resolved) folders of the local modules it makes instances of."""
    try:
        return _parse(directory, ctx, set() if instantiated is None else instantiated)
    except RecursionError:
        problem = "input nested too deeply to analyse"
    except Exception as error:  # noqa: BLE001 - a parser bug must fail closed, not crash the run
        problem = f"internal error while analysing ({type(error).__name__}: {error})"
    return Inventory(
        inputs=(InputFile(path=ctx.relative(directory), format="terraform"),),
        diagnostics=(Diagnostic(level=DiagnosticLevel.ERROR, message=problem, file=ctx.relative(directory)),),
    )


def _parse(directory: Path, ctx: ParseContext, instantiated: set[Path]) -> Inventory:
    """The root module read once per world of deploy-time choices (parsers/worlds.py)."""
    loader = Loader(instantiated)
    return explore(lambda world: _parse_world(directory, ctx, loader.fresh(), world))


def _parse_world(directory: Path, ctx: ParseContext, loader: Loader, world: World) -> Inventory:
    files = loader.files(directory, ctx)
    diagnostics: list[Diagnostic] = list(files.diagnostics)
    root = ModuleInstance(files, ctx, diagnostics=diagnostics, loader=loader, world=world,
                          is_chosen=lambda name: name not in given, budget=Budget(regex=loader.regex))
    given = _variable_values(directory, ctx, root)
    root.inputs = lambda name: given.get(name, MISSING)
    instances = list(all_instances(root))
    collected = read_instances(instances)
    scps, scp_diagnostics = read_scps(instances)
    return Inventory(
        scps=tuple(scps),
        users=tuple(collected.users),
        groups=tuple(collected.groups),
        roles=tuple(collected.roles),
        policies=tuple(collected.policies),
        providers=tuple(collected.providers),
        inputs=(InputFile(path=ctx.relative(directory), format="terraform"),),
        diagnostics=tuple(diagnostics) + tuple(collected.diagnostics) + tuple(scp_diagnostics),
    )


def _variable_values(directory: Path, ctx: ParseContext, root: ModuleInstance) -> dict[str, object]:
    """Input variables in Terraform's precedence: terraform.tfvars, *.auto.tfvars (lexical),
    then `--var-file`s, then `--var`s, each overriding the one before."""
    values: dict[str, object] = {}
    files = [directory / "terraform.tfvars", directory / "terraform.tfvars.json"]
    files += sorted(directory.glob("*.auto.tfvars")) + sorted(directory.glob("*.auto.tfvars.json"))
    files += [Path(p) for p in ctx.var_files]
    for path in files:
        if path.is_file() and ctx.is_inside_root(path):
            values.update(_read_tfvars(path, ctx, root))
    for name, raw in ctx.variables.items():
        values[name] = parse_value(raw, root.variable_type(name), root)
    return values


def _read_tfvars(path: Path, ctx: ParseContext, root: ModuleInstance) -> dict[str, object]:
    """A `.tfvars` (HCL) or `.tfvars.json` file's values; a broken file is an error diagnostic."""
    rel = ctx.relative(path)
    try:
        if path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            return dict(data) if isinstance(data, dict) else {}
        file = read_file(path, rel)
    except ParseFailure as problem:
        root.report(DiagnosticLevel.ERROR, f"cannot parse variables file: {problem}", rel, problem.line)
        return {}
    except (OSError, UnicodeError, ValueError) as problem:
        root.report(DiagnosticLevel.ERROR, f"cannot read variables file: {problem}", rel, 0)
        return {}
    attributes, _ = read_body(file.tree.children[0], file)
    scope = root.constants()
    return {name: evaluate(a.expression, file, scope) for name, a in attributes.items()}


def find_root_modules(paths: Iterable[Path], ctx: ParseContext) -> list[Path]:
    """Folders of configuration files under `paths` that no other scanned folder calls as a local
    module, or that look like roots although called (roots.py)."""
    folders: set[Path] = set()
    for path in paths:
        candidates = [path] if path.is_file() else sorted(p for p in path.rglob("*") if is_config_name(p.name))
        for candidate in candidates:
            inside = candidate.relative_to(path).parts[:-1] if candidate != path else ()
            hidden = any(part.startswith(".") or part in _SKIPPED for part in inside)
            if is_config_name(candidate.name) and not hidden and ctx.is_inside_root(candidate):
                folders.add(candidate.parent.resolve())
    called = called_folders(folders, ctx)
    return sorted(folder for folder in folders if folder not in called or looks_like_root(folder, ctx))
