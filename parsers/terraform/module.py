"""One module instance: its files, variables, locals, resources and module calls, as references see them.

A module instance is the evaluation context of its expressions (`var`, `local`, `data`, resource
types, `module`, `path`). Everything is computed lazily and once, so locals may be written in any
order; a cycle is reported instead of recursing forever.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Mapping, Optional

from lark import Tree

from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel, Source, Unknown
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform import attributes
from credmint.parsers.terraform.blocks import BlockView
from credmint.parsers.terraform.choices import Choices, reads_iam
from credmint.parsers.terraform.evaluator import evaluate
from credmint.parsers.terraform.expansion import expand, instances_of
from credmint.parsers.terraform.files import FILE_FUNCTIONS
from credmint.parsers.terraform.functions import NOT_A_FUNCTION, call_function
from credmint.parsers.terraform.parse_cache import cache_of
from credmint.parsers.terraform.hcl import Block, ParseFailure, SourceFile, parse_expression
from credmint.parsers.terraform.lazy import Entry, Pending, block_of, position, read_blocks
from credmint.parsers.terraform.overrides import merge_block, override_key
from credmint.parsers.terraform_files import config_files
from credmint.parsers.terraform.providers import DEFAULT, own_configurations, provider_key
from credmint.parsers.terraform.scope import Budget, Call, Namespace, Scope, charge_text
from credmint.parsers.terraform.types import TypeSpec, convert, parse_type
from credmint.parsers.terraform.values import EvalError
from credmint.parsers.worlds import World

_IN_PROGRESS = object()
WORKSPACE = Unknown("terraform.workspace", "the Terraform workspace (--workspace)", generated=True)


@dataclass
class ModuleFiles:
    """The top-level blocks of one directory's `.tf` files, by kind; resources and data sources
    the analysis may never read are left unparsed (lazy.py)."""

    directory: Path
    rel: str
    variables: dict[str, Block] = field(default_factory=dict)
    locals: dict[str, tuple[SourceFile, object, int]] = field(default_factory=dict)
    resources: dict[tuple[str, str], Entry] = field(default_factory=dict)
    data: dict[tuple[str, str], Entry] = field(default_factory=dict)
    modules: dict[str, Block] = field(default_factory=dict)
    outputs: dict[str, Block] = field(default_factory=dict)
    providers: list[Block] = field(default_factory=list)
    """`provider "aws"` blocks."""
    diagnostics: list[Diagnostic] = field(default_factory=list)


def load_directory(directory: Path, ctx: ParseContext) -> ModuleFiles:
    """Parse the configuration files of a directory (parsers/terraform_files.py: `.tf`, `.tf.json`,
    `.tofu`), then merge its override files into them; an unreadable or invalid file is an error
    diagnostic."""
    module = ModuleFiles(directory=directory, rel=ctx.relative(directory))
    found = config_files(directory)
    for path in found.all:
        for entry in _read(module, path, ctx):
            if path in found.overrides:
                _override(module, entry)
            else:
                _collect(module, entry)
    return module


def _read(module: ModuleFiles, path: Path, ctx: ParseContext) -> list[Entry]:
    if not ctx.is_inside_root(path):
        if path.resolve() not in ctx.refused:  # else refused (and reported) at the boundary by credmint.parsers.detect
            module.diagnostics.append(Diagnostic(
                level=DiagnosticLevel.WARNING, file=(Path(module.rel) / path.name).as_posix(), line=0,
                message="leads outside the project root (symlink); not read",
            ))
        return []
    rel = ctx.relative(path)
    try:
        return read_blocks(path, rel, cache_of(ctx), ctx.unread)
    except ParseFailure as problem:
        module.diagnostics.append(_error(rel, problem.line, f"cannot parse HCL: {problem}"))
    except (OSError, UnicodeError) as problem:
        module.diagnostics.append(_error(rel, 0, f"cannot read file: {problem}"))
    return []


def _override(module: ModuleFiles, entry: Entry) -> None:
    """Merge one block of an override file into the block it overrides (overrides.py); both are
    parsed now (override files are few)."""
    try:
        block = block_of(entry)
    except ParseFailure as problem:
        module.diagnostics.append(_error(position(entry)[0], problem.line, f"cannot parse HCL: {problem}"))
        return
    if block.type == "locals":
        for name, attribute in block.attributes.items():
            if name not in module.locals:
                module.diagnostics.append(_missing_base(block, f"local value {name}"))
            module.locals[name] = (block.file, attribute.expression, attribute.line)
        return
    key = override_key(block, _alias)
    if key is None:
        return  # `terraform` settings and the like: nothing the analysis reads
    if block.type == "provider":
        if block.labels != ("aws",):
            return
        index = next((i for i, p in enumerate(module.providers) if override_key(p, _alias) == key), None)
        if index is None:
            module.diagnostics.append(_missing_base(block, f"provider {'.'.join(str(k) for k in key[1:] if k)}"))
            return
        module.providers[index] = merge_block(module.providers[index], block)
        return
    table = {
        "variable": module.variables, "module": module.modules, "output": module.outputs,
        "resource": module.resources, "data": module.data,
    }[block.type]
    name = block.labels[0] if len(block.labels) == 1 else (block.labels[0], block.labels[1])
    original = table.get(name)  # type: ignore[call-overload]
    if original is None:
        module.diagnostics.append(_missing_base(block, f"{block.type} {'.'.join(block.labels)}"))
        return
    try:
        table[name] = merge_block(block_of(original), block)  # type: ignore[index]
    except ParseFailure as problem:
        module.diagnostics.append(_error(position(original)[0], problem.line, f"cannot parse HCL: {problem}"))


def _alias(block: Block) -> Optional[str]:
    attribute = block.attributes.get("alias")
    return None if attribute is None else block.file_of("alias").snippet(attribute.expression).strip('"')


def _missing_base(block: Block, what: str) -> Diagnostic:
    """Terraform refuses an override of something no other file defines: nothing deploys."""
    return _error(block.file.rel, block.line, f"override of {what}, which no other file of the module defines")


def _collect(module: ModuleFiles, block: Entry) -> None:
    """File a top-level block by kind; an unparsed one is a resource or a data source (lazy.py)."""
    labels = block.labels
    if block.type == "variable" and len(labels) == 1:
        module.variables[labels[0]] = block
    elif block.type == "locals":
        for name, attribute in block.attributes.items():
            module.locals[name] = (block.file, attribute.expression, attribute.line)
    elif block.type == "resource" and len(labels) == 2:
        module.resources[(labels[0], labels[1])] = block
    elif block.type == "data" and len(labels) == 2:
        module.data[(labels[0], labels[1])] = block
    elif block.type == "module" and len(labels) == 1:
        module.modules[labels[0]] = block
    elif block.type == "output" and len(labels) == 1:
        module.outputs[labels[0]] = block
    elif block.type == "provider" and labels == ("aws",):
        module.providers.append(block)


def _relative_to(directory: Path, root_directory: Path) -> str:
    """`path.module`: the module's directory as Terraform gives it, relative to the root module."""
    return Path(os.path.relpath(directory, root_directory)).as_posix()


