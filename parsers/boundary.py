"""The checks a file passes before any parser sees it, and the net around every parser call.

Pull requests from forks are hostile (DESIGN.md, "Untrusted input"; README "Hostile input and
limits"). Every refusal here is an error diagnostic naming the file, so the run exits 2 (CONTRACT.md:
an unreadable input never passes silently) while the other inputs are still analysed.
"""

from __future__ import annotations

import mmap
import os
import re
import stat
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel, Inventory
from credmint.parsers.context import ParseContext
from credmint.parsers.limits import clip, nesting_exceeds

TEMPLATE_MARKERS = (b"AWSTemplateFormatVersion", b"AWS::IAM::", b"AWS::Serverless")
PLAN_MARKER = b'"format_version"'


@dataclass
class Budget:
    """What one run has admitted so far, against `ctx.limits`."""

    files: int = 0
    bytes: int = 0
    files_over: int = 0
    """Files refused for `max_files` alone: reported once, as a count."""


def admit(path: Path, ctx: ParseContext, budget: Budget, *, matters: bool) -> tuple[bool, Diagnostic | None]:
    """Whether `path` may be parsed, and the error that says why not.

    `matters` is False for a JSON or YAML file found in a folder: CONTRACT.md skips those silently
    when they are not templates, so a refused one is reported only when its bytes name CloudFormation
    or a plan — but it is refused either way.
    """
    problem, line = _refusal(path, ctx, budget)
    if problem is None:
        return True, None
    if problem == "max_files":
        budget.files_over += 1
        return False, None
    if not matters and ctx.is_inside_root(path) and path.is_file() and not _looks_like_input(path):
        return False, None  # only files inside the root are peeked at
    return False, error(name_of(path, ctx), problem, line)


def name_of(path: Path, ctx: ParseContext) -> str:
    """The repo-relative name a file was found under: a symlink is named, not where it leads."""
    try:
        return (path.parent.resolve() / path.name).relative_to(ctx.root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _refusal(path: Path, ctx: ParseContext, budget: Budget) -> tuple[str | None, int]:
    limits = ctx.limits
    rel = name_of(path, ctx)
    if not ctx.is_inside_root(path):
        return f"{rel} leads outside the project root {ctx.root}; not read", 0
    try:
        info = path.stat()
    except OSError as problem:
        kind = "a broken symlink" if path.is_symlink() else "unreadable"
        return f"cannot read {rel}: {kind} ({problem.strerror or problem})", 0
    if not stat.S_ISREG(info.st_mode):
        kind = "a directory" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        return f"cannot read {rel}: it is {kind}", 0
    if budget.files >= limits.max_files:
        return "max_files", 0
    large = looks_like_plan(path) or is_inventory_file(path)
    name, most = ("max_plan_bytes", limits.max_plan_bytes) if large else ("max_file_bytes", limits.max_file_bytes)
    if info.st_size > most:
        return f"{rel} is {info.st_size} bytes, more than the limit of {most} (--limit {name}=N); not read", 0
    if budget.bytes + info.st_size > limits.max_total_bytes:
        return (
            f"{rel} would take the run past {limits.max_total_bytes} bytes read "
            "(--limit max_total_bytes=N); not read"
        ), 0
    try:
        with path.open("rb") as handle:
            data = handle.read(most + 1)
    except OSError as problem:
        return f"cannot read {rel}: {problem.strerror or problem}", 0
    budget.files += 1
    budget.bytes += len(data)
    if nesting_exceeds(data, limits.max_nesting_depth):
        return (
            f"{rel} nests brackets deeper than {limits.max_nesting_depth} levels "
            "(--limit max_nesting_depth=N); not read"
        ), deep_line(data, limits.max_nesting_depth)
    return None, 0


_TOKEN = re.compile(rb'"(?:[^"\\\n]|\\.)*"|[\[\]{}()]')


def deep_line(data: bytes, limit: int) -> int:
    """The line where brackets first nest deeper than `limit` (only run on files already refused)."""
    depth = 0
    for match in _TOKEN.finditer(data):
        char = match.group()
        if char in (b"[", b"{", b"("):
            depth += 1
            if depth > limit:
                return data.count(b"\n", 0, match.start()) + 1
        elif len(char) == 1:
            depth = max(depth - 1, 0)
    return data.count(b"\n") + 1


def utf8_problem(path: Path, rel: str) -> Diagnostic | None:
    """An error when a `.tf` or `.tfvars` file is not UTF-8 (Terraform rejects it; python-hcl2 would not notice)."""
    try:
        data = path.read_bytes()
        data.decode("utf-8")
    except OSError:
        return None  # the parser reports unreadable files itself
    except UnicodeDecodeError as problem:
        line = data[: problem.start].count(b"\n") + 1
        return error(rel, f"{rel} is not UTF-8 text (byte {problem.start}); read with replacement characters", line)
    return None


INVENTORY_SUFFIX = ".inventory.json"


def is_inventory_file(path: Path) -> bool:
    """An inventory another run exported (`--format inventory`): read only when named (issue 18)."""
    return path.name.endswith(INVENTORY_SUFFIX)


def looks_like_plan(path: Path) -> bool:
    """A Terraform plan JSON (`terraform show -json`), by its first bytes."""
    if path.suffix != ".json":
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return PLAN_MARKER in head and (b'"terraform_version"' in head or b'"planned_values"' in head)


def _looks_like_input(path: Path) -> bool:
    """A refused file found in a folder is reported when its bytes name CloudFormation or a plan."""
    try:
        with path.open("rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                return False
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
                if mapped[:4096].find(PLAN_MARKER) >= 0:
                    return True
                return any(mapped.find(marker) >= 0 for marker in TEMPLATE_MARKERS)
    except (OSError, ValueError):
        return True  # cannot tell: fail closed


def too_many_files(budget: Budget, ctx: ParseContext) -> Diagnostic | None:
    if not budget.files_over:
        return None
    return error(
        ".",
        f"{budget.files_over} more input files not read: more than {ctx.limits.max_files} in one run "
        "(--limit max_files=N)",
        0,
    )


def guarded(ctx: ParseContext, path: Path, read: Callable[[], Inventory | None]) -> Inventory | None:
    """`read()`, with any exception a parser lets escape turned into an error diagnostic.

    Parsers report bad input as diagnostics and never raise; an exception here is a bug or a limit
    the parser lacks (RecursionError, MemoryError). It still fails the run (exit 2), naming the file,
    instead of a traceback that would lose every other input's report.
    """
    rel = ctx.relative(path)
    try:
        return read()
    except RecursionError:
        message = f"internal error while reading {rel}: nesting too deep (RecursionError)"
    except MemoryError:
        message = f"internal error while reading {rel}: out of memory (MemoryError)"
    except Exception as problem:  # noqa: BLE001 - the net is the point; it never passes silently
        message = f"internal error while reading {rel}: {type(problem).__name__}: {problem}"
    return Inventory(diagnostics=(error(rel, message, 0),))


def clipped(inventory: Inventory) -> Inventory:
    """The inventory with every diagnostic message cut to a bounded length."""
    if all(len(d.message) == len(clip(d.message)) for d in inventory.diagnostics):
        return inventory
    return replace(inventory, diagnostics=tuple(replace(d, message=clip(d.message)) for d in inventory.diagnostics))


def error(rel: str, message: str, line: int) -> Diagnostic:
    return Diagnostic(level=DiagnosticLevel.ERROR, message=clip(message), file=rel, line=line)
