"""The plan's `configuration`: the arguments each resource sets, what their expressions refer to.

A plan says a value is unknown but not why; the configuration's `references` name the addresses
it comes from, so an unknown can say "known after apply (from aws_iam_user.alice.arn)". It also
tells an argument the author wrote from one the provider computes, and lets joins follow a
reference when the value joined on (a new role's `id`) is not known before apply.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Union

from credmint.parsers.terraform_plan.addresses import module_path, module_prefix, resource_key

_LOCAL_ROOTS = ("each.", "count.", "self.", "path.", "terraform.")

Path = tuple[Union[str, int], ...]
"""Steps from a resource's arguments into its nested blocks: names and block indexes."""


class Configuration:
    """Resource configurations by (module path, `type.name`), from the plan's `configuration`."""

    def __init__(self, data: object) -> None:
        self.present = isinstance(data, Mapping) and isinstance(data.get("root_module"), Mapping)
        self._resources: dict[tuple[tuple[str, ...], str], Mapping[str, object]] = {}
        if self.present:
            self._walk(data["root_module"], ())  # type: ignore[index]

    def _walk(self, module: Mapping[str, object], path: tuple[str, ...]) -> None:
        for resource in _mappings(module.get("resources")):
            address = resource.get("address")
            if isinstance(address, str):
                self._resources[(path, address)] = resource
        calls = module.get("module_calls")
        if isinstance(calls, Mapping):
            for name, call in sorted(calls.items()):
                child = call.get("module") if isinstance(call, Mapping) else None
                if isinstance(child, Mapping) and len(path) < 32:
                    self._walk(child, path + (str(name),))

    def resource(self, address: str) -> Mapping[str, object] | None:
        return self._resources.get((module_path(address), resource_key(address)))

    def is_configured(self, address: str, argument: str) -> bool | None:
        """Whether the author sets the argument; None when the configuration does not say."""
        resource = self.resource(address)
        if resource is None:
            return None
        expressions = resource.get("expressions")
        return isinstance(expressions, Mapping) and argument in expressions

    def references(self, address: str, argument: str | Path) -> tuple[str, ...]:
        """What the argument's expression refers to, as addresses in the instance's module.
        `argument` may be a path into nested blocks: `("statement", 0, "principals", 0,
        "identifiers")`.

        Terraform lists `aws_iam_user.a.arn` and then `aws_iam_user.a` (and `x.r[0]`, `x.r` for
        `x.r[0].name`); the shorter ones are dropped.
        """
        resource = self.resource(address)
        expression: object = resource.get("expressions") if resource else None
        for step in (argument,) if isinstance(argument, str) else argument:
            if isinstance(step, int):
                expression = expression[step] if isinstance(expression, list) and step < len(expression) else None
            else:
                expression = expression.get(step) if isinstance(expression, Mapping) else None
        if expression is None:
            return ()
        found = list(dict.fromkeys(_references(expression)))
        kept = [
            r for r in found if not any(o != r and o.startswith((r + ".", r + "[")) for o in found)
        ]
        prefix = module_prefix(address)
        return tuple(r if r.startswith(_LOCAL_ROOTS) else prefix + r for r in kept)


def _references(expression: object) -> Iterator[str]:
    """Every reference inside an expression object or a nested block's list of them."""
    if isinstance(expression, list):
        for item in expression:
            yield from _references(item)
    elif isinstance(expression, Mapping):
        refs = expression.get("references")
        if isinstance(refs, list):
            yield from (r for r in refs if isinstance(r, str))
        for key, value in expression.items():
            if key not in ("references", "constant_value") and isinstance(value, (list, Mapping)):
                yield from _references(value)


def _mappings(value: object) -> list[Mapping[str, object]]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []
