"""Template containers that remember where they are written.

The YAML and JSON loaders build these instead of plain dicts and lists so that every resource
and policy statement can carry its line (DESIGN.md: capture positions once, at the boundary).
They stay `dict`/`list` subclasses, so code that only reads data needs to know nothing of them.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable


class CfnMap(dict):
    """A mapping with the line of its first key and the line of each key."""

    __slots__ = ("line", "key_lines")

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.key_lines: dict[str, int] = {}

    def line_of(self, key: str) -> int:
        """The line of `key`, else of the mapping itself."""
        return self.key_lines.get(key, self.line)

    def derive(self, items: Iterable[tuple[str, Any]]) -> CfnMap:
        """A new mapping holding `items` at this mapping's positions (for evaluated copies)."""
        result = CfnMap(self.line)
        for key, value in items:
            result[key] = value
            if key in self.key_lines:
                result.key_lines[key] = self.key_lines[key]
        return result


class CfnList(list):
    """A sequence with its own line and the line of each item."""

    __slots__ = ("line", "item_lines")

    def __init__(self, line: int = 0, items: Iterable[Any] = (), item_lines: Iterable[int] = ()):
        super().__init__(items)
        self.line = line
        self.item_lines = list(item_lines)

    def line_at(self, index: int) -> int:
        """The line of item `index`, else of the sequence."""
        return self.item_lines[index] if index < len(self.item_lines) else self.line


def line_of(node: object, default: int = 0) -> int:
    """The line a loaded node starts on, or `default` for scalars and unknown values."""
    return getattr(node, "line", default) or default


def type_of(resource: object) -> str:
    """A resource's `Type`, or "" when it is missing or not a string."""
    value = resource.get("Type") if isinstance(resource, dict) else None
    return value if isinstance(value, str) else ""


def relocate_lines(node: object, place: Callable[[int], int]) -> None:
    """Give every position in a loaded tree the line `place` maps it to (a template embedded in
    a string of another file is written where the string is)."""
    if isinstance(node, CfnMap):
        node.line = place(node.line)
        node.key_lines = {key: place(line) for key, line in node.key_lines.items()}
        for value in node.values():
            relocate_lines(value, place)
    elif isinstance(node, CfnList):
        node.line = place(node.line)
        node.item_lines = [place(line) for line in node.item_lines]
        for item in node:
            relocate_lines(item, place)
