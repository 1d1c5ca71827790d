"""CloudFormation templates (YAML or JSON) into the inventory.

Public entry points: `read_template` (load safely, with positions), `is_cloudformation` (detect by
content) and `parse_cloudformation` (the inventory of one template). None of them raises on bad
input: problems become diagnostics with file and line.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Mapping

from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel, InputFile, Inventory
from credmint.parsers.cloudformation.loader import read
from credmint.parsers.cloudformation.stacks import StackReader, StackSettings
from credmint.parsers.context import ParseContext
from credmint.parsers.worlds import explore

__all__ = ["read_template", "is_cloudformation", "parse_cloudformation"]

_RESOURCE_TYPE_PREFIXES = ("AWS::", "Alexa::", "Custom::")
_SECTIONS = frozenset({"AWSTemplateFormatVersion", "Description", "Metadata", "Parameters", "Rules",
                       "Mappings", "Conditions", "Transform", "Resources", "Outputs", "Hooks"})


def read_template(path: Path, ctx: ParseContext) -> tuple[dict | None, list[Diagnostic]]:
    """The template mapping in `path` with line positions, or None and an error diagnostic."""
    return read(path, ctx.relative(path))


def is_cloudformation(template: object) -> bool:
    """True for a CloudFormation template, judged by content rather than file name.

    Either `AWSTemplateFormatVersion` is present, or `Resources` is a mapping in which some
    resource has a `Type` like `AWS::...`, `Alexa::...`, `Custom::...` or a registry type (others
    may be Rain modules or `Fn::ForEach` loops), or every key is a template section and one is
    `Rules` (CDK synthesizes such assertion-only templates).
    """
    if not isinstance(template, Mapping):
        return False
    if "AWSTemplateFormatVersion" in template:
        return True
    if "Rules" in template and all(key in _SECTIONS for key in template):
        return True
    resources = template.get("Resources")
    if not isinstance(resources, Mapping) or not resources:
        return False
    return any(
        isinstance(resource, Mapping) and _is_resource_type(resource.get("Type"))
        for resource in resources.values()
    )


def _is_resource_type(value: object) -> bool:
    if not isinstance(value, str):
        return False
    return value.startswith(_RESOURCE_TYPE_PREFIXES) or value.count("::") == 2


def parse_cloudformation(path: Path, ctx: ParseContext) -> Inventory:
    """The IAM inventory of one template file, with its diagnostics; never raises on bad input."""
    file = ctx.relative(path)
    inputs = (InputFile(path=file, format="cloudformation"),)
    template, diagnostics = read(path, file)
    if template is None:
        return Inventory(inputs=inputs, diagnostics=tuple(diagnostics))
    if not is_cloudformation(template):
        diagnostics.append(Diagnostic(level=DiagnosticLevel.WARNING, file=file, line=1,
                                      message="not a CloudFormation template: nothing read"))
        return Inventory(inputs=inputs, diagnostics=tuple(diagnostics))
    try:
        inventory = explore(
            lambda world: StackReader(template, path, file, ctx, StackSettings(world=world)).read())
    except RecursionError:  # a last guard: references and nesting are bounded where they recurse
        diagnostics.append(Diagnostic(level=DiagnosticLevel.ERROR, file=file, line=0,
                                      message="template nests references too deeply to read"))
        return Inventory(inputs=inputs, diagnostics=tuple(diagnostics))
    return replace(inventory, inputs=inputs + inventory.inputs,
                   diagnostics=tuple(diagnostics) + inventory.diagnostics)
