"""Proof that every block a lazy run left unparsed is what the splitter says, and parses (issue 17).

Lazy parsing (lazy.py) never builds the tree of a block nothing reads, and takes its kind and name
from the splitter (split.py). Two things must not pass silently: a syntax error there (the eager run
reports it, "cannot parse HCL" with its file and line, and drops the file), and a splitter that
disagrees with the parser on where blocks start and end — then a block the parser sees, an IAM
role, could hide inside one the splitter calls an instance and never be read. So each run of
neighbouring blocks left unparsed still goes through python-hcl2's grammar by the very automaton
that parses (`as_split`): the driver's recogniser, which builds only the outline of the top level
(each top-level block or attribute and where it starts), or where it declines lark's own tree. The
run passes when the parser accepts it and its outline is exactly the splitter's blocks, each
starting where the splitter's does (the splitter's header pattern takes only plain names and
labels, so the same start means the same kind and name). Should one fail, the inputs are read
again with every block parsed (credmint.parsers.detect, `Reading.checked`): on broken or
ambiguous input, which is rare, the answer is then the eager one exactly, errors, lines and all.

The check runs off the critical path: as soon as the files are split (`start`), worker processes
(their share of the cores, at least one, never all; none on one core or for little text) check
chunks of the runs while this process evaluates and walks; at the end (`finish`) this process takes
back the chunks not started, checks them itself, and waits for the rest. A text checked is recorded
in the disk cache (`DiskCache.mark_checked`, an empty file), so that a warm run checks it no more.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Iterable, Optional

from lark import Tree

from credmint.parsers.terraform.grammar import driver, parser
from credmint.parsers.terraform.hcl import first_token
from credmint.parsers.terraform.lalr_driver import Declined
from credmint.parsers.terraform.parse_cache import DiskCache, digest
from credmint.parsers.terraform.split import split

WORKER_FROM = 40_000
"""Characters of unread blocks below which they are checked here at the end (about 0.04 s of CPU):
less than a worker process costs to start and to wait for."""

PARSE_COST = 1.4
"""A parse with its tree costs about this many checks of the same text, the cycle collector off as
in a scan (the driver on the bench trees: 0.69 s against 0.49 s of CPU for the IAM-heavy one):
lexing and the automaton are most of either."""

CHUNK_CHARS = 32_000
"""About that much text per task given to a worker: small enough that little is left running when
this process is done, large enough that a task costs more than sending it."""

Item = tuple[str, str]
"""The digest and the text of a run of neighbouring blocks left unparsed."""


class UnreadChecks:
    """The blocks one run leaves unparsed, and whether each is known to parse."""

    def __init__(self, cache: Optional[DiskCache]) -> None:
        self.cache = cache
        self._texts: dict[str, str] = {}
        """Every run of neighbouring blocks left unparsed (`add`), by digest."""
        self._failed = False
        self._pool: Optional[ProcessPoolExecutor] = None
        self._tasks: list[tuple[Future[bool], list[Item]]] = []

    def add(self, text: str) -> None:
        """Blocks left unparsed (neighbours, the white space and comments between them included):
        they must be checked before the run answers. Those of them parsed after all are checked
        all the same: they are few, and one text is cheaper to check than each block."""
        self._texts.setdefault(digest(text), text)

    def failed(self) -> None:
        """A block left unparsed failed when it was read at last: the run is read again."""
        self._failed = True

    def start(self, texts: Iterable[str], parsed: int) -> int:
        """Start checking in worker processes the blocks the run is about to leave unparsed (from
        the split files), beside `parsed` characters it parses at once; any block not given here,
        or never taken by a worker, `finish` checks. Returns how many cores the workers took: their
        share of the work, at least one, never all (this process evaluates)."""
        todo = list({digest(text): text for text in texts}.items())
        cores = os.cpu_count() or 1
        unread = sum(len(text) for _, text in todo)
        if cores < 2 or not todo or unread < WORKER_FROM:
            return 0
        driver(self.cache)  # built (with the parser) before the fork, so that the workers inherit it
        chunks = _chunks(todo)
        share = round(cores * unread / (unread + PARSE_COST * parsed))
        workers = min(cores - 1, len(chunks), max(1, share))
        try:
            self._pool = ProcessPoolExecutor(max_workers=workers)
            self._tasks = [(self._pool.submit(_check_all, chunk, self.cache), chunk) for chunk in chunks]
        except (OSError, RuntimeError):
            self._pool, self._tasks = None, []  # no worker could start: `finish` checks them all
            return 0
        return workers

    def finish(self) -> bool:
        """Does every block left unparsed parse? The chunks the worker has not started are checked
        here, the others waited for."""
        mine = [item for task, chunk in self._tasks if task.cancel() for item in chunk]
        given = {key for _, chunk in self._tasks for key, _ in chunk}
        mine += [item for item in self._texts.items() if item[0] not in given]
        ok = not self._failed and all(_check(item, self.cache) for item in mine)
        for task, chunk in self._tasks:
            if task.cancelled():
                continue
            try:
                ok = task.result() and ok
            except Exception:  # noqa: BLE001 - the worker died (killed, out of memory): check here
                ok = ok and all(_check(item, self.cache) for item in chunk)
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        self._pool, self._tasks = None, []
        return ok


def _chunks(items: list[Item]) -> list[list[Item]]:
    chunks: list[list[Item]] = [[]]
    size = 0
    for item in items:
        if size >= CHUNK_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append(item)
        size += len(item[1])
    return chunks


def _check_all(items: list[Item], cache: Optional[DiskCache]) -> bool:
    """A worker's task: do all these blocks parse? (Each that does is recorded in the cache.)"""
    return all([_check(item, cache) for item in items])


def _check(item: Item, cache: Optional[DiskCache]) -> bool:
    """Is the text the splitter's blocks (known from the disk cache, a warm run), else checked and
    recorded?"""
    key, text = item
    if cache is not None and cache.is_checked(key):
        return True
    if not as_split(text, cache):
        return False
    if cache is not None:
        cache.mark_checked(key)
    return True


def as_split(text: str, cache: Optional[DiskCache] = None) -> bool:
    """Does python-hcl2's parser accept this text (`hcl.parse_text` would give it a tree), and are
    its top-level items exactly the blocks the splitter finds in it, each starting where the
    splitter's does? Lazy parsing takes each unparsed block's kind and name from the splitter: were
    the two to disagree on where a block ends, a block the parser sees (an IAM role) could hide
    inside one the splitter calls an instance, and never be read. The driver's recogniser builds
    that outline at half a parse's cost; where it declines, lark's tree gives it."""
    chunks = split(text)
    if chunks is None:
        return False
    outline = _outline(text + "\n", cache)  # hcl._parse's newline: the grammar has no end-of-file token
    return outline == tuple(("block", chunk.at) for chunk in chunks)


def _outline(source: str, cache: Optional[DiskCache]) -> Optional[tuple[tuple[str, int], ...]]:
    fast = driver(cache)
    if fast is not None:
        try:
            return fast.recognise(source)
        except Declined:
            pass
    try:
        tree = parser(cache).parse(source)
    except Exception:  # noqa: BLE001 - anything but an accepted parse is a no; the eager read says why
        return None
    return outline_of(tree)


def outline_of(tree: Tree) -> tuple[tuple[str, int], ...]:
    """A parsed file's top-level items as `LalrDriver.recognise` gives them."""
    body = tree.children[0]
    return tuple(
        (child.data, first_token(child).start_pos)
        for child in body.children
        if isinstance(child, Tree) and child.data in ("block", "attribute")
    )