def _error(file: str, line: int, message: str) -> Diagnostic:
    return Diagnostic(level=DiagnosticLevel.ERROR, message=message, file=file, line=line)


class ResourceObject(Namespace):
    """One resource or data source instance: configured arguments and computed attributes."""

    def __init__(self, module: "ModuleInstance", kind: str, type_: str, address: str, view: BlockView) -> None:
        self.module = module
        self.kind = kind
        self.type = type_
        self.address = address
        self.view = view
        self._cache: dict[str, object] = {}

    @property
    def ctx(self) -> ParseContext:
        """The run's context, with the account of the provider configuration this instance uses."""
        return self.module.context_for(provider_key(self.view.block))

    def config(self, name: str) -> object:
        """A configured argument's value (None when not set)."""
        return self.view.get(name)

    def attr(self, name: str) -> object:
        cached = self._cache.get(name)
        if cached is _IN_PROGRESS:
            self.module.warn(f"{self.address}.{name} refers to itself", self.view.source)
            return Unknown(f"{self.address}.{name}", "refers to itself")
        if cached is not None or name in self._cache:
            return cached
        self._cache[name] = _IN_PROGRESS
        value = attributes.computed(self, name)
        if value is attributes.NOT_COMPUTED:
            if self.view.has(name):
                value = self.view.get(name)
            else:
                value = Unknown(f"{self.address}.{name}", "known only after apply")
        self._cache[name] = value
        return value


