"""Which conditions of a module depend on a choice made at deploy time (issue 13 §11).

A deployer chooses `terraform.workspace` (unless `--workspace` gives it) and every root variable
that the scanned tfvars and `--var` leave to its default or unset. A called module's variable is a
choice when the caller's argument depends on one; a local when its expression does. A conditional
over such a value is read both ways (parsers/worlds.py). References through resource attributes
are not followed: a name built from a variable is not a condition.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Callable, Iterator, Optional

from lark import Tree

from credmint.parsers.terraform.hcl import SourceFile, name_of, subtrees
from credmint.parsers.worlds import World

if TYPE_CHECKING:
    from credmint.parsers.terraform.interfaces import ModuleInstance


def reads_iam(type_: str) -> bool:
    """Resource and data types whose instances the inventory reads (IAM, organisation SCPs)."""
    return type_.startswith(("aws_iam_", "aws_organizations_"))


def references(node: Tree) -> Iterator[tuple[str, str]]:
    """`(namespace, name)` of every `var.X`, `local.X`, `terraform.X` the expression reads."""
    for tree in node.iter_subtrees():
        if tree.data != "get_attr_expr_term":
            continue
        base, attribute = subtrees(tree)[:2]
        parts = subtrees(base) if base.data == "expr_term" else [base]
        names = subtrees(attribute)
        if len(parts) == 1 and parts[0].data == "identifier" and names:
            yield name_of(parts[0]), name_of(names[0])


class Choices:
    """Decides the conditionals of one module instance in the run's current world."""

    def __init__(self, module: ModuleInstance, world: Optional[World],
                 is_chosen: Callable[[str], bool],
                 passed: Callable[[str], Optional[str]] = lambda name: None) -> None:
        self.module = module
        self.world = world
        self.is_chosen = is_chosen
        """Whether a variable's value is a deployer's choice."""
        self.passed = passed
        """The caller's key of a choice a variable receives unchanged (`x = var.x`), else None."""
        self._memo: dict[int, frozenset[str]] = {}
        self._locals: dict[str, frozenset[str]] = {}
        self._muted = 0

    @contextmanager
    def muted(self) -> Iterator[None]:
        """While a block that reads nothing IAM expands (`count` of a VPC), its conditions keep
        their default: which world it is in changes no grant, and counting them would spend the
        bound on worlds (parsers/worlds.py) on nothing."""
        self._muted += 1
        try:
            yield
        finally:
            self._muted -= 1

    def decide(self, node: Tree, file: SourceFile, decided: Optional[bool]) -> Optional[bool]:
        """`decided` (the condition's value), or the world's choice for it when it is one."""
        if self.world is None or self._muted or not self.depends(node):
            return decided
        text = file.snippet(node).strip()
        where = self.module.files.rel if self.module.prefix and not self._reads_root_only(node) else ""
        suffix = f" (module {where})" if where else ""
        return self.world.decide(f"{text}{suffix}", decided, f"!({text}){suffix}", self.reads(node))

    def is_chosen_otherwise(self, variable: str) -> bool:
        """Is the variable read by a condition the current world decides against its default?"""
        return self.world is not None and self.key(variable) in self.world.chosen_otherwise

    def key(self, variable: str) -> str:
        """A chosen variable's name in the worlds: the root's own (`var.X`), the caller's when it
        is handed on unchanged, else the module's."""
        if not self.module.prefix:
            return f"var.{variable}"
        return self.passed(variable) or f"{self.module.files.rel}|var.{variable}"

    def _reads_root_only(self, node: Tree) -> bool:
        """Does the condition read nothing but the workspace and root variables handed on under
        their own names? Then its text means in this module what it means in the root: the same
        condition wherever it is written (AFT passes `terraform_distribution` to several modules,
        each testing `var.terraform_distribution == "oss"`: one choice, not one per module)."""
        found = list(references(node))
        return bool(found) and all(
            (namespace, name) == ("terraform", "workspace")
            or (namespace == "var" and self.key(name) == f"var.{name}")
            for namespace, name in found
        )

    def depends(self, node: Tree) -> bool:
        """Does the expression read a value the deployer chooses?"""
        return bool(self.reads(node))

    def reads(self, node: Tree) -> frozenset[str]:
        """The chosen values the expression reads (`terraform.workspace`, variables by `key`)."""
        if id(node) not in self._memo:
            self._memo[id(node)] = frozenset(
                name for ns, attribute in references(node) for name in self._choices(ns, attribute))
        return self._memo[id(node)]

    def _choices(self, namespace: str, name: str) -> frozenset[str]:
        if namespace == "terraform":
            is_chosen = name == "workspace" and self.module.ctx.workspace is None
            return frozenset({"terraform.workspace"}) if is_chosen else frozenset()
        if namespace == "var":
            is_chosen = name in self.module.files.variables and self.is_chosen(name)
            return frozenset({self.key(name)}) if is_chosen else frozenset()
        if namespace == "local" and name in self.module.files.locals:
            if name not in self._locals:
                self._locals[name] = frozenset()  # a cycle of locals is reported elsewhere
                _, expression, _ = self.module.files.locals[name]
                self._locals[name] = self.reads(expression)  # type: ignore[arg-type]
            return self._locals[name]
        return frozenset()
