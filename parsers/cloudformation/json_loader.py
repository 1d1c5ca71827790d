"""JSON templates with line numbers, decoded by the standard library's own grammar.

Reading JSON through a YAML loader would misread it (tabs, some escapes), so this decoder uses
`json`'s pure-Python scanner and replaces only its object and array steps to record where each
key and item starts. Numbers and booleans stay as written text, as the YAML loader keeps them.
"""

from __future__ import annotations

import bisect
import json
import re
from json.decoder import scanstring
from json.scanner import py_make_scanner
from typing import Any, Callable

from credmint.parsers.cloudformation.errors import TemplateError
from credmint.parsers.cloudformation.nodes import CfnList, CfnMap
from credmint.parsers.cloudformation.yaml_loader import MAX_DEPTH

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_CONSTANTS = {True: "true", False: "false"}


class _PositionDecoder(json.JSONDecoder):
    def __init__(self, text: str) -> None:
        super().__init__(parse_int=str, parse_float=str, parse_constant=str, strict=False)
        self._newlines = [match.start() for match in re.finditer("\n", text)]
        self.depth = 0
        self.warnings: list[tuple[int, str]] = []
        self.parse_object = self._parse_object
        self.parse_array = self._parse_array
        self.scan_once = py_make_scanner(self)

    def line(self, position: int) -> int:
        return bisect.bisect_left(self._newlines, position) + 1

    def _enter(self, text: str, position: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise json.JSONDecodeError(f"nesting deeper than {MAX_DEPTH} levels", text, position)

    def _value(self, scan_once: Callable, text: str, position: int) -> tuple[Any, int]:
        try:
            value, end = scan_once(text, position)
        except StopIteration as stop:
            raise json.JSONDecodeError("Expecting value", text, stop.value) from None
        if isinstance(value, bool):
            value = _CONSTANTS[value]
        return value, end

    def _parse_object(self, s_and_end: tuple[str, int], strict: bool, scan_once: Callable,
                      *_hooks: object) -> tuple[CfnMap, int]:
        text, end = s_and_end
        self._enter(text, end - 1)
        result = CfnMap(self.line(end - 1))
        end = _WHITESPACE.match(text, end).end()
        if text[end:end + 1] == "}":
            self.depth -= 1
            return result, end + 1
        while True:
            if text[end:end + 1] != '"':
                raise json.JSONDecodeError(
                    "Expecting property name enclosed in double quotes", text, end
                )
            key_line = self.line(end)
            key, end = scanstring(text, end + 1, strict)
            end = _WHITESPACE.match(text, end).end()
            if text[end:end + 1] != ":":
                raise json.JSONDecodeError("Expecting ':' delimiter", text, end)
            end = _WHITESPACE.match(text, end + 1).end()
            value, end = self._value(scan_once, text, end)
            if key in result:
                self.warnings.append((key_line, f"duplicate key {key!r}: the last one is used"))
            result[key] = value
            result.key_lines[key] = key_line
            end = _WHITESPACE.match(text, end).end()
            delimiter = text[end:end + 1]
            if delimiter == "}":
                self.depth -= 1
                return result, end + 1
            if delimiter != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", text, end)
            end = _WHITESPACE.match(text, end + 1).end()

    def _parse_array(self, s_and_end: tuple[str, int], scan_once: Callable) -> tuple[CfnList, int]:
        text, end = s_and_end
        self._enter(text, end - 1)
        result = CfnList(self.line(end - 1))
        end = _WHITESPACE.match(text, end).end()
        if text[end:end + 1] == "]":
            self.depth -= 1
            return result, end + 1
        while True:
            result.item_lines.append(self.line(end))
            value, end = self._value(scan_once, text, end)
            result.append(value)
            end = _WHITESPACE.match(text, end).end()
            delimiter = text[end:end + 1]
            if delimiter == "]":
                self.depth -= 1
                return result, end + 1
            if delimiter != ",":
                raise json.JSONDecodeError("Expecting ',' delimiter", text, end)
            end = _WHITESPACE.match(text, end + 1).end()


def load_json(text: str) -> tuple[Any, list[tuple[int, str]]]:
    """The document in `text` and the (line, message) warnings found while decoding it."""
    decoder = _PositionDecoder(text)
    try:
        return decoder.decode(text), decoder.warnings
    except json.JSONDecodeError as problem:
        raise TemplateError(f"invalid JSON: {problem.msg}", problem.lineno) from None
