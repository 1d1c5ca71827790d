"""Plan resource instances shaped as the HCL parser's resource objects, so that its join logic
(`parsers/terraform/resources.py`: entities joined by name) reads plan values unchanged.

`resources.py` asks an object for `type`, `address`, `ctx`, `config(name)`, `attr(name)` and a
`view` with `get`, `has`, `source`, `source_of`, `literal_line` and `blocks` (a `BlockView`).
Values come from the plan; where the plan leaves one unknown, from the HCL configuration's block
of the same address when there is one (issue 6 §2); lines always from that block when known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from credmint.analyzer.inventory import Source, Text, Unknown
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform import attributes
from credmint.parsers.terraform.blocks import BlockView
from credmint.parsers.terraform.values import has_unknown
from credmint.parsers.terraform_plan.configuration import Path
from credmint.parsers.terraform_plan.lines import with_statement_lines

POLICY_ARGUMENTS = frozenset({"assume_role_policy", "policy", "content"})

MIRRORS = {"aws_iam_role": frozenset({"inline_policy", "managed_policy_arns"})}
"""Optional+computed arguments that mirror separate resources (`aws_iam_role_policy`,
`*_policy_attachment`) which are read on their own: when the author does not set them, their
planned value (unknown for a new role) adds nothing and is not read."""

JOIN_ARGUMENTS = frozenset(
    {"role", "user", "group", "roles", "users", "groups", "policy_arn", "policy_id"}
)
"""Arguments that name another entity; when unknown, the reference they are written with decides."""

_ARN = frozenset({"arn"})
_DOCUMENT = frozenset({"json", "minified_json"})

Resolve = Callable[..., object]
"""(address, argument or path, partial=False) → the value the argument's single reference
evaluates to, or None (parsers/terraform_plan/references.py)."""

_NOT_SET = object()


class PlanView:
    """A plan instance's (or nested block's) values, as a `BlockView` offers them."""

    def __init__(
        self,
        values: Mapping[str, object] | Unknown,
        *,
        address: str,
        source: Source,
        hcl_values: BlockView | None = None,
        hcl_block: BlockView | None = None,
        configured: Callable[[str], bool] = lambda name: False,
        mirrors: frozenset[str] = frozenset(),
        resolve: Resolve | None = None,
        path: Path = (),
    ) -> None:
        self.values = values
        self.address = address
        self._source = source
        self.hcl_values = hcl_values
        self.hcl_block = hcl_block or hcl_values
        self.configured = configured
        self.mirrors = mirrors
        self.resolve = resolve
        self.path = path
        """Where a nested block's view sits in its instance: `("statement", 0)`."""

    @property
    def source(self) -> Source:
        return self.hcl_block.source if self.hcl_block is not None else self._source

    @property
    def line(self) -> int:
        return self.source.line

    def _plan(self, name: str) -> object:
        if isinstance(self.values, Unknown):
            return Unknown(f"{self.values.expression}.{name}", self.values.reason)
        return self.values.get(name, _NOT_SET)

    def has(self, name: str) -> bool:
        value = self._plan(name)
        return value is not _NOT_SET or (self.hcl_values is not None and self.hcl_values.has(name))

    def get(self, name: str, default: object = None) -> object:
        value = self._plan(name)
        if value is _NOT_SET or value is None:
            return default
        if isinstance(value, Unknown) and name in self.mirrors and not self.configured(name):
            return default
        hcl = self.hcl_values.get(name) if self.hcl_values is not None else None
        if name in POLICY_ARGUMENTS and isinstance(value, str) and hcl is not None:
            line = self.hcl_values.literal_line(name) if self.hcl_values is not None else None
            rel = self.hcl_values.block.file.rel  # type: ignore[union-attr]
            return with_statement_lines(value, hcl, line, rel)
        if has_unknown(value) and hcl is not None:
            return fill(value, hcl)
        if has_unknown(value) and self.resolve is not None:
            resolved = self._resolved(name, value)
            if resolved is not None:
                return resolved
        return value

    def _resolved(self, name: str, value: object) -> object:
        """An unknown value whose expression refers to exactly one resource attribute takes
        that attribute's value (issue 13 §12): a join argument wholly; a policy argument when the
        attribute is a policy document's `json`; another argument, or the one unknown item of a
        list, when it is an `arn` (the configuration lists references, not the text around them:
        an ARN or a document is a whole value, where a name or an id may be part of one)."""
        assert self.resolve is not None
        path = (*self.path, name)
        if isinstance(value, Unknown):
            if name in JOIN_ARGUMENTS and not self.path:
                return self.resolve(self.address, name)
            wanted = _DOCUMENT if name in POLICY_ARGUMENTS else _ARN
            return self.resolve(self.address, path, partial=True, attributes=wanted)
        unknown = [i for i, item in enumerate(value) if isinstance(item, Unknown)] if isinstance(value, list) else []
        if len(unknown) != 1:
            return None
        resolved = self.resolve(self.address, path, partial=True, attributes=_ARN)
        if not isinstance(resolved, (str, Text)):
            return None
        return [resolved if i == unknown[0] else item for i, item in enumerate(value)]  # type: ignore[arg-type]

    def line_of(self, name: str) -> int:
        return self.source_of(name).line

    def source_of(self, name: str) -> Source:
        return self.hcl_block.source_of(name) if self.hcl_block is not None else self.source

    def literal_line(self, name: str) -> int | None:
        """The HCL line of a JSON text literal, when the plan holds that very text."""
        if self.hcl_values is None:
            return None
        value = self._plan(name)
        return self.hcl_values.literal_line(name) if value == self.hcl_values.get(name) else None

    def blocks(self, type_: str) -> list[PlanView]:
        """Nested blocks (`inline_policy`): a list of objects in the plan, paired with the HCL
        block of the same position when the counts agree."""
        value = self._plan(type_)
        if value is _NOT_SET or value is None:
            return []
        if isinstance(value, Unknown) and type_ in self.mirrors and not self.configured(type_):
            return []
        hcl = self.hcl_values.blocks(type_) if self.hcl_values is not None else []
        if isinstance(value, Unknown):
            if hcl:
                return [self._nested(value, i, block, type_) for i, block in enumerate(hcl)]
            return [self._nested(value, 0, None, type_)]
        if not isinstance(value, list):
            return []
        paired = hcl if len(hcl) == len(value) else [None] * len(value)
        return [
            self._nested(
                item if isinstance(item, Mapping) else Unknown(f"{self.address}.{type_}[{i}]"),
                i,
                block,
                type_,
            )
            for i, (item, block) in enumerate(zip(value, paired))
        ]

    def _nested(self, values: Mapping | Unknown, index: int, hcl: BlockView | None, type_: str) -> PlanView:
        return PlanView(
            values,
            address=self.address,
            source=hcl.source if hcl is not None else self.source,
            hcl_values=hcl,
            resolve=self.resolve,
            path=(*self.path, type_, index),
        )


