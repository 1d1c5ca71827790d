"""Policy documents of a template, as inventory `PolicyDocument`s with per-statement lines.

The policy grammar itself is `credmint.parsers.policy_json`'s; this module adds what is CloudFormation's:
statement lines from the loader's positions, policy text given as a JSON string, and statements
that exist only under a condition unknown before deployment. Those are kept, with the condition
as their `unknown`, so that the grants they make are uncertain and name it (issue 4 §2).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Mapping

from credmint.analyzer.inventory import (
    Diagnostic,
    DiagnosticLevel,
    PolicyDocument,
    Source,
    Statement,
    Unknown,
)
from credmint.parsers.cloudformation.branches import alternatives, choices, has_either
from credmint.parsers.cloudformation.functions import NO_VALUE
from credmint.parsers.cloudformation.nodes import line_of
from credmint.parsers.policy_json import REJECTED, document_from_json, document_from_text


def read_document(
    raw: Any, source: Source, address: str, gate: tuple[Unknown, ...] = ()
) -> tuple[PolicyDocument, list[Diagnostic]]:
    """The document `raw` describes; `gate` are the unknown conditions its resource exists under."""
    if isinstance(raw, str):
        document, problems = document_from_text(raw, source=source, address=address)
        if not document.statements and any("not valid JSON" in p.message for p in problems):
            return document, problems  # unreadable, not rejected: an error, the run fails (issue 9)
    elif not has_either(raw):
        document, problems = document_from_json(raw, source=source, address=address,
                                                line_of=_statement_line)
    else:
        document, problems = _conditional_document(raw, source, address)
    if gate:
        document = replace(document, statements=tuple(
            replace(statement, unknown=gate[0]) for statement in document.statements))
    return document, [_as_warning(problem) for problem in problems]


def _as_warning(problem: Diagnostic) -> Diagnostic:
    """A statement AWS would reject is left out, and said so as a warning: the template itself
    was read (CONTRACT.md keeps errors, and exit status 2, for inputs that cannot be read). A
    document AWS refuses outright (`REJECTED`: a misspelt element) stays an error (issue 13)."""
    if REJECTED in problem.message:
        return problem
    return replace(problem, level=DiagnosticLevel.WARNING)


def _conditional_document(
    raw: Any, source: Source, address: str
) -> tuple[PolicyDocument, list[Diagnostic]]:
    """A document holding `Fn::If` on unknown conditions: every statement it may hold."""
    statements: list[Statement] = []
    problems: list[Diagnostic] = []
    version = None
    for document, document_tags in choices(raw, NO_VALUE):
        if not isinstance(document, Mapping):
            continue
        if version is None and isinstance(document.get("Version"), str):
            version = document["Version"]
        for items, list_tags in choices(document.get("Statement"), NO_VALUE):
            for raw_item in items if isinstance(items, list) else [items]:
                for item, item_tags in alternatives(raw_item, NO_VALUE):
                    if item is NO_VALUE:
                        continue
                    part, found = document_from_json(
                        {"Version": version, "Statement": [item]}, source=source,
                        address=address, line_of=_statement_line)
                    problems.extend(found)
                    tags = (*document_tags, *list_tags, *item_tags)
                    statements.extend(
                        replace(s, unknown=tags[0]) if tags else s for s in part.statements)
    document = PolicyDocument(source=source, address=address, version=version,
                              statements=tuple(dict.fromkeys(statements)))
    return document, problems


def _statement_line(statement: object, _index: int) -> int | None:
    return line_of(statement) or None
