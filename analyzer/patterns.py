"""Wildcard matching of actions, ARNs and condition values, three-valued where unknowns appear.

SEMANTICS.md §6: actions match case-insensitively with `*` and `?`; resources match
case-sensitively, segment by segment for the first five colon-separated parts, and in the last
part `*` spans `/` and `:`. A part unknown before apply matches `MAYBE`: the caller of these
functions turns that into an `uncertain` grant, never into a silent yes or no.
"""

from __future__ import annotations

import re
from enum import IntEnum
from functools import lru_cache
from typing import Iterable, Union

from credmint.analyzer.inventory import Text, Unknown, Value, render


class Tri(IntEnum):
    """Three-valued truth: a match may depend on a value unknown before apply."""

    NO = 0
    MAYBE = 1
    YES = 2

    def __invert__(self) -> "Tri":  # type: ignore[override]
        return Tri(2 - int(self))


def tri_any(values: Iterable[Tri]) -> Tri:
    """The strongest of the truths, read only up to the first YES (pass a generator to save the rest)."""
    best = Tri.NO
    for value in values:
        if value is Tri.YES:
            return value
        best = max(best, value)
    return best


# A token of a pattern or value: a literal character, STAR (any string), ONE (any character),
# or an Unknown (some string, the same wherever the same Unknown appears).
STAR = "\x00*"
ONE = "\x00?"
Token = Union[str, Unknown]
LITERAL = {"*": "\ue02a", "?": "\ue03f"}
"""Private-use characters that stand in a value for a literal `*` or `?` (the policy variables
`${*}`, `${?}`): a token of that very character, never a wildcard (analyzer/variables.py)."""
_LITERAL_OF = {code: char for char, code in LITERAL.items()}


def tokens(value: Value, *, wildcards: bool, fold_case: bool = False) -> tuple[Token, ...]:
    """Split a value into tokens; `wildcards` says whether `*`/`?` are wildcards or literals."""
    parts = value.parts if isinstance(value, Text) else (value,)
    out: list[Token] = []
    for part in parts:
        if isinstance(part, Unknown):
            out.append(part)
            continue
        text = part.lower() if fold_case else part
        for char in text:
            if wildcards and char == "*":
                if not out or out[-1] != STAR:
                    out.append(STAR)
            elif wildcards and char == "?":
                out.append(ONE)
            else:
                out.append(_LITERAL_OF.get(char, char))
    return tuple(out)


class _Glob:
    """A compiled glob with a regex-like `fullmatch`, free of catastrophic backtracking.

    One regex with a `.*` per star backtracks exponentially on hostile patterns (`*a*a*a…X`). The
    pattern is split at `*` into star-free segments, each matching a fixed number of characters
    (`?` is one), so each can only match one way: the first at the start, the last at the end, the
    others left to right at their leftmost place — correct for globs, at most len(pattern) ×
    len(value) steps.
    """

    __slots__ = ("segments", "whole")

    def __init__(self, pattern: str, fold_case: bool) -> None:
        flags = re.DOTALL | (re.IGNORECASE if fold_case else 0)
        parts = ["".join("." if c == "?" else re.escape(c) for c in part) for part in pattern.split("*")]
        self.segments = tuple((re.compile(part, flags), len(segment)) for part, segment in
                              zip(parts, pattern.split("*")))
        # With at most one star a regex cannot backtrack catastrophically, and `re` runs in C.
        self.whole = re.compile(".*".join(parts), flags) if len(parts) <= 2 else None

    def fullmatch(self, value: str) -> bool:
        if self.whole is not None:
            return self.whole.fullmatch(value) is not None
        (first, _), *middle, (last, last_width) = self.segments
        head = first.match(value)
        limit = len(value) - last_width
        if head is None or limit < head.end():
            return False
        start = head.end()
        for segment, _ in middle:
            found = segment.search(value, start, limit)
            if found is None:
                return False
            start = found.end()
        return last.fullmatch(value, limit) is not None


