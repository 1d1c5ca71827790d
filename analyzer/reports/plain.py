"""The text formats' one escape (issue 15 §3): a name from a template is text on a terminal and in
a CI log too.

A role name holding a newline ended its line of the text report, so the next line started with
whatever the template chose: in a `run:` step the runner reads a line starting with `::` (after
whitespace) as a workflow command (`::add-mask::fails`, `::error::…`) and `##[command]` anywhere
in a line as the older form; on a terminal an escape sequence can rewrite the lines above. So
control characters become spaces inside a line, and a rendered line that would start a command
gets a zero-width space before its `::` (as Markdown's `@` does): it reads the same, and runs nothing.
"""

from __future__ import annotations

import re

CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
ZERO_WIDTH = "\u200b"


def line(text: str) -> str:
    """One line of a report: no character in it can end the line or drive the terminal."""
    return CONTROLS.sub(" ", text)


def guarded(text: str) -> str:
    """A whole rendered report, its lines made of `line()`s: none starts a workflow command."""
    return "\n".join(_guard(row) for row in text.split("\n"))


def _guard(row: str) -> str:
    row = row.replace("##[", f"#{ZERO_WIDTH}#[")
    body = row.lstrip()
    if body.startswith("::"):
        return row[: len(row) - len(body)] + ZERO_WIDTH + body
    return row
