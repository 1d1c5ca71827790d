"""Normalise an IAM policy document, decoded from JSON, into the inventory's `PolicyDocument`.

Shared by the Terraform and CloudFormation parsers: both first turn their input into plain Python
data (dicts, lists, scalars) whose leaves may already be `Unknown` or `Text` (a reference not known
before apply); this module applies the policy grammar once, so both formats read it the same way.
"""

from __future__ import annotations

import json
from typing import Callable, Mapping, Union

from credmint.analyzer.inventory import (
    CURRENT_ACCOUNT,
    Condition,
    Diagnostic,
    DiagnosticLevel,
    Effect,
    PolicyDocument,
    Principal,
    PrincipalKind,
    Source,
    Statement,
    Text,
    Unknown,
    Value,
)

LineOf = Callable[[object, int], Union[int, Source, None]]
"""Given a statement object and its index in `Statement`, where it is written: a line of the
document's file, a `Source` (a statement merged in from elsewhere), or None (the document's line)."""

_PRINCIPAL_KINDS = {kind.value: kind for kind in PrincipalKind if kind is not PrincipalKind.ANY}
_DOCUMENT_ELEMENTS = ("Version", "Id", "Statement")
_STATEMENT_ELEMENTS = (
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition",
)


class _Invalid(Exception):
    """A shape AWS would reject; becomes an error diagnostic at the statement's line."""


REJECTED = "AWS rejects the policy: "
"""Opens the message of a document AWS refuses outright whatever the format reads it (a misspelt
element, a statement without actions): always an error, where a format may otherwise report a
left-out statement as a warning (docs/DECISIONS.md, issue 13)."""


def document_from_json(
    data: object,
    *,
    source: Source,
    address: str,
    line_of: LineOf | None = None,
) -> tuple[PolicyDocument, list[Diagnostic]]:
    """The policy document `data` describes, and the problems found in it.

    `source` is where the document is written (used for the document and for statements whose own
    line `line_of` cannot give). Never raises: an invalid statement is left out with an error
    diagnostic, since AWS would reject the whole policy anyway.
    """
    diagnostics: list[Diagnostic] = []
    if isinstance(data, (Unknown, Text)):
        unknown = data if isinstance(data, Unknown) else Unknown(str(data), "policy text not known")
        return PolicyDocument(source=source, address=address, unknown=unknown), diagnostics
    if not isinstance(data, Mapping):
        diagnostics.append(_error(source, f"{address}: policy document is not a JSON object"))
        return PolicyDocument(source=source, address=address), diagnostics
    misspelt = _misspelt_element(data, _DOCUMENT_ELEMENTS)
    if misspelt:
        diagnostics.append(_error(source, f"{address}: {REJECTED}policy {misspelt}"))
    version = data.get("Version")
    version_text = None if version is None else _scalar_text(version)
    raw_statements = data.get("Statement")
    if isinstance(raw_statements, Unknown):
        document = PolicyDocument(
            source=source, address=address, version=_plain(version_text), unknown=raw_statements
        )
        return document, diagnostics
    if isinstance(raw_statements, Mapping):
        raw_statements = [raw_statements]
    elif not isinstance(raw_statements, list):
        diagnostics.append(
            _error(source, f"{address}: policy Statement must be a list or an object")
        )
        raw_statements = []
    statements = []
    for index, raw in enumerate(raw_statements):
        where = line_of(raw, index) if line_of else None
        if isinstance(where, Source):
            here = where
        else:
            here = Source(file=source.file, line=where or source.line)
        try:
            statements.append(_statement(raw, here, address))
        except _Invalid as problem:
            diagnostics.append(_error(here, f"{address}: {problem}"))
    document = PolicyDocument(
        source=source,
        address=address,
        version=_plain(version_text),
        statements=tuple(statements),
    )
    return document, diagnostics


