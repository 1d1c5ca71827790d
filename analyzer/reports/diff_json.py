"""`diff --format json`: the diff report of CONTRACT.md, byte-identical across runs."""

from __future__ import annotations

import json

from credmint.analyzer.diff import Diff, diff_dict


def render(diff: Diff) -> str:
    return json.dumps(diff_dict(diff), indent=2, ensure_ascii=False) + "\n"
