"""The `.tf` configuration behind a plan, evaluated by the HCL parser with the plan's variables.

Issue 6 §2: where the plan leaves a value unknown (a trust policy whose `jsonencode` names a new
user's ARN), the HCL parser can often compute it (it knows ARNs from names); and every plan
address gets the file:line of its block. The HCL parser's own machinery is used, not repeated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel
from credmint.parsers.terraform_files import config_files
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform.module import MISSING, ModuleInstance, ResourceObject
from credmint.parsers.terraform.modules import Loader, all_instances
from credmint.parsers.terraform_plan.addresses import config_address, wildcard_address


class SourceConfig:
    """HCL resource instances by address, for filling plan values and citing lines."""

    def __init__(self, directory: Path, rel: str) -> None:
        self.directory = directory
        self.rel = rel
        self.instances: dict[str, ResourceObject] = {}
        self.by_config: dict[str, ResourceObject] = {}
        self.diagnostics: list[Diagnostic] = []

    def values_of(self, address: str) -> ResourceObject | None:
        """The HCL instance with this address (or its `for_each` not expanded before apply)."""
        return self.instances.get(address) or self.instances.get(wildcard_address(address))

    def block_of(self, address: str) -> ResourceObject | None:
        """Any instance of the same block: its lines are the same whatever the instance key."""
        return self.values_of(address) or self.by_config.get(config_address(address))


def config_directory(plan_path: Path, ctx: ParseContext) -> Path | None:
    """`--config-dir`, else the plan's own folder when it holds configuration files (`.tf`, `.tofu`...)."""
    if ctx.config_dir is not None:
        return ctx.config_dir
    folder = plan_path.parent
    return folder if config_files(folder).all else None


def load_source_config(
    directory: Path, ctx: ParseContext, variables: Mapping[str, object]
) -> SourceConfig:
    """Evaluate the root module in `directory` with the plan's input variable values."""
    config = SourceConfig(directory, ctx.relative(directory))
    if not directory.is_dir():
        config.diagnostics.append(
            _error(config.rel, f"--config-dir {config.rel} is not a directory")
        )
        return config
    if not ctx.is_inside_root(directory):
        config.diagnostics.append(
            _error(
                config.rel, f"--config-dir {directory} leads outside the project root {ctx.root}"
            )
        )
        return config
    # Every block parsed: a plan's object of any type takes its values and lines from its instance,
    # and a lazy run's unparsed blocks have none (parsers/terraform/lazy.py, `instances`).
    ctx = replace(ctx, unread=None)
    loader = Loader()
    files = loader.files(directory, ctx)
    diagnostics: list[Diagnostic] = list(files.diagnostics)
    root = ModuleInstance(files, ctx, diagnostics=diagnostics, loader=loader)
    root.inputs = lambda name: variables.get(name, MISSING)
    for instance in all_instances(root):
        config.instances.setdefault(instance.address, instance.object)
        config.by_config.setdefault(config_address(instance.address), instance.object)
    config.diagnostics = diagnostics
    return config


def plan_variables(data: Mapping[str, object]) -> dict[str, object]:
    """The root module's input values the plan was made with (`variables.NAME.value`)."""
    given = data.get("variables")
    if not isinstance(given, Mapping):
        return {}
    return {
        str(name): entry["value"]
        for name, entry in given.items()
        if isinstance(entry, Mapping) and "value" in entry
    }


def _error(rel: str, message: str) -> Diagnostic:
    return Diagnostic(level=DiagnosticLevel.ERROR, message=message, file=rel, line=0)