@lru_cache(maxsize=65536)
def _glob_regex(pattern: str, fold_case: bool) -> _Glob:
    return _Glob(pattern, fold_case)


def _is_wild(token: Token) -> bool:
    return token == STAR or isinstance(token, Unknown)


def _covers(pattern: tuple[Token, ...], value: tuple[Token, ...]) -> bool:
    """True when every string the value may be is matched by the pattern (a sufficient test).

    A wildcard or unknown part of the value must be absorbed by a `*` of the pattern, or meet
    the very same unknown in the pattern: a `?` covers one literal character (or a `?`), a literal
    only itself. One row of `_Grid` per pattern token.
    """
    grid = _Grid(value)
    literal = grid.literal
    row = 1
    for token in pattern:
        if token == STAR:
            row = grid.star(row)  # absorbs any run of the value, wildcards and unknowns included
        elif token == ONE:
            row = (row & literal) << 1
        else:
            row = (row & grid.at(token)) << 1  # the same literal, or the very same unknown
        if not row:
            return False
    return bool(row >> len(value) & 1)


def _intersects(left: tuple[Token, ...], right: tuple[Token, ...]) -> bool:
    """True when some string could be both: wildcards and unknowns on either side absorb.

    A wildcard or unknown on the left absorbs any run of the right (and the empty string); one
    on the right absorbs any run of the left, which in rows of the left means: a position of the
    right holding one is kept from row to row, and passed over within a row.
    """
    grid = _Grid(right)
    wild, literal, one = grid.wild, grid.literal, grid.at(ONE)
    row = grid.carry(1)
    for token in left:
        if _is_wild(token):
            row = grid.star(row)
        else:
            matching = literal if token == ONE else (grid.at(token) | one)
            row = grid.carry((row & wild) | ((row & matching) << 1))
        if not row:
            return False
    return bool(row >> len(right) & 1)


class _Grid:
    """Bit-parallel reachability over (pattern position, value position): linear in pattern × value.

    Both matchers above ask whether the end of both token strings is reachable from their start by
    steps that consume one token of either or of both; the steps allowed at a cell depend only on
    the two tokens there. Bit j of a row says "value position j is reachable"; each pattern token
    turns one row into the next with a few big-integer operations, so a hostile 5,000-token pattern
    against a 5,000-token value costs 5,000 rows of 5,000-bit integers (milliseconds), where a
    search over cells held 25 million of them (3.8 GB, 90 s).
    """

    __slots__ = ("value", "positions", "wild", "literal", "full")

    def __init__(self, value: tuple[Token, ...]) -> None:
        self.value = value
        self.positions: dict[Token, int] = {}
        for index, token in enumerate(value):
            self.positions[token] = self.positions.get(token, 0) | (1 << index)
        self.wild = 0
        for token, bits in self.positions.items():
            if _is_wild(token):
                self.wild |= bits
        self.full = (1 << (len(value) + 1)) - 1  # positions 0..len(value), the end included
        self.literal = self.full >> 1 & ~self.wild

    def at(self, token: Token) -> int:
        """Value positions holding exactly this token."""
        return self.positions.get(token, 0)

    def star(self, row: int) -> int:
        """Everything from the first reachable position to the end: a `*` absorbs any run."""
        return self.full & ~((row & -row) - 1) if row else 0

    def carry(self, row: int) -> int:
        """Reachable positions passed on over wildcards and unknowns of the value: from a
        reachable position holding one, the next is reachable too, and so on along the run.
        Adding the run's bits carries each start through the run and one past it."""
        starts = row & self.wild
        return row | ((self.wild + starts) ^ self.wild) if starts else row


def match_tokens(pattern: tuple[Token, ...], value: tuple[Token, ...]) -> Tri:
    """Does the glob `pattern` match `value` (itself possibly holding wildcards or unknowns)?"""
    if pattern == value:
        return Tri.YES  # the same literals, wildcards and unknowns in the same places
    if not _has_wild_token(pattern) and not _has_wild_token(value):
        return Tri.NO  # two different plain strings
    if _covers(pattern, value):
        return Tri.YES
    return Tri.MAYBE if _intersects(pattern, value) else Tri.NO


