"""Policies in Terraform: `data "aws_iam_policy_document"` as the AWS provider renders it, and any
policy argument (jsonencode, heredoc, JSON string, a document's `.json`) read into a `PolicyDocument`.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Optional

from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel, PolicyDocument, Source, Text, Unknown, concat
from credmint.parsers.policy_json import document_from_json, lines_in_text
from credmint.parsers.terraform.blocks import BlockView
from credmint.parsers.terraform.values import EvalError, Json, LinedDict, LinedStr, to_text

if TYPE_CHECKING:
    from credmint.parsers.terraform.interfaces import ResourceObject

_ELEMENTS = (
    ("actions", "Action"),
    ("not_actions", "NotAction"),
    ("resources", "Resource"),
    ("not_resources", "NotResource"),
)


def render_document(obj: "ResourceObject") -> object:
    """The document's JSON, kept as structure; statements remember their `statement` block line."""
    view = obj.view
    statements: list[object] = []
    for document in _documents(view, "source_policy_documents", "source_json"):
        if isinstance(document, Unknown):
            return Unknown(f"{obj.address}.json", f"source policy {document} not known before apply")
        statements = _override(statements, document)
    own = [_statement(block) for block in view.blocks("statement")]
    statements = _override(statements, own)
    for document in _documents(view, "override_policy_documents", "override_json"):
        if isinstance(document, Unknown):
            return Unknown(f"{obj.address}.json", f"override policy {document} not known before apply")
        statements = _override(statements, document)
    rendered = LinedDict(source=view.source)
    rendered["Version"] = view.get("version") or "2012-10-17"
    if view.get("policy_id") is not None:
        rendered["Id"] = view.get("policy_id")
    rendered["Statement"] = statements
    return Json(rendered, origin=(view.source, obj.address))


def _documents(view: BlockView, many: str, one: str) -> list[object]:
    """Statements of each source/override document (an Unknown where a document is not known)."""
    values = view.get(many)
    if isinstance(values, (Unknown, Text)):
        return [Unknown(str(values), f"{many} not known before apply")]
    documents = list(values) if isinstance(values, list) else [] if values is None else [values]
    if view.get(one) is not None:
        documents.append(view.get(one))
    result = []
    for document in documents:
        data = decode(document)
        if isinstance(data, dict) and isinstance(data.get("Statement", []), (list, dict)):
            found = data.get("Statement", [])
            result.append(found if isinstance(found, list) else [found])
        else:
            result.append(data if isinstance(data, Unknown) else Unknown(str(document), "not a policy"))
    return result


def _override(base: list[object], newer: object) -> list[object]:
    """Statements of `newer` replace those of `base` with the same non-empty Sid; others append."""
    result = list(base)
    for statement in newer:  # type: ignore[union-attr]
        sid = statement.get("Sid") if isinstance(statement, dict) else None
        position = next(
            (i for i, s in enumerate(result) if sid and isinstance(s, dict) and s.get("Sid") == sid),
            None,
        )
        if position is None:
            result.append(statement)
        else:
            result[position] = statement
    return result


def _statement(block: BlockView) -> LinedDict:
    statement = LinedDict(source=block.source)
    sid = block.get("sid")
    if sid not in (None, ""):
        statement["Sid"] = sid
    statement["Effect"] = block.get("effect") or "Allow"
    for argument, element in _ELEMENTS:
        value = block.get(argument)
        if value is not None and value != []:
            statement[element] = value
    for element in ("Action", "Resource"):
        # A statement from a `dynamic` block over unknown values has every argument unknown; AWS
        # allows only one of X and NotX, so keep X (unknown) rather than an invalid pair.
        if isinstance(statement.get(element), Unknown) and isinstance(statement.get("Not" + element), Unknown):
            del statement["Not" + element]
    for argument, element in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
        principals = _principals(block.blocks(argument))
        if principals is not None:
            statement[element] = principals
    not_principals = statement.get("NotPrincipal")
    if "Principal" in statement and isinstance(not_principals, dict) and all(
        isinstance(kind, Unknown) for kind in not_principals
    ):
        del statement["NotPrincipal"]  # from a `dynamic` block over unknown values, as above
    conditions: dict = {}
    for condition in block.blocks("condition"):
        test, variable = _name(condition, "test"), _name(condition, "variable")
        values = condition.get("values")
        bucket = conditions.setdefault(test, {})
        previous = bucket.get(variable, [])
        bucket[variable] = _as_list(previous) + _as_list(values)
    if conditions:
        statement["Condition"] = conditions
    return statement


def _principals(blocks: list[BlockView]) -> object:
    """`{type: [identifiers]}`; a `*` type with `*` identifiers is `"*"`; empty blocks dropped."""
    principals: dict = {}
    for block in blocks:
        kind, identifiers = _name(block, "type"), block.get("identifiers")
        if identifiers is None or identifiers == []:
            continue  # the provider leaves out principals with no identifiers
        if kind == "*" and identifiers in ("*", ["*"]):
            return "*"
        principals[kind] = principals.get(kind, []) + _as_list(identifiers)
    return principals or None


