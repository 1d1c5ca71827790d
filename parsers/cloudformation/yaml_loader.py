"""YAML templates with CloudFormation's short forms, loaded safely and with line numbers.

Built on PyYAML's safe constructor (no object construction from tags), reading events from
libyaml's C parser when PyYAML has it (five times faster than the pure-Python scanner, bench/) and
composing them in Python, where aliases and depth are checked. cfn-flip's loader keeps no marks,
so this one builds `CfnMap`/`CfnList` carrying lines instead. Hostile input is bounded: aliases
are rejected (CloudFormation has no use for them and they are how "billion laughs" bombs expand),
nesting is capped, and unknown tags become `Unknown` values with a warning instead of a crash.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from credmint.analyzer.inventory import Unknown
from credmint.parsers.cloudformation.errors import TemplateError
from credmint.parsers.cloudformation.nodes import CfnList, CfnMap

MAX_DEPTH = 128
"""Deeper nesting than any real template needs; bounds recursion in the loader and evaluator."""

SHORT_FORMS = {
    "Ref": "Ref",
    "Condition": "Condition",
    **{
        name: "Fn::" + name
        for name in (
            "And", "Base64", "Cidr", "Equals", "FindInMap", "ForEach", "GetAtt", "GetAZs",
            "If", "ImportValue", "Join", "Length", "Not", "Or", "Select", "Split", "Sub",
            "ToJsonString", "Transform",
        )
    },
}
"""`!Name` tags CloudFormation defines, and the long form each stands for."""


class _PythonEvents(Reader, Scanner, Parser):
    """PyYAML's own event source, for a PyYAML built without libyaml."""

    def __init__(self, stream: str) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)


try:
    from yaml.cyaml import CParser as _Events  # libyaml's scanner and parser, when PyYAML has it
except ImportError:
    _Events = _PythonEvents


class PositionLoader(Composer, _Events, SafeConstructor, Resolver):  # type: ignore[misc, valid-type]
    """A safe loader that records lines, rejects aliases and caps depth. `Composer` comes before
    the event source so that nodes are composed here, one `compose_node` call per node."""

    def __init__(self, stream: str) -> None:
        _Events.__init__(self, stream)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        Resolver.__init__(self)
        self.depth = 0
        self.warnings: list[tuple[int, str]] = []

    def compose_node(self, parent: Node | None, index: object) -> Node:
        if self.check_event(AliasEvent):
            mark = self.peek_event().start_mark
            raise TemplateError(
                "YAML aliases are not allowed in CloudFormation templates", mark.line + 1
            )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise TemplateError(f"nesting deeper than {MAX_DEPTH} levels", mark.line + 1)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _construct_mapping(loader: PositionLoader, node: MappingNode) -> CfnMap:
    result = CfnMap(_line(node))
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise TemplateError("a mapping key must be a string", _line(key_node))
        if key in result:
            message = f"duplicate key {key!r}: the last one is used"
            loader.warnings.append((_line(key_node), message))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = _line(key_node)
    return result


def _construct_sequence(loader: PositionLoader, node: SequenceNode) -> CfnList:
    items = [loader.construct_object(child, deep=True) for child in node.value]
    return CfnList(_line(node), items, [_line(child) for child in node.value])


def _construct_text(loader: PositionLoader, node: ScalarNode) -> str:
    """Numbers, booleans and dates as written: CloudFormation compares strings, and YAML 1.1
    would turn `Version: 2012-10-17` into a date and `000011112222` into an octal number."""
    return loader.construct_scalar(node)


def _construct_tag(loader: PositionLoader, suffix: str, node: Node) -> Any:
    line = _line(node)
    name = SHORT_FORMS.get(suffix)
    if name is None:
        loader.warnings.append((line, f"unsupported tag !{suffix}: its value is unknown"))
        return Unknown("!" + suffix, "unsupported YAML tag")
    if name == "Fn::GetAtt" and isinstance(node, ScalarNode):
        # `!GetAtt Logical.Attr.Rest` splits at the first dot only (`Stack.Outputs.Name`).
        value: Any = CfnList(line, loader.construct_scalar(node).split(".", 1), [line, line])
    elif isinstance(node, ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, SequenceNode):
        value = _construct_sequence(loader, node)
    else:
        value = _construct_mapping(loader, node)
    result = CfnMap(line)
    result[name] = value
    result.key_lines[name] = line
    return result


PositionLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
PositionLoader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
for _tag in ("bool", "int", "float", "timestamp"):
    PositionLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _construct_text)
PositionLoader.add_multi_constructor("!", _construct_tag)


def load_yaml(text: str) -> tuple[Any, list[tuple[int, str]]]:
    """The document in `text` and the (line, message) warnings found while loading it."""
    try:
        loader = PositionLoader(text)
    except yaml.reader.ReaderError as problem:
        line = text.count("\n", 0, problem.position) + 1
        raise TemplateError(f"invalid YAML: {problem.reason}", line) from None
    try:
        return loader.get_single_data(), loader.warnings
    except yaml.reader.ReaderError as problem:
        line = text.count("\n", 0, problem.position) + 1
        raise TemplateError(f"invalid YAML: {problem.reason}", line) from None
    except yaml.MarkedYAMLError as problem:
        mark = problem.problem_mark or problem.context_mark
        line = mark.line + 1 if mark else 0
        raise TemplateError(f"invalid YAML: {problem.problem or problem.context}", line) from None
    except yaml.YAMLError as problem:
        raise TemplateError(f"invalid YAML: {problem}") from None
    finally:
        loader.dispose()
