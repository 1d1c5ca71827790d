"""Argument checks shared by the built-in function tables, and how a table registers functions."""

from __future__ import annotations

from typing import Callable

from credmint.parsers.terraform.scope import Call
from credmint.parsers.terraform.values import EvalError, to_text, type_name

Function = Callable[[list, Call], object]
Table = dict[str, tuple[Function, bool]]
"""name → (implementation, lenient): a lenient function handles unknown arguments itself."""


def registrar(table: Table) -> Callable[..., Callable[[Function], Function]]:
    """A decorator factory adding functions to `table`: `@fn("name", lenient=True)`."""

    def fn(name: str, lenient: bool = False) -> Callable[[Function], Function]:
        def register(function: Function) -> Function:
            table[name] = (function, lenient)
            return function

        return register

    return fn


def arity(args: list, low: int, high: int | None = 0) -> None:
    """Check the argument count: exactly `low`, or `low` to `high`, or at least `low` (high None)."""
    high = low if high == 0 else high
    if len(args) < low or (high is not None and len(args) > high):
        raise EvalError(f"wrong number of arguments ({len(args)})")


def as_list(value: object) -> list:
    if isinstance(value, (list, tuple)):
        return list(value)
    raise EvalError(f"a list is needed, not a {type_name(value)}")


def as_map(value: object) -> dict:
    if isinstance(value, dict):
        return value
    raise EvalError(f"a map is needed, not a {type_name(value)}")


def as_str(value: object) -> str:
    text = to_text(value, "")
    if not isinstance(text, str):
        raise EvalError("string not known")
    return text


def as_int(value: object) -> int:
    if isinstance(value, bool):
        raise EvalError("a bool is not a number")
    try:
        return int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise EvalError(f"{value!r} is not a number") from None

