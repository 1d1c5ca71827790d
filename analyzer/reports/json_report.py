"""`--format json`: the report of CONTRACT.md, keys in contract order, byte-identical across runs.

Written without indentation: Python's JSON encoder runs in C only then, and large reports (tens of
thousands of grants) spend most of their time in the pure-Python indenting encoder otherwise.
"""

from __future__ import annotations

import json

from analyzer.report import Report, report_dict


def render(report: Report) -> str:
    return json.dumps(report_dict(report), ensure_ascii=False) + "\n"
