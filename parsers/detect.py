"""Find the inputs under the scanned paths by content, and read each with its parser.

CONTRACT.md: a PATH is a directory, a `.tf` file's directory, a CloudFormation template or a plan
JSON. In a directory, Terraform root modules and CloudFormation templates are found by content; a
JSON or YAML file that is neither is skipped silently. A missing path is an error diagnostic, and
the other paths are still read.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterator, Sequence

from analyzer.inventory import Diagnostic, DiagnosticLevel, Inventory, merge
from parsers.context import ParseContext

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
    """Read every input under `paths` into one inventory; never raises on bad input."""
    parts: list[Inventory] = []
    terraform_dirs: list[Path] = []
    templates: list[Path] = []
    for path in paths:
        if not path.exists():
            parts.append(_error(ctx, path, f"{path} does not exist"))
            continue
        if not ctx.is_inside_root(path):
            parts.append(_error(ctx, path, f"{path} leads outside the project root {ctx.root}"))
            continue
        if path.is_file():
            if path.suffix == ".tf":
                terraform_dirs.append(path.parent)
            else:
                templates.append(path)
            continue
        found_dirs, found_templates = _walk(path, ctx)
        terraform_dirs += found_dirs
        templates += found_templates
    named = {p.resolve() for p in paths}
    for directory in _unique(terraform_dirs):
        parts.append(_read_terraform(directory, ctx.for_path(directory)))
    for template in _unique(templates):
        part = _read_template(template, ctx.for_path(template), explicit=template in named)
        if part is not None:
            parts.append(part)
    return merge(parts)


def _unique(paths: list[Path]) -> list[Path]:
    return sorted(dict.fromkeys(p.resolve() for p in paths))


def _walk(directory: Path, ctx: ParseContext) -> tuple[list[Path], list[Path]]:
    terraform_dirs: list[Path] = []
    templates: list[Path] = []
    for folder, subfolders, files in os.walk(directory):
        subfolders[:] = sorted(s for s in subfolders if s not in SKIPPED_FOLDERS and not s.startswith("."))
        here = Path(folder)
        if not ctx.is_inside_root(here):
            subfolders[:] = []
            continue
        if any(name.endswith(".tf") for name in files):
            terraform_dirs.append(here)
        templates += [here / n for n in sorted(files) if n.endswith(TEMPLATE_SUFFIXES)]
    return terraform_dirs, [t for t in templates if ctx.is_inside_root(t)]


def _read_terraform(directory: Path, ctx: ParseContext) -> Inventory:
    from parsers.terraform import parse_terraform

    return parse_terraform(directory, ctx)


def _read_template(path: Path, ctx: ParseContext, *, explicit: bool) -> Inventory | None:
    from parsers.cloudformation import is_cloudformation, parse_cloudformation, read_template

    if _looks_like_plan(path):
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
        head = path.read_bytes()[:65536].decode("utf-8", "replace")
    except OSError:
        return True
    return "AWSTemplateFormatVersion" in head or "AWS::IAM::" in head or "AWS::Serverless" in head


def _looks_like_plan(path: Path) -> bool:
    if path.suffix != ".json":
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return b'"format_version"' in head and (b'"terraform_version"' in head or b'"planned_values"' in head)


def _read_plan(path: Path, ctx: ParseContext) -> Inventory:
    try:
        from parsers.terraform_plan import parse_plan
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


def iter_paths(values: Sequence[str]) -> Iterator[Path]:
    for value in values or ["."]:
        yield Path(value)
