"""Find the inputs under the scanned paths by content, and read each with its parser.

CONTRACT.md: a PATH is a directory, a `.tf` file's directory, a CloudFormation template or a plan
JSON. In a directory, Terraform root modules and CloudFormation templates are found by content; a
JSON or YAML file that is neither is skipped silently. A missing path is an error diagnostic, and
the other paths are still read.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional, Sequence

from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel, Inventory, merge
from credmint.parsers.boundary import (
    Budget, admit, clipped, guarded, is_inventory_file, looks_like_plan, too_many_files, utf8_problem,
)
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform_files import (
    NATIVE_SUFFIXES, config_files, config_suffix, has_config, is_config_name, is_json_config,
)
from credmint.parsers.duplicates import defined_twice
from credmint.parsers.inventory_file import read_inventory

if TYPE_CHECKING:
    from credmint.parsers.terraform.unread import UnreadChecks

TEMPLATE_SUFFIXES = (".json", ".yaml", ".yml", ".template")
SKIPPED_FOLDERS = frozenset({".git", ".terraform", "node_modules", ".venv", "__pycache__", ".ci-venv"})


def project_root(paths: Sequence[Path], given: Path | None = None) -> Path:
    """`--root`, else the git work tree holding the paths, else the current directory, else the paths'
    common folder (CONTRACT.md). Missing paths do not count: they are reported on their own."""
    if given is not None:
        return given.resolve()
    resolved = [p.resolve() for p in paths if p.exists()] or [Path(".").resolve()]
    folders = [p if p.is_dir() else p.parent for p in resolved]
    start = Path(os.path.commonpath([str(f) for f in folders]))
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    cwd = Path.cwd().resolve()
    if start == cwd or cwd in start.parents:
        return cwd
    return start


def load_inputs(paths: Sequence[Path], ctx: ParseContext) -> Inventory:
    """Read every input under `paths` into one inventory; never raises on bad input.

    Every file passes `credmint.parsers.boundary.admit` (inside the root, a regular file, within the limits
    of parsers/limits.py) before a parser sees it, and every parser call runs inside
    `credmint.parsers.boundary.guarded`, so one hostile file is one error diagnostic, not a crash.
    """
    return read_inputs(paths, ctx).checked()


@dataclass(frozen=True)
class Reading:
    """An inventory read with the Terraform blocks nothing reads left unparsed, while a worker
    checks that they parse (parsers/terraform/unread.py)."""

    inventory: Inventory
    unread: Optional["UnreadChecks"]
    again: Callable[[], Inventory]

    def checked(self) -> Inventory:
        """The inventory once every block left unparsed is known to parse; else (a syntax error in
        a block nothing reads) the inputs read again with every block parsed: the same answer,
        errors and lines included, as if no block had been left unparsed. Call it once, before any
        report is written or exit status decided. The workers still storing parsed trees in the
        disk cache stop then too (`hcl.finish_filling`)."""
        from credmint.parsers.terraform.hcl import finish_filling

        try:
            if self.unread is None or self.unread.finish():
                return self.inventory
            return self.again()
        finally:
            finish_filling()


def read_inputs(paths: Sequence[Path], ctx: ParseContext) -> Reading:
    """`load_inputs` with the check of the blocks left unparsed still running (`Reading.checked`
    ends it): the analysis may walk the inventory meanwhile."""
    inventory, unread = _load(paths, ctx, lazy=True)
    return Reading(inventory, unread, lambda: _load(paths, ctx, lazy=False)[0])


def _load(paths: Sequence[Path], ctx: ParseContext, *, lazy: bool) -> tuple[Inventory, Optional["UnreadChecks"]]:
    parts: list[Inventory] = []
    terraform_dirs: list[Path] = []
    templates: list[Path] = []
    for path in paths:
        if not path.exists():
            why = "is a broken symlink" if path.is_symlink() else "does not exist"
            parts.append(_error(ctx, path, f"{path} {why}"))
            continue
        if not ctx.is_inside_root(path):
            parts.append(_error(ctx, path, f"{path} leads outside the project root {ctx.root}"))
            continue
        if path.is_file():
            if is_config_name(path.name):
                terraform_dirs.append(path.parent)
            else:
                templates.append(path)
            continue
        found_dirs, found_templates = _walk(path, ctx)
        terraform_dirs += found_dirs
        templates += found_templates
    named = {p.resolve() for p in paths}
    folders, templates = _unique(terraform_dirs), _unique(templates)
    # Every folder's files pass the boundary, modules' too, before any is parsed (root detection
    # parses them), so that a refused file is never read.
    ctx, admitted = _admit(folders, templates, named, ctx, parts)
    unread = _unread_checks(ctx) if lazy and folders else None
    ctx = replace(ctx, unread=unread)
    _warm_parse_cache(folders, ctx, unread)
    _read_roots(folders, _roots(folders, named, ctx, parts), ctx, parts)
    for template in admitted:
        explicit = template.resolve() in named
        part = guarded(ctx, template, lambda: _read_template(template, ctx.for_path(template), explicit=explicit))
        if part is not None:
            parts.append(part)
    parts = _without_nested_duplicates(parts)
    inventory = merge([*parts, Inventory(diagnostics=tuple(defined_twice(parts)))])
    if not inventory.inputs and not inventory.diagnostics:
        # Nothing to analyse is said, not passed silently: a gate pointed at the wrong folder.
        where = ", ".join(ctx.relative(p) for p in paths) or "."
        inventory = replace(inventory, diagnostics=(Diagnostic(
            level=DiagnosticLevel.WARNING, file=where, line=0,
            message=f"no Terraform, CloudFormation or plan input found under {where}",
        ),))
    return clipped(inventory), unread


def _without_nested_duplicates(parts: list[Inventory]) -> list[Inventory]:
    """A template read as another's nested stack is read there, with its parameters: its own
    standalone reading would count its entities twice."""
    nested = {i.path for part in parts for i in part.inputs if i.nested_in is not None}
    return [
        part
        for part in parts
        if not (part.inputs and part.inputs[0].nested_in is None and part.inputs[0].path in nested)
    ]


def _admit(
    directories: list[Path], templates: list[Path], named: set[Path], ctx: ParseContext, parts: list[Inventory]
) -> tuple[ParseContext, list[Path]]:
    """The context with the refused files, and the templates that may be parsed; refusals go to `parts`."""
    budget = Budget()
    refused: set[Path] = set()
    for directory in directories:
        for path in _terraform_files(directory):
            ok, problem = admit(path, ctx, budget, matters=True)
            if ok and (path.suffix == ".tfvars" or config_suffix(path.name) in NATIVE_SUFFIXES):
                problem = utf8_problem(path, ctx.relative(path))
            if problem is not None:
                parts.append(Inventory(diagnostics=(problem,)))
            if not ok:
                refused.add(path.resolve())
    admitted: list[Path] = []
    for template in templates:
        matters = template.resolve() in named or template.suffix == ".template"
        ok, problem = admit(template, ctx, budget, matters=matters)
        if problem is not None:
            parts.append(Inventory(diagnostics=(problem,)))
        if ok:
            admitted.append(template)
        else:
            refused.add(template.resolve())
    over = too_many_files(budget, ctx)
    if over is not None:
        parts.append(Inventory(diagnostics=(over,)))
    return replace(ctx, refused=ctx.refused | frozenset(refused)), admitted


def _terraform_files(directory: Path) -> list[Path]:
    """What parse_terraform reads in a root module folder: configuration files and the automatic tfvars."""
    names = ("terraform.tfvars", "terraform.tfvars.json", "*.auto.tfvars", "*.auto.tfvars.json")
    found = {path for name in names for path in directory.glob(name)}
    return sorted(found | set(config_files(directory).all))


def _unique(paths: list[Path]) -> list[Path]:
    """Each file once (by where it resolves), keeping the name it was found under for messages."""
    first: dict[Path, Path] = {}
    for path in paths:
        first.setdefault(path.resolve(), path)
    return [first[key] for key in sorted(first)]


def _walk(directory: Path, ctx: ParseContext) -> tuple[list[Path], list[Path]]:
    terraform_dirs: list[Path] = []
    templates: list[Path] = []
    for folder, subfolders, files in os.walk(directory):
        subfolders[:] = sorted(s for s in subfolders if s not in SKIPPED_FOLDERS and not s.startswith("."))
        here = Path(folder)
        if not ctx.is_inside_root(here):
            subfolders[:] = []
            continue
        if has_config(files):
            terraform_dirs.append(here)
        templates += [here / n for n in sorted(files) if n.endswith(TEMPLATE_SUFFIXES) and not is_config_name(n)]
    return terraform_dirs, templates  # a template leading outside the root is refused in _admit


def _unread_checks(ctx: ParseContext) -> Optional["UnreadChecks"]:
    """The run's check of the Terraform blocks it leaves unparsed; None to parse every block."""
    from credmint.parsers.terraform import lazy
    from credmint.parsers.terraform.parse_cache import cache_of
    from credmint.parsers.terraform.unread import UnreadChecks

    return UnreadChecks(cache_of(ctx)) if lazy.ENABLED else None


