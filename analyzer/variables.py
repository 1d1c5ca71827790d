"""Policy variables in Resource entries and Condition values: `${aws:username}` and the like,
resolved for one caller.

IAM User Guide, reference_policies_variables:
- Variables work only under `"Version": "2012-10-17"`; elsewhere `${...}` is literal text (SEMANTICS.md §6).
- `${*}`, `${?}` and `${$}` stand for the literal characters `*`, `?` and `$` ("special characters"):
  never wildcards. A literal `*` or `?` is kept as a private-use character (`patterns.LITERAL`) so
  that matching reads it as the character itself and reports can write it back as `${*}`.
- A variable with a default (`${aws:PrincipalTag/team, 'none'}`) takes the default when the key has
  no value.
- "If AWS cannot resolve a variable this might cause the entire statement to be invalid": a variable
  the caller's kind can never have (`${aws:username}` for a role) makes the statement give that
  caller nothing — `None` here, never a placeholder inside an identity.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Sequence

from credmint.analyzer.conditions import CallerContext
from credmint.analyzer.inventory import Condition, Text, Unknown, Value, concat
from credmint.analyzer.patterns import LITERAL

VARIABLE = re.compile(r"\$\{([^}]*)\}")
SPECIAL = {"*": LITERAL["*"], "?": LITERAL["?"], "$": "$"}
VERSION = "2012-10-17"
REQUEST_TIME = "policy variable resolved at request time"


def variable_key(text: str) -> tuple[str, str | None]:
    """The lower-cased context key a variable reads, and its default value when one is written."""
    name, comma, default = text.partition(",")
    default = default.strip()
    if comma and len(default) >= 2 and default[0] == default[-1] == "'":
        return name.strip().lower(), default[1:-1]
    return name.strip().lower(), None


def variable_keys(pattern: Value, version: str | None) -> list[str]:
    """The context keys a Resource entry reads through its variables."""
    if version != VERSION or not isinstance(pattern, str):
        return []
    return [variable_key(text)[0] for text in VARIABLE.findall(pattern) if text not in SPECIAL]


def substitute_variables(pattern: Value, version: str | None, context: CallerContext) -> Value | None:
    """`pattern` with its variables resolved for a caller; None when one can have no value for it."""
    if version != VERSION or not isinstance(pattern, str) or "${" not in pattern:
        return pattern
    pieces: list[Value] = []
    position = 0
    for found in VARIABLE.finditer(pattern):
        pieces.append(pattern[position:found.start()])
        position = found.end()
        if found.group(1) in SPECIAL:
            pieces.append(SPECIAL[found.group(1)])
            continue
        key, default = variable_key(found.group(1))
        known = context.known.get(key)
        if known and len(known) == 1:
            pieces.append(known[0])
        elif key in context.absent:
            if default is None:
                return None
            pieces.append(default)
        else:
            pieces.append(Unknown(found.group(1), REQUEST_TIME))
    pieces.append(pattern[position:])
    return concat(*pieces)


def resolved_resources(
    resources: Sequence[Value], version: str | None, context: CallerContext
) -> tuple[Value, ...] | None:
    """A statement's Resource (or NotResource) entries resolved for a caller; None when the statement
    gives it nothing because one of them holds a variable it cannot have."""
    found = []
    for pattern in resources:
        value = substitute_variables(pattern, version, context)
        if value is None:
            return None
        found.append(value)
    return tuple(found)


def resolved_condition(condition: Condition, version: str | None, context: CallerContext) -> Condition | None:
    """A condition with the variables of its values resolved for a caller (`StringEquals
    aws:PrincipalAccount "${aws:PrincipalAccount}"` holds for everyone); None when one can have no
    value for it (the statement gives it nothing). A value still reading the request (`${aws:SourceIp}`)
    leaves the condition as written: it stays on the grant, decided at the call."""
    values: list[Value] = []
    for value in condition.values:
        resolved = substitute_variables(value, version, context)
        if resolved is None:
            return None
        if isinstance(resolved, Text) and any(
            isinstance(part, Unknown) and part.reason == REQUEST_TIME for part in resolved.parts
        ):
            return condition
        values.append(resolved)
    if all(new is old for new, old in zip(values, condition.values)):
        return condition  # no variable in it: the condition itself, not a copy per request
    return replace(condition, values=tuple(values))
