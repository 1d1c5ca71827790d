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
from typing import Union

from analyzer.inventory import Text, Unknown, Value


class Tri(IntEnum):
    """Three-valued truth: a match may depend on a value unknown before apply."""

    NO = 0
    MAYBE = 1
    YES = 2

    def __invert__(self) -> "Tri":  # type: ignore[override]
        return Tri(2 - int(self))


def tri_all(values: "list[Tri] | tuple[Tri, ...]") -> Tri:
    return min(values, default=Tri.YES)


def tri_any(values: "list[Tri] | tuple[Tri, ...]") -> Tri:
    return max(values, default=Tri.NO)


# A token of a pattern or value: a literal character, STAR (any string), ONE (any character),
# or an Unknown (some string, the same wherever the same Unknown appears).
STAR = "\x00*"
ONE = "\x00?"
Token = Union[str, Unknown]


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
                out.append(char)
    return tuple(out)


@lru_cache(maxsize=65536)
def _glob_regex(pattern: str, fold_case: bool) -> "re.Pattern[str]":
    body = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.compile(body, re.DOTALL | (re.IGNORECASE if fold_case else 0))


def _is_wild(token: Token) -> bool:
    return token == STAR or isinstance(token, Unknown)


def _covers(pattern: tuple[Token, ...], value: tuple[Token, ...]) -> bool:
    """True when every string the value may be is matched by the pattern (a sufficient test).

    A wildcard or unknown part of the value must be absorbed by a `*` of the pattern, or meet
    the very same unknown in the pattern.
    """
    memo: dict[tuple[int, int], bool] = {}

    def step(i: int, j: int) -> bool:
        key = (i, j)
        if key in memo:
            return memo[key]
        if i == len(pattern):
            result = j == len(value)
        elif pattern[i] == STAR:
            result = step(i + 1, j) or (j < len(value) and step(i, j + 1))
        elif j == len(value):
            result = False
        elif isinstance(pattern[i], Unknown) or _is_wild(value[j]):
            result = pattern[i] == value[j] and step(i + 1, j + 1)
        elif pattern[i] == ONE:
            result = value[j] != STAR and step(i + 1, j + 1)
        elif value[j] == ONE:
            result = False
        else:
            result = pattern[i] == value[j] and step(i + 1, j + 1)
        memo[key] = result
        return result

    return step(0, 0)


def _intersects(left: tuple[Token, ...], right: tuple[Token, ...]) -> bool:
    """True when some string could be both: wildcards and unknowns on either side absorb."""
    memo: dict[tuple[int, int], bool] = {}

    def step(i: int, j: int) -> bool:
        key = (i, j)
        if key in memo:
            return memo[key]
        if i < len(left) and _is_wild(left[i]):
            result = step(i + 1, j) or (j < len(right) and step(i, j + 1))
        elif j < len(right) and _is_wild(right[j]):
            result = step(i, j + 1) or (i < len(left) and step(i + 1, j))
        elif i == len(left) or j == len(right):
            result = i == len(left) and j == len(right)
        else:
            a, b = left[i], right[j]
            result = (a == ONE or b == ONE or a == b) and step(i + 1, j + 1)
        memo[key] = result
        return result

    return step(0, 0)


def match_tokens(pattern: tuple[Token, ...], value: tuple[Token, ...]) -> Tri:
    """Does the glob `pattern` match `value` (itself possibly holding wildcards or unknowns)?"""
    if _covers(pattern, value):
        return Tri.YES
    return Tri.MAYBE if _intersects(pattern, value) else Tri.NO


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


def _has_wildcard(value: str) -> bool:
    return "*" in value or "?" in value


def match_action(pattern: Value, action: str) -> Tri:
    """Action matching is case-insensitive with `*` and `?` (SEMANTICS.md §6)."""
    return match_glob(pattern, action, fold_case=True)


def split_arn(value: Value) -> list[tuple[Token, ...]] | None:
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
    return [tuple(part) for part in parts]


def match_resource(pattern: Value, resource: Value) -> Tri:
    """Resource (ARN) matching: case-sensitive, wildcards confined to a segment in the first five.

    `resource` may be a pattern too (a role ARN with an unknown name, a federated-user pattern).
    """
    if pattern == "*":
        return Tri.YES
    if isinstance(pattern, str) and isinstance(resource, str) and not _has_wildcard(resource):
        if pattern.count(":") >= 5:
            return _match_arn_literal(pattern, resource)
        return _short_pattern(pattern, resource)
    pattern_parts, resource_parts = split_arn(pattern), split_arn(resource)
    if pattern_parts is None or resource_parts is None:
        return _short_pattern(pattern, resource)
    return tri_all([match_tokens(p, r) for p, r in zip(pattern_parts, resource_parts)])


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
        if not _glob_regex(pat, False).fullmatch(res):
            return Tri.NO
    return Tri.YES


def has_unknown(value: Value) -> bool:
    return not isinstance(value, str)
