"""What every parser is told about the run: the account, the project root, user-given values."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Mapping, Protocol

from credmint.analyzer.inventory import CURRENT_ACCOUNT, Value
from credmint.parsers.limits import Limits


class UnreadBlocks(Protocol):
    """The run's check of the Terraform blocks it leaves unparsed (parsers/terraform/unread.py)."""

    def add(self, text: str) -> None:
        """Blocks left unparsed: they must be known to parse before the run answers."""

    def failed(self) -> None:
        """A block left unparsed failed to parse when it was read at last."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ParseContext:
    """Settings shared by the parsers of one run.

    `root` is the project root (CONTRACT.md): nothing outside it is ever read, and reported file
    paths are relative to it.
    """

    root: Path
    account_id: str | None = None
    partition: str = "aws"
    region: str | None = None
    config_dir: Path | None = None
    """`--config-dir`: the `.tf` configuration of a Terraform plan JSON (parsers/terraform_plan)."""
    variables: Mapping[str, str] = field(default_factory=dict)
    """Terraform `--var NAME=VALUE` values (raw strings, as `terraform plan -var` takes them)."""
    var_files: tuple[Path, ...] = ()
    workspace: str | None = None
    """`--workspace` (or TF_WORKSPACE): `terraform.workspace`; unknown, a choice, when not given."""
    parameters: Mapping[str, str] = field(default_factory=dict)
    """CloudFormation `--parameter NAME=VALUE` values."""
    stack_name: str | None = None
    parse_cache: Path | None = None
    """Folder of the disk cache of parse trees; None (`--no-cache`) parses every file afresh."""
    account_map: tuple[tuple[Path, str], ...] = ()
    """`--account-map PATH=ACCOUNT`: the account that templates under PATH deploy into."""
    limits: Limits = field(default_factory=Limits)
    """Bounds on hostile input (parsers/limits.py), checked in credmint.parsers.detect before parsing."""
    aws_policies: Callable[[str], tuple[str, str] | None] | None = None
    """AWS managed policies by name or ARN → (ARN, document JSON): the analyzer's snapshot
    (credmint.analyzer.managed.aws_policy), handed in by the CLI since parsers import no analyzer module.
    Terraform's `data "aws_iam_policy"` and SAM's `Policies: [Name]` read it."""

    def managed_policy_arn(self, name: str) -> str | None:
        """The ARN, path included, of the AWS managed policy called `name`, when the snapshot has it."""
        found = self.aws_policies(name) if self.aws_policies is not None else None
        return found[0] if found is not None else None
    refused: frozenset[Path] = frozenset()
    """Resolved files the boundary refused (and reported): no parser may read them."""
    unread: UnreadBlocks | None = field(default=None, compare=False)
    """The run's check of the Terraform blocks it leaves unparsed (parsers/terraform/lazy.py); None
    parses every block at once."""

    @property
    def account(self) -> Value:
        """The deploying account: the given id, else the symbolic current account."""
        return self.account_id if self.account_id else CURRENT_ACCOUNT

    def for_path(self, path: Path) -> "ParseContext":
        """This context with the account `--account-map` gives `path` (the longest prefix wins)."""
        resolved = path.resolve()
        matches = [
            (len(prefix.resolve().parts), account)
            for prefix, account in self.account_map
            if resolved == prefix.resolve() or prefix.resolve() in resolved.parents
        ]
        if not matches:
            return self
        return replace(self, account_id=max(matches)[1])

    def relative(self, path: Path) -> str:
        """The repo-relative POSIX path that sources and diagnostics carry."""
        try:
            return path.resolve().relative_to(self.root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    def is_inside_root(self, path: Path) -> bool:
        """True when `path`, symlinks resolved, stays inside the project root and was not refused.

        Every parser asks this before reading a file, so a file `credmint.parsers.detect` refused (too big,
        too deep, not a regular file) is skipped there without a second diagnostic.
        """
        resolved = path.resolve()
        if resolved in self.refused:
            return False
        try:
            resolved.relative_to(self.root.resolve())
        except ValueError:
            return False
        return True