def _warm_parse_cache(directories: list[Path], ctx: ParseContext, unread: Optional["UnreadChecks"]) -> None:
    """Parse the `.tf` files of a large tree on every core first (issue 8): the run then finds
    their trees parsed. Only files the boundary admitted are read, and of them, in a lazy run, the
    blocks it parses at once; the check of the others starts then, beside the run."""
    from credmint.parsers.terraform.hcl import MAX_FILE_BYTES, parse_ahead
    from credmint.parsers.terraform.lazy import plan
    from credmint.parsers.terraform.parse_cache import cache_of

    texts: list[str] = []
    unchecked: list[str] = []
    for directory in directories:
        for file in config_files(directory).all:
            if is_json_config(file) or not file.is_file() or not ctx.is_inside_root(file) or file.resolve() in ctx.refused:
                continue
            try:
                if file.stat().st_size <= MAX_FILE_BYTES:
                    text = file.read_text(encoding="utf-8", errors="replace")
                    now, later = plan(text) if unread is not None else ([text], [])
                    texts += now
                    unchecked += later
            except OSError:
                continue  # the run reports it when it reads the file
    # The check starts first, with its share of the cores. While workers check, this process
    # parses what it reads itself: on 2 cores (and on 4 when most text is unread) that share
    # leaves the parse-ahead no core anyway.
    if unread is None or not unread.start(unchecked, sum(map(len, texts))):
        parse_ahead(texts, cache_of(ctx))