class _Types(Namespace):
    """`aws_iam_role` or `data.aws_iam_role`: the named resources of one type."""

    def __init__(self, module: "ModuleInstance", kind: str, type_: str) -> None:
        self.module, self.kind, self.type = module, kind, type_

    def attr(self, name: str) -> object:
        return self.module.resource_value(self.kind, self.type, name)


class _Data(Namespace):
    def __init__(self, module: "ModuleInstance") -> None:
        self.module = module

    def attr(self, name: str) -> object:
        if not any(type_ == name for type_, _ in self.module.files.data):
            raise EvalError(f"no data source of type {name} is declared")
        return _Types(self.module, "data", name)


class _Vars(Namespace):
    def __init__(self, module: "ModuleInstance") -> None:
        self.module = module

    def attr(self, name: str) -> object:
        return self.module.variable(name)


class _Locals(Namespace):
    def __init__(self, module: "ModuleInstance") -> None:
        self.module = module

    def attr(self, name: str) -> object:
        return self.module.local(name)


class _Modules(Namespace):
    def __init__(self, module: "ModuleInstance") -> None:
        self.module = module

    def attr(self, name: str) -> object:
        return self.module.module_value(name)


@dataclass(frozen=True)
class Instance:
    """A resource instance to read into the inventory."""

    type: str
    address: str
    object: ResourceObject


InputValues = Callable[[str], object]
"""A variable's value given from outside the module (`--var`, tfvars, the module call), or MISSING."""

MISSING = object()


