"""`Fn::ForEach` loops of the `AWS::LanguageExtensions` transform, expanded before evaluation.

`Fn::ForEach::Name: [Identifier, Collection, {OutputKey: OutputValue}]` in `Resources` stands
for one copy of the fragment per item of the collection, with `${Identifier}` (and `&{Identifier}`,
the item without non-alphanumeric characters) replaced in keys and `Fn::Sub` strings, and
`Ref: Identifier` replaced by the item. Copies keep the fragment's lines. A collection not known
before deployment cannot be expanded: a warning, since the resources it makes are not analysed.

Nested loops multiply: three levels over 80 items are 512,000 copies from 2 KB of YAML (78 s and
2.7 GB before this bound). AWS applies its quotas to the expanded template (at most 500 resources;
the `Fn::ForEach` reference page), so like Terraform's instances per `count`, the resources one
template's loops make are bounded, and so are the fragment copies they make on the way (loops
whose fragments make no resource cost time too); past either, one error names the bound and what
was made until then is analysed.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from credmint.parsers.cloudformation.nodes import CfnList, CfnMap

PREFIX = "Fn::ForEach::"

Collection = Callable[[Any], "list[str] | None"]
"""Evaluates a loop's collection to its items, or None when they are not known."""

MAX_LOOP_RESOURCES = 1_000
"""Resources the `Fn::ForEach` loops of one template make (AWS's quota is 500 per template)."""
MAX_LOOP_COPIES = 10_000
"""Copies of loop fragments one template makes, at every level of nesting together."""


class LoopBoundExceeded(Exception):
    """The loops of one template make more than a bound allows: expansion stops there."""


class _Tally:
    """What the loops of one template have made so far, against the bounds, and the outermost
    loop being expanded (its name and line are where a bound is reported)."""

    __slots__ = ("resources", "copies", "loop", "line")

    def __init__(self) -> None:
        self.resources = 0
        self.copies = 0
        self.loop = ""
        self.line = 0

    def copy(self) -> None:
        self.copies += 1
        if self.copies > MAX_LOOP_COPIES:
            raise LoopBoundExceeded(f"the loops make more than {MAX_LOOP_COPIES:,} copies (bound on "
                                    "Fn::ForEach expansion)")

    def resource(self) -> None:
        self.resources += 1
        if self.resources > MAX_LOOP_RESOURCES:
            raise LoopBoundExceeded(f"the loops make more than {MAX_LOOP_RESOURCES:,} resources (bound on "
                                    "Fn::ForEach expansion)")


def has_loops(resources: object) -> bool:
    return isinstance(resources, Mapping) and any(
        isinstance(key, str) and key.startswith(PREFIX) for key in resources)


def expand(resources: CfnMap, collection: Collection, warn: Callable[[int, str], None],
           error: Callable[[int, str], None] | None = None) -> CfnMap:
    """`resources` with every `Fn::ForEach` replaced by the copies it stands for; past a bound,
    `error` (else `warn`) says so and the copies made until then stand."""
    result = resources.derive(())
    tally = _Tally()
    try:
        _expand(resources, collection, warn, tally, result, nested=False)
    except LoopBoundExceeded as problem:
        (error or warn)(tally.line, f"{tally.loop}: {problem}; what they made until then is analysed")
    return result


def _expand(resources: CfnMap, collection: Collection, warn: Callable[[int, str], None], tally: _Tally,
            result: CfnMap, *, nested: bool) -> None:
    """Adds the resources of `resources` to `result`, loops expanded (`nested`: inside a loop)."""
    for key, value in resources.items():
        line = resources.line_of(key)
        if not (isinstance(key, str) and key.startswith(PREFIX)):
            if nested:
                tally.resource()
            result[key] = value
            result.key_lines[key] = line
            continue
        if not (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
                and isinstance(value[2], CfnMap)):
            warn(line, f"{key}: a loop needs [Identifier, Collection, {{Key: Value}}]; ignored")
            continue
        identifier, items, fragment = value[0], collection(value[1]), value[2]
        if items is None:
            warn(line, f"{key}: its collection is not known before deployment; the resources "
                       "it makes are not analysed")
            continue
        if not nested:
            tally.loop, tally.line = key, line
        for item in items:
            tally.copy()
            _expand(_substitute(fragment, identifier, item), collection, warn, tally, result, nested=True)


def _substitute(node: Any, identifier: str, item: str) -> Any:
    if isinstance(node, CfnMap):
        if len(node) == 1 and node.get("Ref") == identifier:
            return item
        result = node.derive(())
        for key, value in node.items():
            new_key = _replace(key, identifier, item)
            if key == "Fn::Sub":
                value = _substitute_sub(value, identifier, item)
            result[new_key] = _substitute(value, identifier, item)
            result.key_lines[new_key] = node.line_of(key)
        return result
    if isinstance(node, CfnList):
        return CfnList(node.line, [_substitute(child, identifier, item) for child in node],
                       node.item_lines)
    return node


def _substitute_sub(value: Any, identifier: str, item: str) -> Any:
    if isinstance(value, str):
        return _replace(value, identifier, item)
    if isinstance(value, CfnList) and value and isinstance(value[0], str):
        return CfnList(value.line, [_replace(value[0], identifier, item), *value[1:]],
                       value.item_lines)
    return value


def _replace(text: str, identifier: str, item: str) -> str:
    text = text.replace("${" + identifier + "}", item)
    return text.replace("&{" + identifier + "}", re.sub(r"[^A-Za-z0-9]", "", item))