def _has_wild_token(tokens_: tuple[Token, ...]) -> bool:
    return any(t == STAR or t == ONE or isinstance(t, Unknown) for t in tokens_)


def match_glob(pattern: Value, value: Value, *, fold_case: bool = False) -> Tri:
    """Match a policy glob against a value; `value` may itself be a pattern (`role/app-*`)."""
    if isinstance(pattern, str) and isinstance(value, str) and not _has_wildcard(value):
        return Tri.YES if _glob_regex(pattern, fold_case).fullmatch(value) else Tri.NO
    return match_tokens(
        tokens(pattern, wildcards=True, fold_case=fold_case),
        tokens(value, wildcards=True, fold_case=fold_case),
    )


def match_literal(expected: Value, value: Value, *, fold_case: bool = False) -> Tri:
    """Exact comparison (StringEquals): wildcards are literal characters, unknowns are MAYBE."""
    if isinstance(expected, str) and isinstance(value, str):
        if fold_case:
            return Tri.YES if expected.lower() == value.lower() else Tri.NO
        return Tri.YES if expected == value else Tri.NO
    if expected == value:
        return Tri.YES
    left = tokens(expected, wildcards=False, fold_case=fold_case)
    right = tokens(value, wildcards=False, fold_case=fold_case)
    return match_tokens(left, right)


def literal_head(pattern: str) -> str:
    """The text before the first wildcard: every value the glob matches starts with it."""
    cut = min((i for i in (pattern.find("*"), pattern.find("?")) if i >= 0), default=len(pattern))
    return pattern[:cut]


def _has_wildcard(value: str) -> bool:
    return "*" in value or "?" in value


def match_action(pattern: Value, action: str) -> Tri:
    """Action matching is case-insensitive with `*` and `?` (SEMANTICS.md §6)."""
    if isinstance(pattern, str):
        return _match_known_action(pattern, action)
    return match_glob(pattern, action, fold_case=True)


@lru_cache(maxsize=65536)
def _match_known_action(pattern: str, action: str) -> Tri:
    """Few distinct (pattern, action) pairs recur millions of times (managed policies' long lists).

    Most patterns name another service: the literal text before the first wildcard decides those
    without compiling a glob (ReadOnlyAccess alone has thousands of patterns)."""
    folded, wanted = pattern.lower(), action.lower()
    if not _has_wildcard(folded):
        return Tri.YES if folded == wanted else Tri.NO
    if not wanted.startswith(literal_head(folded)):
        return Tri.NO
    return match_glob(pattern, action, fold_case=True)


@lru_cache(maxsize=65536)
def split_arn(value: Value) -> tuple[tuple[Token, ...], ...] | None:
    """The six parts of an ARN-shaped value (five segments and the rest), or None.

    Unknown parts are assumed not to contain colons; a value that is wholly unknown is None.
    """
    toks = tokens(value, wildcards=True)
    parts: list[list[Token]] = [[]]
    for token in toks:
        if token == ":" and len(parts) < 6:
            parts.append([])
        else:
            parts[-1].append(token)
    if len(parts) < 6:
        return None
    return tuple(tuple(part) for part in parts)


def match_resource(pattern: Value, resource: Value) -> Tri:
    """Resource (ARN) matching: case-sensitive, wildcards confined to a segment in the first five.

    `resource` may be a pattern too (a role ARN with an unknown name, a federated-user pattern).
    """
    if pattern == "*":
        return Tri.YES
    if isinstance(pattern, str) and isinstance(resource, str) and not _has_wildcard(resource):
        return _match_known_resource(pattern, resource)
    return _match_resource_values(pattern, resource)


