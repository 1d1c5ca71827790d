"""Parse trees kept on disk by content hash, so that unchanged `.tf` files are not parsed again.

Parsing is most of a scan's time (bench/): a pull request changes a few files of many, and the base
and head of a diff share most of theirs. Trees live under `$XDG_CACHE_HOME/credmint/` in a folder
named for the stored shape and the versions of python-hcl2, lark and Python, so an upgrade starts
afresh.
Writes go to a temporary file renamed into place, so concurrent runs never read half a file; a file
that cannot be loaded is ignored (and rewritten). The folder is created private to the user, and
never one inside the scanned project.

A tree is stored as `marshal`led flat lists of strings and numbers (`_encode`), keeping only what
the evaluator reads (rule names, token types, text, lines and offsets): loading it is over three
times faster than unpickling lark's objects (bench/), and it can hold no code to run. The folder
also keeps the parser itself (`grammar.py`), and an empty file per block of text that was checked
to parse but never read (`unread.py`): a warm run checks it no more.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import sys
import tempfile
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any, Optional

import hcl2
import lark
from lark import Token, Tree

from credmint.parsers.context import ParseContext


def cache_of(ctx: ParseContext) -> Optional["DiskCache"]:
    """The run's disk cache, or None with `--no-cache` — and None when the cache folder lies inside
    the project root: a pull request must never be able to plant a tree."""
    if ctx.parse_cache is None or _is_within(ctx.parse_cache, ctx.root):
        return None
    return DiskCache(ctx.parse_cache)


def _is_within(folder: Path, root: Path) -> bool:
    try:
        folder.resolve().relative_to(root.resolve())
    except ValueError:
        return False
    return True


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def default_folder() -> Path:
    """`$XDG_CACHE_HOME/credmint/hcl-<versions>` (`~/.cache` when the variable is unset)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "credmint" / f"hcl-{_versions()}"


FORMAT = "f3"
"""The stored tree's shape (`_encode`); a new shape gets a new folder."""


def _versions() -> str:
    """What a stored tree or marker depends on: its shape here, the grammar's and lark's versions,
    Python's, and the code that builds or vouches for it. (Read from the packages themselves:
    `importlib.metadata` alone costs a small scan 10 ms.)"""
    python = f"py{sys.version_info.major}.{sys.version_info.minor}"
    return f"{FORMAT}-{hcl2.__version__}-{lark.__version__}-{python}-{_code()}"


_PRODUCERS = ("grammar.py", "lalr_driver.py", "hcl.py", "split.py", "unread.py", "parse_cache.py")
"""The modules whose behaviour a stored item records: the parser, the loop and the call (hcl.py)
that build trees, the splitter and the check a marker vouches for (unread.py), the encoding. A
marker or tree of another release of them could say what this one does not: a tree its loop no
longer builds, a text split into blocks its splitter no longer finds — a silent pass, were a bug
fixed or made."""


def _code() -> str:
    """A digest of the producers' source (a fraction of a millisecond)."""
    hashed = hashlib.sha256()
    for name in _PRODUCERS:
        try:
            hashed.update((Path(__file__).parent / name).read_bytes())
        except OSError:
            return f"run-{os.urandom(6).hex()}"  # no source to digest: nothing another run stored is trusted
    return hashed.hexdigest()[:12]


CHECKED = "outline-"
"""Prefix of the empty file that says a text of blocks nothing reads parses into the splitter's
blocks (unread.py, `as_split`), without storing its tree."""


