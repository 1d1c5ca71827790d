"""Inline suppressions as written in templates, read at the lines a finding points to.

HCL: `# credmint:ignore RULE reason="..." [expires=YYYY-MM-DD]` in the comment lines just above the
block (the block written at the finding's line, or the top-level block that holds it).
CloudFormation: `Metadata: {credmint: {ignore: [{rule, reason, expires}]}}` on the resource that
holds the line. Each file is read once; nothing outside the project root is read. Returns plain
tuples `(rule, reason, expires, Source)`: the analyzer decides what they suppress.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any, Mapping

from credmint.analyzer.inventory import Source
from credmint.parsers.terraform_files import NATIVE_SUFFIXES, config_suffix

Ignore = tuple[str, str, "str | None", Source]
Anchored = tuple[str, str, str, "str | None"]
"""A suppression as (block, rule, reason, expires), free of line numbers: the block is the line
that follows the comments (HCL) or the resource's logical id (CloudFormation)."""

DIRECTIVE = re.compile(r"credmint:ignore\s+(?P<rule>[\w*-]+)(?P<rest>.*)")
REASON = re.compile(r"""reason\s*=\s*(?:"(?P<double>[^"]*)"|'(?P<single>[^']*)')""")
EXPIRES = re.compile(r"expires\s*=\s*(?P<date>[^\s\"']+)")
COMMENT = re.compile(r"^\s*(#|//)")
TOP_LEVEL_BLOCK = re.compile(r"^[A-Za-z_][\w-]*(\s+(\"[^\"]*\"|[\w-]+))*\s*\{")
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")


class InlineSuppressions:
    """A lookup from a source line to the suppressions written for it, for one project root."""

    def __init__(self, root: Path) -> None:
        self._root = root.resolve()
        self._files: dict[str, Any] = {}

    def __call__(self, source: Source) -> list[Ignore]:
        if source.file not in self._files:
            self._files[source.file] = self._load(source.file)
        loaded = self._files[source.file]
        if isinstance(loaded, list):
            return _hcl_ignores(loaded, source)
        if isinstance(loaded, Mapping):
            return _template_ignores(loaded, source)
        return []

    def anchored(self, file: str) -> Counter[Anchored]:
        """Every suppression written in `file`, counted, so that another revision's can be
        recognised (and a copy of one told apart: the count rises)."""
        if file not in self._files:
            self._files[file] = self._load(file)
        loaded = self._files[file]
        if isinstance(loaded, list):
            return Counter(_hcl_anchored(loaded, file))
        if isinstance(loaded, Mapping):
            return Counter(_template_anchored(loaded, file))
        return Counter()

    def anchor(self, ignore: Ignore) -> Anchored | None:
        """The block-anchored form of one suppression this lookup returned."""
        rule, reason, expires, where = ignore
        return next(
            (a for a in self.anchored(where.file) if a[1:] == (rule, reason, expires) and
             self._block_at(where) == a[0]),
            None,
        )

    def _block_at(self, where: Source) -> str:
        loaded = self._files.get(where.file)
        if isinstance(loaded, list):
            return _block_after(loaded, where.line)
        if isinstance(loaded, Mapping) and isinstance(loaded.get("Resources"), Mapping):
            resources = loaded["Resources"]
            line_of = getattr(resources, "line_of", lambda _key: 0)
            return next((str(n) for n in resources if line_of(n) == where.line), "")
        return ""

    def _load(self, file: str) -> Any:
        path = (self._root / file).resolve()
        if not path.is_relative_to(self._root) or not path.is_file():
            return None
        if config_suffix(path.name) in NATIVE_SUFFIXES:
            try:
                return path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                return None
        if path.suffix in TEMPLATE_SUFFIXES:
            from credmint.parsers.cloudformation.loader import read  # on demand: a Terraform scan never needs it

            template, _ = read(path, file)
            return template
        return None


def _hcl_ignores(lines: list[str], source: Source) -> list[Ignore]:
    if source.line > len(lines):
        return []  # a line of another text (a policy string passed into a module): no comment of this file
    starts = [source.line]
    for number in range(min(source.line, len(lines)), 0, -1):
        if TOP_LEVEL_BLOCK.match(lines[number - 1]):
            starts.append(number)
            break
    found: list[Ignore] = []
    for start in dict.fromkeys(starts):
        number = start - 1
        while number >= 1 and COMMENT.match(lines[number - 1]):
            parsed = _directive(lines[number - 1], Source(file=source.file, line=number))
            if parsed is not None:
                found.append(parsed)
            number -= 1
    return found


def _block_after(lines: list[str], line: int) -> str:
    """The first line below the comment run that holds `line` (the block the comment is above),
    after the top-level block that holds it: `statement {` alone names every statement."""
    number = line
    while number <= len(lines) and COMMENT.match(lines[number - 1]):
        number += 1
    if number > len(lines):
        return ""
    block = lines[number - 1].strip()
    if TOP_LEVEL_BLOCK.match(lines[number - 1]):
        return block
    holder = next(
        (lines[n - 1].strip() for n in range(number - 1, 0, -1) if TOP_LEVEL_BLOCK.match(lines[n - 1])),
        "",
    )
    return f"{holder} > {block}"


def _hcl_anchored(lines: list[str], file: str) -> list[Anchored]:
    found = []
    for number, text in enumerate(lines, 1):
        if COMMENT.match(text):
            parsed = _directive(text, Source(file=file, line=number))
            if parsed is not None:
                found.append((_block_after(lines, number), *parsed[:3]))
    return found


def _template_anchored(template: Mapping[str, Any], file: str) -> list[Anchored]:
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return []
    line_of = getattr(resources, "line_of", lambda _key: 0)
    return [
        (str(name), *ignore[:3])
        for name in resources
        for ignore in _template_ignores(template, Source(file=file, line=line_of(name)))
    ]


def _directive(text: str, where: Source) -> Ignore | None:
    match = DIRECTIVE.search(text)
    if match is None:
        return None
    rest = match.group("rest")
    reason = REASON.search(rest)
    expires = EXPIRES.search(rest)
    reason_text = "" if reason is None else (reason.group("double") or reason.group("single") or "")
    return (
        match.group("rule"),
        reason_text,
        None if expires is None else expires.group("date"),
        where,
    )


def _template_ignores(template: Mapping[str, Any], source: Source) -> list[Ignore]:
    resources = template.get("Resources")
    if not isinstance(resources, Mapping):
        return []
    line_of = getattr(resources, "line_of", lambda _key: 0)
    holder = None
    for name in sorted(resources, key=line_of):
        if line_of(name) <= source.line:
            holder = name
    resource = resources.get(holder) if holder is not None else None
    metadata = resource.get("Metadata") if isinstance(resource, Mapping) else None
    settings = metadata.get("credmint") if isinstance(metadata, Mapping) else None
    entries = settings.get("ignore") if isinstance(settings, Mapping) else None
    if not isinstance(entries, list):
        return []
    where = Source(file=source.file, line=line_of(holder))
    return [
        (
            str(e["rule"]),
            str(e.get("reason") or ""),
            None if e.get("expires") is None else str(e["expires"]),
            where,
        )
        for e in entries
        if isinstance(e, Mapping) and e.get("rule")
    ]
