"""Where each top-level block of a `.tf` file starts and ends, without parsing it (issue 17).

Parsing is most of a cold scan, and most blocks of a real repository are not IAM: finding the blocks
first lets the analysis parse only those it reads (parsers/terraform/lazy.py). The scan follows
python-hcl2's own terminals (its `hcl2.lark`) for what can hide a brace: quoted strings and their
`${ }` / `%{ }` parts, heredocs, and the three kinds of comment. Anything it is not sure of — a
top-level attribute, a label with an escape or an interpolation, a backslash outside a string, an
unclosed construct — makes it give up (None), and the file is then parsed whole, as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

_GAP = re.compile(r"(?:[ \t\r\n]+|#[^\n]*|//[^\n]*|/\*(?:.|\n)*?\*/)*")
"""Whitespace and comments between top-level blocks (`NL_OR_COMMENT` and `%ignore`)."""

_NAME = r"[a-zA-Z_][a-zA-Z0-9_-]*"
_HEADER = re.compile(rf'({_NAME})((?:[ \t\r]+{_NAME}|[ \t\r]*"[^"\\\n$%]*")*)[ \t\r]*\{{')
"""A block's type, its labels (quoted without escapes or template sequences, or bare) and `{`. A
bare label needs white space before it: two names with nothing between them are one name, and
letting the pattern split a name both ways made it backtrack exponentially on a long one."""
_LABEL = re.compile(rf'"([^"]*)"|({_NAME})')

_CODE = re.compile(r'[{}"#\\]|//|/\*|<<-?([a-zA-Z][a-zA-Z0-9._-]*)?')
"""What can open or close something in an expression; everything else is skipped at C speed."""
_STRING = re.compile(r'\\.|\$\$\{|%%\{|\$\{|%\{|"|\\')
"""What can end a quoted string or open a template sequence in it (`STRING_CHARS`, the escapes)."""


@dataclass(frozen=True, slots=True)
class Chunk:
    """One top-level block: its header, and its text `start:end` (from the start of its line)."""

    type: str
    labels: tuple[str, ...]
    start: int
    end: int
    line: int
    at: int
    """Where its type's name starts: where the parser's block starts, when the two agree (unread.py
    checks that they do for every block left unparsed)."""


def split(text: str) -> Optional[list[Chunk]]:
    """The file's top-level blocks in order, or None when the file is not only plain blocks."""
    try:
        return _split(text)
    except RecursionError:
        return None  # template sequences nested past Python's stack: the parser decides


def _split(text: str) -> Optional[list[Chunk]]:
    chunks: list[Chunk] = []
    pos, line, counted = 0, 1, 0
    while True:
        pos = _GAP.match(text, pos).end()  # type: ignore[union-attr] - the pattern matches empty
        if pos >= len(text):
            return chunks
        header = _HEADER.match(text, pos)
        if header is None:
            return None
        line_start = text.rfind("\n", 0, pos) + 1
        if text[line_start:pos].strip(" \t\r"):
            return None  # the block shares its line with a comment's end: keep columns simple
        line += text.count("\n", counted, pos)
        counted = pos
        end = _close(text, header.end())
        if end is None:
            return None
        labels = tuple(
            label.group(1) if label.group(1) is not None else label.group(2)
            for label in _LABEL.finditer(header.group(2))
        )
        chunks.append(Chunk(header.group(1), labels, line_start, end, line, pos))
        pos = end


def _close(text: str, pos: int) -> Optional[int]:
    """The offset after the `}` that closes the `{` just before `pos`, or None."""
    depth = 1
    while True:
        found = _CODE.search(text, pos)
        if found is None:
            return None
        token, pos = found.group(0), found.end()
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0:
                return pos
        elif token == '"':
            end = _string_end(text, pos)
            if end is None:
                return None
            pos = end
        elif token in ("#", "//"):
            newline = text.find("\n", pos)
            pos = len(text) if newline < 0 else newline
        elif token == "/*":
            close = text.find("*/", pos)
            if close < 0:
                return None
            pos = close + 2
        elif token.startswith("<<"):
            end = _heredoc_end(text, found)
            if end is None:
                return None
            pos = end
        else:
            return None  # a backslash outside a string (`TEMPLATE_STRING`): left to the parser


def _string_end(text: str, pos: int) -> Optional[int]:
    """The offset after the `"` that closes a quoted string opened just before `pos`."""
    while True:
        found = _STRING.search(text, pos)
        if found is None:
            return None
        token, pos = found.group(0), found.end()
        if token == '"':
            return pos
        if token in ("${", "%{"):
            end = _close(text, pos)
            if end is None:
                return None
            pos = end
        elif token in ("$${", "%%{"):  # `ESCAPED_INTERPOLATION`: literal text up to its `}`, quotes too
            close = text.find("}", pos)
            if close < 0:
                return None
            pos = close + 1
        elif token == "\\":
            return None  # a backslash before a newline or the end: not a string the lexer takes


def _heredoc_end(text: str, opener: re.Match[str]) -> Optional[int]:
    """The offset after a heredoc's closing marker line (`HEREDOC_TEMPLATE`: the first line that is
    the marker after optional white space, directly followed by a newline)."""
    marker = opener.group(1)
    newline = re.compile(r"\r?\n").match(text, opener.end())
    if not marker or newline is None:
        return None
    # White space before the marker within its line only: the match ends at the same place as the
    # grammar's `\s*`, and the search stays linear over long runs of blank lines.
    closing = re.compile(r"(?<=\n)[^\S\n]*" + re.escape(marker) + r"\r?\n").search(text, newline.end())
    if closing is None:
        return None
    return closing.end()
