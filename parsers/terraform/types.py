"""Variable type constraints, applied to values as Terraform converts them.

This matters for IAM modules: `map(object({ actions = optional(list(string)), not_actions = ... }))`
makes every absent optional attribute `null` (or its default), so `statement.value.not_actions`
reads as null rather than failing; values given as strings become numbers or bools.
"""

from __future__ import annotations

from typing import Callable, Union

from lark import Tree

from credmint.parsers.terraform.hcl import name_of, string_literal, subtrees
from credmint.parsers.terraform.values import is_unknown

TypeSpec = Union[str, tuple]
"""`"string"`, `"number"`, `"bool"`, `"any"`, `("list", T)`, `("set", T)`, `("map", T)`,
`("tuple", [T...])`, `("object", {name: (T, is_optional, default)})`."""

_PRIMITIVES = {"string", "number", "bool", "any"}
_COLLECTIONS = {"list", "set", "map"}


def parse_type(node: Tree, evaluate: Callable[[Tree], object]) -> TypeSpec:
    """The type a `type = ...` expression describes; `any` for what is not understood."""
    while node.data == "expr_term" and len(subtrees(node)) == 1:
        node = subtrees(node)[0]
    if node.data == "identifier":
        name = name_of(node)
        return name if name in _PRIMITIVES else "any"
    if node.data == "string":  # Terraform 0.11: type = "list"
        text = string_literal(node) or "any"
        return ("list", "any") if text == "list" else ("map", "any") if text == "map" else text
    if node.data != "function_call":
        return "any"
    name = name_of(subtrees(node)[0])
    arguments = next((c for c in subtrees(node) if c.data == "arguments"), None)
    args = subtrees(arguments) if arguments is not None else []
    if name in _COLLECTIONS and args:
        return (name, parse_type(args[0], evaluate))
    if name == "tuple" and args:
        inner = _unwrap(args[0])
        return ("tuple", [parse_type(e, evaluate) for e in subtrees(inner)] if inner.data == "tuple" else [])
    if name == "object" and args:
        inner = _unwrap(args[0])
        attributes: dict[str, tuple] = {}
        if inner.data == "object":
            for element in subtrees(inner):
                key_node, type_node = subtrees(element)
                attributes[_key(key_node)] = _attribute(type_node, evaluate)
        return ("object", attributes)
    return "any"


def _unwrap(node: Tree) -> Tree:
    while node.data == "expr_term" and len(subtrees(node)) == 1:
        node = subtrees(node)[0]
    return node


def _key(node: Tree) -> str:
    inner = _unwrap(subtrees(node)[0]) if subtrees(node) else node
    if inner.data == "string":
        return string_literal(inner) or ""
    return name_of(inner) if inner.data in ("identifier", "keyword") else name_of(node.children[0])


def _attribute(node: Tree, evaluate: Callable[[Tree], object]) -> tuple:
    inner = _unwrap(node)
    if inner.data == "function_call" and name_of(subtrees(inner)[0]) == "optional":
        arguments = next((c for c in subtrees(inner) if c.data == "arguments"), None)
        args = subtrees(arguments) if arguments is not None else []
        default = evaluate(args[1]) if len(args) > 1 else None
        return (parse_type(args[0], evaluate) if args else "any", True, default)
    return (parse_type(node, evaluate), False, None)


def convert(value: object, spec: TypeSpec) -> object:
    """The value as the type constraint makes it; values that do not fit are left as they are."""
    if value is None or is_unknown(value) or spec == "any":
        return value
    if spec == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return value
    if spec == "number" and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() else number
    if spec == "bool" and value in ("true", "false"):
        return value == "true"
    if not isinstance(spec, tuple):
        return value
    kind = spec[0]
    if kind in ("list", "set") and isinstance(value, list):
        converted = [convert(element, spec[1]) for element in value]
        if kind == "set" and all(isinstance(e, str) for e in converted):
            return sorted(set(converted))  # type: ignore[type-var]
        return converted
    if kind == "map" and isinstance(value, dict):
        return {key: convert(element, spec[1]) for key, element in value.items()}
    if kind == "tuple" and isinstance(value, list):
        return [convert(e, t) for e, t in zip(value, spec[1])] + value[len(spec[1]) :]
    if kind == "object" and isinstance(value, dict):
        result = {}
        for name, (attribute_type, is_optional, default) in spec[1].items():
            if name in value and value[name] is not None:
                result[name] = convert(value[name], attribute_type)
            elif is_optional or name in value:
                result[name] = convert(default, attribute_type) if default is not None else None
        return result
    return value
