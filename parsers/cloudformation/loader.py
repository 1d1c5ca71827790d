"""Read one template file into position-carrying data, or say exactly why it cannot be read."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel
from credmint.parsers.cloudformation.errors import TemplateError
from credmint.parsers.cloudformation.json_loader import load_json
from credmint.parsers.cloudformation.yaml_loader import load_yaml

MAX_BYTES = 20 * 1024 * 1024
"""Larger than any template CloudFormation accepts (1 MB from S3); refuse rather than stall."""


def load_text(text: str) -> tuple[Any, list[tuple[int, str]]]:
    """Decode template text as CloudFormation does: JSON when it looks like JSON, else YAML.

    JSON that fails is retried as YAML (a superset CloudFormation also accepts); when both fail
    the JSON error is the one reported, since the author meant JSON.
    """
    if text.lstrip()[:1] in ("{", "["):
        try:
            return load_json(text)
        except TemplateError as json_problem:
            try:
                return load_yaml(text)
            except TemplateError:
                raise json_problem from None
    return load_yaml(text)


def read_text(path: Path) -> str:
    """The file's text, refusing huge or undecodable files."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise TemplateError(f"file larger than {MAX_BYTES // (1024 * 1024)} MB: not read")
        data = path.read_bytes()
    except OSError as problem:
        raise TemplateError(f"cannot read file: {problem.strerror or problem}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        line = data[: problem.start].count(b"\n") + 1
        raise TemplateError("file is not UTF-8 text", line) from None


def read(path: Path, file: str) -> tuple[dict | None, list[Diagnostic]]:
    """The template mapping in `path` (None when unreadable or not a mapping) and diagnostics.

    A readable document that is not a mapping is not a template: None without a diagnostic, so
    that scanning a directory skips it silently (CONTRACT.md).
    """
    try:
        data, warnings = _file_data(read_text(path))
    except TemplateError as problem:
        return None, [_diagnostic(DiagnosticLevel.ERROR, problem.message, file, problem.line)]
    except RecursionError:
        return None, [_diagnostic(DiagnosticLevel.ERROR, "nesting too deep to read", file, 0)]
    diagnostics = [_diagnostic(DiagnosticLevel.WARNING, msg, file, ln) for ln, msg in warnings]
    return (data if isinstance(data, dict) else None), diagnostics


@lru_cache(maxsize=1)
def _file_data(text: str) -> tuple[Any, list[tuple[int, str]]]:
    """`load_text` of a file's text, kept for the next read of the same text: a folder scan reads
    each template once to tell whether it is CloudFormation and again to parse it
    (`credmint.parsers.detect`), and decoding is most of a template's time. The same text decodes
    to the same data, and no reader of a file's data changes it (only a `TemplateBody` string's
    own, freshly decoded tree is relocated, `stacks.py`)."""
    return load_text(text)


def _diagnostic(level: DiagnosticLevel, message: str, file: str, line: int) -> Diagnostic:
    return Diagnostic(level=level, message=message, file=file, line=line)
