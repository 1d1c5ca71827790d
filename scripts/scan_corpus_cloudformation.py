"""Run the CloudFormation parser over every template-like file of the shared corpus and count.

Usage: python scripts/scan_corpus_cloudformation.py [CORPUS_DIR]   (default ../shared/corpus)

Issue 4's bar: every CloudFormation template of the corpus parses without a crash, and only the
invalid files get error diagnostics. Prints files, templates, entities, diagnostics by level,
crashes (with the file and exception) and the time taken; exits 1 when anything crashed.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel, Inventory  # noqa: E402
from credmint.parsers.cloudformation import (  # noqa: E402
    is_cloudformation,
    parse_cloudformation,
    read_template,
)
from credmint.parsers.context import ParseContext  # noqa: E402

SUFFIXES = (".yaml", ".yml", ".json", ".template")
COUNTED = ("files", "templates", "unreadable templates", "users", "groups", "roles", "policies",
           "providers", "statements")


@dataclass
class Summary:
    counts: Counter = field(default_factory=Counter)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    crashes: list[tuple[Path, str]] = field(default_factory=list)
    seconds: float = 0.0


def scan(corpus: Path) -> Summary:
    """Read every template-like file under `corpus`, counting what the parser finds."""
    ctx = ParseContext(root=corpus)
    summary = Summary()
    started = time.perf_counter()
    for path in sorted(p for p in corpus.rglob("*") if p.suffix in SUFFIXES and p.is_file()):
        summary.counts["files"] += 1
        try:
            template, diagnostics = read_template(path, ctx)
            if template is None:
                # Unreadable files count when they look like templates, not as any JSON or YAML.
                if diagnostics and _names_cloudformation(path):
                    summary.counts["unreadable templates"] += 1
                    summary.diagnostics += diagnostics
                continue
            if not is_cloudformation(template):
                continue
            summary.counts["templates"] += 1
            inventory = parse_cloudformation(path, ctx)
        except Exception:  # noqa: BLE001 - counting crashes is the point of this script
            summary.crashes.append((path, traceback.format_exc(limit=3)))
            continue
        for kind in ("users", "groups", "roles", "policies", "providers"):
            summary.counts[kind] += len(getattr(inventory, kind))
        summary.counts["statements"] += sum(len(d.statements) for d in _documents(inventory))
        summary.diagnostics += inventory.diagnostics
    summary.seconds = time.perf_counter() - started
    return summary


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else REPO.parent / "shared" / "corpus"
    if not corpus.is_dir():
        print(f"no corpus at {corpus}: skipped")
        return 0
    summary = scan(corpus)
    levels = Counter(d.level for d in summary.diagnostics)
    for key in COUNTED:
        print(f"{key:22} {summary.counts[key]}")
    for level in DiagnosticLevel:
        print(f"{'diagnostics ' + level.value:22} {levels[level]}")
    print(f"{'crashes':22} {len(summary.crashes)}")
    print(f"{'seconds':22} {summary.seconds:.2f}")
    for d in summary.diagnostics:
        if d.level is DiagnosticLevel.ERROR:
            print(f"error: {d.file}:{d.line}: {d.message}")
    for path, trace in summary.crashes:
        print(f"crash: {path}\n{trace}")
    return 1 if summary.crashes else 0


def _names_cloudformation(path: Path) -> bool:
    head = path.read_bytes()[:65536].decode("utf-8", "replace")
    return "AWSTemplateFormatVersion" in head or "AWS::" in head


def _documents(inventory: Inventory):
    for principal in (*inventory.users, *inventory.groups, *inventory.roles):
        yield from (policy.document for policy in principal.inline_policies)
    for role in inventory.roles:
        if role.trust_policy is not None:
            yield role.trust_policy
    yield from (policy.document for policy in inventory.policies)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
