"""The template's `Conditions`: true, false, or unknown before deployment.

Three-valued on purpose: a condition over a parameter without a default, or over `AWS::Region`
when no region is given, is neither true nor false, and whatever it gates must be analysed as
uncertain rather than dropped (issue 4 §2).

A `Fn::Equals` over a parameter the deployer may override (parsers/worlds.py, issue 13 §11) is
a choice: the world being read decides it, so the template is read both ways, not only with the
default. Unless its `AllowedValues` decide it: every allowed value giving the same answer.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Iterator, Mapping, Union

from credmint.analyzer.inventory import Unknown
from credmint.parsers.cloudformation.functions import describe, is_known

if TYPE_CHECKING:
    from credmint.parsers.cloudformation.interfaces import Evaluator

MAX_CONDITION_DEPTH = 32
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")
Truth = Union[bool, Unknown]
"""A condition's value; an `Unknown` names the condition that cannot be decided."""


def condition_unknown(name: str) -> Unknown:
    return Unknown(f"Condition {name}", "a CloudFormation condition not known before deployment")


class Conditions:
    """Evaluates named conditions once each, guarding against cycles."""

    def __init__(self, definitions: Mapping, evaluator: Evaluator) -> None:
        self.definitions = definitions
        self.evaluator = evaluator
        self._values: dict[str, Truth] = {}
        self._resolving: set[str] = set()

    def value(self, name: object, node: object = None) -> Truth:
        """The truth of the condition called `name`."""
        if not isinstance(name, str):
            return Unknown(str(name), "a condition name must be a string")
        if name in self._values:
            return self._values[name]
        if name not in self.definitions:
            self.evaluator.warn(node, f"condition {name!r} is not defined in Conditions")
            return condition_unknown(name)
        if name in self._resolving or len(self._resolving) >= MAX_CONDITION_DEPTH:
            self.evaluator.warn(node, f"condition {name!r} refers to itself or is nested too deep")
            return condition_unknown(name)
        self._resolving.add(name)
        try:
            truth = self._truth(self.definitions[name])
        finally:
            self._resolving.discard(name)
        value: Truth = truth if truth is not None else condition_unknown(name)
        self._values[name] = value
        return value

    def _truth(self, node: Any) -> bool | None:
        """True, False, or None when unknown."""
        if not (isinstance(node, Mapping) and len(node) == 1):
            self.evaluator.warn(node, "a condition must be a single condition function")
            return None
        function, argument = next(iter(node.items()))
        if function == "Condition":
            value = self.value(argument, node)
            return value if isinstance(value, bool) else None
        if function == "Fn::Equals":
            return self._equals(argument, node)
        if function == "Fn::Not" and isinstance(argument, list) and len(argument) == 1:
            inner = self._truth(argument[0])
            return None if inner is None else not inner
        if function in ("Fn::And", "Fn::Or") and isinstance(argument, list):
            truths = [self._truth(item) for item in argument]
            decisive = function == "Fn::Or"  # a True decides Or, a False decides And
            if decisive in truths:
                return decisive
            return None if None in truths else not decisive
        self.evaluator.warn(node, f"unsupported condition function {function!r}")
        return None

    def _equals(self, argument: Any, node: Any) -> bool | None:
        if not (isinstance(argument, list) and len(argument) == 2):
            self.evaluator.warn(node, "Fn::Equals needs two values")
            return None
        left, right = (self.evaluator.evaluate(item) for item in argument)
        truth = left == right if is_known(left) and is_known(right) else None
        chosen = [name for item in argument for name in _parameters_in(item)
                  if self.evaluator.is_choice(name)]
        if not chosen or self.evaluator.world is None:
            return truth  # parameter values compare as the strings they are
        allowed = self._allowed_answers(argument, left, right)
        if allowed is not None:
            return allowed
        shown = [_shown(item) for item in argument]
        return self.evaluator.world.decide(" = ".join(shown), truth, " != ".join(shown),
                                           frozenset(chosen))

    def _allowed_answers(self, argument: list, left: Any, right: Any) -> bool | None:
        """The one answer every `AllowedValues` of a `Ref`-ed parameter gives, if there is one."""
        for item, other in ((argument[0], right), (argument[1], left)):
            name = item.get("Ref") if isinstance(item, Mapping) and len(item) == 1 else None
            allowed = self.evaluator.allowed_values(name) if isinstance(name, str) else None
            if allowed is not None and isinstance(other, str):
                answers = {value == other for value in allowed}
                if len(answers) == 1:
                    return answers.pop()
        return None


def _parameters_in(node: Any) -> Iterator[str]:
    """Names a `Ref` or a `Fn::Sub` in the expression reads (parameters among them)."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) and value else value
                if isinstance(text, str):
                    yield from (name.strip() for name in _SUB_VARIABLE.findall(text))
                yield from _parameters_in(value)
            else:
                yield from _parameters_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from _parameters_in(item)


def _shown(node: Any) -> str:
    if isinstance(node, str):
        return node or '""'
    return describe(node)

