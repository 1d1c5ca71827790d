"""Federated-user name patterns that a Resource pattern allows for GetFederationToken.

SEMANTICS.md §2: the resource is `arn:aws:sts::ACCOUNT:federated-user/NAME`, always in the
caller's own account; `Resource: "*"` means every name; a name is 2 to 32 characters of
`[\\w+=,.@-]`, so a pattern no valid name can match grants nothing.
"""

from __future__ import annotations

import re
from functools import lru_cache

from credmint.analyzer.inventory import Unknown, Value, concat, render
from credmint.analyzer.names import NAME_CHARACTER, breaks_every_name
from credmint.analyzer.patterns import ONE, STAR, Token, match_tokens, split_arn, tokens, Tri

PREFIX = "federated-user/"
MIN_NAME, MAX_NAME = 2, 32


def federated_user_arn(account: Value, name_pattern: str, partition: str = "aws") -> str:
    return render(concat(f"arn:{partition}:sts::", account, ":", PREFIX, name_pattern))


def name_patterns(resource: Value, account: Value, partition: str = "aws") -> list[tuple[str, bool]]:
    """The name patterns `resource` allows in `account`, each with True when it is only maybe.

    Computed as the derivative of the resource glob by `federated-user/`, so `*`, `fed*`,
    `federated-user/Manager*` and `arn:aws:sts::*:federated-user/*` all work out.
    """
    if resource == "*":
        return [("*", False)]
    parts = split_arn(resource)
    if parts is None:
        toks = tokens(resource, wildcards=True)
        head_truth = Tri.YES
        rest = toks
        prefix = f"arn:{partition}:sts::{render(account)}:"
        rests = _derive(rest, prefix + PREFIX)
    else:
        target_head = split_arn(concat(f"arn:{partition}:sts::", account, ":x"))
        assert target_head is not None
        truths = [match_tokens(p, t) for p, t in zip(parts[:5], target_head[:5])]
        head_truth = min(truths)
        if head_truth is Tri.NO:
            return []
        rests = _derive(parts[5], PREFIX)
    found: dict[str, bool] = {}
    for rest in rests:
        if breaks_every_name(rest):
            continue  # `team${*}` names the literal `team*`, which no valid name matches
        maybe = head_truth is Tri.MAYBE or any(isinstance(t, Unknown) for t in rest)
        pattern = "".join("*" if t == STAR or isinstance(t, Unknown) else "?" if t == ONE else t for t in rest)
        pattern = re.sub(r"\*+", "*", pattern)
        if is_valid_name_pattern(pattern):
            found[pattern] = found.get(pattern, True) and maybe
    return sorted(found.items())


def _derive(pattern: tuple[Token, ...], prefix: str) -> set[tuple[Token, ...]]:
    """What remains of a glob once a literal prefix has been matched, in every way it can be."""
    results: set[tuple[Token, ...]] = set()

    @lru_cache(maxsize=None)
    def step(i: int, j: int) -> None:
        if j == len(prefix):
            results.add(pattern[i:])
            return
        if i == len(pattern):
            return
        token = pattern[i]
        if token == STAR or isinstance(token, Unknown):
            step(i + 1, j)
            step(i, j + 1)
        elif token == ONE or token == prefix[j]:
            step(i + 1, j + 1)

    step(0, 0)
    return results


def is_valid_name_pattern(pattern: str) -> bool:
    """Can some valid federated-user name (2–32 of `[\\w+=,.@-]`) match this pattern?"""
    fixed = [char for char in pattern if char != "*"]
    if any(char != "?" and not NAME_CHARACTER.fullmatch(char) for char in fixed):
        return False
    if len(fixed) > MAX_NAME:
        return False
    return "*" in pattern or len(fixed) >= MIN_NAME


def covers(wide: str, narrow: str) -> Tri:
    """Does name pattern `wide` match every name `narrow` matches (YES), some (MAYBE), none (NO)?"""
    return match_tokens(tokens(wide, wildcards=True), tokens(narrow, wildcards=True))
