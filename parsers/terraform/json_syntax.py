"""Terraform's JSON configuration syntax (`*.tf.json`) rewritten as native syntax (issue 13 item 9).

Terraform defines its JSON syntax by the native one (docs: "JSON Configuration Syntax",
https://developer.hashicorp.com/terraform/language/syntax/json): the root object's properties are
top-level block types, nested objects are block labels then bodies, a string is a template
(`"${var.x}"`), and a property named `//` is a comment. So a `.tf.json` file is rewritten here into
the native text that means the same, parsed by the same grammar and evaluated by the same code,
each generated line mapped back to the JSON line it comes from.

Terraform tells a nested block from an object argument by the provider's schema, which credmint does
not have: the nested blocks the analysis reads (policy documents, roles, providers, `dynamic`,
`lifecycle`) are named in `_NESTED`; any other object is an argument.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass
from json.decoder import scanstring
from typing import Union

MAX_DEPTH = 128
"""Nesting bound (parsers/limits.py counts brackets too; this keeps the reader's recursion safe)."""

_LABELS = {
    "resource": 2, "data": 2, "ephemeral": 2, "module": 1, "variable": 1, "output": 1, "provider": 1, "check": 1,
}
_BLOCKS_OF_RESOURCES = {
    "lifecycle": 0, "dynamic": 1, "provisioner": 1, "connection": 0, "timeouts": 0, "statement": 0,
    "principals": 0, "not_principals": 0, "condition": 0, "inline_policy": 0, "precondition": 0,
    "postcondition": 0,
}
_NESTED: dict[str, dict[str, int]] = {
    "resource": _BLOCKS_OF_RESOURCES,
    "data": _BLOCKS_OF_RESOURCES,
    "ephemeral": _BLOCKS_OF_RESOURCES,
    "content": _BLOCKS_OF_RESOURCES,
    "statement": _BLOCKS_OF_RESOURCES,
    "lifecycle": _BLOCKS_OF_RESOURCES,
    "dynamic": {"content": 0},
    "variable": {"validation": 0},
    "output": {"precondition": 0},
    "terraform": {"backend": 1, "cloud": 0, "required_providers": 0},
    "cloud": {"workspaces": 0},
    "provider": {"assume_role": 0, "assume_role_with_web_identity": 0, "default_tags": 0, "ignore_tags": 0,
                 "endpoints": 0},
    "check": {"data": 2, "assert": 0},
}
_RAW = {
    ("variable", "type"),  # a type expression, written as a string
    ("resource", "provider"), ("data", "provider"), ("ephemeral", "provider"),
    ("resource", "depends_on"), ("data", "depends_on"), ("module", "depends_on"), ("output", "depends_on"),
    ("module", "providers"), ("lifecycle", "ignore_changes"), ("lifecycle", "replace_triggered_by"),
    ("dynamic", "iterator"),
}
"""Arguments whose strings are expressions, not templates (references, a type, an iterator name)."""
_LITERAL = {("variable", "default")}
"""Arguments whose strings are literal text: `${` in them is not interpolated."""

_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_WORDS = {"true": True, "false": False, "null": None}
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


class JsonSyntaxError(Exception):
    """A `.tf.json` file that is not JSON or not Terraform's JSON shape; carries the line."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class Node:
    """A JSON value with the line it starts on; objects keep their properties in order."""

    value: Union[None, bool, int, float, str, list["Node"], list[tuple[str, "Node"]]]
    line: int
    raw: str = ""
    is_object: bool = False


class _Reader:
    """A JSON reader that keeps each value's line (Python's `json` keeps none)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.newlines = [i for i, char in enumerate(text) if char == "\n"]

    def line(self, pos: int) -> int:
        return bisect_right(self.newlines, pos - 1) + 1

    def fail(self, message: str) -> JsonSyntaxError:
        return JsonSyntaxError(message, self.line(self.pos))

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def read(self, depth: int = 0) -> Node:
        if depth > MAX_DEPTH:
            raise self.fail(f"JSON nested deeper than {MAX_DEPTH}")
        self.skip()
        if self.pos >= len(self.text):
            raise self.fail("unexpected end of JSON")
        char, line = self.text[self.pos], self.line(self.pos)
        if char == "{":
            return Node(self._members(depth), line, is_object=True)
        if char == "[":
            return Node(self._items(depth), line)
        if char == '"':
            return Node(self._string(), line)
        for word, value in _WORDS.items():
            if self.text.startswith(word, self.pos):
                self.pos += len(word)
                return Node(value, line, raw=word)
        match = _NUMBER.match(self.text, self.pos)
        if match is None:
            raise self.fail(f"unexpected character {char!r} in JSON")
        self.pos = match.end()
        raw = match.group()
        return Node(float(raw) if any(c in raw for c in ".eE") else int(raw), line, raw=raw)

    def _string(self) -> str:
        try:
            value, self.pos = scanstring(self.text, self.pos + 1)
        except ValueError as problem:
            raise self.fail(f"invalid JSON string: {problem}") from None
        return value

    def _expect(self, char: str) -> None:
        self.skip()
        if not self.text.startswith(char, self.pos):
            raise self.fail(f"expected {char!r} in JSON")
        self.pos += 1

    def _members(self, depth: int) -> list[tuple[str, Node]]:
        self.pos += 1
        members: list[tuple[str, Node]] = []
        self.skip()
        if self.text.startswith("}", self.pos):
            self.pos += 1
            return members
        while True:
            self.skip()
            if not self.text.startswith('"', self.pos):
                raise self.fail("expected a property name in JSON")
            key = self._string()
            self._expect(":")
            members.append((key, self.read(depth + 1)))
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            self._expect("}")
            return members

    def _items(self, depth: int) -> list[Node]:
        self.pos += 1
        items: list[Node] = []
        self.skip()
        if self.text.startswith("]", self.pos):
            self.pos += 1
            return items
        while True:
            items.append(self.read(depth + 1))
            self.skip()
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            self._expect("]")
            return items