def _roots(directories: list[Path], named: set[Path], ctx: ParseContext, parts: list[Inventory]) -> list[Path]:
    """Terraform root modules: folders no other scanned folder calls as a local module (issue 3),
    any folder named on the command line, and called folders that look like roots
    (parsers/terraform/roots.py). Should finding the calls fail, every folder is a root."""
    from credmint.parsers.terraform import called_folders, looks_like_root

    try:
        called = called_folders(directories, ctx)
        return [d for d in directories if d not in called or d.resolve() in named or looks_like_root(d, ctx)]
    except Exception as problem:  # noqa: BLE001 - fail closed: analyse every folder as a root
        parts.append(_error(ctx, ctx.root, f"internal error while finding root modules: {type(problem).__name__}: {problem}"))
        return directories


def _read_roots(folders: list[Path], roots: list[Path], ctx: ParseContext, parts: list[Inventory]) -> None:
    """Read every root, then, as roots too, the called folders no root made an instance of (a call
    with `count = 0` or `for_each = {}` must not hide a folder: issue 13 item 10), until none is left."""
    instantiated: set[Path] = set()
    done: set[Path] = set()
    pending = list(roots)
    while pending:
        directory = pending.pop(0)
        done.add(directory)
        parts.append(guarded(ctx, directory, lambda: _read_terraform(directory, ctx.for_path(directory), instantiated)))
        if not pending:
            pending = [d for d in folders if d not in done and d.resolve() not in instantiated][:1]


def _read_terraform(directory: Path, ctx: ParseContext, instantiated: set[Path]) -> Inventory:
    from credmint.parsers.terraform import parse_terraform

    return parse_terraform(directory, ctx, instantiated)


def _read_template(path: Path, ctx: ParseContext, *, explicit: bool) -> Inventory | None:
    from credmint.parsers.cloudformation import is_cloudformation, parse_cloudformation, read_template

    if is_inventory_file(path):
        return read_inventory(path, ctx) if explicit else Inventory(diagnostics=(Diagnostic(
            level=DiagnosticLevel.INFO, file=ctx.relative(path), line=0,
            message="an exported inventory is read only when named on the command line; skipped",
        ),))
    if looks_like_plan(path):
        return _read_plan(path, ctx)
    template, diagnostics = read_template(path, ctx)
    if template is None:
        # A file named on the command line must be read; one found in a folder may be any JSON.
        if explicit or path.suffix == ".template":
            return Inventory(diagnostics=tuple(diagnostics))
        return Inventory(diagnostics=tuple(d for d in diagnostics if _is_template_like(path)))
    if not is_cloudformation(template):
        if explicit:
            return _error(ctx, path, f"{ctx.relative(path)} is neither CloudFormation nor a Terraform plan")
        return None
    return parse_cloudformation(path, ctx)


def _is_template_like(path: Path) -> bool:
    """A broken file found in a folder counts as an input when its text names CloudFormation."""
    try:
        with path.open("rb") as handle:
            head = handle.read(65536).decode("utf-8", "replace")
    except OSError:
        return True
    return "AWSTemplateFormatVersion" in head or "AWS::IAM::" in head or "AWS::Serverless" in head


def _read_plan(path: Path, ctx: ParseContext) -> Inventory:
    try:
        from credmint.parsers.terraform_plan import parse_plan
    except ImportError:
        return Inventory(
            diagnostics=(
                Diagnostic(
                    level=DiagnosticLevel.WARNING,
                    message="Terraform plan JSON is not analysed yet; this plan was skipped",
                    file=ctx.relative(path),
                ),
            )
        )
    return parse_plan(path, ctx)


def _error(ctx: ParseContext, path: Path, message: str) -> Inventory:
    return Inventory(
        diagnostics=(Diagnostic(level=DiagnosticLevel.ERROR, message=message, file=ctx.relative(path), line=0),)
    )
