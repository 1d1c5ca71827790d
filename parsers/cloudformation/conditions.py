"""The template's `Conditions`: true, false, or unknown before deployment.

Three-valued on purpose: a condition over a parameter without a default, or over `AWS::Region`
when no region is given, is neither true nor false, and whatever it gates must be analysed as
uncertain rather than dropped (issue 4 §2).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Union

from analyzer.inventory import Unknown
from parsers.cloudformation.functions import is_known

if TYPE_CHECKING:
    from parsers.cloudformation.intrinsics import Evaluator

MAX_CONDITION_DEPTH = 32
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
        if not (is_known(left) and is_known(right)):
            return None
        return left == right  # parameter values compare as the strings they are

