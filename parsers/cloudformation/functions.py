"""The intrinsic functions that need no knowledge of resources: lists, maps, encodings.

Each takes the evaluator, the function's argument and the whole node (for `describe`). What
cannot be computed before deployment is an `Unknown` naming the expression.
"""

from __future__ import annotations

import base64
import ipaddress
import json
from typing import TYPE_CHECKING, Any, Callable, Mapping

from credmint.analyzer.inventory import Text, Unknown
from credmint.parsers.cloudformation.branches import has_either
from credmint.parsers.cloudformation.nodes import CfnList, line_of

if TYPE_CHECKING:
    from credmint.parsers.cloudformation.interfaces import Evaluator

NO_VALUE = Unknown("AWS::NoValue", "removes the property that holds it")
"""What `Ref: AWS::NoValue` evaluates to; containers drop it."""

_DESCRIBE_LIMIT = 120
_MAX_CIDR_COUNT = 256


def describe(node: object) -> str:
    """Short text of an expression, used as the `Unknown` that stands for it."""
    if isinstance(node, Mapping) and len(node) == 1:
        key, argument = next(iter(node.items()))
        if key == "Ref" and isinstance(argument, str):
            return argument
        if key == "Fn::GetAtt" and isinstance(argument, list):
            return ".".join(str(part) for part in argument)
        text = f"{key}({_compact(argument)})"
    else:
        text = _compact(node)
    return text if len(text) <= _DESCRIBE_LIMIT else text[: _DESCRIBE_LIMIT - 3] + "..."


def _compact(node: object) -> str:
    if isinstance(node, str):
        return node
    return json.dumps(node, default=str, separators=(",", ":"))


def is_scalar(value: object) -> bool:
    return isinstance(value, (str, Unknown, Text))


def is_known(value: Any) -> bool:
    """True when no part of `value` waits for deployment or an undecided condition."""
    if isinstance(value, (Unknown, Text)) or has_either(value):
        return False
    if isinstance(value, Mapping):
        return all(is_known(item) for item in value.values())
    if isinstance(value, list):
        return all(is_known(item) for item in value)
    return True


def split(ev: Evaluator, argument: Any, node: Mapping) -> Any:
    if not (isinstance(argument, list) and len(argument) == 2):
        return Unknown(describe(node), "malformed Fn::Split")
    delimiter, source = ev.evaluate(argument[0]), ev.evaluate(argument[1])
    if not (isinstance(delimiter, str) and delimiter and isinstance(source, str)):
        return Unknown(describe(node), "Fn::Split of a value not known before deployment")
    parts = source.split(delimiter)
    return CfnList(line_of(node), parts, [line_of(node)] * len(parts))


def select(ev: Evaluator, argument: Any, node: Mapping) -> Any:
    if not (isinstance(argument, list) and len(argument) == 2):
        return Unknown(describe(node), "malformed Fn::Select")
    index, items = ev.evaluate(argument[0]), ev.evaluate(argument[1])
    if not (isinstance(index, str) and index.isdigit() and isinstance(items, list)):
        return Unknown(describe(node), "Fn::Select of values not known before deployment")
    if has_either(items):
        return Unknown(describe(node), "Fn::Select from a list whose items depend on a condition")
    if int(index) >= len(items):
        ev.warn(node, f"Fn::Select index {index} is outside a list of {len(items)}")
        return Unknown(describe(node), "index outside the list")
    return items[int(index)]


def find_in_map(ev: Evaluator, argument: Any, node: Mapping) -> Any:
    if not (isinstance(argument, list) and len(argument) in (3, 4)):
        return Unknown(describe(node), "malformed Fn::FindInMap")
    keys = [ev.evaluate(item) for item in argument[:3]]
    default = argument[3].get("DefaultValue") if len(argument) == 4 and isinstance(
        argument[3], Mapping) else None
    name, top, second = keys
    table = ev.mappings.get(name) if isinstance(name, str) else None
    if not isinstance(table, Mapping) or not isinstance(second, str):
        return Unknown(describe(node), "map or key not known before deployment")
    if isinstance(top, str):
        entry = table.get(top)
        candidates = [entry.get(second)] if isinstance(entry, Mapping) else [None]
    else:
        # The top key is unknown (often AWS::Region): the value is known when every entry agrees.
        candidates = [e.get(second) for e in table.values() if isinstance(e, Mapping)]
    if not candidates or any(c != candidates[0] for c in candidates):
        return Unknown(describe(node), "depends on a key not known before deployment")
    if candidates[0] is None:
        if default is not None:
            return ev.evaluate(default)
        ev.warn(node, f"Fn::FindInMap finds nothing for {describe(node)}")
        return Unknown(describe(node), "no such entry in Mappings")
    return ev.evaluate(candidates[0])


def base64_encode(ev: Evaluator, argument: Any, node: Mapping) -> Any:
    value = ev.evaluate(argument)
    if isinstance(value, str):
        return base64.b64encode(value.encode("utf-8")).decode("ascii")
    return Unknown(describe(node), "encodes a value not known before deployment")


def cidr(ev: Evaluator, argument: Any, node: Mapping) -> Any:
    values = [ev.evaluate(item) for item in argument] if isinstance(argument, list) else []
    if len(values) != 3 or not all(isinstance(v, str) for v in values):
        return Unknown(describe(node), "Fn::Cidr of values not known before deployment")
    block, count, bits = values
    try:
        network = ipaddress.ip_network(block, strict=False)
        prefix = network.max_prefixlen - int(bits)
        wanted = int(count)
        if not 1 <= wanted <= _MAX_CIDR_COUNT:
            raise ValueError(f"count {wanted} outside 1..{_MAX_CIDR_COUNT}")
        subnets = []
        for subnet in network.subnets(new_prefix=prefix):
            subnets.append(str(subnet))
            if len(subnets) == wanted:
                break
    except ValueError as problem:
        ev.warn(node, f"Fn::Cidr cannot be computed: {problem}")
        return Unknown(describe(node), "invalid Fn::Cidr")
    return CfnList(line_of(node), subnets, [line_of(node)] * len(subnets))


def to_json_string(ev: Evaluator, argument: Any, node: Mapping) -> Any:
    value = ev.evaluate(argument)
    if not is_known(value):
        return Unknown(describe(node), "JSON of values not known before deployment")
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def length(ev: Evaluator, argument: Any, node: Mapping) -> Any:
    value = ev.evaluate(argument)
    if isinstance(value, list) and not any(has_either(item) for item in value):
        return str(len(value))
    return Unknown(describe(node), "length of a list not known before deployment")


def _unknown(reason: str) -> Callable[[Evaluator, Any, Mapping], Any]:
    def unknown(_ev: Evaluator, _argument: Any, node: Mapping) -> Unknown:
        return Unknown(describe(node), reason)

    return unknown


FUNCTIONS: dict[str, Callable[[Evaluator, Any, Mapping], Any]] = {
    "Fn::Split": split,
    "Fn::Select": select,
    "Fn::FindInMap": find_in_map,
    "Fn::Base64": base64_encode,
    "Fn::Cidr": cidr,
    "Fn::ToJsonString": to_json_string,
    "Fn::Length": length,
    "Fn::ImportValue": _unknown("an export of another stack, read at deployment"),
    "Fn::GetAZs": _unknown("the availability zones of the region"),
    "Fn::Transform": _unknown("a macro that runs at deployment"),
}
