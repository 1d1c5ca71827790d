"""Module calls: local sources are read and evaluated as child instances; others stay unknown.

Registry and git sources are never downloaded (DESIGN.md, "Untrusted input"): the call gets a
warning and every output read from it is an `Unknown` named `module.NAME.OUTPUT`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator

from credmint.analyzer.inventory import DiagnosticLevel, Unknown
from credmint.parsers.terraform.blocks import BlockView
from credmint.parsers.terraform.evaluator import evaluate
from credmint.parsers.terraform.scope import Namespace, RegexTime
from credmint.parsers.terraform.hcl import Block
from credmint.parsers.terraform.module import (
    MISSING,
    Instance,
    ModuleFiles,
    ModuleInstance,
    load_directory,
)
from credmint.parsers.terraform.expansion import expand, instances_of
from credmint.parsers.terraform.providers import passed_configurations
from credmint.parsers.terraform.values import EvalError

MAX_DEPTH = 16
"""Module nesting bound: a module that calls itself must not recurse forever."""
MAX_MODULE_INSTANCES = 1_000
"""Module instances one root module may create: a module calling itself with `count = 2` would
otherwise make 2**16 (issue 9, bounded input). Past it, calls are unanalysed and it is an error."""

_META_ARGUMENTS = {"source", "version", "count", "for_each", "providers", "depends_on"}


class ModuleObject(Namespace):
    """What `module.NAME` (one instance) evaluates to: its outputs, read when referenced."""

    def __init__(self, address: str, child: ModuleInstance | None) -> None:
        self.address = address
        self.child = child

    def attr(self, name: str) -> object:
        child = self.child
        if child is None:
            return Unknown(f"{self.address}.{name}", "module source not analysed")
        block = child.files.outputs.get(name)
        if block is None:
            raise EvalError(f"{self.address} has no output {name!r}")
        attribute = block.attributes.get("value")
        if attribute is None:
            return None
        return evaluate(attribute.expression, block.file_of("value"), child.scope)


class Loader:
    """Creates child module instances for a run, parsing each module directory once."""

    def __init__(self, instantiated: set[Path] | None = None) -> None:
        self._files: dict[Path, ModuleFiles] = {}
        self.instances = 0
        self.instantiated = set() if instantiated is None else instantiated
        """Resolved folders of the modules instances were made of: the others are roots (roots.py)."""
        self.regex = RegexTime()
        """The root module's time for regular expressions, over every read of it."""

    def fresh(self) -> "Loader":
        """A loader for another read of the same run: its own instance count, the same files
        and the same time for regular expressions."""
        other = Loader(self.instantiated)
        other._files = self._files
        other.regex = self.regex
        return other

    def files(self, directory: Path, ctx) -> ModuleFiles:  # type: ignore[no-untyped-def]
        key = directory.resolve()
        if key not in self._files:
            self._files[key] = load_directory(directory, ctx)
        return self._files[key]

    def __call__(self, parent: ModuleInstance, name: str, block: Block) -> object:
        view = BlockView(block, parent.scope)
        source = view.get("source")
        base = f"{parent.prefix}module.{name}"
        directory, why = _local_directory(parent, source)
        if directory is not None and parent.depth >= MAX_DEPTH:
            directory, why = None, "modules nested too deeply"
        if directory is None:
            parent.report(
                DiagnosticLevel.WARNING,
                f"{base} not analysed ({why}); its outputs are unknown",
                block.file.rel,
                block.line,
            )
            return expand(parent, block, base, lambda address, bindings: ModuleObject(address, None))
        files = self.files(directory, parent.ctx)
        for diagnostic in files.diagnostics:
            parent.report(diagnostic.level, diagnostic.message, diagnostic.file, diagnostic.line)

        def make(address: str, bindings: dict) -> ModuleObject:
            self.instantiated.add(directory.resolve())
            self.instances += 1
            if self.instances > MAX_MODULE_INSTANCES:
                if self.instances == MAX_MODULE_INSTANCES + 1:
                    parent.report(DiagnosticLevel.ERROR, f"{address}: more than {MAX_MODULE_INSTANCES} module "
                                  "instances; the rest are not analysed", block.file.rel, block.line)
                return ModuleObject(address, None)
            call = BlockView(block, parent.scope.child(bindings))

            def inputs(variable: str) -> object:
                if variable in _META_ARGUMENTS or not call.has(variable):
                    return MISSING
                return call.get(variable)

            def is_chosen(variable: str) -> bool:
                argument = block.attributes.get(variable)
                return (variable not in _META_ARGUMENTS and argument is not None
                        and parent.choices.depends(argument.expression))

            def passed(variable: str) -> str | None:
                """The caller's choice a variable hands on unchanged (`x = var.x`): one choice
                however many modules it is passed to."""
                argument = block.attributes.get(variable)
                if variable in _META_ARGUMENTS or argument is None:
                    return None
                handed = _PASSED_ON.fullmatch(block.file.snippet(argument.expression).strip())
                if handed is None or not parent.choices.depends(argument.expression):
                    return None
                return parent.choices.key(handed.group(1))

            child = ModuleInstance(
                files,
                parent.ctx,
                prefix=address + ".",
                inputs=inputs,
                diagnostics=parent.diagnostics,
                depth=parent.depth + 1,
                loader=self,
                root_directory=parent.root_directory,
                budget=parent.budget,
                providers=passed_configurations(parent, block),
                reported=parent.reported,
                world=parent.choices.world,
                is_chosen=is_chosen,
                passed=passed,
            )
            return ModuleObject(address, child)

        return expand(parent, block, base, make)


_PASSED_ON = re.compile(r"var\.([A-Za-z_][A-Za-z0-9_-]*)")


def _local_directory(parent: ModuleInstance, source: object) -> tuple[Path | None, str]:
    """The directory of a `./` or `../` source inside the project root, or why there is none."""
    if not isinstance(source, str) or not source.startswith(("./", "../")):
        return None, f"source {source} is not a local path; not downloaded"
    directory = parent.files.directory / source
    if not parent.ctx.is_inside_root(directory):
        return None, f"source {source} is outside the project root"
    if not directory.is_dir():
        return None, f"source {source} does not exist"
    return directory, ""


def all_instances(module: ModuleInstance) -> Iterator[Instance]:
    """Resource instances of a module and of every module it calls, depth first."""
    yield from module.instances()
    for name in module.files.modules:
        value = module.module_value(name)
        for obj in instances_of(value, ModuleObject):
            if obj.child is not None:
                yield from all_instances(obj.child)
