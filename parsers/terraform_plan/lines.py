"""Statement lines for a plan's policy text, borrowed from the HCL that wrote the same policy.

A plan holds policies as JSON strings, normalised by the provider: its statements have no line.
The HCL block of the same address does (a `jsonencode` object, a policy document's `statement`
block, a heredoc's text). When both hold the same number of statements, the plan's statements
take the HCL lines in order, so that a grant cites the line that causes it (DESIGN.md).
"""

from __future__ import annotations

import json

from credmint.analyzer.inventory import Source
from credmint.parsers.policy_json import statement_line_offsets
from credmint.parsers.terraform.policy_document import decode
from credmint.parsers.terraform.values import Json, LinedDict


def with_statement_lines(
    plan_text: str, hcl: object, literal_line: int | None, hcl_file: str
) -> object:
    """The plan's policy as `Json` whose statements carry HCL sources, or the text unchanged."""
    try:
        data = json.loads(plan_text)
    except ValueError:
        return plan_text
    if not isinstance(data, dict):
        return plan_text
    statements = _as_list(data.get("Statement"))
    sources = _hcl_sources(hcl, literal_line, hcl_file)
    if statements is None or sources is None or len(sources) != len(statements):
        return plan_text
    rendered = LinedDict(data)
    rendered["Statement"] = [
        LinedDict(statement, source=source) if isinstance(statement, dict) and source else statement
        for statement, source in zip(statements, sources)
    ]
    origin = hcl.origin if isinstance(hcl, Json) else None
    return Json(rendered, origin=origin)


def _hcl_sources(hcl: object, literal_line: int | None, hcl_file: str) -> list | None:
    """The HCL statements' sources in order (None for one without a line), or None."""
    if isinstance(hcl, str):
        if literal_line is None:
            return None
        return [Source(file=hcl_file, line=literal_line + o) for o in statement_line_offsets(hcl)]
    data = decode(hcl)
    if not isinstance(data, dict):
        return None
    statements = _as_list(data.get("Statement"))
    if statements is None:
        return None
    return [s.source if isinstance(s, LinedDict) else None for s in statements]


def _as_list(value: object) -> list | None:
    if isinstance(value, dict):
        return [value]
    return value if isinstance(value, list) else None