def to_native(text: str) -> tuple[str, tuple[int, ...]]:
    """The native-syntax text of a `.tf.json` file, and for each of its lines the JSON line."""
    reader = _Reader(text)
    root = reader.read()
    reader.skip()
    if reader.pos != len(text):
        raise reader.fail("extra text after the JSON value")
    if not root.is_object:
        raise JsonSyntaxError("a .tf.json file must hold one JSON object", root.line)
    writer = _Writer()
    for block_type, value in root.value:  # type: ignore[union-attr]
        if block_type == "//":
            continue
        if not _IDENTIFIER.match(block_type):
            raise JsonSyntaxError(f"{block_type!r} is not a block type", value.line)
        writer.block(block_type, (), value, _LABELS.get(block_type, 0), block_type)
    return "\n".join(writer.lines) + "\n", tuple(writer.map)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.map: list[int] = []

    def emit(self, text: str, line: int) -> None:
        self.lines.append(text)
        self.map.append(line)

    def block(self, kind: str, labels: tuple[str, ...], node: Node, wanted: int, context: str) -> None:
        """A block, or one per element when the JSON gives an array of bodies."""
        if isinstance(node.value, list) and not node.is_object:
            for element in node.value:
                self.block(kind, labels, element, wanted, context)  # type: ignore[arg-type]
            return
        if not node.is_object:
            raise JsonSyntaxError(f"{kind} {' '.join(labels)} must be a JSON object", node.line)
        if len(labels) < wanted:
            for label, value in node.value:  # type: ignore[union-attr, misc]
                if label != "//":
                    self.block(kind, labels + (label,), value, wanted, context)
            return
        head = " ".join([kind, *(_quoted(label) for label in labels)])
        self.emit(head + " {", node.line)
        self.body(node, context)
        self.emit("}", node.line)

    def body(self, node: Node, context: str) -> None:
        nested = _NESTED.get(context, {})
        for name, value in node.value:  # type: ignore[union-attr, misc]
            if name == "//":
                continue
            if name in nested and (value.is_object or isinstance(value.value, list)):
                self.block(name, (), value, nested[name], name)
                continue
            if not _IDENTIFIER.match(name):
                raise JsonSyntaxError(f"{name!r} is not a valid argument name", value.line)
            mode = "raw" if (context, name) in _RAW else "literal" if (context, name) in _LITERAL else "template"
            expression = _expression(value, mode)
            if mode == "raw" and not _is_balanced(expression):
                raise JsonSyntaxError(f"{name}: {value.value!r} is not an expression", value.line)
            self.emit(f"{name} = {expression}", value.line)


def _expression(node: Node, mode: str) -> str:
    """A JSON value as a native expression: strings are templates, raw expressions or literals."""
    value = node.value
    if node.is_object:
        pairs = value  # type: list[tuple[str, Node]]  # type: ignore[assignment]
        return "{" + ", ".join(f"{_quoted(key)} = {_expression(item, mode)}" for key, item in pairs) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_expression(item, mode) for item in value) + "]"  # type: ignore[arg-type]
    if isinstance(value, str):
        if mode == "raw":
            return " ".join(value.split()) or '""'
        return _quoted(value) if mode == "literal" else _template(value)
    return node.raw


_PAIRS = {")": "(", "]": "[", "}": "{"}


def _is_balanced(expression: str) -> bool:
    """A raw expression's brackets pair up outside its strings: it cannot close the block it is
    written in, so a hostile string cannot change the structure of the rewritten file."""
    stack: list[str] = []
    quote = escaped = False
    for char in expression:
        if quote:
            escaped, quote = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            quote = True
        elif char in "([{":
            stack.append(char)
        elif char in _PAIRS and (not stack or stack.pop() != _PAIRS[char]):
            return False
    return not stack and not quote


def _quoted(text: str) -> str:
    """A literal string: escapes, and `${`/`%{` doubled so that nothing is interpolated."""
    return '"' + _escape(text).replace("${", "$${").replace("%{", "%%{") + '"'


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
    )


def _template(text: str) -> str:
    """A JSON string as a native quoted template: the literal parts escaped, every `${ }` and
    `%{ }` sequence kept as written (its expression may hold quotes of its own)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        if text.startswith(("$${", "%%{"), i):
            out.append(text[i : i + 3])
            i += 3
            continue
        if text.startswith(("${", "%{"), i):
            end = _closing_brace(text, i + 2)
            out.append(" ".join(text[i:end].split("\n")))
            i = end
            continue
        out.append(_escape(text[i]))
        i += 1
    return '"' + "".join(out) + '"'


def _closing_brace(text: str, start: int) -> int:
    """The index just past the `}` closing an interpolation opened before `start`."""
    depth, i, quote = 1, start, False
    while i < len(text):
        char = text[i]
        if quote:
            if char == "\\":
                i += 1
            elif char == '"':
                quote = False
        elif char == '"':
            quote = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return len(text)
