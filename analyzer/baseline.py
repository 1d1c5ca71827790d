"""The baseline: findings accepted when credmint was adopted, so that only new ones gate a merge.

A JSON file listing finding identities (rule, principal, target); line numbers never matter, so
moving a block keeps its finding accepted.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Iterable

from analyzer.rules import Finding

BASELINE_VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read."""


def read_baseline(path: Path) -> frozenset[tuple[str, str, str]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return frozenset((e["rule"], e["principal"], e["target"]) for e in data["findings"])
    except (OSError, ValueError, KeyError, TypeError) as problem:
        raise BaselineError(f"baseline {path} cannot be read: {problem}") from None


def write_baseline(path: Path, findings: Iterable[Finding]) -> None:
    keys = sorted({f.key for f in findings})
    data = {
        "schema_version": BASELINE_VERSION,
        "findings": [{"rule": r, "principal": p, "target": t} for r, p, t in keys],
    }
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