@dataclass(frozen=True)
class DiskCache:
    """Parse trees by the SHA-256 of their text, in one folder (two caches of one folder are equal)."""

    folder: Path

    def get(self, key: str) -> Optional[Tree]:
        try:
            return load((self.folder / key).read_bytes())
        except OSError:
            return None

    def has(self, key: str) -> bool:
        try:
            return (self.folder / key).is_file()
        except OSError:
            return False  # a folder this user may not read (EACCES) is a cache that only costs time

    def is_checked(self, key: str) -> bool:
        """Did the text of this digest pass unread.py's check (a stored tree says it parses, not
        that its blocks are the splitter's)?"""
        return self.has(CHECKED + key)

    def mark_checked(self, key: str) -> None:
        """Record that the text of this digest passed unread.py's check: an empty file."""
        self.put_stored(CHECKED + key, b"")

    def put(self, key: str, tree: Tree) -> None:
        try:
            self.put_stored(key, store(tree))
        except ValueError:
            return  # not a tree of trees and tokens: parsed each time

    def put_stored(self, key: str, stored: bytes) -> None:
        try:
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.folder, prefix=".tmp-")
            with os.fdopen(handle, "wb") as out:
                out.write(stored)
            os.replace(temporary, self.folder / key)
        except OSError:
            return  # a cache that cannot be written only costs time


def store(tree: Tree) -> bytes:
    """A tree as bytes (ValueError for a tree of anything but trees and tokens)."""
    return marshal.dumps(_encode(tree))


def load(stored: bytes) -> Optional[Tree]:
    """A tree from `store`'s bytes; None for anything else."""
    try:
        return _decode(marshal.loads(stored))
    except (EOFError, ValueError, TypeError, IndexError, StopIteration):
        return None


def _encode(tree: Tree) -> tuple:
    """The tree in post-order, flat: its tokens as five columns (type, text, line, start, end — the
    post-lexer's merged tokens keep the positions of one part, so `end` is not `start + len(text)`),
    then `sizes`, -1 for each token and the number of children for each tree, and the trees' rule
    names by index. Trees carry no positions (`hcl.SourceFile.line` reads them from the tokens).
    Flat, a tree of any depth is stored, and loading it is one loop with no recursion (about 15%
    faster than nested lists: allocating the tokens and trees is most of it)."""
    tokens: list[Token] = []
    sizes: list[int] = []
    rules: list[int] = []
    names: dict[str, int] = {}
    todo = [(tree, iter(tree.children))]
    while todo:
        node, children = todo[-1]
        for child in children:
            if isinstance(child, Tree):
                todo.append((child, iter(child.children)))
                break
            if not isinstance(child, Token):
                raise ValueError(f"not a tree or token: {type(child).__name__}")
            tokens.append(child)
            sizes.append(-1)
        else:
            todo.pop()
            sizes.append(len(node.children))
            rules.append(names.setdefault(node.data, len(names)))
    return (
        [token.type for token in tokens], [str(token) for token in tokens], [token.line for token in tokens],
        [token.start_pos for token in tokens], [token.end_pos for token in tokens], sizes, rules, list(names),
    )


def _decode(item: Any) -> Tree:
    """The inverse of `_encode`; TypeError, ValueError, IndexError or StopIteration on anything else."""
    if type(item) is not tuple:
        raise TypeError("not a stored tree")
    kinds, texts, lines, starts, ends, sizes, rules, names = item
    for column, kind in ((kinds, str), (texts, str), (names, str), (lines, int), (starts, int), (ends, int),
                         (sizes, int), (rules, int)):
        if type(column) is not list or not set(map(type, column)) <= {kind}:
            raise TypeError("not a stored tree")
    if not len(kinds) == len(texts) == len(lines) == len(starts) == len(ends) \
            or (sizes and min(sizes) < -1) or (rules and (min(rules) < 0 or max(rules) >= len(names))):
        raise ValueError("not a stored tree")
    none = repeat(None)
    tokens = iter(list(map(_new_token, kinds, texts, starts, lines, none, none, none, ends)))
    rule_names = map(names.__getitem__, rules)
    values: list = []
    for size in sizes:
        if size < 0:
            values.append(next(tokens))
            continue
        cut = len(values) - size
        if cut < 0:
            raise ValueError("not a stored tree")
        children = values[cut:]
        del values[cut:]
        values.append(Tree(next(rule_names), children))
    if len(values) != 1 or next(tokens, None) is not None or next(rule_names, None) is not None \
            or not isinstance(values[0], Tree):
        raise ValueError("not a stored tree")
    return values[0]


_new_token = Token._future_new
"""lark's `Token(...)` without its keyword handling: a quarter of the time of loading a tree."""