def fill(plan: object, hcl: object) -> object:
    """The plan value, each unknown part taken from the HCL-evaluated value where it has one."""
    if isinstance(plan, (Unknown, Text)):
        return plan if hcl is None else hcl
    if isinstance(plan, Mapping) and isinstance(hcl, Mapping):
        return {key: fill(value, hcl.get(key)) for key, value in plan.items()}
    if isinstance(plan, list) and isinstance(hcl, list) and len(plan) == len(hcl):
        return [fill(p, h) for p, h in zip(plan, hcl)]
    return plan


class PlanObject:
    """One resource or data source instance of the plan, as `resources.py` reads a
    `ResourceObject`. `is_unset(argument)` is True when the configuration shows the author does
    not set the argument (False when it does, or does not say)."""

    def __init__(self, type_: str, address: str, view: PlanView, ctx: ParseContext, *,
                 kind: str = "resource", is_unset: Callable[[str], bool] = lambda name: False) -> None:
        self.type = type_
        self.address = address
        self.view = view
        self.ctx = ctx
        self.kind = kind
        self.is_unset = is_unset

    def config(self, name: str) -> object:
        value = self.view.get(name)
        if name == "name" and isinstance(value, Unknown):
            prefix = self.view.get("name_prefix")
            if isinstance(prefix, (str, Text)) and prefix:
                return None  # `name_prefix` given: the name is a `prefix*` pattern (DECISIONS.md)
            if self.is_unset("name") and self.is_unset("name_prefix"):
                # Neither set: Terraform generates a name. The entity exists whatever it is, so
                # it is a generated part, as in the HCL parser (issue 13 §12).
                return None
        if name == "name_prefix" and isinstance(value, Unknown) and self.is_unset(name):
            return None  # computed by the provider alongside a generated name, not the author's
        return value

    def attr(self, name: str) -> object:
        """A known planned value; else what the HCL parser computes it to be (an ARN from the
        name, path and account), else unknown."""
        value = self.view.get(name)
        if value is not None and not has_unknown(value):
            return value
        computed = attributes.computed(self, name)  # type: ignore[arg-type]
        if computed is not attributes.NOT_COMPUTED:
            return computed
        if value is not None:
            return value
        return Unknown(f"{self.address}.{name}", "known after apply")
