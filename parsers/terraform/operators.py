"""Terraform's operators and truth: `==` three-valued over unknowns, arithmetic, conditions, iteration."""

from __future__ import annotations

from typing import Callable, Optional

from credmint.parsers.terraform import templates
from credmint.parsers.terraform.values import EvalError, has_unknown, is_unknown, type_name


def truth(value: object) -> Optional[bool]:
    """A condition's value: True/False, or None when not known before apply."""
    if isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    if is_unknown(value):
        return None
    raise EvalError(f"a condition must be a bool, not {type_name(value)}")


def items(value: object) -> list[tuple[object, object]]:
    """(key, value) pairs a for-expression iterates: list index or map key in lexical order."""
    if isinstance(value, dict):
        keys = sorted(value, key=str)
        return [(key, value[key]) for key in keys]
    if isinstance(value, (list, tuple)):
        return list(enumerate(value))
    if is_unknown(value):
        raise templates.UnknownTemplate(str(value))
    raise EvalError(f"cannot iterate over a {type_name(value)}")


def number(value: object) -> float | int:
    if isinstance(value, bool) or value in ("true", "false"):
        # Terraform 0.11 did arithmetic on bools (`1 - var.enabled`); 0.12+ rejects it.
        return 1 if value in (True, "true") else 0
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                pass
    raise EvalError(f"{value!r} is not a number")


def equal(left: object, right: object) -> Optional[bool]:
    """Terraform's `==`: None when unknown parts decide it (`var.x != null` is known for a map
    with unknown leaves, since a map is never null)."""
    if is_unknown(left) or is_unknown(right):
        return None
    if type_name(left) != type_name(right):
        return False
    if isinstance(left, dict) and isinstance(right, dict):
        if set(left) != set(right):
            return False
        return _all_equal([(left[k], right[k]) for k in left])
    if isinstance(left, list) and isinstance(right, list):
        if len(left) != len(right):
            return False
        return _all_equal(list(zip(left, right)))
    if has_unknown(left) or has_unknown(right):
        return None
    return left == right


def _all_equal(pairs: list[tuple[object, object]]) -> Optional[bool]:
    results = [equal(a, b) for a, b in pairs]
    if False in results:
        return False
    return None if None in results else True


_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "%": lambda a, b: a % b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def binary(operator: str, left: object, right: object) -> object:
    function = _ARITHMETIC.get(operator)
    if function is None:
        raise EvalError(f"unknown operator {operator}")
    try:
        result = function(number(left), number(right))
    except ZeroDivisionError:
        raise EvalError("division by zero") from None
    if isinstance(result, float) and result.is_integer() and operator != "/":
        return int(result)
    return result