def _name(block: BlockView, argument: str) -> object:
    """A string argument used as a JSON key (a principal type, a condition operator or key)."""
    value = block.get(argument)
    try:
        return value if isinstance(value, (str, Unknown, Text)) else to_text(value, argument)
    except EvalError:  # null, a list or a map: Terraform rejects the block
        return Unknown(f"{block.block.file_of(argument).snippet(block.block.attributes[argument].expression)}"
                       if argument in block.block.attributes else argument, f"{argument} is not a string")


def _as_list(value: object) -> list:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


# -- reading any policy argument ---------------------------------------------------------------


def read_policy(
    value: object, *, source: Source, address: str, first_line: Optional[int] = None
) -> tuple[PolicyDocument, list[Diagnostic]]:
    """The policy a Terraform argument holds.

    `first_line` is the file line where a JSON text literal starts (heredoc or quoted string), so
    that each statement gets its own line; statements of `jsonencode` objects and policy documents
    carry theirs already.
    """
    if isinstance(value, Json):
        if value.origin is not None:
            source, address = value.origin
        return document_from_json(
            _plain_json(value.value), source=source, address=address, line_of=_lined
        )
    if isinstance(value, Unknown):
        return PolicyDocument(source=source, address=address, unknown=value), []
    if isinstance(value, str) and not value.strip():
        # An empty policy: AWS rejects it at apply. Modules default to "" when switched off.
        return PolicyDocument(source=source, address=address), [
            Diagnostic(
                level=DiagnosticLevel.WARNING,
                message=f"{address}: policy is empty",
                file=source.file,
                line=source.line,
            )
        ]
    if isinstance(value, LinedStr) and first_line is None:
        # Written elsewhere (a local's heredoc, a file): the document is there, statements by line.
        source, first_line = value.source, value.source.line
    if isinstance(value, (str, Text)):
        data, problem = _decode_text(value)
        if problem is not None:
            return PolicyDocument(source=source, address=address), [
                Diagnostic(
                    level=DiagnosticLevel.ERROR,
                    message=f"{address}: policy is not valid JSON ({problem})",
                    file=source.file,
                    line=source.line,
                )
            ]
        line_of = lines_in_text(str(value), first_line) if first_line is not None else None
        return document_from_json(data, source=source, address=address, line_of=line_of)
    if isinstance(value, dict):
        return document_from_json(_plain_json(value), source=source, address=address, line_of=_lined)
    return PolicyDocument(source=source, address=address), [
        Diagnostic(
            level=DiagnosticLevel.ERROR,
            message=f"{address}: policy must be a JSON string",
            file=source.file,
            line=source.line,
        )
    ]


def decode(value: object) -> object:
    """A JSON policy argument as data (an `Unknown` when its text cannot be known)."""
    if isinstance(value, Json):
        return _plain_json(value.value)
    if isinstance(value, (str, Text)):
        data, problem = _decode_text(value)
        return Unknown(str(value), f"not valid JSON: {problem}") if problem else data
    return value


def _lined(raw: object, index: int) -> Optional[Source]:
    return raw.source if isinstance(raw, LinedDict) else None


def _plain_json(value: object) -> object:
    """Nested `Json` leaves (a jsonencode inside a jsonencode) become the text they encode."""
    if isinstance(value, Json):
        return to_text(value, "jsonencode(...)")
    if isinstance(value, LinedDict):
        result = LinedDict(source=value.source)
        result.update({k: _plain_json(v) for k, v in value.items()})
        return result
    if isinstance(value, dict):
        return {k: _plain_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_json(v) for v in value]
    return value


_TOKEN = "@@credmint-unknown-{}@@"
_TOKEN_PATTERN = re.compile(r"@@credmint-unknown-(\d+)@@")


def _decode_text(value: object) -> tuple[object, Optional[str]]:
    """Decode JSON text whose unknown parts (`${var.x}` in a heredoc) stay `Unknown` leaves.

    An unknown part inside a JSON string becomes part of that string (`Text`); one outside any string
    (`"Action": ${jsonencode(var.actions)}`) becomes an unknown value in its place.
    """
    if isinstance(value, str):
        try:
            return json.loads(value), None
        except ValueError as problem:
            return None, str(problem)
    assert isinstance(value, Text)
    unknowns: list[Unknown] = []
    chunks: list[str] = []
    in_string = False
    for part in value.parts:
        if isinstance(part, str):
            chunks.append(part)
            in_string = _ends_in_string(part, in_string)
        else:
            token = _TOKEN.format(len(unknowns))
            unknowns.append(part)
            chunks.append(token if in_string else f'"{token}"')
    try:
        data = json.loads("".join(chunks))
    except ValueError as problem:
        return None, str(problem)
    return _restore(data, unknowns), None


def _ends_in_string(text: str, in_string: bool) -> bool:
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\" and in_string:
            escaped = True
        elif char == '"':
            in_string = not in_string
    return in_string


def _restore(data: object, unknowns: list[Unknown]) -> object:
    if isinstance(data, str):
        pieces = _TOKEN_PATTERN.split(data)
        if len(pieces) == 1:
            return data
        parts = [unknowns[int(p)] if i % 2 else p for i, p in enumerate(pieces)]
        return concat(*parts)
    if isinstance(data, dict):
        return {_restore(k, unknowns): _restore(v, unknowns) for k, v in data.items()}
    if isinstance(data, list):
        return [_restore(v, unknowns) for v in data]
    return data
