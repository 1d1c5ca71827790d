"""A block's arguments and nested blocks as Terraform sees them: evaluated, `dynamic` expanded."""

from __future__ import annotations

from typing import Optional

from lark import Tree

from credmint.analyzer.inventory import Source, Unknown
from credmint.parsers.terraform.evaluator import evaluate, items
from credmint.parsers.terraform.scope import Scope
from credmint.parsers.terraform.hcl import Block, subtrees
from credmint.parsers.terraform.templates import UnknownTemplate
from credmint.parsers.terraform.values import EvalError, is_unknown

MISSING = object()
"""An argument the block does not set."""

MAX_DYNAMIC = 1_000
"""Bound on blocks one `dynamic` block expands to."""


class BlockView:
    """A block with the scope its expressions are evaluated in (`each`, `count`, iterators)."""

    def __init__(self, block: Block, scope: Scope) -> None:
        self.block = block
        self.scope = scope
        self._values: dict[str, object] = {}

    @property
    def line(self) -> int:
        return self.block.line

    @property
    def source(self) -> Source:
        return Source(file=self.block.file.rel, line=self.block.line)

    def has(self, name: str) -> bool:
        return name in self.block.attributes

    def get(self, name: str, default: object = None) -> object:
        """The argument's value, evaluated once; `default` when the block does not set it."""
        attribute = self.block.attributes.get(name)
        if attribute is None:
            return default
        if name not in self._values:
            self._values[name] = evaluate(attribute.expression, self.block.file_of(name), self.scope)
        return self._values[name]

    def line_of(self, name: str) -> int:
        attribute = self.block.attributes.get(name)
        return attribute.line if attribute else self.block.line

    def literal_line(self, name: str) -> Optional[int]:
        """The file line where a JSON text literal's first line is written, when it is a literal.

        A heredoc's text starts on the line after `<<EOF`; a quoted string on its own line.
        """
        attribute = self.block.attributes.get(name)
        if attribute is None or self.block.file_of(name).line_map:
            return None  # a `.tf.json` string is one line of its file, whatever lines its text has
        node: Tree = attribute.expression
        while node.data == "expr_term" and len(subtrees(node)) == 1:
            node = subtrees(node)[0]
        if node.data in ("heredoc_template", "heredoc_template_trim"):
            if "%{" in str(node.children[0]).replace("%%{", ""):
                return None  # directives add or drop lines: the text's lines are not the file's
            return self.block.file_of(name).line(node) + 1
        if node.data == "string":
            # `"${var.policy}"` is another text, with lines of its own; `"...\n..."` too.
            text = self.block.file_of(name).snippet(node).replace("$${", "")
            return None if "${" in text or "\\n" in text else self.block.file_of(name).line(node)
        return None

    def source_of(self, name: str) -> Source:
        return Source(file=self.block.file_of(name).rel, line=self.line_of(name))

    def blocks(self, type_: str) -> list["BlockView"]:
        """Nested blocks of this type, static and `dynamic`, in source order."""
        result = []
        for nested in self.block.blocks:
            if nested.type == type_:
                result.append(BlockView(nested, self.scope))
            elif nested.type == "dynamic" and nested.labels == (type_,):
                result.extend(self._expand(nested, type_))
        return result

    def _expand(self, dynamic: Block, type_: str) -> list["BlockView"]:
        content = next((b for b in dynamic.blocks if b.type == "content"), None)
        if content is None:
            return []
        iterator = type_
        if "iterator" in dynamic.attributes:
            iterator = dynamic.file.snippet(dynamic.attributes["iterator"].expression).strip('"')
        for_each_attr = dynamic.attributes.get("for_each")
        collection = (
            evaluate(for_each_attr.expression, dynamic.file, self.scope) if for_each_attr else []
        )
        if is_unknown(collection):
            # Not known before apply: one block whose every iterator-derived value is unknown,
            # so that what it would grant stays visible (and uncertain) rather than dropped.
            reason = f"dynamic {type_!r} over {collection} not known before apply"
            element = {
                "key": Unknown(f"{iterator}.key", reason),
                "value": Unknown(f"{iterator}.value", reason),
            }
            return [BlockView(content, self.scope.child({iterator: element}))]
        try:
            pairs = items(collection)
        except (UnknownTemplate, EvalError):
            return []
        return [
            BlockView(content, self.scope.child({iterator: {"key": key, "value": value}}))
            for key, value in pairs[:MAX_DYNAMIC]
        ]
