"""Reading `.tf` files into python-hcl2's lark tree, and small helpers over its nodes.

The lark tree (python-hcl2's grammar, `grammar.parser`) is used rather than `hcl2.load`'s dict
because it keeps line numbers and the real expression nodes (DESIGN.md, "Reading Terraform").
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Optional

from lark import Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput

from credmint.parsers.terraform.grammar import driver, parser
from credmint.parsers.terraform.lalr_driver import Declined
from credmint.parsers.terraform.json_syntax import JsonSyntaxError, to_native
from credmint.parsers.terraform_files import is_json_config
from credmint.parsers.terraform.parse_cache import DiskCache, digest, load, store

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

MAX_SNIPPET = 160
"""Longest expression text kept to name an unknown value or quoted in a diagnostic."""

MAX_CACHED_CHARS = 250_000
"""Larger files are parsed every time: storing their trees costs more memory than it saves time."""

MAX_FILE_BYTES = 5_000_000
"""Larger files are not parsed: templates are small, and hostile input must stay cheap."""


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One parsed file: its repo-relative path, its text, its tree."""

    rel: str
    text: str
    tree: Tree
    line_offset: int = 0
    """Added to node lines: non-zero for expressions parsed out of a heredoc."""
    line_map: tuple[int, ...] = ()
    """For a `.tf.json` file (json_syntax.py): the JSON line of each line of the native `text`."""

    def snippet(self, node: Tree | Token) -> str:
        """The source text of a node, used to name unknown values."""
        if isinstance(node, Token):
            return str(node)
        first, last = _edge_token(node, first=True), _edge_token(node, first=False)
        if first is None or last is None or first.start_pos is None or last.end_pos is None:
            return ""
        start, stop = first.start_pos, last.end_pos
        text = " ".join(self.text[start : min(stop, start + 4 * MAX_SNIPPET)].split())
        if stop - start > 4 * MAX_SNIPPET or len(text) > MAX_SNIPPET:
            return text[: MAX_SNIPPET - 1] + "…"
        return text

    def line(self, node: Tree | Token) -> int:
        token = node if isinstance(node, Token) else _edge_token(node, first=True)
        line = (token.line if token is not None else 1) or 1
        if self.line_map:
            return self.line_map[min(line, len(self.line_map)) - 1]
        return line + self.line_offset


def first_token(node: Tree) -> Optional[Token]:
    """Where a node starts (trees carry no positions of their own)."""
    return _edge_token(node, first=True)


def _edge_token(node: Tree, *, first: bool) -> Optional[Token]:
    """A node's first or last token: where it starts and ends. Trees carry no positions of their
    own (`grammar.parser`); lark's would be these very tokens' (checked over the corpus)."""
    stack: list = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, Token):
            return item
        if isinstance(item, Tree):
            stack.extend(reversed(item.children) if first else item.children)
    return None


