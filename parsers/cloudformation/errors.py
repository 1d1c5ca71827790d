"""The one exception the loaders raise: a template that cannot be read, and the line why."""

from __future__ import annotations


class TemplateError(Exception):
    """Unreadable or rejected input; `line` is 1-based (0 when no line applies)."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