def document_from_text(
    text: str, *, source: Source, address: str, first_line: int | None = None
) -> tuple[PolicyDocument, list[Diagnostic]]:
    """Decode a JSON policy string; `first_line` is the file line of the text's first line.

    With `first_line`, each statement's line is found by locating its opening brace in the text.
    """
    try:
        data = json.loads(text)
    except ValueError as problem:
        line = source.line
        if first_line is not None and hasattr(problem, "lineno"):
            line = first_line + problem.lineno - 1  # type: ignore[attr-defined]
        message = f"{address}: policy is not valid JSON ({problem})"
        return PolicyDocument(source=source, address=address), [
            _error(Source(file=source.file, line=line), message)
        ]
    line_of = None if first_line is None else lines_in_text(text, first_line)
    return document_from_json(data, source=source, address=address, line_of=line_of)


def lines_in_text(text: str, first_line: int) -> LineOf:
    """A `line_of` for JSON text whose first line is `first_line` of its file."""
    starts = statement_line_offsets(text)
    return lambda _raw, index: first_line + starts[index] if index < len(starts) else None


def statement_line_offsets(text: str) -> list[int]:
    """Line offsets (0-based) of the objects inside the top-level `Statement` of JSON text."""
    decoder = json.JSONDecoder()
    key = text.find('"Statement"')
    if key < 0:
        return []
    colon = text.find(":", key)
    pos = colon + 1
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    if pos >= len(text):
        return []
    if text[pos] == "{":
        return [text.count("\n", 0, pos)]
    if text[pos] != "[":
        return []
    offsets = []
    pos += 1
    while pos < len(text):
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            break
        offsets.append(text.count("\n", 0, pos))
        try:
            _, pos = decoder.raw_decode(text, pos)
        except ValueError:
            break
    return offsets


def _statement(raw: object, source: Source, address: str) -> Statement:
    if isinstance(raw, Unknown):
        return Statement(source=source, address=address, effect=raw, unknown=raw)
    if not isinstance(raw, Mapping):
        raise _Invalid("a policy statement must be a JSON object")
    misspelt = _misspelt_element(raw, _STATEMENT_ELEMENTS)
    if misspelt:
        raise _Invalid(f"{REJECTED}statement {misspelt}")
    unknowns: list[Unknown] = []
    effect = _effect(raw.get("Effect"))
    if "Action" not in raw and "NotAction" not in raw:
        raise _Invalid(f"{REJECTED}statement has no Action or NotAction")
    sid = raw.get("Sid")
    actions, is_not_action = _either(raw, "Action", "NotAction", unknowns)
    resources, is_not_resource = _either(raw, "Resource", "NotResource", unknowns)
    principals, is_not_principal = _principals(raw, unknowns)
    conditions = _conditions(raw.get("Condition"), unknowns)
    return Statement(
        source=source,
        address=address,
        effect=effect,
        sid=None if sid is None else str(_scalar_text(sid)),
        actions=actions or (),
        is_not_action=is_not_action,
        resources=resources,
        is_not_resource=is_not_resource,
        principals=principals,
        is_not_principal=is_not_principal,
        conditions=conditions,
        unknown=unknowns[0] if unknowns else None,
    )


def _misspelt_element(raw: Mapping, elements: tuple[str, ...]) -> str:
    """The first key that names a policy element in the wrong case (`action`, `principal`), said in
    words; "" when there is none. Element names are case-sensitive (the grammar spells them, and AWS
    rejects `action` as an unknown element), so such a statement is no statement: an error, never
    silently read as lacking that element."""
    for key in raw:
        if isinstance(key, str) and key not in elements:
            proper = next((element for element in elements if element.lower() == key.lower()), None)
            if proper is not None:
                return f"element {key!r} is not {proper!r}: element names are case-sensitive"
    return ""


def _effect(value: object) -> Effect | Unknown:
    if isinstance(value, Unknown):
        return value
    if isinstance(value, Text):
        return Unknown(str(value), "Effect not known before apply")
    if value in ("Allow", "Deny"):
        return Effect(value)
    if isinstance(value, str) and value.capitalize() in ("Allow", "Deny"):
        # Written so in production templates (AWS Control Tower Account Factory) that deploy:
        # read it as meant rather than drop a statement that may grant access.
        return Effect(value.capitalize())
    if value is None:
        raise _Invalid("statement has no Effect")
    raise _Invalid(f"Effect must be Allow or Deny, not {value!r}")


