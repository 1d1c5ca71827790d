"""The values Terraform expressions evaluate to, as this parser holds them.

Plain Python data (str, int, float, bool, None, list, dict) whose leaves may be the inventory's
`Unknown` or `Text`. Two additions keep what policy reading needs: `Json` (the result of
`jsonencode` or a policy document's `.json`, kept as structure so unknown leaves and statement lines
survive) and `LinedDict` (an object that remembers where it was written).
"""

from __future__ import annotations

import json
from typing import Optional

from credmint.analyzer.inventory import Source, Text, Unknown, concat


class LinedDict(dict):
    """A dict that remembers the source of the `{` (or block) it was written as."""

    __slots__ = ("source",)

    def __init__(self, *args: object, source: Optional[Source] = None) -> None:
        super().__init__(*args)
        self.source = source


class LinedStr(str):
    """Text that remembers where its first line is written: a heredoc, or a file read by `file()`
    or `templatefile()`, so that JSON statements inside it get their own lines."""

    __slots__ = ("source",)

    def __new__(cls, text: str, source: Source) -> "LinedStr":
        made = super().__new__(cls, text)
        made.source = source
        return made


class Json:
    """Encoded JSON whose structure is kept: `jsonencode(x)` or a policy document's `json`.

    `origin` is (source, address) of the `aws_iam_policy_document` that rendered it, so that
    statements point at the data block rather than at the reference.
    """

    __slots__ = ("value", "origin")

    def __init__(self, value: object, origin: Optional[tuple[Source, str]] = None) -> None:
        self.value = value
        self.origin = origin

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Json) and other.value == self.value

    def __hash__(self) -> int:
        return hash(repr(self.value))

    def __repr__(self) -> str:
        return f"Json({self.value!r})"


class EvalError(Exception):
    """An expression Terraform itself would reject; becomes a diagnostic and an `Unknown`."""


def is_unknown(value: object) -> bool:
    """True when the value is not wholly known (an `Unknown`, or a string with unknown parts)."""
    return isinstance(value, (Unknown, Text))


def has_unknown(value: object) -> bool:
    """True when the value or anything inside it is not known."""
    if isinstance(value, (Unknown, Text)):
        return True
    if isinstance(value, Json):
        return has_unknown(value.value)
    if isinstance(value, dict):
        return any(has_unknown(k) or has_unknown(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return any(has_unknown(item) for item in value)
    return False


def encode(value: object) -> str:
    """JSON text as Terraform's `jsonencode` writes it (compact, keys as given)."""
    return json.dumps(plain(value), separators=(",", ":"), ensure_ascii=False)


def plain(value: object) -> object:
    """The value with `Json` leaves replaced by their text; caller ensures nothing is unknown."""
    if isinstance(value, Json):
        return encode(value.value)
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def to_text(value: object, expression: str) -> object:
    """The value as a string in a template or a string argument (`5` → "5", `true` → "true")."""
    if isinstance(value, (str, Unknown, Text)):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, Json):
        if has_unknown(value.value):
            return Unknown(expression, "JSON text with values not known before apply")
        return encode(value.value)
    if value is None:
        raise EvalError("a null value cannot be used as a string")
    raise EvalError(f"a {type_name(value)} cannot be used as a string")


def join_text(parts: list[object]) -> object:
    """Concatenate string parts, keeping unknown parts as `Text`."""
    return concat(*parts) if parts else ""  # type: ignore[arg-type]


def type_name(value: object) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, (str, Text, Json)):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "list"
    if value is None:
        return "null"
    return type(value).__name__
