"""What the helpers of module.py need of a module instance and a resource object (issue 19 §2).

module.py builds on attributes, choices, expansion, files, policy_document and providers; they only
call back into the instance they are given. Naming that call-back here, below all of them, keeps the
imports one way: module → helpers → interfaces.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from credmint.analyzer.inventory import DiagnosticLevel, Source
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform.blocks import BlockView
from credmint.parsers.terraform.hcl import Block, SourceFile
from credmint.parsers.terraform.scope import Budget, Scope


class ModuleFiles(Protocol):
    """The files of one module folder (`module.ModuleFiles`)."""

    directory: Path
    rel: str
    variables: dict[str, Block]
    locals: dict[str, tuple[SourceFile, object, int]]


class ModuleInstance(Protocol):
    """One instance of a module (`module.ModuleInstance` is the one there is)."""

    files: ModuleFiles
    ctx: ParseContext
    prefix: str
    root_directory: Path
    budget: Budget
    scope: Scope

    def report(self, level: DiagnosticLevel, message: str, file: str, line: int) -> None:
        """A diagnostic of this instance."""

    def warn(self, message: str, source: Source) -> None:
        """A warning diagnostic at a source."""

    def context_for(self, key: str) -> ParseContext:
        """The context of the provider configuration `key` (its account, region, partition)."""

    def constants(self) -> Scope:
        """A scope for constants (variable defaults, tfvars, `--var`): functions but no references."""


class ResourceObject(Protocol):
    """One resource or data source instance (`module.ResourceObject`)."""

    kind: str
    type: str
    address: str
    view: BlockView

    @property
    def ctx(self) -> ParseContext:
        """The run's context with the account of this instance's provider configuration."""

    def config(self, name: str) -> object:
        """A configured argument's value (None when not set)."""