def _either(
    raw: Mapping, name: str, not_name: str, unknowns: list[Unknown]
) -> tuple[tuple[Value, ...] | None, bool]:
    """The values of `name` or of its `Not` form (AWS allows only one of them)."""
    if name in raw and not_name in raw:
        raise _Invalid(f"statement has both {name} and {not_name}")
    if not_name in raw:
        return _values(raw[not_name], not_name, unknowns), True
    if name in raw:
        return _values(raw[name], name, unknowns), False
    return None, False


def _values(value: object, name: str, unknowns: list[Unknown]) -> tuple[Value, ...]:
    """A scalar or a list of scalars as a tuple; a wholly unknown list is one unknown value."""
    if isinstance(value, Unknown):
        if value != CURRENT_ACCOUNT:  # the account is one known value, whatever its id
            unknowns.append(value)
        return (value,)
    items = value if isinstance(value, (list, tuple)) else [value]
    result = []
    for item in items:
        if item is None:
            raise _Invalid(f"{name} holds null")
        if isinstance(item, (Mapping, list, tuple)):
            raise _Invalid(f"{name} must hold strings, not {type(item).__name__}")
        text = _scalar_text(item)
        if isinstance(text, Unknown) and text != CURRENT_ACCOUNT:
            unknowns.append(text)
        result.append(text)
    return tuple(result)


def _principals(
    raw: Mapping, unknowns: list[Unknown]
) -> tuple[tuple[Principal, ...] | None, bool]:
    if "Principal" in raw and "NotPrincipal" in raw:
        raise _Invalid("statement has both Principal and NotPrincipal")
    name = "NotPrincipal" if "NotPrincipal" in raw else "Principal"
    if name not in raw:
        return None, False
    value = raw[name]
    is_not = name == "NotPrincipal"
    if value == "*":
        return (Principal(kind=PrincipalKind.ANY, value="*"),), is_not
    if isinstance(value, Unknown):
        unknowns.append(value)
        return (), is_not
    if not isinstance(value, Mapping):
        raise _Invalid(f'{name} must be "*" or an object keyed by principal type')
    principals = []
    for key, identifiers in value.items():
        if isinstance(key, (Unknown, Text)):
            unknowns.append(key if isinstance(key, Unknown) else Unknown(str(key), "principal type"))
            continue
        kind = _PRINCIPAL_KINDS.get(key)
        if kind is None:
            raise _Invalid(f"{REJECTED}unknown principal type {key!r} in {name}")
        for identifier in _values(identifiers, f"{name}.{key}", unknowns):
            principals.append(Principal(kind=kind, value=identifier))
    return tuple(principals), is_not


def _conditions(value: object, unknowns: list[Unknown]) -> tuple[Condition, ...]:
    if value is None:
        return ()
    if isinstance(value, Unknown):
        unknowns.append(value)
        return ()
    if not isinstance(value, Mapping):
        raise _Invalid("Condition must be an object of operators")
    conditions = []
    for operator, keys in value.items():
        if isinstance(keys, Unknown):
            unknowns.append(keys)
            continue
        if not isinstance(keys, Mapping):
            raise _Invalid(f"Condition operator {operator} must map keys to values")
        for key, values in keys.items():
            if isinstance(key, Unknown):
                unknowns.append(key)
            elif isinstance(key, Text):
                unknowns.extend(part for part in key.parts if isinstance(part, Unknown))
            conditions.append(
                Condition(
                    operator=str(operator),
                    key=str(key),
                    values=_values(values, f"Condition {operator} {key}", unknowns),
                )
            )
    return tuple(conditions)


def _scalar_text(value: object) -> Value:
    """A scalar as the string AWS compares: `true` → "true", `5` → "5"."""
    if isinstance(value, (str, Unknown, Text)):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    return str(value)


def _plain(value: Value | None) -> str | None:
    return None if value is None else str(value)


def _error(source: Source, message: str) -> Diagnostic:
    return Diagnostic(
        level=DiagnosticLevel.ERROR, message=message, file=source.file, line=source.line
    )
