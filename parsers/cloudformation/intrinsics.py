"""Evaluate CloudFormation intrinsic functions into inventory values.

Strings become `str`, or `Unknown`/`Text` where a part is not known before deployment; mappings
and lists keep their positions (`CfnMap`/`CfnList`). `AWS::NoValue` removes the key or item that
holds it. Anything this evaluator cannot know becomes an `Unknown` naming the expression, never a
guess (DESIGN.md).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any, Callable, Mapping

from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel, Unknown, Value, concat
from credmint.parsers.cloudformation.branches import Either
from credmint.parsers.cloudformation.conditions import Conditions, Truth
from credmint.parsers.cloudformation.functions import FUNCTIONS, NO_VALUE, describe, is_scalar
from credmint.parsers.cloudformation.identities import (
    ARN_RESOURCE_TYPES,
    NAME_PROPERTIES,
    Identity,
    generated_name,
    make_identity,
    strip_scheme,
)
from credmint.parsers.cloudformation.nodes import CfnList, CfnMap, line_of, type_of
from credmint.parsers.context import ParseContext
from credmint.parsers.worlds import World

STACK_NAME = Unknown("AWS::StackName", "the stack name (--stack-name)", generated=True)
REGION = Unknown("AWS::Region", "the region the stack deploys into", generated=True)
MAX_REFERENCE_DEPTH = 32
"""Names built from names of other resources, this many deep, bound the evaluator's recursion."""
_SUB_VARIABLE = re.compile(r"\$\{([^}]*)\}")


