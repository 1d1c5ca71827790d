"""The Action's workspace boundary (issue 15 §4): nothing outside it is read or written.

A pull request can commit symlinks. A scan root, settings file or baseline that resolves outside
the workspace is refused; an output path is written only inside it, its missing folders created
there, and the file opened with `O_NOFOLLOW` so that a committed `credmint.sarif -> /elsewhere`
link is never followed.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping


class OutsideWorkspace(Exception):
    """A path that leads outside the workspace; the run stops with exit status 2."""


def workspace(env: Mapping[str, str]) -> Path:
    """`$GITHUB_WORKSPACE` (the checkout), else the current directory."""
    return Path(env.get("GITHUB_WORKSPACE") or os.getcwd()).resolve()


def check_input(value: str, what: str, root: Path) -> str:
    """`value` unchanged when it resolves inside `root`, links followed; else OutsideWorkspace."""
    if not Path(value).resolve().is_relative_to(root):
        raise OutsideWorkspace(f"{what} {value!r} leads outside the workspace {root}: refused")
    return value


def _lexical(value: str, root: Path) -> Path:
    path = Path(os.path.abspath(value))
    for base in (root, Path(os.path.abspath(os.getcwd()))):
        if path.is_relative_to(base) and base.resolve() == root:
            return root / path.relative_to(base)
    raise OutsideWorkspace(f"output {value!r} is outside the workspace {root}: refused")


def write_inside(value: str, text: str, root: Path) -> None:
    """Write `text` to `value`, creating missing folders, never following a link (issue 15 §4, §5)."""
    target = _lexical(value, root)
    folder = root
    for part in target.relative_to(root).parts[:-1]:
        folder = folder / part
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            raise OutsideWorkspace(f"output {value!r}: {folder} is a link or not a folder: refused")
        if not folder.exists():
            folder.mkdir()
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(target, flags, 0o644)
    except OSError as problem:
        raise OutsideWorkspace(f"output {value!r} cannot be written safely: {problem}") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
