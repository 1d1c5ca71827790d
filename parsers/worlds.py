"""Choices made at deploy time, explored both ways (issue 13 §11).

A conditional whose condition depends on a deployer's choice (a Terraform variable without a value
in the scanned tfvars, `terraform.workspace`, a CloudFormation parameter the deployer may override)
is not decided by the default alone: the template is read once per *world*, an assignment of true
or false to each such condition, and the worlds' inventories are merged. What every world has is
kept as it is; what only some worlds have is kept with an `unknown` naming the choice
(`when Env = prod`), so the grants it makes are `uncertain` and say why. The default is never
silently the only world.

The number of worlds is bounded (`MAX_CHOICES` conditions, 2**MAX_CHOICES worlds). Past it, the
reads are the default's world, each choice flipped alone, and one world in which every
choice-dependent condition is unknown: it stands for every combination, so that what they gate is
still analysed, as uncertain (fail closed), rather than multiplied or dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from itertools import product
from typing import Callable, Iterable, Mapping, Optional, Sequence

from credmint.analyzer.inventory import (
    DEPLOY_CHOICE,
    Attachment,
    Diagnostic,
    DiagnosticLevel,
    Effect,
    Inventory,
    Membership,
    PolicyDocument,
    Statement,
    Unknown,
    render,
    stand_in_statement,
)

MAX_CHOICES = 4
"""Conditions explored both ways in one template or root module: 16 worlds at most."""
MAX_FLIPS = 32
"""Past `MAX_CHOICES`, this many choices are still read flipped one at a time."""
MAX_PIECES = 64
"""A statement present in some worlds only is split by principal, action and resource (ORed
lists) so that a part every world has stays certain; past this many parts it is not split."""


@dataclass(frozen=True)
class Choice:
    """A condition met while reading: how its negation reads, its value without a choice (None:
    unknown) and the values the deployer chooses that it reads (parameter or variable names)."""

    negation: str
    default: Optional[bool]
    reads: frozenset[str] = frozenset()


@dataclass
class World:
    """One assignment of truth values to choice-dependent conditions, keyed by their text."""

    assignment: Mapping[str, bool] = field(default_factory=dict)
    is_blind: bool = False
    """Past the bound: every choice-dependent condition is unknown."""
    chosen_otherwise: frozenset[str] = frozenset()
    """Values read by a condition this world decides against its default: the deployer chose
    something else than the default, so elsewhere too they are unknown, not the default."""
    found: dict[str, Choice] = field(default_factory=dict)
    """Conditions met that the assignment does not decide."""

    def decide(self, key: str, default: Optional[bool], negation: str,
               reads: frozenset[str] = frozenset()) -> Optional[bool]:
        """The truth of the condition `key` in this world (None: unknown)."""
        if self.is_blind:
            return None
        if key in self.assignment:
            return self.assignment[key]
        # One condition text in several instances of a module (each handed its own choice): a
        # world that flips it chooses otherwise every value any of them reads.
        known = self.found.get(key)
        self.found[key] = Choice(negation, default, reads | known.reads) if known else Choice(negation, default, reads)
        return default


Read = Callable[[World], Inventory]


def explore(read: Read) -> Inventory:
    """The inventory over every world `read` reveals (see the module's docstring)."""
    first = World()
    inventory = read(first)
    found = dict(first.found)
    if not found:
        return inventory
    while len(found) <= MAX_CHOICES:
        # The default's world first, so that what it reads keeps its order in the report.
        sides = [(True, False) if c.default is not False else (False, True) for c in found.values()]
        worlds = [_world(dict(zip(found, values)), found) for values in product(*sides)]
        results = [(world, read(world)) for world in worlds]
        new = {key: item for world in worlds for key, item in world.found.items() if key not in found}
        if not new:
            return merge_worlds(results, _negations(found))
        found.update(new)
    return _beyond_the_bound(read, inventory, found)


def _world(assignment: dict[str, bool], found: Mapping[str, Choice]) -> World:
    otherwise = frozenset(name for key, value in assignment.items()
                          if found[key].default is not None and value != found[key].default
                          for name in found[key].reads)
    return World(assignment, chosen_otherwise=otherwise)


def _beyond_the_bound(read: Read, inventory: Inventory, found: dict[str, Choice]) -> Inventory:
    """Too many choices to combine: the default's world, each choice flipped alone (up to
    `MAX_FLIPS`), and one world where every choice is unknown, which stands for every
    combination (fail closed: what they gate is uncertain, never dropped)."""
    defaults = {key: c.default for key, c in found.items() if c.default is not None}
    results = [(World(defaults), inventory)]  # the default's world, its choices spelt out
    for key in list(defaults)[:MAX_FLIPS]:
        world = _world({**defaults, key: not defaults[key]}, found)
        results.append((world, read(world)))
    blind = World(is_blind=True, chosen_otherwise=frozenset(n for c in found.values() for n in c.reads))
    results.append((blind, read(blind)))
    merged = merge_worlds(results, _negations(found))
    where = merged.inputs[0].path if merged.inputs else ""
    warning = Diagnostic(
        level=DiagnosticLevel.WARNING, file=where, line=0,
        message=f"{len(found)} conditions depend on choices made at deploy time, more than "
                f"{MAX_CHOICES} to combine: each is read both ways alone, and all together as "
                "unknown",
    )
    return replace(merged, diagnostics=(*merged.diagnostics, warning))


def _negations(found: Mapping[str, Choice]) -> dict[str, str]:
    return {key: choice.negation for key, choice in found.items()}


def merge_worlds(results: Sequence[tuple[World, Inventory]], negations: Mapping[str, str]) -> Inventory:
    """One inventory: what all worlds share as read, the rest tagged with the choice it needs."""
    merger = _Merger([world.assignment for world, _ in results], negations)
    inventories = [inventory for _, inventory in results]
    for index, inventory in enumerate(inventories):
        merger.count(index, inventory)
    merged: dict[str, list] = {}
    for name in ("users", "groups", "roles", "policies", "providers", "scps"):
        versions: dict[tuple, list] = {}
        for index, inventory in enumerate(inventories):
            for entity in getattr(inventory, name):
                versions.setdefault(_entity_key(entity), []).append((index, entity))
        merged[name] = [merger.entity(group) for group in versions.values()]
    return Inventory(
        **{name: tuple(items) for name, items in merged.items()},
        inputs=inventories[0].inputs,
        diagnostics=_diagnostics(results, negations),
    )


def _diagnostics(results: Sequence[tuple[World, Inventory]], negations: Mapping[str, str]) -> tuple:
    """The default's world's diagnostics as read; of the others, warnings, and errors demoted to
    warnings naming the choices: a world mixes the deployer's choices with the defaults of every
    other value, a combination a real deployment may never make (terraform-aws-eks with its own
    KMS key switched off and no key given reads `Resource: null`). What such a world cannot read
    gives no grant there, as AWS would refuse it; the default's world alone decides the exit
    status. Notes (INFO) of the default's world only: the others repeat what choices make unknown."""
    (first, default), others = results[0], results[1:]
    kept = list(default.diagnostics)
    seen = {(d.file, d.line, d.message) for d in kept}
    for world, inventory in others:
        for d in inventory.diagnostics:
            if d.level is DiagnosticLevel.INFO or (d.file, d.line, d.message) in seen:
                continue
            if d.level is DiagnosticLevel.ERROR:
                d = replace(d, level=DiagnosticLevel.WARNING, message=f"{_describe(world, first, negations)}: {d.message}")
            kept.append(d)
    return tuple(dict.fromkeys(kept))


def _describe(world: World, first: World, negations: Mapping[str, str]) -> str:
    if world.is_blind:
        return "with every choice made at deploy time unknown"
    parts = [key if value else negations[key] for key, value in world.assignment.items()
             if first.assignment.get(key) != value]
    return "when " + " and ".join(parts) if parts else "in another world of choices"


def _entity_key(entity: object) -> tuple:
    arn = getattr(entity, "arn", None)
    return (type(entity).__name__, getattr(entity, "address", ""), render(arn) if arn is not None else "")


class _Merger:
    """Knows in which worlds each statement part, attachment and membership is found."""

    def __init__(self, assignments: list[Mapping[str, bool]], negations: Mapping[str, str]) -> None:
        self.assignments = assignments
        self.negations = negations
        self.presence: dict[object, set[int]] = {}

    # -- where things are ------------------------------------------------------------------

    def count(self, index: int, inventory: Inventory) -> None:
        for entity in (*inventory.users, *inventory.groups, *inventory.roles, *inventory.policies,
                       *inventory.providers, *inventory.scps):
            key = _entity_key(entity)
            for document in _documents(entity):
                for statement in document.statements:
                    for piece in _pieces(statement):
                        self.presence.setdefault((key, piece), set()).add(index)
                        self.presence.setdefault((key, _shape(piece)), set()).add(index)
            for item in (*getattr(entity, "attachments", ()), *getattr(entity, "groups", ())):
                self.presence.setdefault((key, item), set()).add(index)

    def everywhere(self, thing: object) -> bool:
        return len(self.presence.get(thing, ())) == len(self.assignments)

    def tag(self, thing: object) -> Unknown:
        """The choice under which `thing` exists: the values its worlds agree on and some world
        without it does not."""
        present = self.presence.get(thing, set())
        worlds = [self.assignments[i] for i in sorted(present)]
        absent = [world for i, world in enumerate(self.assignments) if i not in present]
        common = {}
        for key in self.negations:
            values = {world.get(key) for world in worlds}
            if len(values) == 1 and None not in values:
                common[key] = values.pop()
        differing = [[key for key, value in common.items() if world.get(key) not in (None, value)]
                     for world in absent]
        # A value that alone tells a world without `thing` from one with it; else every value
        # that tells some apart.
        pivotal = {keys[0] for keys in differing if len(keys) == 1}
        chosen = pivotal or {key for keys in differing for key in keys}
        parts = [key if common[key] else self.negations[key] for key in common if key in chosen]
        if not parts:
            keys = list(self.negations)
            shown = "; ".join(keys[:3]) + ("; ..." if len(keys) > 3 else "")
            return Unknown(f"for some of the choices {shown}", DEPLOY_CHOICE)
        text = " and ".join(parts)
        return Unknown(f"when {text}", DEPLOY_CHOICE)

    # -- merging ---------------------------------------------------------------------------

    def entity(self, versions: list[tuple[int, object]]) -> object:
        first = versions[0][1]
        key = _entity_key(first)
        changes: dict[str, object] = {}
        for item in fields(first):  # type: ignore[arg-type]
            values = [getattr(entity, item.name) for _, entity in versions]
            if isinstance(values[0], PolicyDocument):
                changes[item.name] = self.document(key, [v for v in values if v is not None])
            elif item.name == "trust_policy":
                present = [v for v in values if v is not None]
                changes[item.name] = self.document(key, present) if present else None
            elif item.name == "inline_policies":
                changes[item.name] = self.inline(key, values)
            elif item.name in ("attachments", "groups"):
                changes[item.name] = tuple(dict.fromkeys(
                    self.gated(key, thing) for value in values for thing in value))
            elif item.name == "permissions_boundary":
                # A boundary some worlds lack limits nothing there: over-approximate, never cut.
                changes[item.name] = values[0] if len(set(values)) == 1 and len(values) == len(
                    self.assignments) else None
            elif isinstance(values[0], tuple):
                changes[item.name] = tuple(dict.fromkeys(v for value in values for v in value))
        return replace(first, **changes)  # type: ignore[type-var]

    def gated(self, key: tuple, thing: Attachment | Membership) -> Attachment | Membership:
        if self.everywhere((key, thing)) or thing.unknown is not None:
            return thing
        return replace(thing, unknown=self.tag((key, thing)))

    def inline(self, key: tuple, values: list[tuple]) -> tuple:
        groups: dict[tuple, list] = {}
        for value in values:
            for policy in value:
                groups.setdefault((render(policy.name), policy.address, policy.source), []).append(policy)
        return tuple(
            replace(policies[0], document=self.document(key, [p.document for p in policies]))
            for policies in groups.values()
        )

    def document(self, key: tuple, documents: list[PolicyDocument]) -> PolicyDocument:
        """The documents one entity has in the worlds it exists in, as one."""
        if all(d.unknown is not None and d == documents[0] for d in documents):
            return documents[0]  # wholly unknown alike in every world
        statements: list[Statement] = []
        for document in documents:
            if document.unknown is not None:  # unknown in some worlds only: it may allow anything
                statements.append(stand_in_statement(document, document.unknown))
            for statement in document.statements:
                statements.extend(self.statement(key, statement))
        return replace(documents[0], statements=tuple(dict.fromkeys(statements)), unknown=None)

    def statement(self, key: tuple, statement: Statement) -> list[Statement]:
        pieces = _pieces(statement)
        if all(self.everywhere((key, piece)) for piece in pieces):
            return [statement]
        return [
            piece if self.everywhere((key, piece)) or piece.unknown is not None
            or (piece.effect is Effect.ALLOW and self.everywhere((key, _shape(piece))))
            else replace(piece, unknown=self.tag((key, piece)))
            for piece in pieces
        ]


def _documents(entity: object) -> Iterable[PolicyDocument]:
    for item in fields(entity):  # type: ignore[arg-type]
        value = getattr(entity, item.name)
        if isinstance(value, PolicyDocument):
            yield value
        elif item.name == "inline_policies":
            yield from (policy.document for policy in value)


def _shape(piece: Statement) -> tuple[str, Statement]:
    """A statement part without its conditions: an Allow every world has in some shape is
    granted in every world, under conditions that differ; it is kept as each world reads it,
    untagged (the most permissive shape decides, never a drop). A Deny is never treated so: a
    Deny without conditions in one world must not cut the grant another world gives."""
    return ("shape", replace(piece, conditions=(), unknown=None))


def _pieces(statement: Statement) -> list[Statement]:
    """The statement split along its ORed lists (Principal, Action, Resource); the negated forms
    (`NotPrincipal`, ...) exclude together and are never split."""

    def split(values: tuple | None, is_negated: bool) -> list:
        return [(value,) for value in values] if values and not is_negated else [values]

    principals = split(statement.principals, statement.is_not_principal)
    actions = split(statement.actions, statement.is_not_action)
    resources = split(statement.resources, statement.is_not_resource)
    if not 1 < len(principals) * len(actions) * len(resources) <= MAX_PIECES:
        return [statement]
    return [
        replace(statement, principals=p, actions=a, resources=r)
        for p, a, r in product(principals, actions, resources)
    ]
