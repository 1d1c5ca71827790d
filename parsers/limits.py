"""The bounds every run keeps on hostile input, checked in `credmint.parsers.detect` before a parser runs.

Pull requests from forks are hostile (DESIGN.md, "Untrusted input"): a file may be huge, nested
200,000 levels deep, or one of thousands. Each bound below is far above what a real template needs,
and hitting one is an error diagnostic naming the file (the gate fails closed), never a crash.
The numbers are documented in README.md ("Hostile input and limits"); `--limit NAME=N` overrides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

MAX_FILE_BYTES = 1024 * 1024
"""1 MiB for a template, `.tf` or tfvars file: CloudFormation accepts 1 MB templates at most, and
the pure-Python YAML and HCL parsers take about 25 s and 400 MB on 1 MiB of dense hostile text."""
MAX_PLAN_BYTES = 20 * 1024 * 1024
"""20 MiB for a Terraform plan JSON (decoded by the C JSON parser: 30 MB, 62,000 roles, 13 s)."""
MAX_TOTAL_BYTES = 200 * 1024 * 1024
"""200 MiB read in one run, summed over every file handed to a parser."""
MAX_FILES = 10_000
"""Inputs (`.tf` files and candidate templates) in one run; more is an error, the rest unread."""
MAX_NESTING_DEPTH = 128
"""Brackets open at once, counted on the raw bytes; the CloudFormation loaders stop at 128 too."""
MAX_MESSAGE_CHARS = 500
"""A diagnostic quoting hostile text is cut here, so that reports and annotations stay small."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """The bounds of one run (ParseContext.limits)."""

    max_file_bytes: int = MAX_FILE_BYTES
    max_plan_bytes: int = MAX_PLAN_BYTES
    max_total_bytes: int = MAX_TOTAL_BYTES
    max_files: int = MAX_FILES
    max_nesting_depth: int = MAX_NESTING_DEPTH


LIMIT_NAMES = tuple(f.name for f in fields(Limits))


def parse_limit(text: str) -> tuple[str, int]:
    """`NAME=N` from the command line (`--limit max_file_bytes=50000000`); ValueError otherwise."""
    name, _, value = text.partition("=")
    name = name.strip().replace("-", "_")
    if name not in LIMIT_NAMES:
        raise ValueError(f"unknown limit {name!r}; one of {', '.join(LIMIT_NAMES)}")
    if not value.strip().isdigit() or int(value) < 1:
        raise ValueError(f"limit {name} needs a positive whole number, got {value!r}")
    return name, int(value)


_STRING = re.compile(rb'"(?:[^"\\\n]|\\.)*"')
_OPENERS, _CLOSERS = b"[{(", b"]})"
_KEEP = _OPENERS + _CLOSERS


def nesting_exceeds(data: bytes, limit: int) -> bool:
    """True when brackets outside one-line double-quoted strings nest deeper than `limit`.

    Byte-level and cheap, so that it can run before any parser: a parser that recurses per level
    (lark's tree, the evaluators, PyYAML's composer) must never see 200,000 open brackets. Quoted
    strings are dropped first so that `"((("` in a value does not count. Each pass of the loop
    removes the innermost `()` pairs, so the number of passes is the depth; what is never closed
    counts too.
    """
    if sum(data.count(bytes([b])) for b in _OPENERS) <= limit:
        return False
    brackets = _only_brackets(_STRING.sub(b"", data))
    passes = 0
    while b"()" in brackets:
        brackets = brackets.replace(b"()", b"")
        passes += 1
        if passes > limit:
            return True
    return passes + brackets.count(b"(") > limit


def _only_brackets(data: bytes) -> bytes:
    """`data` reduced to `(` and `)`: every opener becomes `(`, every closer `)`, the rest goes."""
    table = bytearray(range(256))
    for b in _OPENERS:
        table[b] = ord("(")
    for b in _CLOSERS:
        table[b] = ord(")")
    drop = bytes(b for b in range(256) if b not in _KEEP)
    return data.translate(bytes(table), drop)


def clip(message: str) -> str:
    """A message cut to MAX_MESSAGE_CHARS, saying how much was cut."""
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return f"{message[:MAX_MESSAGE_CHARS]}… ({len(message) - MAX_MESSAGE_CHARS} more characters)"
