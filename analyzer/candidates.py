"""Which callers a role's trust policy could admit: an index instead of principal × role brute force.

A trust policy admits a caller named by its ARN, everyone (`*`), or the callers of an account whose
identity policies allow sts:AssumeRole on the role (SEMANTICS.md §1). The first two are lookups;
for the third, each caller's AssumeRole resource patterns are indexed once — exact ARNs in a dict,
wildcard patterns by distinct pattern, since groups share their policies among many users.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Iterable, Mapping, Sequence

from credmint.analyzer.callers import Caller
from credmint.analyzer.inventory import Effect, Value, render
from credmint.analyzer.model import Action
from credmint.analyzer.patterns import Tri, literal_head, match_resource, plain_resource, resource_head
from credmint.analyzer.policy import action_truth
from credmint.analyzer.variables import resolved_resources
from credmint.analyzer.principals import Named, classify, may_be_account

ASSUME_ROLE = Action.ASSUME_ROLE.value


class CallerIndex:
    def __init__(self, callers: Sequence[Caller]) -> None:
        self.callers = tuple(callers)
        self._sorted = sorted(self.callers, key=lambda c: c.id)
        self._by_id = {c.id: c for c in callers}
        self._exact: dict[str, set[str]] = defaultdict(set)
        self._wild: dict[Value, set[str]] = defaultdict(set)
        self._by_head: dict[str, dict[str, set[str]]] = defaultdict(_holders_by_pattern)
        """Known wildcard patterns by their text before the first wildcard, which a matching ARN
        must start with: a role meets only the patterns whose head it starts with."""
        self._by_resource_head: dict[str, dict[Value, set[str]]] = defaultdict(_holders_by_pattern)
        """Every pattern, exact ARNs too, by the head of its resource part (`resource_head`), for a
        role whose ARN is known but for an unknown part before it: the deploying account when no id
        is given. `arn:aws:iam::111122223333:role/x` may then be role `x` (a literal account is
        "maybe another account", docs/semantics.md — maybe this one)."""
        self._headless: dict[Value, set[str]] = defaultdict(set)
        """The other wildcard patterns: no resource part (`arn:aws:iam::*`, `*`), or an unknown one."""
        for caller in callers:
            for pattern in _assume_role_patterns(caller):
                text = render(pattern)
                exact = isinstance(pattern, str) and "*" not in text and "?" not in text
                if exact:
                    self._exact[text].add(caller.id)
                else:
                    self._wild[pattern].add(caller.id)
                    if isinstance(pattern, str):
                        self._by_head[literal_head(pattern)][pattern].add(caller.id)
                head = resource_head(pattern)
                if head is not None:
                    self._by_resource_head[head][pattern].add(caller.id)
                elif not exact:
                    self._headless[pattern].add(caller.id)
        self._head_lengths = sorted({len(head) for head in self._by_head})
        self._resource_head_lengths = sorted({len(head) for head in self._by_resource_head})

    def for_trust(self, role_id: str, role_arn: Value, principals: Iterable) -> list[Caller]:
        """The callers worth evaluating against a trust policy with these Principal entries."""
        ids: set[str] = set()
        delegates = False
        for principal in principals:
            entry = classify(principal)
            if entry.named is Named.ANY:
                return self._sorted
            if may_be_account(entry):
                delegates = True
            elif entry.id in self._by_id:
                # A partly unknown principal (`role/${var.who}`) names a caller only when it is that
                # caller's own id, unknown part and all (trust._names compares ids exactly); offering
                # it every caller whose name might fit was a role × caller loop that found nothing
                # (3,000 roles from `count`: 126 s).
                ids.add(entry.id)
        if delegates:
            ids |= self._exact.get(role_id, set())
            for pattern, holders in self._candidates(role_arn):
                if match_resource(pattern, role_arn) is not Tri.NO:
                    ids |= holders
        return [self._by_id[i] for i in sorted(ids)]

    def _candidates(self, role_arn: Value) -> Iterable[tuple[Value, set[str]]]:
        """The patterns that may match the role besides its own ARN: wildcard ones by head when its
        ARN is known; all by the head of their resource part when only that part is (matching
        compares it first: a role of the deploying account, whose id is not given, met every
        pattern of every caller); the wildcard ones when its name is unknown too (every exact ARN
        for every such role would be roles × ARNs on a repository of generated names)."""
        if isinstance(role_arn, str):
            found = _starting(role_arn, self._by_head, self._head_lengths)
            return found + [(p, holders) for p, holders in self._wild.items() if not isinstance(p, str)]
        name = plain_resource(role_arn)
        if name is None:
            return self._wild.items()
        return _starting(name, self._by_resource_head, self._resource_head_lengths) + list(self._headless.items())


def _starting(
    text: str, by_head: Mapping[str, Mapping[Value, set[str]]], lengths: list[int]
) -> list[tuple[Value, set[str]]]:
    """The indexed patterns whose head `text` starts with, and their holders."""
    return [
        entry
        for length in lengths
        if length <= len(text)
        for entry in by_head.get(text[:length], {}).items()
    ]


def _assume_role_patterns(caller: Caller) -> set[Value]:
    """Resource patterns on which the caller's identity may allow sts:AssumeRole (`*` for NotResource)."""
    patterns: set[Value] = set()
    for item in caller.identity:
        statement = item.statement
        if statement.effect is Effect.DENY:
            continue
        if action_truth(statement, ASSUME_ROLE) is Tri.NO:
            continue
        if statement.is_not_resource or statement.unknown is not None:
            patterns.add("*")
            continue
        patterns.update(resolved_resources(statement.resources or (), item.version, caller.context) or ())
    return patterns


def _holders_by_pattern() -> defaultdict[str, set[str]]:
    return defaultdict(set)