class ParseFailure(Exception):
    """A file python-hcl2 cannot parse; carries the line of the problem."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


_CACHE: dict[str, Tree] = {}


def parse_text(text: str, cache: Optional[DiskCache] = None) -> Tree:
    """Parse HCL text; same text parses once per process (base and head of a diff share files),
    and once per machine with a disk `cache` (parsers/terraform/parse_cache.py)."""
    key = digest(text)
    tree = _CACHE.get(key)
    if tree is None and cache is not None:
        tree = cache.get(key)
    if tree is None:
        tree = _parse(text, cache)
        if cache is not None and len(text) <= MAX_CACHED_CHARS:
            cache.put(key, tree)
    _CACHE[key] = tree
    return tree


def _parse(text: str, cache: Optional[DiskCache] = None) -> Tree:
    # The newline is python-hcl2's own workaround: its grammar has no end-of-file token.
    source = text + "\n"
    fast = driver(cache)
    if fast is not None:
        try:
            return fast.parse(source)
        except Declined:
            pass  # lark parses it, and says exactly what is wrong
    try:
        return parser(cache).parse(source)
    except UnexpectedInput as problem:
        raise ParseFailure(_describe(problem), problem.line or 1) from None
    except (LarkError, RecursionError) as problem:
        raise ParseFailure(f"cannot parse: {type(problem).__name__}", 1) from None


PARALLEL_FROM = 16
"""Below this many files to parse, starting a worker process costs more than it saves."""


def parse_ahead(texts: Iterable[str], cache: Optional[DiskCache] = None) -> None:
    """Parse many files on every core before the run reads them one by one (issue 8). Worker
    processes take the files largest first and send their trees back stored (`parse_cache.store`),
    cheaper to load than to parse; this process takes files smallest first from the other end of
    the same queue, loading the workers' trees as they come, until the two ends meet — so no core
    waits for another whatever the machine's load. A file that fails to parse is left to the run,
    which reports it. The trees this process parsed are stored in the disk cache by the workers,
    which parse them again while the run evaluates and walks (`finish_filling` ends that): storing
    them here would cost the run's own time."""
    todo: dict[str, str] = {}
    for text in texts:
        key = digest(text)
        if key not in _CACHE and not (cache is not None and cache.has(key)):
            todo[key] = text
    cores = os.cpu_count() or 1
    if len(todo) < PARALLEL_FROM or cores < 2:
        return
    queue = sorted(todo.items(), key=lambda item: len(item[1]), reverse=True)
    driver(cache)  # built (with the parser) before the fork, so that every worker inherits it
    from concurrent.futures import ProcessPoolExecutor

    try:
        pool = ProcessPoolExecutor(max_workers=cores - 1)
    except (OSError, RuntimeError):
        return  # no worker could start: the run parses what is missing itself
    mine: list[str] = []
    try:
        sent = [pool.submit(_parse_stored, text) for _, text in queue]
        front, back = 0, len(queue)
        while front < back:
            if sent[front].done() or not sent[back - 1].cancel():
                _take(*queue[front], sent[front].result(), cache)  # waits only once nothing is left to take
                front += 1
                continue
            back -= 1
            key, text = queue[back]
            try:
                _CACHE[key] = _parse(text)
            except ParseFailure:
                continue
            if len(text) <= MAX_CACHED_CHARS:
                mine.append(text)
        if cache is not None and mine:
            _FILLING.append((pool, [pool.submit(_store, text, cache) for text in mine]))
            pool = None
    except (OSError, RuntimeError):
        pass  # a worker died: the run parses what is missing itself
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


_FILLING: list[tuple["ProcessPoolExecutor", list["Future[None]"]]] = []
"""Worker pools still storing the trees of files this process parsed itself, with their tasks."""


def finish_filling() -> None:
    """End the workers' storing of trees (`parse_ahead`): what they have not started is dropped —
    those files are parsed and offered again next run —, what they are on is waited for (a file)."""
    while _FILLING:
        pool, tasks = _FILLING.pop()
        for task in tasks:
            task.cancel()
        pool.shutdown(wait=True)


def _store(text: str, cache: DiskCache) -> None:
    """A worker's task: parse a file and store its tree (the run has its own)."""
    stored = _parse_stored(text)
    if stored is not None:
        cache.put_stored(digest(text), stored)


def _take(key: str, text: str, tree_bytes: Optional[bytes], cache: Optional[DiskCache]) -> None:
    """A worker's tree into this process's memory and the disk cache."""
    tree = None if tree_bytes is None else load(tree_bytes)
    if tree is None:
        return
    _CACHE[key] = tree
    if cache is not None and len(text) <= MAX_CACHED_CHARS:
        cache.put_stored(key, tree_bytes)


def _parse_stored(text: str) -> Optional[bytes]:
    try:
        return store(_parse(text))
    except Exception:  # noqa: BLE001 - a worker only parses ahead; the run parses again and reports
        return None


def _describe(problem: UnexpectedInput) -> str:
    if isinstance(problem, UnexpectedCharacters):
        return f"unexpected character {problem.char!r} at column {problem.column}"
    token = getattr(problem, "token", None)
    if token is not None and getattr(token, "type", "") == "$END":
        return "unexpected end of file"
    if token is not None:
        text = str(token).strip().splitlines()[0][:30] if str(token).strip() else str(token)
        return f"unexpected {text!r} at column {problem.column}"
    return "syntax error"


def read_file(path: Path, rel: str, cache: Optional[DiskCache] = None) -> SourceFile:
    """Read and parse one file; raises ParseFailure (with a line) or OSError."""
    return parse_file(read_text(path), path, rel, cache)