class ModuleInstance:
    """The evaluation context of one module instance (root or called)."""

    def __init__(
        self,
        files: ModuleFiles,
        ctx: ParseContext,
        *,
        prefix: str = "",
        inputs: InputValues = lambda name: MISSING,
        diagnostics: Optional[list[Diagnostic]] = None,
        depth: int = 0,
        loader: Optional[Callable[["ModuleInstance", str, Block], object]] = None,
        root_directory: Optional[Path] = None,
        budget: Optional[Budget] = None,
        providers: Optional[Mapping[str, Callable[[], ParseContext]]] = None,
        reported: Optional[set[Diagnostic]] = None,
        world: Optional[World] = None,
        is_chosen: Callable[[str], bool] = lambda name: False,
        passed: Callable[[str], Optional[str]] = lambda name: None,
    ) -> None:
        self.files = files
        self.ctx = ctx
        self.prefix = prefix
        self.inputs = inputs
        self.diagnostics = diagnostics if diagnostics is not None else []
        self.reported = reported if reported is not None else set(self.diagnostics)
        """What `report` has added to `diagnostics` (shared with called modules): each once."""
        self.depth = depth
        self.loader = loader
        self.root_directory = root_directory or files.directory
        self.budget = budget or Budget()
        self._passed = dict(providers or {})
        """Configurations the caller passes, resolved only when asked (they may depend on outputs)."""
        self._configurations: Optional[dict[str, ParseContext]] = None
        self.choices = Choices(self, world, is_chosen, passed)
        self.scope = Scope(self)
        self._variables: dict[str, object] = {}
        self._locals: dict[str, object] = {}
        self._resources: dict[tuple[str, str, str], object] = {}
        self._modules: dict[str, object] = {}
        self._namespaces: dict[str, object] = {
            "var": _Vars(self),
            "local": _Locals(self),
            "data": _Data(self),
            "module": _Modules(self),
            "path": {
                "module": _relative_to(files.directory, self.root_directory),
                "root": ".",
                # Terraform runs in the root module: its folder, project-relative so reports stay
                # the same on every machine, still gives `basename(path.cwd)` its real value.
                "cwd": _relative_to(self.root_directory, ctx.root) if ctx.is_inside_root(self.root_directory) else ".",
            },
            # The workspace is the deployer's (`--workspace`, TF_WORKSPACE), never assumed "default".
            "terraform": {"workspace": ctx.workspace or WORKSPACE},
        }
        self._types = {type_ for type_, _ in files.resources}

    # -- Context protocol ---------------------------------------------------------------

    def root(self, name: str) -> object:
        if name in self._namespaces:
            return self._namespaces[name]
        if name in self._types:
            return _Types(self, "resource", name)
        if name in ("count", "each", "self"):
            raise EvalError(f"`{name}` is not available here")
        raise EvalError(f"unknown name `{name}` (no such resource type declared)")

    def report(self, level: DiagnosticLevel, message: str, file: str, line: int) -> None:
        diagnostic = Diagnostic(level=level, message=message, file=file, line=line)
        if diagnostic not in self.reported:
            self.reported.add(diagnostic)
            self.diagnostics.append(diagnostic)

    def call(self, name: str, args: list[object], where: Call) -> object:
        if name in FILE_FUNCTIONS:
            return FILE_FUNCTIONS[name](self, args, where)
        value = call_function(name, args, where)
        if isinstance(value, str):
            # Every string a function returns is charged, so that calls which each only double a
            # string (`base64encode`, `jsonencode` of a string) cannot nest to gigabytes.
            charge_text(self.budget, len(value), f"{name}()")
        if value is NOT_A_FUNCTION:
            self.report(
                DiagnosticLevel.WARNING,
                f"function {name}() is not evaluated; its result is unknown",
                where.file.rel,
                where.line,
            )
            return where.unknown(f"function {name}() not supported")
        return value

    def choose(self, condition: Tree, file: SourceFile, decided: Optional[bool]) -> Optional[bool]:
        """A conditional's condition in the current world of deploy-time choices."""
        return self.choices.decide(condition, file, decided)

    def context_for(self, key: str) -> ParseContext:
        """The context of a provider configuration (`aws`, `aws.ALIAS`): passed in or declared here."""
        if self._configurations is None:
            self._configurations = {}  # while the blocks evaluate, their references see the passed ones
            self._configurations = own_configurations(self, self.files.providers)
        if key in self._configurations:
            return self._configurations[key]
        if key in self._passed:
            return self._passed[key]()
        if key != DEFAULT:
            return self.context_for(DEFAULT)
        return self.ctx

    def constants(self) -> Scope:
        """A scope for constants (variable defaults, tfvars, `--var`): functions but no references."""
        return Scope(_NoReferences(self))

    def warn(self, message: str, source: Source) -> None:
        self.report(DiagnosticLevel.WARNING, message, source.file, source.line)

    # -- variables and locals -----------------------------------------------------------

    def variable(self, name: str) -> object:
        if name in self._variables:
            return self._variables[name]
        block = self.files.variables.get(name)
        if block is None:
            raise EvalError(f"no variable {name!r} is declared")
        value = self.inputs(name)
        if value is None and _is_not_nullable(block, self.constants()):
            value = MISSING  # `nullable = false`: a caller's null means the default (Terraform docs)
        if self.choices.is_chosen_otherwise(name):
            # This world decides a condition over it against its default: not the default.
            value = Unknown(f"var.{name}", f"variable {name}: a value the deployer chooses (--var)")
        elif value is MISSING:
            if "default" in block.attributes:
                value = BlockView(block, self.constants()).get("default")
            else:
                value = Unknown(f"var.{name}", f"variable {name} has no default and no value (--var)")
        if "type" in block.attributes:
            value = convert(value, self.variable_type(name))
        self._variables[name] = value
        return value

    def variable_type(self, name: str) -> TypeSpec:
        """The variable's type constraint (`any` when it has none)."""
        block = self.files.variables.get(name)
        if block is None or "type" not in block.attributes:
            return "any"
        scope = self.constants()
        return parse_type(block.attributes["type"].expression, lambda node: evaluate(node, block.file_of("type"), scope))

    def local(self, name: str) -> object:
        cached = self._locals.get(name, MISSING)
        if cached is _IN_PROGRESS:
            file, _, line = self.files.locals[name]
            self.report(DiagnosticLevel.ERROR, f"local.{name} depends on itself (a cycle)", file.rel, line)
            return Unknown(f"local.{name}", "locals form a cycle")
        if cached is not MISSING:
            return cached
        if name not in self.files.locals:
            raise EvalError(f"no local value {name!r} is declared")
        file, expression, _ = self.files.locals[name]
        self._locals[name] = _IN_PROGRESS
        value = evaluate(expression, file, self.scope)  # type: ignore[arg-type]
        self._locals[name] = value
        return value

    # -- resources ----------------------------------------------------------------------

    def resource_value(self, kind: str, type_: str, name: str) -> object:
        """What `type.name` (or `data.type.name`) evaluates to: an object, a list or a map."""
        key = (kind, type_, name)
        if key not in self._resources:
            blocks = self.files.data if kind == "data" else self.files.resources
            entry = blocks.get((type_, name))
            if entry is None:
                raise EvalError(f"no {kind} {type_}.{name} is declared")
            try:
                block = block_of(entry)
            except ParseFailure as problem:
                # The run is read again with every block parsed (unread.py): this answer is not kept.
                self.report(DiagnosticLevel.ERROR, f"cannot parse HCL: {problem}", position(entry)[0], problem.line)
                raise EvalError(f"{type_}.{name} cannot be parsed") from None
            self._resources[key] = _IN_PROGRESS
            self._resources[key] = self._expand(kind, type_, name, block)
        value = self._resources[key]
        if value is _IN_PROGRESS:
            raise EvalError(f"{type_}.{name} depends on itself through count or for_each")
        return value

    def _expand(self, kind: str, type_: str, name: str, block: Block) -> object:
        base = f"{self.prefix}{'data.' if kind == 'data' else ''}{type_}.{name}"

        def make(address: str, bindings: Mapping[str, object]) -> ResourceObject:
            return ResourceObject(self, kind, type_, address, BlockView(block, self.scope.child(bindings)))

        if reads_iam(type_):
            return expand(self, block, base, make)
        with self.choices.muted():
            return expand(self, block, base, make)

    def instances(self) -> Iterator[Instance]:
        """Every managed resource instance of this module, in source order. A block still unparsed
        is left out: it is of a type nothing reads, and without `count` or `for_each` its expansion
        evaluates nothing (lazy.py)."""
        for (type_, name), entry in sorted(self.files.resources.items(), key=lambda item: position(item[1])):
            if isinstance(entry, Pending):
                continue
            value = self.resource_value("resource", type_, name)
            for obj in instances_of(value, ResourceObject):
                yield Instance(type_, obj.address, obj)

    # -- module calls -------------------------------------------------------------------

    def module_value(self, name: str) -> object:
        if name not in self._modules:
            block = self.files.modules.get(name)
            if block is None:
                raise EvalError(f"no module {name!r} is called")
            self._modules[name] = _IN_PROGRESS
            if self.loader is None:
                value: object = Unknown(f"module.{name}", "modules not analysed")
            else:
                value = self.loader(self, name, block)
            self._modules[name] = value
        value = self._modules[name]
        if value is _IN_PROGRESS:
            raise EvalError(f"module.{name} depends on itself")
        return value