@lru_cache(maxsize=131072)
def _match_resource_values(pattern: Value, resource: Value) -> Tri:
    """Segment by segment, the resource part first: it is where most pairs differ."""
    pattern_parts, resource_parts = _segments(pattern), _segments(resource)
    if pattern_parts is None or resource_parts is None:
        return _short_pattern(pattern, resource)
    result = Tri.YES
    for index in (5, 4, 3, 2, 1, 0):
        left, right = pattern_parts[index], resource_parts[index]
        if isinstance(left, str) and isinstance(right, str):
            truth = Tri.YES if left == right else Tri.NO
        elif isinstance(right, str) and not any(isinstance(t, Unknown) for t in left):
            truth = Tri.YES if _segment_regex(left).fullmatch(right) else Tri.NO
        else:
            truth = match_tokens(tuple(left), tuple(right))
        if truth is Tri.NO:
            return Tri.NO
        result = min(result, truth)
    return result


@lru_cache(maxsize=65536)
def _segment_regex(segment: tuple[Token, ...]) -> _Glob:
    """A segment's wildcards as a glob, for the common case of a plain ARN segment to match
    (a `.*` per star would backtrack exponentially on `*a*a*a…X`, as in `_Glob`)."""
    return _glob_regex("".join("*" if t == STAR else "?" if t == ONE else str(t) for t in segment), False)


def resource_head(value: Value) -> str | None:
    """The text that the resource part (after the fifth colon) of every ARN the value matches
    starts with: its resource part up to the first wildcard or literal `*`/`?` (`_segment_regex`
    reads those as wildcards too). None when the value has no resource part, or an unknown one.
    With `plain_resource`, a filter that can only drop pairs `match_resource` finds NO."""
    parts = _segments(value)
    if parts is None:
        return None
    last = parts[5]
    if isinstance(last, str):
        return literal_head(last)
    if any(isinstance(token, Unknown) for token in last):
        return None
    head: list[str] = []
    for token in last:
        if token in (STAR, ONE, "*", "?"):
            break
        head.append(token)  # type: ignore[arg-type]
    return "".join(head)


def plain_resource(value: Value) -> str | None:
    """The resource part of an ARN-shaped value when it is plain text (no wildcard, nothing
    unknown), as `match_resource` compares it; else None."""
    parts = _segments(value)
    return parts[5] if parts is not None and isinstance(parts[5], str) else None


@lru_cache(maxsize=65536)
def _segments(value: Value) -> tuple[str | tuple[Token, ...], ...] | None:
    """`split_arn`, with each plain segment (no wildcard, nothing unknown) as one string."""
    parts = split_arn(value)
    if parts is None:
        return None
    return tuple(part if _has_wild_token(part) else "".join(part) for part in parts)  # type: ignore[arg-type]


@lru_cache(maxsize=131072)
def _match_known_resource(pattern: str, resource: str) -> Tri:
    """Known pattern, known ARN: groups share policies, so the same pair comes back per member."""
    if pattern.count(":") >= 5:
        return _match_arn_literal(pattern, resource)
    return _short_pattern(pattern, resource)


def _short_pattern(pattern: Value, resource: Value) -> Tri:
    """A pattern with fewer than six ARN parts (`arn:aws:iam::*`): AWS does not say how it
    matches, so a whole-string match is only MAYBE (docs/DECISIONS.md), never a silent yes or no."""
    return min(match_glob(pattern, resource), Tri.MAYBE)


def _match_arn_literal(pattern: str, resource: str) -> Tri:
    pattern_parts = pattern.split(":", 5)
    resource_parts = resource.split(":", 5)
    if len(resource_parts) < 6:
        return Tri.NO
    for pat, res in zip(pattern_parts, resource_parts):
        if pat == res:
            continue  # most segments are plain text: no glob to compile
        if not _has_wildcard(pat) or not res.startswith(literal_head(pat)):
            return Tri.NO
        if not _glob_regex(pat, False).fullmatch(res):
            return Tri.NO
    return Tri.YES


def written(value: Value) -> str:
    """The value as a report writes it: a literal `*` or `?` as the policy wrote it (`${*}`)."""
    text = render(value)
    for char, code in LITERAL.items():
        text = text.replace(code, "${" + char + "}")
    return text


def has_unknown(value: Value) -> bool:
    return not isinstance(value, str)