def read_text(path: Path) -> str:
    """A configuration file's text; ParseFailure when it is too large to parse."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ParseFailure(f"file larger than {MAX_FILE_BYTES} bytes, not parsed", 1)
    return path.read_text(encoding="utf-8", errors="replace")


def parse_file(text: str, path: Path, rel: str, cache: Optional[DiskCache] = None) -> SourceFile:
    """Parse the text of the file at `path` (HCL, or JSON when its name says so)."""
    if is_json_config(path):
        try:
            native, lines = to_native(text)
        except JsonSyntaxError as problem:
            raise ParseFailure(f"cannot read Terraform JSON: {problem}", problem.line) from None
        try:
            return SourceFile(rel=rel, text=native, tree=parse_text(native, cache), line_map=lines)
        except ParseFailure as problem:
            line = lines[min(problem.line, len(lines)) - 1] if lines else 1
            raise ParseFailure(f"an expression in a JSON string: {problem}", line) from None
    return SourceFile(rel=rel, text=text, tree=parse_text(text, cache))


def parse_expression(text: str, rel: str, line: int) -> tuple[SourceFile, Tree]:
    """Parse one expression written at `line` (heredoc interpolations, `--var` values)."""
    source = "__credmint__ = " + text
    tree = parse_text(source)
    attribute = next(tree.find_data("attribute"))
    return SourceFile(rel=rel, text=source, tree=tree, line_offset=line - 1), expression_of(
        attribute
    )


def subtrees(node: Tree) -> list[Tree]:
    """The child trees that carry meaning (newlines and comments left out)."""
    return [
        child
        for child in node.children
        if isinstance(child, Tree) and child.data != "new_line_or_comment"
    ]


def name_of(node: Tree | Token) -> str:
    """The text of an identifier, keyword or literal-value node (a name or a block label)."""
    if isinstance(node, Token):
        return str(node)
    if node.data == "string":
        return string_literal(node) or ""
    return str(node.children[0])


def string_literal(node: Tree) -> Optional[str]:
    """A quoted string's value when it has no interpolation (block labels, types, sources)."""
    parts = []
    for part in node.children:
        if isinstance(part, Token):
            continue
        child = part.children[0]
        if not isinstance(child, Token):
            return None
        parts.append(str(child))
    return unescape("".join(parts))


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def unescape(text: str) -> str:
    """Resolve a quoted string's backslash escapes (`\\n`, `\\"`, `\\uNNNN`)."""
    if "\\" not in text:
        return text
    out = []
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt in _ESCAPES:
                out.append(_ESCAPES[nxt])
                i += 2
                continue
            width = {"u": 4, "U": 8}.get(nxt)
            if width and i + 2 + width <= len(text):
                try:
                    out.append(chr(int(text[i + 2 : i + 2 + width], 16)))
                    i += 2 + width
                    continue
                except ValueError:
                    pass
        out.append(char)
        i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Attribute:
    name: str
    expression: Tree
    line: int
    file: Optional["SourceFile"] = None
    """Set when the attribute comes from another file than its block's (an override file)."""


@dataclass(frozen=True, slots=True)
class Block:
    """A block as written: type, labels, attributes and nested blocks, in source order."""

    type: str
    labels: tuple[str, ...]
    attributes: dict[str, Attribute]
    blocks: tuple["Block", ...]
    line: int
    file: SourceFile

    def file_of(self, name: str) -> SourceFile:
        """The file an attribute's expression is written in: an override file's, or the block's."""
        attribute = self.attributes.get(name)
        return attribute.file if attribute is not None and attribute.file is not None else self.file


def expression_of(attribute: Tree) -> Tree:
    return subtrees(attribute)[-1]


def read_body(body: Tree, file: SourceFile) -> tuple[dict[str, Attribute], tuple[Block, ...]]:
    """Attributes (by name) and nested blocks of a body node."""
    attributes: dict[str, Attribute] = {}
    blocks: list[Block] = []
    for child in subtrees(body):
        if child.data == "attribute":
            name = name_of(child.children[0])
            attributes[name] = Attribute(name, expression_of(child), file.line(child))
        elif child.data == "block":
            blocks.append(read_block(child, file))
    return attributes, tuple(blocks)


def read_block(node: Tree, file: SourceFile) -> Block:
    parts = subtrees(node)
    body = parts[-1]
    labels = tuple(name_of(label) for label in parts[1:-1])
    attributes, blocks = read_body(body, file)
    return Block(name_of(parts[0]), labels, attributes, blocks, file.line(node), file)


def top_blocks(file: SourceFile) -> Iterator[Block]:
    """The file's top-level blocks."""
    body = file.tree.children[0]
    for child in subtrees(body):
        if child.data == "block":
            yield read_block(child, file)
