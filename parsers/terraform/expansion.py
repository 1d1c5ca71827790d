"""`count` and `for_each`: a resource, data source or module call as the instances Terraform makes."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Callable, Mapping

from credmint.analyzer.inventory import DiagnosticLevel, Unknown
from credmint.parsers.terraform.blocks import BlockView
from credmint.parsers.terraform.hcl import Block
from credmint.parsers.terraform.scope import BudgetExhausted
from credmint.parsers.terraform.values import is_unknown

if TYPE_CHECKING:
    from credmint.parsers.terraform.interfaces import ModuleInstance

MAX_INSTANCES = 1_000
"""Bound on instances one `count`/`for_each` expands to."""
MAX_TOTAL_INSTANCES = 10_000
"""Bound on the instances every `count`/`for_each` of one root module and of the modules it calls
make together. Nesting multiplies: a module with `count = 1000` around a resource with
`count = 1000` is a million roles from 350 bytes (93 s and 2.7 GB before, cut only by the step
budget), and each instance costs far more than an evaluation step (its attributes, its entity,
its grants)."""


def expand(module: "ModuleInstance", block: Block, base: str, make: Callable[[str, Mapping[str, object]], object]) -> object:
    """A block's instances per `count` / `for_each`: one object, a list, or a map by key."""
    view = BlockView(block, module.scope)
    if view.has("count"):
        count = view.get("count")
        if is_unknown(count):
            module.report(
                DiagnosticLevel.INFO,
                f"{base}: count is not known before apply; analysed as one instance",
                block.file.rel,
                view.line_of("count"),
            )
            return [make(f"{base}[0]", {"count": {"index": Unknown("count.index", str(count))}})]
        try:
            # Terraform 0.11 code counts with bools: `count = "${var.enabled}"`.
            number = {True: 1, False: 0, "true": 1, "false": 0}.get(count, count)  # type: ignore[call-overload]
            number = int(float(number))  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            module.warn(f"{base}: count is not a number", view.source_of("count"))
            return []
        if number > MAX_INSTANCES:  # fail closed: instances past the bound are never analysed (issue 9)
            module.report(DiagnosticLevel.ERROR, f"{base}: count {number} is more than {MAX_INSTANCES}; only "
                          f"the first {MAX_INSTANCES} instances are analysed", block.file.rel, view.line_of("count"))
        number = min(number, MAX_INSTANCES)
        if not _afford(module, number, block, base):
            return []
        return [make(f"{base}[{i}]", {"count": {"index": i}}) for i in range(number)]
    if view.has("for_each"):
        collection = view.get("for_each")
        if is_unknown(collection):
            module.report(
                DiagnosticLevel.INFO,
                f"{base}: for_each is not known before apply; analysed as one instance",
                block.file.rel,
                view.line_of("for_each"),
            )
            each = {"key": Unknown("each.key", str(collection)), "value": Unknown("each.value", str(collection))}
            return {"*": make(f"{base}[*]", {"each": each})}
        if isinstance(collection, list):
            pairs = [(str(v), v) for v in collection]
        elif isinstance(collection, dict):
            pairs = sorted(((str(k), v) for k, v in collection.items()), key=lambda kv: kv[0])
        else:
            module.warn(f"{base}: for_each needs a map or a set of strings", view.source_of("for_each"))
            return {}
        if len(pairs) > MAX_INSTANCES:  # fail closed, as for count
            module.report(DiagnosticLevel.ERROR, f"{base}: for_each has {len(pairs)} elements, more than "
                          f"{MAX_INSTANCES}; only the first {MAX_INSTANCES} are analysed", block.file.rel,
                          view.line_of("for_each"))
        pairs = pairs[:MAX_INSTANCES]
        if not _afford(module, len(pairs), block, base):
            return {}
        return {
            key: make(f"{base}[{json.dumps(key)}]", {"each": {"key": key, "value": value}})
            for key, value in pairs
        }
    return make(base, {})


def _afford(module: "ModuleInstance", instances: int, block: Block, base: str) -> bool:
    """Charge the run's budget for the instances; when spent, one error and no more instances."""
    budget = module.budget
    if budget.instances > MAX_TOTAL_INSTANCES:
        return False  # already reported
    budget.instances += instances
    if budget.instances > MAX_TOTAL_INSTANCES:
        module.report(DiagnosticLevel.ERROR, f"{base}: its {instances:,} instances make more than "
                      f"{MAX_TOTAL_INSTANCES:,} in this root module and the modules it calls (bound on "
                      "count and for_each); it and the instances after it are not analysed",
                      block.file.rel, block.line)
        return False
    try:
        budget.spend(instances)
    except BudgetExhausted as problem:
        if not budget.reported:
            budget.reported = True
            module.report(DiagnosticLevel.ERROR, str(problem), block.file.rel, block.line)
        return False
    return True


def instances_of(value: object, kind: type) -> list:
    """The instances of `kind` an expanded value holds: itself, a list's or a map's elements."""
    candidates = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else [value]
    return [candidate for candidate in candidates if isinstance(candidate, kind)]
