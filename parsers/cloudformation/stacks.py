"""One stack and the stacks it creates: nested `AWS::CloudFormation::Stack`s with a local
`TemplateURL`, and `AWS::CloudFormation::StackSet`s whose `TemplateBody` is written inline.

A child is read with the parameters its parent passes, under addresses prefixed by the parent's
logical id (`Network.VpcRole`), and its outputs answer the parent's `Fn::GetAtt Stack.Outputs.X`
(issue 4 §6). Only files inside the project root are read (CONTRACT.md); anything else is a
warning and its outputs stay Unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

from credmint.analyzer.inventory import (
    Diagnostic,
    DiagnosticLevel,
    InputFile,
    Inventory,
    Text,
    Unknown,
    Value,
    concat,
    merge,
    render,
)
from credmint.parsers.cloudformation.errors import TemplateError
from credmint.parsers.cloudformation.intrinsics import Evaluator
from credmint.parsers.cloudformation.loader import load_text, read
from credmint.parsers.cloudformation.loops import expand, has_loops
from credmint.parsers.cloudformation.nodes import CfnMap, relocate_lines, type_of
from credmint.parsers.cloudformation.resources import InventoryBuilder
from credmint.parsers.cloudformation.sam import with_sam_roles
from credmint.parsers.context import ParseContext
from credmint.parsers.worlds import World

MAX_NESTING = 8
MAX_TREE_STACKS = 100
"""Nested stacks and stack sets read for one top-level template, at every depth together."""
MAX_TREE_RESOURCES = 10_000
"""Resources of one top-level template and every stack it creates together: nesting multiplies,
so 1,000 nested stacks made by `Fn::ForEach`, each making 1,000 roles, were a million roles from
12 KB (past 120 s and 5.9 GB), each child read once per stack."""
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_BLOCK_SCALAR = re.compile(r"""TemplateBody["']?\s*:\s*[|>]""")
_STACK = "AWS::CloudFormation::Stack"
_STACK_SET = "AWS::CloudFormation::StackSet"
_TEMPLATE_KEYS = {_STACK: "TemplateURL", "AWS::Serverless::Application": "Location"}
"""Nested stack types and the property holding their template's location."""


@dataclass(frozen=True, slots=True)
class StackSettings:
    """How a stack is deployed: by the run (top level) or by a parent stack."""

    parameter_values: Mapping[str, Any] | None = None
    account: Value | None = None
    stack_name: Value | None = None
    prefix: str = ""
    ancestors: tuple[Path, ...] = ()
    gate: tuple[Unknown, ...] = ()
    """The unknown conditions the stack exists under (its parent's `Condition`)."""
    world: World | None = None
    """The deploy-time choices being read (top-level stacks only: a nested stack's parameters
    are its parent's to give)."""
    tree: "_Tree | None" = None
    """What the whole tree of stacks has read so far; None for a top-level template."""


@dataclass
class _Tree:
    """Stacks and resources read for one top-level template, against the bounds."""

    stacks: int = 0
    resources: int = 0
    full: bool = False
    """A bound was hit: no more stacks are read."""


@dataclass
class _Child:
    evaluator: Evaluator | None = None
    outputs: Mapping = field(default_factory=dict)
    inventory: Inventory = field(default_factory=Inventory)


