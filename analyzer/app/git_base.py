"""The base of a diff taken from a git revision: a temporary detached worktree, always removed.

Only `git` runs here, never anything from the templates; hooks are switched off so that checking
out a revision cannot run the repository's own scripts.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Iterator, Sequence

GIT_TIMEOUT = 300
_NO_HOOKS = "/dev/null"


class BaseRevisionError(Exception):
    """The revision cannot be checked out; the message says why and what to do."""


def _git(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-c", "core.hooksPath=" + _NO_HOOKS, *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as problem:
        raise BaseRevisionError(f"cannot run git {args[0]}: {problem}") from None


def repository_root(path: Path) -> Path:
    folder = path if path.is_dir() else path.parent
    done = _git(["rev-parse", "--show-toplevel"], folder.resolve())
    if done.returncode != 0:
        raise BaseRevisionError(
            f"{path} is not inside a git repository, so --base must be a directory"
        )
    return Path(done.stdout.strip()).resolve()


def _check_revision(root: Path, revision: str) -> str:
    if revision.startswith("-"):
        raise BaseRevisionError(f"{revision!r} is not a git revision")
    found = _git(
        ["rev-parse", "--verify", "--quiet", "--end-of-options", f"{revision}^{{commit}}"], root
    )
    if found.returncode == 0:
        return found.stdout.strip()
    shallow = _git(["rev-parse", "--is-shallow-repository"], root).stdout.strip() == "true"
    if shallow:
        raise BaseRevisionError(
            f"revision {revision!r} is not in this shallow clone: fetch the full history "
            "(actions/checkout with fetch-depth: 0, or git fetch --unshallow)"
        )
    raise BaseRevisionError(
        f"revision {revision!r} is not in the repository at {root} (fetch it first?)"
    )


@contextmanager
def checkout(root: Path, revision: str) -> Iterator[Path]:
    """The revision checked out in a temporary worktree, yielded as its root; removed on exit."""
    commit = _check_revision(root, revision)
    holder = Path(tempfile.mkdtemp(prefix="credmint-base-"))
    tree = holder / "tree"
    try:
        added = _git(["worktree", "add", "--detach", "--quiet", str(tree), commit], root)
        if added.returncode != 0:
            raise BaseRevisionError(f"git worktree add failed: {added.stderr.strip()}")
        yield tree
    finally:
        with suppress(BaseRevisionError):
            _git(["worktree", "remove", "--force", str(tree)], root)
        shutil.rmtree(holder, ignore_errors=True)
        with suppress(BaseRevisionError):
            _git(["worktree", "prune"], root)


def current_commit(root: Path) -> str | None:
    """The commit checked out at `root`, or None outside a repository."""
    done = _git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], root)
    return done.stdout.strip() if done.returncode == 0 else None


def fetch_commit(root: Path, commit: str) -> bool:
    """Make `commit` present (fetched from `origin` when missing; only git runs, nothing of the
    fetched tree); True when it is there afterwards."""
    if commit.startswith("-"):
        return False
    present = ["cat-file", "-e", f"{commit}^{{commit}}"]
    if _git(present, root).returncode == 0:
        return True
    _git(["fetch", "--no-tags", "--quiet", "--no-recurse-submodules", "origin", commit], root)
    return _git(present, root).returncode == 0
