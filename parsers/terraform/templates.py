"""String templates: quoted strings and heredocs, with `${...}` and `%{...}` directives.

python-hcl2 parses quoted strings into parts but leaves a heredoc as one token, so heredocs are
split here and their interpolations parsed as expressions. Both become the same small template tree,
rendered by `render` with the evaluator's callbacks.
"""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from typing import Callable, Union

from lark import Token, Tree

from credmint.parsers.terraform.hcl import ParseFailure, SourceFile, name_of, parse_expression, subtrees, unescape
from credmint.parsers.terraform.values import EvalError


@dataclass
class Interp:
    expression: Tree
    file: SourceFile


@dataclass
class IfNode:
    condition: Tree
    file: SourceFile
    then: list["Node"] = field(default_factory=list)
    otherwise: list["Node"] = field(default_factory=list)


@dataclass
class ForNode:
    names: tuple[str, ...]
    collection: Tree
    file: SourceFile
    body: list["Node"] = field(default_factory=list)


Node = Union[str, Interp, IfNode, ForNode]


@dataclass
class _Flat:
    """A directive or interpolation before nesting: kind, payload, strip markers."""

    kind: str
    expression: Tree | None = None
    file: SourceFile | None = None
    names: tuple[str, ...] = ()
    strip_before: bool = False
    strip_after: bool = False


def from_string(node: Tree, file: SourceFile) -> list[Node]:
    """The template of a quoted string node."""
    flat: list[Union[str, _Flat]] = []
    for part in node.children:
        if isinstance(part, Token):
            continue
        child = part.children[0]
        if isinstance(child, Token):
            text = str(child)
            if child.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                flat.append(text[1:])  # `$${` is a literal `${`
            else:
                flat.append(unescape(text))
        else:
            flat.append(_flat_from_tree(child, file))
    return _nest(_strip(flat))


def _flat_from_tree(node: Tree, file: SourceFile) -> _Flat:
    tokens = [c for c in node.children if isinstance(c, Token)]
    strips = [t for t in tokens if t.type == "STRIP_MARKER"]
    opening = next((t for t in tokens if t.type in ("INTERP_START", "DIRECTIVE_START")), None)
    strip_before = bool(strips) and opening is not None and strips[0].start_pos == opening.end_pos
    strip_after = bool(strips) and (len(strips) == 2 or not strip_before)
    expressions = [c for c in subtrees(node) if c.data != "identifier"]
    expression = expressions[0] if expressions else None
    kind = {
        "interpolation": "interp",
        "template_if_start": "if",
        "template_else": "else",
        "template_endif": "endif",
        "template_for_start": "for",
        "template_endfor": "endfor",
    }[node.data]
    names = tuple(name_of(c) for c in subtrees(node) if c.data == "identifier")
    return _Flat(kind, expression, file, names, strip_before, strip_after)


def from_heredoc(token: str, file: SourceFile, line: int) -> list[Node]:
    """The template of a heredoc token (`<<EOF` or `<<-EOF`) written at `line`."""
    lines = token.split("\n")
    body = lines[1:-2] if lines[-1] == "" else lines[1:-1]
    if token.startswith("<<-"):
        indents = [len(x) - len(x.lstrip(" \t")) for x in body if x.strip()]
        cut = min(indents, default=0)
        body = [x[cut:] for x in body]
    return from_text("".join(x + "\n" for x in body), file, line + 1)


def from_text(text: str, file: SourceFile, first_line: int) -> list[Node]:
    """The template of raw text (a heredoc's body, a `templatefile()` file)."""
    return _nest(_strip(_split_heredoc(text, file, first_line)))


_SEQUENCE_START = re.compile(r"\$\$\{|%%\{|\$\{|%\{")
"""Where a template sequence (`${`, `%{`) or its escape (`$${`, `%%{`) starts; the text between
is literal and is copied whole rather than a character at a time."""


def _split_heredoc(text: str, file: SourceFile, first_line: int) -> list[Union[str, _Flat]]:
    flat: list[Union[str, _Flat]] = []
    literal = ""
    i = 0
    while (found := _SEQUENCE_START.search(text, i)) is not None:
        literal += text[i : found.start()]
        i = found.start()
        if found.group() in ("$${", "%%{"):
            literal += text[i + 1 : i + 3]
            i += 3
            continue
        end = _closing_brace(text, i + 2)
        if end < 0:
            raise EvalError("unterminated template sequence in heredoc")
        line = first_line + text.count("\n", 0, i)
        if literal:
            flat.append(literal)
            literal = ""
        flat.append(_flat_from_text(text[i], text[i + 2 : end], file, line))
        i = end + 1
    literal += text[i:]
    if literal:
        flat.append(literal)
    return flat


def _closing_brace(text: str, start: int) -> int:
    """Index of the `}` closing a template sequence, skipping nested braces and strings."""
    depth = 0
    i = start
    while i < len(text):
        char = text[i]
        if char == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif char == "{":
            depth += 1
        elif char == "}":
            if depth == 0:
                return i
            depth -= 1
        i += 1
    return -1