def _is_not_nullable(block: Block, scope: Scope) -> bool:
    """`nullable = false` (Terraform docs, "Input Variables", disallowing null input values)."""
    return "nullable" in block.attributes and BlockView(block, scope).get("nullable") in (False, "false")


class _NoReferences:
    """Terraform rejects references in variable defaults and tfvars; functions still work."""

    def __init__(self, module: ModuleInstance) -> None:
        self.module = module

    def root(self, name: str) -> object:
        raise EvalError("a variable default cannot refer to other values")

    def report(self, level: DiagnosticLevel, message: str, file: str, line: int) -> None:
        self.module.report(level, message, file, line)

    def call(self, name: str, args: list[object], where: Call) -> object:
        return self.module.call(name, args, where)

    @property
    def budget(self) -> Budget:
        return self.module.budget

    def choose(self, condition: Tree, file: SourceFile, decided: Optional[bool]) -> Optional[bool]:
        return decided  # constants hold no choice but their own


def parse_value(raw: str, type_: TypeSpec, module: ModuleInstance) -> object:
    """A `--var` value: the raw string for string variables, else parsed as an HCL expression."""
    if type_ == "string" or (type_ == "any" and not raw.lstrip().startswith(("[", "{"))):
        return raw
    try:
        file, tree = parse_expression(raw, "--var", 1)
    except ParseFailure:
        return raw
    return evaluate(tree, file, module.constants())


