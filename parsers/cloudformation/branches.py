"""Values chosen by a Condition whose truth is unknown before deployment.

`Fn::If` on such a condition evaluates to an `Either` holding both branches. Consumers then ask
for every alternative (`alternatives`), each tagged with the conditions it depends on, so that a
principal or statement selected by `!If` is still analysed (as uncertain, naming the condition)
rather than dropped or asserted (issue 4 §2, DESIGN.md "sound under uncertainty").
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Any

from credmint.analyzer.inventory import Unknown
from credmint.parsers.cloudformation.nodes import CfnList, CfnMap

MAX_ALTERNATIVES = 32
"""Beyond this many combinations, branches are merged instead of multiplied."""

Tagged = tuple[Any, tuple[Unknown, ...]]


@dataclass(frozen=True, slots=True)
class Either:
    """One of two evaluated values, depending on `condition` (an Unknown naming it)."""

    condition: Unknown
    when_true: Any
    when_false: Any


def has_either(value: Any) -> bool:
    if isinstance(value, Either):
        return True
    if isinstance(value, dict):
        return any(has_either(item) for item in value.values())
    if isinstance(value, list):
        return any(has_either(item) for item in value)
    return False


def alternatives(value: Any, removed: Any) -> list[Tagged]:
    """Every value `value` may take, with the unknown conditions each depends on.

    `removed` is the `AWS::NoValue` marker: a branch equal to it removes its key or item.
    """
    if not has_either(value):
        return [(value, ())]
    if isinstance(value, Either):
        return [
            (branch, _merge(value.condition, tags))
            for side in (value.when_true, value.when_false)
            for branch, tags in alternatives(side, removed)
        ]
    if isinstance(value, dict):
        keys = list(value)
        options = [alternatives(value[key], removed) for key in keys]
        if _count(options) > MAX_ALTERNATIVES:
            return [merged(value, removed)]
        result = []
        for combination in product(*options):
            mapping = value.derive(()) if isinstance(value, CfnMap) else CfnMap()
            for key, (item, _) in zip(keys, combination):
                if item is not removed:
                    mapping[key] = item
                    mapping.key_lines[key] = value.line_of(key) if isinstance(value, CfnMap) else 0
            result.append((mapping, _union(tags for _, tags in combination)))
        return result
    options = [alternatives(item, removed) for item in value]
    if _count(options) > MAX_ALTERNATIVES:
        return [merged(value, removed)]
    result = []
    for combination in product(*options):
        items = CfnList(getattr(value, "line", 0))
        for index, (item, _) in enumerate(combination):
            if item is not removed:
                items.append(item)
                items.item_lines.append(_line_at(value, index))
        result.append((items, _union(tags for _, tags in combination)))
    return result


def choices(value: Any, removed: Any) -> list[Tagged]:
    """The values an `Either` at the top of `value` chooses between, without looking inside
    them (so that a statement list's items are expanded one by one, not all together)."""
    if not isinstance(value, Either):
        return [] if value is removed else [(value, ())]
    return [
        (branch, _merge(value.condition, tags))
        for side in (value.when_true, value.when_false)
        for branch, tags in choices(side, removed)
    ]


def merged(value: Any, removed: Any) -> Tagged:
    """One value holding every branch: list items of both sides, both sides of a scalar as a
    list. Used when the combinations are too many to list one by one."""
    conditions: list[Unknown] = []

    def walk(node: Any) -> Any:
        if isinstance(node, Either):
            conditions.append(node.condition)
            sides = [walk(side) for side in (node.when_true, node.when_false)]
            sides = [side for side in sides if side is not removed]
            if len(sides) == 1:
                return sides[0]
            return CfnList(0, [item for side in sides
                               for item in (side if isinstance(side, list) else [side])])
        if isinstance(node, dict):
            result = node.derive(()) if isinstance(node, CfnMap) else CfnMap()
            for key, item in node.items():
                item = walk(item)
                if item is not removed:
                    result[key] = item
                    result.key_lines[key] = node.line_of(key) if isinstance(node, CfnMap) else 0
            return result
        if isinstance(node, list):
            items = CfnList(getattr(node, "line", 0))
            for index, item in enumerate(node):
                item = walk(item)
                if item is removed:
                    continue
                is_spliced = isinstance(node[index], Either) and isinstance(item, list)
                for part in item if is_spliced else [item]:
                    items.append(part)
                    items.item_lines.append(_line_at(node, index))
            return items
        return node

    result = walk(value)
    return result, tuple(dict.fromkeys(conditions))


def _count(options: list[list[Tagged]]) -> int:
    total = 1
    for option in options:
        total *= len(option)
        if total > MAX_ALTERNATIVES:
            break
    return total


def _merge(condition: Unknown, tags: tuple[Unknown, ...]) -> tuple[Unknown, ...]:
    return tuple(dict.fromkeys((condition, *tags)))


def _union(groups: Any) -> tuple[Unknown, ...]:
    return tuple(dict.fromkeys(tag for tags in groups for tag in tags))


def _line_at(node: Any, index: int) -> int:
    return node.line_at(index) if isinstance(node, CfnList) else 0