def _flat_from_text(sigil: str, inner: str, file: SourceFile, line: int) -> _Flat:
    strip_before = inner.startswith("~")
    strip_after = inner.endswith("~")
    inner = inner[1 if strip_before else 0 : len(inner) - 1 if strip_after else len(inner)].strip()
    try:
        if sigil == "$":
            sub, tree = parse_expression(inner, file.rel, line)
            return _Flat("interp", tree, sub, (), strip_before, strip_after)
        keyword, _, rest = inner.partition(" ")
        if keyword in ("else", "endif", "endfor"):
            return _Flat(keyword, None, None, (), strip_before, strip_after)
        if keyword == "if":
            sub, tree = parse_expression(rest, file.rel, line)
            return _Flat("if", tree, sub, (), strip_before, strip_after)
        if keyword == "for":
            names_text, _, collection = rest.partition(" in ")
            names = tuple(n.strip() for n in names_text.split(","))
            sub, tree = parse_expression(collection, file.rel, line)
            return _Flat("for", tree, sub, names, strip_before, strip_after)
    except ParseFailure as problem:
        raise EvalError(f"cannot parse template sequence at line {line}: {problem}") from None
    raise EvalError(f"unknown template directive {keyword!r}")


def _strip(flat: list[Union[str, _Flat]]) -> list[Union[str, _Flat]]:
    """Apply `~` strip markers to the neighbouring literal text."""
    out = list(flat)
    for index, item in enumerate(out):
        if not isinstance(item, _Flat):
            continue
        if item.strip_before and index > 0 and isinstance(out[index - 1], str):
            out[index - 1] = out[index - 1].rstrip()  # type: ignore[union-attr]
        if item.strip_after and index + 1 < len(out) and isinstance(out[index + 1], str):
            out[index + 1] = out[index + 1].lstrip()  # type: ignore[union-attr]
    return out


def _nest(flat: list[Union[str, _Flat]]) -> list[Node]:
    """Turn the flat sequence into nested if/for nodes."""
    root: list[Node] = []
    stack: list[tuple[Union[IfNode, ForNode], list[Node]]] = []
    current = root
    for item in flat:
        if isinstance(item, str):
            if item:
                current.append(item)
        elif item.kind == "interp":
            current.append(Interp(item.expression, item.file))  # type: ignore[arg-type]
        elif item.kind == "if":
            node: Union[IfNode, ForNode] = IfNode(item.expression, item.file)  # type: ignore[arg-type]
            current.append(node)
            stack.append((node, current))
            current = node.then
        elif item.kind == "for":
            node = ForNode(item.names, item.expression, item.file)  # type: ignore[arg-type]
            current.append(node)
            stack.append((node, current))
            current = node.body
        elif item.kind == "else":
            if not stack or not isinstance(stack[-1][0], IfNode):
                raise EvalError("%{else} without %{if}")
            current = stack[-1][0].otherwise
        else:
            if not stack:
                raise EvalError(f"%{{{item.kind}}} without an opening directive")
            current = stack.pop()[1]
    if stack:
        raise EvalError("template directive not closed")
    return root


def keeps_lines(nodes: list[Node]) -> bool:
    """True when the rendered text has the template's lines (no `%{if}`/`%{for}` to add or drop
    any), so a line of the result is a line of the source."""
    return not any(isinstance(node, (IfNode, ForNode)) for node in nodes)


Evaluate = Callable[[Tree, SourceFile, dict], object]
"""Evaluate an expression with extra bindings (the template's for-loop names)."""


def render(
    nodes: list[Node],
    evaluate: Evaluate,
    bindings: dict,
    text_of: Callable[[object, Tree, SourceFile], object],
    iterate: Callable[[object], list[tuple[object, object]]],
    truth: Callable[[object], object],
) -> list[object]:
    """The string parts the template produces (known strings, `Unknown`s, `Text`s)."""
    out: list[object] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, Interp):
            value = evaluate(node.expression, node.file, bindings)
            out.append(text_of(value, node.expression, node.file))
        elif isinstance(node, IfNode):
            condition = truth(evaluate(node.condition, node.file, bindings))
            if condition is None:
                raise UnknownTemplate(node.file.snippet(node.condition))
            branch = node.then if condition else node.otherwise
            out.extend(render(branch, evaluate, bindings, text_of, iterate, truth))
        else:
            collection = evaluate(node.collection, node.file, bindings)
            for key, value in iterate(collection):
                names = node.names
                inner = dict(bindings)
                if len(names) == 2:
                    inner[names[0]], inner[names[1]] = key, value
                else:
                    inner[names[0]] = value
                out.extend(render(node.body, evaluate, inner, text_of, iterate, truth))
    return out


class UnknownTemplate(Exception):
    """An `%{if}` condition or `%{for}` collection not known: the template's result is unknown."""
