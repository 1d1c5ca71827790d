"""The sticky pull-request comment: one comment per PR, found by its hidden marker and updated.

Talks only to the REST API at `GITHUB_API_URL`, with the token the workflow passed as an input.
A fork's read-only token answers 403 (or 404): that is `CommentRefused`, which the Action turns
into a warning while the summary and annotations still carry the report.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

TIMEOUT = 30
MAX_PAGES = 20


class CommentError(Exception):
    """The comment could not be written; the message says why."""


class CommentRefused(CommentError):
    """The token may not comment (fork pull requests get a read-only token)."""


class CommentApi:
    def __init__(self, api_url: str, repository: str, token: str) -> None:
        if urlsplit(api_url).scheme not in ("https", "http"):
            raise CommentError(f"GITHUB_API_URL {api_url!r} is not an http(s) URL")
        self._base = f"{api_url.rstrip('/')}/repos/{repository}"
        self._token = token

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        request = urllib.request.Request(
            self._base + path,
            method=method,
            data=None if body is None else json.dumps(body).encode("utf-8"),
            headers={
                "Accept": "application/vnd.github+json",
                "Authorization": f"Bearer {self._token}",
                "Content-Type": "application/json",
                "User-Agent": "credmint",
                "X-GitHub-Api-Version": "2022-11-28",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (scheme checked)
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as problem:
            if problem.code in (403, 404):
                raise CommentRefused(
                    f"HTTP {problem.code} from {method} {path}: the token may not comment "
                    "(pull requests from forks get a read-only token)"
                ) from None
            raise CommentError(f"HTTP {problem.code} from {method} {path}") from None
        except (urllib.error.URLError, OSError, ValueError) as problem:
            raise CommentError(f"{method} {path} failed: {problem}") from None

    def _find(self, number: int, marker: str) -> int | None:
        for page in range(1, MAX_PAGES + 1):
            comments = self._call("GET", f"/issues/{number}/comments?per_page=100&page={page}")
            if not isinstance(comments, list):
                return None
            for comment in comments:
                if isinstance(comment, dict) and marker in str(comment.get("body", "")):
                    return int(comment["id"])
            if len(comments) < 100:
                return None
        return None

    def publish(self, number: int, body: str, marker: str, *, sticky: bool) -> str:
        """Update the PR's marked comment (when `sticky`) or create one; says which it did."""
        existing = self._find(number, marker) if sticky else None
        if existing is not None:
            self._call("PATCH", f"/issues/comments/{existing}", {"body": body})
            return "updated"
        self._call("POST", f"/issues/{number}/comments", {"body": body})
        return "created"
