"""Resource instances of a plan (planned values, or the prior state) with their unknowns explicit.

`planned_values` leaves out what is unknown until apply, and `resource_changes[].change.after`
writes it as null or leaves it out too: only `after_unknown` says which attributes are unknown.
Each such attribute becomes `Unknown("<address>.<attribute>", "known after apply ...")`, so that
an unknown trust policy is never read as "no trust policy".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from credmint.analyzer.inventory import Unknown
from credmint.parsers.terraform_plan.document import PlanFile

MAX_DEPTH = 32
"""Module nesting bound for hostile input."""

Reason = Callable[[str, str], str]
"""Given an address and an attribute name, why its value is unknown."""


@dataclass(frozen=True)
class PlanResource:
    """One resource instance as the plan (or state) describes it."""

    address: str
    mode: str
    type: str
    values: Mapping[str, object]
    line: int
    actions: tuple[str, ...] = ()


def planned_resources(plan: PlanFile, reason: Reason) -> list[PlanResource]:
    """Managed and data instances after apply: planned values overlaid with `after_unknown`,
    then data sources read at plan time from `prior_state`."""
    changes = _changes(plan.data.get("resource_changes"))
    result: list[PlanResource] = []
    seen: set[str] = set()
    planned = plan.data.get("planned_values")
    root = planned.get("root_module") if isinstance(planned, Mapping) else None
    for raw in _module_resources(root, 0):
        address = raw["address"]
        change = changes.get(address)
        values = _after(change) if change is not None and "after" in change else raw.get("values")
        marks = change.get("after_unknown") if change is not None else None
        seen.add(address)
        result.append(
            _record(
                raw, address, values, marks, plan.line_of(address, "planned_values"), change, reason
            )
        )
    for address, change in changes.items():
        # Old plans can leave a created instance out of planned_values; it still exists after apply.
        actions = tuple(change.get("actions") or ())
        if (
            address in seen
            or actions in (("delete",), ("no-op",), ("read",))
            or "after" not in change
        ):
            continue
        seen.add(address)
        raw = {"mode": change.get("mode"), "type": change.get("type")}
        result.append(
            _record(
                raw,
                address,
                _after(change),
                change.get("after_unknown"),
                plan.line_of(address, "resource_changes"),
                change,
                reason,
            )
        )
    for record in state_resources(plan, "prior_state"):
        if record.mode == "data" and record.address not in seen:
            result.append(record)
    return result


def state_resources(plan: PlanFile, section: str) -> list[PlanResource]:
    """Instances of a state representation (`prior_state`, a state file's `values`): all known."""
    state = plan.data.get(section) if section != "values" else plan.data
    values = state.get("values") if isinstance(state, Mapping) else None
    root = values.get("root_module") if isinstance(values, Mapping) else None
    return [
        _record(
            raw,
            raw["address"],
            raw.get("values"),
            None,
            plan.line_of(raw["address"], section),
            None,
            lambda _a, _n: "",
        )
        for raw in _module_resources(root, 0)
    ]


def _record(
    raw: Mapping,
    address: str,
    values: object,
    marks: object,
    line: int,
    change: Mapping | None,
    reason: Reason,
) -> PlanResource:
    merged = overlay(values if isinstance(values, Mapping) else {}, marks, address, reason)
    actions = tuple(change.get("actions") or ()) if change is not None else ()
    return PlanResource(
        address=address,
        mode=str(raw.get("mode") or "managed"),
        type=str(raw.get("type") or ""),
        values=merged if isinstance(merged, Mapping) else {},
        line=line,
        actions=actions,
    )


def overlay(
    value: object,
    marks: object,
    expression: str,
    reason: Reason,
    address: str | None = None,
    attribute: str | None = None,
) -> object:
    """`value` with every leaf `marks` flags `true` replaced by an `Unknown` named by its path."""
    if address is None:
        address = expression
    if marks is True:
        return Unknown(expression, reason(address, attribute or ""))
    if isinstance(marks, Mapping) and (isinstance(value, Mapping) or value is None):
        base = dict(value or {})
        for key in sorted(set(base) | {k for k, m in marks.items() if _has_true(m)}):
            base[key] = overlay(
                base.get(key),
                marks.get(key),
                f"{expression}.{key}",
                reason,
                address,
                attribute or key,
            )
        return base
    if isinstance(marks, list) and (isinstance(value, list) or value is None):
        items = list(value or [])
        items += [None] * (len(marks) - len(items))
        return [
            overlay(
                item,
                marks[i] if i < len(marks) else None,
                f"{expression}[{i}]",
                reason,
                address,
                attribute,
            )
            for i, item in enumerate(items)
        ]
    return value


def _has_true(marks: object) -> bool:
    if marks is True:
        return True
    if isinstance(marks, Mapping):
        return any(_has_true(m) for m in marks.values())
    if isinstance(marks, list):
        return any(_has_true(m) for m in marks)
    return False


def _after(change: Mapping) -> object:
    return change.get("after")


def _changes(value: object) -> dict[str, Mapping]:
    """`resource_changes` by address; deposed objects (being destroyed) are left out."""
    result: dict[str, Mapping] = {}
    if not isinstance(value, list):
        return result
    for item in value:
        if (
            not isinstance(item, Mapping)
            or item.get("deposed")
            or not isinstance(item.get("address"), str)
        ):
            continue
        change = item.get("change")
        if isinstance(change, Mapping):
            result[item["address"]] = {**change, "mode": item.get("mode"), "type": item.get("type")}
    return result


def _module_resources(module: object, depth: int) -> Iterator[Mapping]:
    """Resources of a module representation and of its `child_modules`, depth first."""
    if not isinstance(module, Mapping) or depth > MAX_DEPTH:
        return
    for raw in _list(module.get("resources")):
        if isinstance(raw, Mapping) and isinstance(raw.get("address"), str):
            yield raw
    for child in _list(module.get("child_modules")):
        yield from _module_resources(child, depth + 1)


def _list(value: object) -> list:
    return value if isinstance(value, list) else []
