"""`--format json`: the report of CONTRACT.md, keys in contract order, byte-identical across runs."""

from __future__ import annotations

import json

from analyzer.report import Report, report_dict


def render(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"
