"""What an expression is evaluated against: bound names over its module, and where a call is made."""

from __future__ import annotations

from typing import Mapping, Optional, Protocol

from analyzer.inventory import DiagnosticLevel, Unknown
from parsers.terraform.hcl import SourceFile

MAX_ITEMS = 10_000
"""Bound on collections built by for-expressions and functions: hostile input stays cheap."""


class Namespace:
    """Something references walk into by attribute: `var`, `aws_iam_role`, a resource instance."""

    address = ""

    def attr(self, name: str) -> object:
        raise NotImplementedError


class Context(Protocol):
    """What an expression can see beyond its own text: the module it is written in."""

    def root(self, name: str) -> object: ...

    def report(self, level: DiagnosticLevel, message: str, file: str, line: int) -> None: ...

    def call(self, name: str, args: list[object], where: "Call") -> object: ...


class Scope:
    """Names bound around an expression (for-expression, `count`, `each`) over its module."""

    __slots__ = ("context", "bindings")

    def __init__(self, context: Context, bindings: Optional[Mapping[str, object]] = None) -> None:
        self.context = context
        self.bindings = dict(bindings or {})

    def child(self, bindings: Mapping[str, object]) -> "Scope":
        return Scope(self.context, {**self.bindings, **bindings})

    def lookup(self, name: str) -> object:
        if name in self.bindings:
            return self.bindings[name]
        return self.context.root(name)


class Call:
    """Where a function is called: its text (to name unknown results) and its file and line."""

    __slots__ = ("name", "snippet", "file", "line", "scope")

    def __init__(self, name: str, snippet: str, file: SourceFile, line: int, scope: Scope) -> None:
        self.name, self.snippet, self.file, self.line, self.scope = name, snippet, file, line, scope

    def unknown(self, reason: str = "") -> Unknown:
        return Unknown(self.snippet, reason)