class StackReader:
    """Reads one template and, on demand, the stacks it creates."""

    def __init__(self, template: Mapping, path: Path, file: str, ctx: ParseContext,
                 settings: StackSettings) -> None:
        self.path = path
        self.file = file
        self.ctx = ctx
        self.settings = settings
        self.diagnostics: list[Diagnostic] = []
        self.tree = settings.tree or _Tree()
        self.template = with_sam_roles(self._without_loops(template), ctx.managed_policy_arn)
        resources = self.template.get("Resources")
        self.tree.resources += len(resources) if isinstance(resources, Mapping) else 0
        self.evaluator = Evaluator(
            self.template, ctx, file, parameter_values=settings.parameter_values,
            account=settings.account, stack_name=settings.stack_name, world=settings.world)
        self.evaluator.nested_output = self._output
        self.builder = InventoryBuilder(self.evaluator, file, settings.prefix, settings.gate)
        self._children: dict[str, _Child] = {}

    def read(self) -> Inventory:
        """The inventory of this stack and of every stack it creates."""
        resources = self.template.get("Resources")
        resources = resources if isinstance(resources, Mapping) else {}
        own = self.builder.build(resources)
        for logical_id, resource in resources.items():
            if type_of(resource) in (*_TEMPLATE_KEYS, _STACK_SET) and self._may_exist(resource):
                self._child(logical_id)
        children = [child.inventory for child in self._children.values()]
        return merge([own, *children, Inventory(diagnostics=tuple(self.diagnostics))])

    def _without_loops(self, template: Mapping) -> Mapping:
        """The template with its `Fn::ForEach` resources expanded (LanguageExtensions)."""
        resources = template.get("Resources")
        if not (isinstance(template, CfnMap) and isinstance(resources, CfnMap)
                and has_loops(resources)):
            return template
        evaluator = Evaluator(template, self.ctx, self.file,
                              parameter_values=self.settings.parameter_values,
                              account=self.settings.account, stack_name=self.settings.stack_name,
                              world=self.settings.world)

        def collection(node: Any) -> list[str] | None:
            items = evaluator.evaluate(node)
            is_known = isinstance(items, list) and all(isinstance(i, str) for i in items)
            return list(items) if is_known else None

        result = template.derive(template.items())
        result["Resources"] = expand(resources, collection, self._warn, self._error)
        return result

    def _may_exist(self, resource: Mapping) -> bool:
        if "Condition" not in resource:
            return True
        return self.evaluator.truth(resource["Condition"], resource) is not False

    def _output(self, logical_id: str, name: str, node: object) -> Any:
        child = self._child(logical_id)
        output = child.outputs.get(name)
        if child.evaluator is None or not isinstance(output, Mapping) or "Value" not in output:
            return Unknown(f"{logical_id}.Outputs.{name}", "output of a stack not analysed")
        return child.evaluator.evaluate(output["Value"])

    def _child(self, logical_id: str) -> _Child:
        if logical_id not in self._children:
            self._children[logical_id] = _Child()  # placeholder: guards against cycles
            self._children[logical_id] = self._read_child(logical_id)
        return self._children[logical_id]

    def _read_child(self, logical_id: str) -> _Child:
        resources = self.template["Resources"]
        resource = resources[logical_id]
        line = resources.line_of(logical_id) if isinstance(resources, CfnMap) else 0
        if len(self.settings.ancestors) >= MAX_NESTING:
            self._warn(line, f"{logical_id}: stacks nested deeper than {MAX_NESTING}; not read")
            return _Child()
        if self.tree.full:
            return _Child()
        self.tree.stacks += 1
        if self.tree.stacks > MAX_TREE_STACKS or self.tree.resources > MAX_TREE_RESOURCES:
            self.tree.full = True
            held = (f"{MAX_TREE_STACKS:,} stacks" if self.tree.stacks > MAX_TREE_STACKS
                    else f"{MAX_TREE_RESOURCES:,} resources")
            self._error(line, f"{logical_id}: the stacks of this template would hold more than {held} "
                              "(bound on nested stacks); it and the stacks after it are not read")
            return _Child()
        properties = self.builder.properties(resource)
        if type_of(resource) == _STACK_SET:
            return self._stack_set(logical_id, properties, line)
        return self._nested_stack(logical_id, properties, line, _TEMPLATE_KEYS[type_of(resource)])

    def _nested_stack(self, logical_id: str, properties: CfnMap, line: int, key: str) -> _Child:
        url = properties.get(key)  # a serverless application's Location may be a SAR app id
        if not isinstance(url, str) or _URL_SCHEME.match(url):
            asset = _cdk_asset(self.template["Resources"][logical_id])
            self._warn(line, f"{logical_id}: CDK nested stack {asset}: read as a template of its "
                             "own, without the parameters passed here; its outputs are unknown"
                       if asset else
                       f"{logical_id}: nested stack template {_shown(url)} is not a local "
                       "file; its resources are not analysed and its outputs are unknown")
            return _Child()
        child_path = self.path.parent / url
        if not self.ctx.is_inside_root(child_path):
            self._warn(line, f"{logical_id}: nested stack template {url} is outside the project "
                             "root; not read")
            return _Child()
        if child_path.resolve() in (*self.settings.ancestors, self.path.resolve()):
            self._warn(line, f"{logical_id}: nested stack template {url} includes itself; not read")
            return _Child()
        file = self.ctx.relative(child_path)
        template, problems = read(child_path, file)
        self.diagnostics.extend(problems)
        if template is None:
            if not problems:
                self._warn(line, f"{logical_id}: nested stack template {url} is not a template")
            return _Child()
        parameters = properties.get("Parameters")
        suffix = Unknown(f"{logical_id}.suffix", "random suffix of a nested stack name",
                         generated=True)
        parent_name = self.evaluator.reference("AWS::StackName", None)
        return self._read_template(logical_id, template, child_path, file, StackSettings(
            parameter_values=parameters if isinstance(parameters, Mapping) else {},
            account=self.evaluator.account,
            stack_name=concat(parent_name, f"-{logical_id}-", suffix),
        ))

    def _stack_set(self, logical_id: str, properties: CfnMap, line: int) -> _Child:
        body = properties.get("TemplateBody")
        if not isinstance(body, str):
            self._warn(line, f"{logical_id}: stack set template is not written in the template; "
                             "its resources are not analysed")
            return _Child()
        # A block scalar's first line is the line after its key; a quoted string is all on the
        # key's line (JSON escapes its newlines).
        key_line = properties.line_of("TemplateBody")
        is_block = _is_block_scalar(self.path, key_line)

        def place(body_line: int) -> int:
            return key_line + body_line if is_block else key_line

        try:
            template, warnings = load_text(body)
        except TemplateError as problem:
            self.diagnostics.append(Diagnostic(
                level=DiagnosticLevel.ERROR, file=self.file, line=place(problem.line),
                message=f"{logical_id}: TemplateBody: {problem.message}"))
            return _Child()
        if not isinstance(template, CfnMap):
            self._warn(line, f"{logical_id}: TemplateBody is not a template")
            return _Child()
        relocate_lines(template, place)
        for warning_line, message in warnings:
            self._warn(place(warning_line), message)
        # Each target account gets the same stack: its resources exist whatever the account is.
        instances = Unknown(f"{logical_id}.account", "each account the stack set deploys to",
                            generated=True)
        return self._read_template(logical_id, template, self.path, self.file, StackSettings(
            parameter_values=_stack_set_parameters(properties.get("Parameters")),
            account=instances,
            stack_name=Unknown(f"{logical_id}.StackName", "the stack set instance's stack name",
                               generated=True),
        ))

    def _read_template(self, logical_id: str, template: Mapping, path: Path, file: str,
                       settings: StackSettings) -> _Child:
        reader = StackReader(template, path, file, self.ctx, StackSettings(
            parameter_values=settings.parameter_values, account=settings.account,
            stack_name=settings.stack_name, prefix=f"{self.settings.prefix}{logical_id}.",
            ancestors=(*self.settings.ancestors, self.path.resolve()),
            gate=(*self.builder.gates.get(logical_id, ()), *self.settings.gate),
            tree=self.tree,
        ))
        outputs = template.get("Outputs")
        inventory = reader.read()
        if path != self.path:  # a template file of its own, not a StackSet's inline body
            nested = InputFile(path=file, format="cloudformation", nested_in=self.file)
            inventory = replace(inventory, inputs=(nested, *inventory.inputs))
        return _Child(reader.evaluator, outputs if isinstance(outputs, Mapping) else {}, inventory)

    def _error(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(level=DiagnosticLevel.ERROR, file=self.file,
                                           line=line, message=message))

    def _warn(self, line: int, message: str) -> None:
        self.diagnostics.append(Diagnostic(level=DiagnosticLevel.WARNING, file=self.file,
                                           line=line, message=message))


def _is_block_scalar(path: Path, line: int) -> bool:
    """Whether the value on `line` of `path` is a YAML block scalar (`TemplateBody: |`)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    return 0 < line <= len(lines) and _BLOCK_SCALAR.search(lines[line - 1]) is not None


def _cdk_asset(resource: Mapping) -> str | None:
    """The file a CDK nested stack's template is synthesized to (`aws:asset:path`). CDK points
    `TemplateURL` at S3; the file itself sits in cdk.out and is scanned like any template."""
    metadata = resource.get("Metadata")
    asset = metadata.get("aws:asset:path") if isinstance(metadata, Mapping) else None
    return asset if isinstance(asset, str) else None


def _stack_set_parameters(parameters: Any) -> dict[str, Any]:
    """`[{ParameterKey, ParameterValue}]` as a mapping."""
    result: dict[str, Any] = {}
    for item in parameters if isinstance(parameters, list) else []:
        if isinstance(item, Mapping) and isinstance(item.get("ParameterKey"), str):
            result[item["ParameterKey"]] = item.get("ParameterValue")
    return result


def _shown(value: object) -> str:
    return render(value) if isinstance(value, (str, Unknown, Text)) else "(not a string)"
