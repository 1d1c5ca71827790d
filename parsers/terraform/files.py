"""`file`, `fileexists` and `templatefile`: the functions that read files, only inside the project root."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from credmint.parsers.terraform.evaluator import render_template
from credmint.parsers.terraform.scope import Call
from credmint.analyzer.inventory import Source
from credmint.parsers.terraform.values import EvalError, LinedStr, is_unknown

if TYPE_CHECKING:
    from credmint.parsers.terraform.interfaces import ModuleInstance


def _file_path(module: "ModuleInstance", args: list[object]) -> Path:
    """A `file()` path: relative to the root module's directory, and only inside the project root."""
    if len(args) < 1 or not isinstance(args[0], str):
        raise EvalError("a file path must be a string")
    path = Path(args[0])
    if not path.is_absolute():
        path = module.root_directory / path
    if not module.ctx.is_inside_root(path):
        raise EvalError(f"{args[0]} is outside the project root; not read")
    if not path.is_file():
        raise EvalError(f"no file {args[0]}")
    if path.stat().st_size > module.ctx.limits.max_file_bytes:  # hostile input (parsers/limits.py)
        raise EvalError(f"{args[0]} is larger than {module.ctx.limits.max_file_bytes} bytes; not read")
    return path


def _file(module: "ModuleInstance", args: list[object], where: Call) -> object:
    if args and is_unknown(args[0]):
        return where.unknown("file path not known before apply")
    path = _file_path(module, args)
    try:
        return LinedStr(path.read_text(encoding="utf-8"), Source(file=module.ctx.relative(path), line=1))
    except (OSError, UnicodeError) as problem:
        raise EvalError(f"cannot read {args[0]}: {problem}") from None


def _fileexists(module: "ModuleInstance", args: list[object], where: Call) -> object:
    try:
        _file_path(module, args)
    except EvalError:
        return False
    return True


def _templatefile(module: "ModuleInstance", args: list[object], where: Call) -> object:
    if len(args) != 2:
        raise EvalError("templatefile() takes a path and a map of variables")
    if is_unknown(args[0]) or not isinstance(args[1], dict):
        return where.unknown("template path or variables not known before apply")
    text = _file(module, args, where)
    if not isinstance(text, str):
        return text
    rel = module.ctx.relative(_file_path(module, args))
    return render_template(text, rel, dict(args[1]), module.constants(), where)


MAX_FILESET = 1_000
"""Bound on the paths one `fileset()` returns (hostile input: a `**` over a large tree)."""


def _fileset(module: "ModuleInstance", args: list[object], where: Call) -> object:
    """`fileset(path, pattern)`: the files under `path` matching the glob `pattern` (`*`, `**`, `?`,
    `[...]`), as paths relative to `path`, sorted (Terraform docs, "fileset Function"). Only files
    inside the project root are listed."""
    if len(args) != 2:
        raise EvalError("fileset() takes a path and a pattern")
    if is_unknown(args[0]) or is_unknown(args[1]):
        return where.unknown("fileset path or pattern not known before apply")
    if not isinstance(args[0], str) or not isinstance(args[1], str):
        raise EvalError("fileset() takes strings")
    base = Path(args[0]) if Path(args[0]).is_absolute() else module.root_directory / args[0]
    if not module.ctx.is_inside_root(base):
        raise EvalError(f"{args[0]} is outside the project root; not read")
    if not base.is_dir():
        return []
    found = sorted(
        path.relative_to(base).as_posix()
        for path in base.glob(args[1])
        if path.is_file() and module.ctx.is_inside_root(path)
    )
    if len(found) > MAX_FILESET:
        raise EvalError(f"fileset() matches more than {MAX_FILESET} files; not listed")
    return found


FILE_FUNCTIONS: dict[str, Callable[["ModuleInstance", list[object], Call], object]] = {
    "file": _file,
    "fileexists": _fileexists,
    "templatefile": _templatefile,
    "fileset": _fileset,
}
