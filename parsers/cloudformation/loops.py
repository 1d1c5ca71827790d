"""`Fn::ForEach` loops of the `AWS::LanguageExtensions` transform, expanded before evaluation.

`Fn::ForEach::Name: [Identifier, Collection, {OutputKey: OutputValue}]` in `Resources` stands
for one copy of the fragment per item of the collection, with `${Identifier}` (and `&{Identifier}`,
the item without non-alphanumeric characters) replaced in keys and `Fn::Sub` strings, and
`Ref: Identifier` replaced by the item. Copies keep the fragment's lines. A collection not known
before deployment cannot be expanded: a warning, since the resources it makes are not analysed.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from parsers.cloudformation.nodes import CfnList, CfnMap

PREFIX = "Fn::ForEach::"

Collection = Callable[[Any], "list[str] | None"]
"""Evaluates a loop's collection to its items, or None when they are not known."""


def has_loops(resources: object) -> bool:
    return isinstance(resources, Mapping) and any(
        isinstance(key, str) and key.startswith(PREFIX) for key in resources)


def expand(resources: CfnMap, collection: Collection,
           warn: Callable[[int, str], None]) -> CfnMap:
    """`resources` with every `Fn::ForEach` replaced by the copies it stands for."""
    result = resources.derive(())
    for key, value in resources.items():
        line = resources.line_of(key)
        if not (isinstance(key, str) and key.startswith(PREFIX)):
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
        for item in items:
            copy = expand(_substitute(fragment, identifier, item), collection, warn)
            for copy_key, copy_value in copy.items():
                result[copy_key] = copy_value
                result.key_lines[copy_key] = copy.line_of(copy_key)
    return result


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
