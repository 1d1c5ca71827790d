"""Reading a plan JSON file (`terraform show -json`): size bound, decoding, `format_version`.

Terraform's JSON output format promises that minor versions only add properties and that a new
major version breaks readers, which must reject it; 0.x (Terraform 0.12-1.0) and 1.x are read.
A plan has no lines of its own to cite, so the line of each resource's `"address"` in the file is
kept (one line for Terraform's own single-line output; real lines for hand-formatted files).
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel
from credmint.parsers.context import ParseContext

MAX_PLAN_BYTES = 200_000_000
"""Larger files are not read: real plans run to tens of MB; hostile input must stay cheap."""

SUPPORTED_MAJORS = (0, 1)

_ADDRESS = re.compile(r'"address"\s*:\s*"((?:[^"\\]|\\.)*)"')


@dataclass
class PlanFile:
    """A decoded plan and where its resources are written."""

    rel: str
    data: Mapping[str, object]
    text: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    _offsets: dict[str, list[int]] | None = None
    _sections: dict[str, int] = field(default_factory=dict)
    _newlines: list[int] | None = None

    @property
    def is_state(self) -> bool:
        """`terraform show -json` of a state file: only `values`, nothing planned."""
        return "planned_values" not in self.data and "values" in self.data

    def line_of(self, address: str, section: str) -> int:
        """The line of the address's first `"address"` after `section`'s key (1 when unseen)."""
        if self._offsets is None:
            self._offsets = {}
            for match in _ADDRESS.finditer(self.text):
                self._offsets.setdefault(_unescape(match.group(1)), []).append(match.start())
        found = self._offsets.get(address)
        if not found:
            return 1
        if section not in self._sections:
            self._sections[section] = self.text.find(f'"{section}"')
        start = self._sections[section]
        offset = next((o for o in found if o > start), found[0])
        if self._newlines is None:
            self._newlines = [m.start() for m in re.finditer("\n", self.text)]
        return bisect.bisect_left(self._newlines, offset) + 1


def _unescape(text: str) -> str:
    try:
        return json.loads(f'"{text}"')
    except ValueError:
        return text


def load_plan(path: Path, ctx: ParseContext) -> tuple[PlanFile | None, list[Diagnostic]]:
    """The plan, or None with an error diagnostic saying why it cannot be read."""
    rel = ctx.relative(path)
    try:
        if path.stat().st_size > MAX_PLAN_BYTES:
            return None, [_error(rel, f"plan is larger than {MAX_PLAN_BYTES} bytes; not read")]
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeError) as problem:
        return None, [_error(rel, f"cannot read plan: {problem}")]
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as problem:
        line = getattr(problem, "lineno", 0)
        return None, [_error(rel, f"plan is not valid JSON ({problem})", line)]
    if not isinstance(data, dict):
        return None, [_error(rel, "plan JSON is not an object")]
    problem = check_format_version(data.get("format_version"))
    if problem is not None:
        return None, [_error(rel, problem, _key_line(text, "format_version"))]
    return PlanFile(rel=rel, data=data, text=text), []


def check_format_version(version: object) -> str | None:
    """Why the version cannot be read, or None when it can."""
    if not isinstance(version, str):
        return "plan JSON has no format_version string; is it `terraform show -json` output?"
    major, _, minor = version.partition(".")
    if not major.isdigit() or (minor and not minor.isdigit()):
        return f"plan format_version {version!r} is not MAJOR.MINOR"
    if int(major) not in SUPPORTED_MAJORS:
        return (
            f"plan format_version {version} is not supported: this version of credmint reads "
            "Terraform JSON plan format 0.x and 1.x (Terraform 0.12 and later); a new major "
            "version may change the meaning of fields"
        )
    return None


def _key_line(text: str, key: str) -> int:
    offset = text.find(f'"{key}"')
    return text.count("\n", 0, offset) + 1 if offset >= 0 else 0


def _error(rel: str, message: str, line: int = 0) -> Diagnostic:
    return Diagnostic(level=DiagnosticLevel.ERROR, message=message, file=rel, line=line)