class Evaluator:
    """Resolves intrinsics against one template's parameters, resources and the run context."""

    def __init__(
        self,
        template: Mapping,
        ctx: ParseContext,
        file: str,
        *,
        parameter_values: Mapping[str, Any] | None = None,
        account: Value | None = None,
        stack_name: Value | None = None,
        world: World | None = None,
    ) -> None:
        """`parameter_values` replace `ctx.parameters` for a nested stack; `account` and
        `stack_name` replace the run's for stacks deployed elsewhere (stack sets, nested);
        `world` decides the conditions over parameters the deployer chooses (parsers/worlds.py)."""
        self.ctx = ctx
        self.file = file
        self.parameters = _mapping(template.get("Parameters"))
        self.resources = _mapping(template.get("Resources"))
        self.mappings = _mapping(template.get("Mappings"))
        self.parameter_values = ctx.parameters if parameter_values is None else parameter_values
        self.account = ctx.account if account is None else account
        self.stack_name = stack_name
        self.world = world
        self.conditions = Conditions(_mapping(template.get("Conditions")), self)
        self.diagnostics: list[Diagnostic] = []
        self.nested_output: Callable[[str, str, object], Any] | None = None
        """Set by the stack reader: `Fn::GetAtt [Stack, Outputs.Name]` of a nested stack."""
        self._identities: dict[str, Identity | None] = {}
        self._resolving: set[str] = set()
        self._functions: dict[str, Callable[[Any, Mapping], Any]] = {
            "Ref": self._ref,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::Join": self._join,
            "Fn::If": self._if,
            **{name: partial(function, self) for name, function in FUNCTIONS.items()},
        }

    # -- values ---------------------------------------------------------------------------

    def evaluate(self, node: Any) -> Any:
        """The value `node` will have once deployed, as far as the templates tell."""
        if isinstance(node, dict):
            function = _function_name(node)
            if function is not None:
                return self._call(function, node)
            result = node.derive(()) if isinstance(node, CfnMap) else CfnMap()
            for key, value in node.items():
                evaluated = self.evaluate(value)
                if evaluated is not NO_VALUE:
                    result[key] = evaluated
                    result.key_lines[key] = _line_of_key(node, key)
            return result
        if isinstance(node, list):
            result_list = CfnList(line_of(node))
            for index, item in enumerate(node):
                evaluated = self.evaluate(item)
                if evaluated is not NO_VALUE:
                    result_list.append(evaluated)
                    result_list.item_lines.append(_item_line(node, index))
            return result_list
        return node

    def scalar(self, node: Any) -> Value | None:
        """`node` evaluated to one string value (None when absent or removed)."""
        value = self.evaluate(node)
        if value is None or value is NO_VALUE:
            return None
        if is_scalar(value):
            return value
        if isinstance(value, Either):
            return Unknown(describe(node), f"depends on {value.condition}")
        return Unknown(describe(node), "not a single string")

    def _call(self, function: str, node: Mapping) -> Any:
        handler = self._functions.get(function)
        if handler is None:
            return Unknown(describe(node), f"{function} is not evaluated")
        return handler(node[function], node)

    def warn(self, node: object, message: str) -> None:
        self.diagnostics.append(
            Diagnostic(level=DiagnosticLevel.WARNING, message=message, file=self.file,
                       line=line_of(node))
        )

    # -- Ref and GetAtt -------------------------------------------------------------------

    def _ref(self, name: Any, node: Mapping) -> Any:
        if not isinstance(name, str):
            return Unknown(describe(node), "Ref needs a literal name")
        return self.reference(name, node)

    def reference(self, name: str, node: object) -> Any:
        """What `Ref: name` returns: a pseudo parameter, a parameter, or a resource."""
        pseudo = self._pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in self.parameters:
            return self.parameter(name)
        if name in self.resources:
            identity = self.identity(name)
            return identity.ref if identity else Unknown(name, "physical id of the resource")
        self.warn(node, f"Ref to {name!r}, which is neither a parameter nor a resource")
        return Unknown(name, "not defined in the template")

    def _pseudo(self, name: str) -> Any:
        ctx = self.ctx
        if name == "AWS::AccountId":
            return self.account
        if name == "AWS::Partition":
            return ctx.partition
        if name == "AWS::Region":
            return ctx.region or REGION
        if name == "AWS::StackName":
            return self.stack_name or ctx.stack_name or STACK_NAME
        if name == "AWS::URLSuffix":
            return "amazonaws.com.cn" if ctx.partition == "aws-cn" else "amazonaws.com"
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in ("AWS::StackId", "AWS::NotificationARNs"):
            return Unknown(name, "known only after deployment")
        return None

    def is_choice(self, name: str) -> bool:
        """A parameter of the deployed stack that `--parameter` does not pin and that may take
        more than one value: the deployer chooses it (issue 13 §11)."""
        if name not in self.parameters or name in self.parameter_values:
            return False
        allowed = self.allowed_values(name)
        return allowed is None or len(allowed) > 1

    def allowed_values(self, name: str) -> list[str] | None:
        """The parameter's `AllowedValues` as strings, or None when it has none."""
        allowed = _mapping(self.parameters.get(name)).get("AllowedValues")
        if isinstance(allowed, list) and allowed and all(is_scalar(v) for v in allowed):
            return [str(value) for value in allowed]
        return None

    def parameter(self, name: str) -> Any:
        """A parameter's value: `--parameter`, else its default (or its only allowed value),
        else Unknown."""
        spec = _mapping(self.parameters.get(name))
        kind = spec.get("Type", "String")
        kind = kind if isinstance(kind, str) else "String"
        if kind.startswith("AWS::SSM::Parameter::Value<"):
            return Unknown(name, "read from SSM Parameter Store at deployment")
        if self.world is not None and name in self.world.chosen_otherwise:
            # This world decides a condition over it against its default: not the default.
            return Unknown(name, "a value the deployer chooses (--parameter)")
        allowed = self.allowed_values(name)
        only = allowed[0] if allowed is not None and len(allowed) == 1 else None
        raw = self.parameter_values.get(name, spec.get("Default", only))
        if raw is None:
            return Unknown(name, "parameter without a default (--parameter)")
        if kind == "CommaDelimitedList" or kind.startswith("List<"):
            if isinstance(raw, str):
                # Items are written "a,b" or "a, b"; the spaces are not part of the values.
                return CfnList(line_of(spec), [item.strip() for item in raw.split(",")])
            return raw if isinstance(raw, (list, Unknown)) else Unknown(name, "not a list")
        return raw if is_scalar(raw) else Unknown(name, "parameter value is not a string")

    def _get_att(self, argument: Any, node: Mapping) -> Any:
        if isinstance(argument, str) and "." in argument:
            argument = argument.split(".", 1)
        if not (isinstance(argument, list) and len(argument) == 2 and isinstance(argument[0], str)):
            return Unknown(describe(node), "malformed Fn::GetAtt")
        logical_id, attribute = argument[0], self.scalar(argument[1])
        if not isinstance(attribute, str):
            return Unknown(describe(node), "attribute name not known")
        return self.attribute(logical_id, attribute, node)

    def attribute(self, logical_id: str, attribute: str, node: object) -> Any:
        """`Fn::GetAtt [logical_id, attribute]`."""
        if logical_id not in self.resources:
            self.warn(node, f"Fn::GetAtt of {logical_id!r}, which is not a resource")
            return Unknown(f"{logical_id}.{attribute}", "not defined in the template")
        identity = self.identity(logical_id)
        if identity is not None:
            return identity.attribute(attribute)
        if attribute == "Value" and type_of(self.resources[logical_id]) == "AWS::SSM::Parameter":
            return self._parameter_value(logical_id)
        if attribute.startswith("Outputs.") and self.nested_output is not None:
            return self.nested_output(logical_id, attribute.removeprefix("Outputs."), node)
        return Unknown(f"{logical_id}.{attribute}", "attribute known only after deployment")

    def _parameter_value(self, logical_id: str) -> Any:
        """`Fn::GetAtt [P, Value]` of an `AWS::SSM::Parameter`: its own `Value` property, which
        the stack writes (issue 13 §13); unknown when that is not known or refers back."""
        key = f"{logical_id}.Value"
        if key in self._resolving or len(self._resolving) >= MAX_REFERENCE_DEPTH:
            return Unknown(key, "circular or too long a chain of references")
        self._resolving.add(key)
        try:
            properties = _mapping(_mapping(self.resources[logical_id]).get("Properties"))
            value = self.scalar(properties.get("Value"))
        finally:
            self._resolving.discard(key)
        return Unknown(key, "the parameter's value is not known") if value is None else value

    def identity(self, logical_id: str) -> Identity | None:
        """Name and ARN of an IAM resource of this template (None for other types)."""
        if logical_id in self._identities:
            return self._identities[logical_id]
        resource = _mapping(self.resources.get(logical_id))
        resource_type = type_of(resource)
        if resource_type not in ARN_RESOURCE_TYPES:
            return None
        if logical_id in self._resolving or len(self._resolving) >= MAX_REFERENCE_DEPTH:
            # A name that refers back to itself, or through too long a chain of other names.
            reason = "circular or too long a chain of references"
            return Identity(logical_id, resource_type, Unknown(logical_id, reason), "/",
                            Unknown(f"{logical_id}.Arn", reason))
        self._resolving.add(logical_id)
        try:
            identity = self._make_identity(logical_id, resource_type, resource)
        finally:
            self._resolving.discard(logical_id)
        self._identities[logical_id] = identity
        return identity

    def _make_identity(self, logical_id: str, resource_type: str, resource: Mapping) -> Identity:
        properties = _mapping(resource.get("Properties"))
        if resource_type == "AWS::IAM::OIDCProvider":
            url = self.scalar(properties.get("Url"))
            name = strip_scheme(url) if url is not None else Unknown(logical_id, "no Url")
        else:
            name = self.scalar(properties.get(NAME_PROPERTIES[resource_type]))
            name = self._generated_name(logical_id) if name is None else name
        path = self.scalar(properties.get("Path")) or "/"
        return make_identity(logical_id, resource_type, name, path, self.ctx.partition,
                             self.account)

    def _generated_name(self, logical_id: str) -> Value:
        return generated_name(logical_id, self.reference("AWS::StackName", None))

    # -- strings --------------------------------------------------------------------------

    def _sub(self, argument: Any, node: Mapping) -> Any:
        variables: Mapping = {}
        if isinstance(argument, list) and len(argument) == 2:
            argument, raw_variables = argument
            variables = _mapping(self.evaluate(raw_variables))
        if not isinstance(argument, str):
            return Unknown(describe(node), "Fn::Sub needs a literal string")
        parts: list[Value] = []
        position = 0
        for match in _SUB_VARIABLE.finditer(argument):
            parts.append(argument[position:match.start()])
            inner = match.group(1)
            if inner.startswith("!"):
                parts.append("${" + inner[1:] + "}")  # `${!Literal}` is the text `${Literal}`
            else:
                parts.append(self._sub_variable(inner.strip(), variables, node))
            position = match.end()
        parts.append(argument[position:])
        return concat(*parts)

    def _sub_variable(self, name: str, variables: Mapping, node: Mapping) -> Value:
        if name in variables:
            value = variables[name]
        elif "." in name and name not in self.parameters and not name.startswith("AWS::"):
            logical_id, attribute = name.split(".", 1)
            value = self.attribute(logical_id, attribute, node)
        else:
            value = self.reference(name, node)
        if value is NO_VALUE or not is_scalar(value):
            return Unknown(name, "not a single string in Fn::Sub")
        return value

    def _join(self, argument: Any, node: Mapping) -> Any:
        if not (isinstance(argument, list) and len(argument) == 2):
            return Unknown(describe(node), "malformed Fn::Join")
        delimiter, items = self.evaluate(argument[0]), self.evaluate(argument[1])
        if not isinstance(delimiter, str) or not isinstance(items, list):
            return Unknown(describe(node), "Fn::Join of values not known before deployment")
        if not all(is_scalar(item) for item in items):
            return Unknown(describe(node), "Fn::Join of values that are not strings")
        parts: list[Value] = []
        for index, item in enumerate(items):
            parts.extend((delimiter, item) if index else (item,))
        return concat(*parts)

    # -- conditions -----------------------------------------------------------------------

    def _if(self, argument: Any, node: Mapping) -> Any:
        if not (isinstance(argument, list) and len(argument) == 3):
            return Unknown(describe(node), "malformed Fn::If")
        truth = self.conditions.value(argument[0], node)
        if truth is True:
            return self.evaluate(argument[1])
        if truth is False:
            return self.evaluate(argument[2])
        when_true, when_false = self.evaluate(argument[1]), self.evaluate(argument[2])
        if when_true == when_false:  # either way the same value: the condition does not matter
            return when_true
        return Either(truth, when_true, when_false)

    def truth(self, name: object, node: object = None) -> Truth:
        """The value of a named condition (for resources' `Condition` attribute)."""
        return self.conditions.value(name, node)


def _function_name(node: Mapping) -> str | None:
    """The intrinsic a one-key mapping calls (`Ref`, `Fn::*`), else None."""
    if len(node) != 1:
        return None
    key = next(iter(node))
    if key == "Ref" or (isinstance(key, str) and key.startswith("Fn::")):
        return key
    return None


def _mapping(value: object) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _line_of_key(node: Mapping, key: str) -> int:
    return node.line_of(key) if isinstance(node, CfnMap) else 0


def _item_line(node: list, index: int) -> int:
    return node.line_at(index) if isinstance(node, CfnList) else 0
