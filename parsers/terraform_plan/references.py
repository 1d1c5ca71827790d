"""Following a plan argument's reference when its value is not known before apply.

Nested arguments too (`statement[0].principals[0].identifiers` of a policy document read at
apply), and references to data sources (`data.aws_iam_policy_document.trust.json`).

`role = aws_iam_role.app.id` is unknown in the plan of a new role, but the configuration says it
refers to `aws_iam_role.app`, whose `id` the HCL parser's attribute rules compute (the name). When
an argument's expression refers to exactly one resource attribute and nothing else, its value is
taken to be that attribute's: a join by name then finds the entity instead of dropping the
policy, which would hide a credential path (DESIGN.md: missing a path is the worst failure).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from credmint.analyzer.inventory import Unknown
from credmint.parsers.terraform.values import has_unknown
from credmint.parsers.terraform_plan.addresses import is_resource_reference, module_parts
from credmint.parsers.terraform_plan.configuration import Configuration, Path

if TYPE_CHECKING:
    from credmint.parsers.terraform_plan.objects import PlanObject


_DEFAULT_ATTRIBUTE = {"policy_arn": "arn", "policy_id": "id"}


class References:
    """Resolves single-reference arguments among the plan's managed instances and data sources."""

    def __init__(self, configuration: Configuration) -> None:
        self.configuration = configuration
        self.objects: Mapping[str, PlanObject] = {}
        self._active: set[tuple[str, Path]] = set()

    def target(self, address: str, argument: str | Path) -> tuple[str, str] | None:
        """(instance address, attribute) the argument refers to, when it is one and only one."""
        refs = self.configuration.references(address, argument)
        if len(refs) != 1 or not is_resource_reference(refs[0]):
            return None
        modules, resource = module_parts(refs[0])
        if resource[0] == "data":  # `data.aws_iam_policy_document.trust.json`
            modules, resource = [*modules, "data"], resource[1:]
        elif resource[0] == "module":
            return None
        if len(resource) not in (2, 3):
            return None
        target = ".".join([*modules, resource[0], resource[1]])
        # Terraform 0.12 lists `aws_iam_role.x` alone for `aws_iam_role.x.id`: the argument
        # then says which attribute it takes (a name, an ARN, an id).
        name = argument if isinstance(argument, str) else str(argument[-1])
        attribute = resource[2] if len(resource) == 3 else _DEFAULT_ATTRIBUTE.get(name, "id")
        return (target, attribute) if target in self.objects else None

    def value(self, address: str, argument: str | Path, *, partial: bool = False,
              attributes: frozenset[str] | None = None) -> object:
        """The referenced attribute's value when it is known, else None. With `partial`, a value
        only partly known (a policy with an unknown principal) is returned too: it is more than
        a wholly unknown one (issue 13 §12). `attributes` limits which attributes may answer."""
        path = (argument,) if isinstance(argument, str) else tuple(argument)
        key = (address, path)
        found = self.target(address, argument)
        if found is None or key in self._active or (attributes is not None and found[1] not in attributes):
            return None
        self._active.add(key)
        try:
            value = self.objects[found[0]].attr(found[1])
        finally:
            self._active.discard(key)
        if value is None or isinstance(value, Unknown):
            return None
        return value if partial or not has_unknown(value) else None
