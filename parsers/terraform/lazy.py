"""A file's top-level blocks, each parsed only when the analysis reads it (issue 17).

Most blocks of an application repository are instances, buckets and networks, which grant nothing:
a resource or data source whose type the inventory does not read (`choices.reads_iam`) is kept
unparsed (`Pending`, its header and text from `split.py`) until an expression refers to it. A
resource with `count` or `for_each` is parsed at once all the same, because every resource is
expanded (module.py, `instances`) and its expansion can report; so is every other kind of block
(variables, locals, outputs, module calls, providers, `terraform`). The blocks read at once are
parsed in runs of neighbours, as few texts as possible. A file the splitter is not sure of, or whose
blocks read at once fail to parse, is parsed whole as before, so its error is the same.

Every block left unparsed is handed to the run's check (`ParseContext.unread`, unread.py), which still proves it
parses: a broken block nothing reads makes the run read everything again with every block parsed.
Without such a run-wide check (a module read on its own) every block is parsed at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Optional, Union

from credmint.parsers.context import UnreadBlocks
from credmint.parsers.terraform.choices import reads_iam
from credmint.parsers.terraform.hcl import (
    Block, ParseFailure, SourceFile, parse_file, parse_text, read_text, top_blocks,
)
from credmint.parsers.terraform.parse_cache import DiskCache
from credmint.parsers.terraform.split import Chunk, split
from credmint.parsers.terraform_files import is_json_config

ENABLED = True
"""Off in the differential tests, which compare with every block parsed at once."""

_EXPANDS = re.compile(r"\b(?:count|for_each)\b")
"""A conservative sign that a block may expand: the words anywhere in it parse it at once."""


@dataclass(eq=False)
class Pending:
    """A top-level block not parsed yet: what its header says, where it is, and its text."""

    type: str
    labels: tuple[str, ...]
    rel: str
    line: int
    text: str
    """The block's text, from the start of its first line (so columns are the file's)."""
    cache: Optional[DiskCache]
    unread: UnreadBlocks
    _block: Optional[Block] = field(default=None, repr=False)

    def parse(self) -> Block:
        """The block, parsed the first time it is asked for; ParseFailure (line in the file)."""
        if self._block is None:
            try:
                tree = parse_text(self.text, self.cache)
            except ParseFailure as problem:
                self.unread.failed()
                raise ParseFailure(str(problem), problem.line + self.line - 1) from None
            file = SourceFile(rel=self.rel, text=self.text, tree=tree, line_offset=self.line - 1)
            self._block = next(top_blocks(file))
        return self._block


Entry = Union[Block, Pending]


def block_of(entry: Entry) -> Block:
    return entry if isinstance(entry, Block) else entry.parse()


def position(entry: Entry) -> tuple[str, int]:
    """Where a block is written (file, line): the order in which resources are read."""
    return (entry.rel, entry.line) if isinstance(entry, Pending) else (entry.file.rel, entry.line)


def read_blocks(
    path: Path, rel: str, cache: Optional[DiskCache] = None, unread: Optional[UnreadBlocks] = None
) -> list[Entry]:
    """The file's top-level blocks, those the analysis may never read left unparsed when the run
    checks them (`unread`); raises ParseFailure (with a line) or OSError as `hcl.read_file` does."""
    return list(_entries(read_text(path), path, rel, cache, unread))


@lru_cache(maxsize=1024)
def _entries(
    text: str, path: Path, rel: str, cache: Optional[DiskCache], unread: Optional[UnreadBlocks]
) -> tuple[Entry, ...]:
    """`read_blocks` of one text, once per run: the root detection and the module read ask for
    every file (the entries are immutable blocks and unparsed ones that parse once)."""
    if unread is not None and not is_json_config(path):
        runs = _runs(text)
        if runs is not None:
            try:
                return tuple(_blocks(text, runs, rel, cache, unread))
            except ParseFailure:
                pass  # parsed whole below, which reports the problem as it always did
    return tuple(top_blocks(parse_file(text, path, rel, cache)))


def plan(text: str) -> tuple[list[str], list[str]]:
    """For a `.tf` file's text read lazily: the texts `read_blocks` parses at once (worth parsing
    ahead), and the texts of the runs of blocks it leaves unparsed (worth checking beside the run)."""
    runs = _runs(text)
    if runs is None:
        return [text], []
    now, later = [], []
    for parsed, run in runs:
        (now if parsed else later).append(text[run[0].start : run[-1].end])
    return now, later


Run = tuple[bool, tuple[Chunk, ...]]
"""Neighbouring blocks, and whether they are parsed at once."""


@lru_cache(maxsize=4096)
def _runs(text: str) -> Optional[tuple[Run, ...]]:
    """The file's top-level blocks grouped into runs of neighbours parsed at once or left unparsed:
    as few texts to parse, and as few to check (unread.py), as can be. None when the file is parsed
    whole: the splitter is not sure of it, or every block is read at once. Once per text: the
    parse-ahead, the root detection and the module read the same files."""
    chunks = split(text)
    if chunks is None:
        return None
    runs: list[tuple[bool, list[Chunk]]] = []
    for chunk in chunks:
        now = _read_now(chunk, text)
        if runs and runs[-1][0] == now:
            runs[-1][1].append(chunk)
        else:
            runs.append((now, [chunk]))
    if all(now for now, _ in runs):
        return None
    return tuple((now, tuple(run)) for now, run in runs)


def _read_now(chunk: Chunk, text: str) -> bool:
    if chunk.type not in ("resource", "data") or len(chunk.labels) != 2 or reads_iam(chunk.labels[0]):
        return True
    return chunk.type == "resource" and _EXPANDS.search(text, chunk.start, chunk.end) is not None


def _blocks(
    text: str, runs: tuple[Run, ...], rel: str, cache: Optional[DiskCache], unread: UnreadBlocks
) -> list[Entry]:
    entries: list[Entry] = []
    for now, run in runs:
        part = text[run[0].start : run[-1].end]
        if now:
            file = SourceFile(rel=rel, text=part, tree=parse_text(part, cache), line_offset=run[0].line - 1)
            entries.extend(top_blocks(file))
            continue
        unread.add(part)
        entries += [
            Pending(c.type, c.labels, rel, c.line, text[c.start : c.end], cache, unread) for c in run
        ]
    return entries
