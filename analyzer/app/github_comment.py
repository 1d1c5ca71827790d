"""The sticky pull-request comment: one comment per PR, found by its hidden marker and updated.

Talks only to the REST API at `GITHUB_API_URL`, with the token the workflow passed as an input.
Only a comment written by the token's own identity (`github-actions[bot]` for GITHUB_TOKEN) is
ever updated: anyone can post the marker, and the bot must never write its verdict into a comment
its author can edit (issue 15 §2). A fork's read-only token answers 403 (or 404): that is
`CommentRefused`, which the Action turns into a warning while the summary and annotations still
carry the report. A rate limit is told apart from a refusal, and a secondary rate limit's
`Retry-After` is waited for once (GitHub's REST API "rate limits" page).
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

TIMEOUT = 30
MAX_PAGES = 20
MAX_RETRY_AFTER = 60
"""Seconds: a longer `Retry-After` is not waited for (the job would stall); the comment is skipped."""
BOT_LOGIN = "github-actions[bot]"


class CommentError(Exception):
    """The comment could not be written; the message says why."""


class CommentRefused(CommentError):
    """The token may not comment (fork pull requests get a read-only token)."""


class CommentRateLimited(CommentError):
    """GitHub's rate limit answered (primary or secondary); the message says which."""


def _refusal(problem: urllib.error.HTTPError, what: str) -> CommentError:
    """Which 403 (or 404, 429) it was: a rate limit, or a token that may not write."""
    headers = problem.headers
    try:
        message = str(json.loads(problem.read() or b"{}").get("message", ""))
    except (ValueError, AttributeError, OSError):
        message = ""
    if problem.code == 429 or "secondary rate limit" in message.lower() or headers.get("retry-after"):
        return CommentRateLimited(
            f"HTTP {problem.code} from {what}: GitHub's secondary rate limit "
            f"(retry after {headers.get('retry-after') or 'a while'} s)"
        )
    if headers.get("x-ratelimit-remaining") == "0":
        return CommentRateLimited(
            f"HTTP {problem.code} from {what}: the token's primary rate limit is used up "
            f"(resets at {headers.get('x-ratelimit-reset') or 'an unknown time'})"
        )
    if problem.code == 404:
        return CommentRefused(
            f"HTTP 404 from {what}: the repository or pull request is not visible to the token"
        )
    return CommentRefused(
        f"HTTP 403 from {what}: the token may not write comments"
        + (f" ({message})" if message else "")
        + " — pull requests from forks get a read-only token; grant pull-requests: write otherwise"
    )


class CommentApi:
    def __init__(
        self, api_url: str, repository: str, token: str, *, author: str = BOT_LOGIN
    ) -> None:
        if urlsplit(api_url).scheme not in ("https", "http"):
            raise CommentError(f"GITHUB_API_URL {api_url!r} is not an http(s) URL")
        self._base = f"{api_url.rstrip('/')}/repos/{repository}"
        self._token = token
        self._author = author

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            return self._once(method, path, body)
        except _RetryAfter as wait:
            time.sleep(wait.seconds)
            try:
                return self._once(method, path, body)
            except _RetryAfter as again:
                raise again.error from None

    def _once(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
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
            if problem.code in (403, 404, 429):
                error = _refusal(problem, f"{method} {path}")
                seconds = _seconds(problem.headers.get("retry-after"))
                if isinstance(error, CommentRateLimited) and seconds is not None:
                    raise _RetryAfter(seconds, error) from None
                raise error from None
            raise CommentError(f"HTTP {problem.code} from {method} {path}") from None
        except (urllib.error.URLError, OSError, ValueError) as problem:
            raise CommentError(f"{method} {path} failed: {problem}") from None

    def _find(self, number: int, marker: str) -> int | None:
        for page in range(1, MAX_PAGES + 1):
            comments = self._call("GET", f"/issues/{number}/comments?per_page=100&page={page}")
            if not isinstance(comments, list):
                return None
            for comment in comments:
                if self._is_mine(comment) and marker in str(comment.get("body", "")):
                    return int(comment["id"])
            if len(comments) < 100:
                return None
        return None

    def _is_mine(self, comment: Any) -> bool:
        """Written by the token's identity: a marker in anyone else's comment is not ours."""
        if not isinstance(comment, dict) or not isinstance(comment.get("user"), dict):
            return False
        return comment["user"].get("login") == self._author

    def publish(self, number: int, body: str, marker: str, *, sticky: bool) -> str:
        """Update the PR's marked comment (when `sticky`) or create one; says which it did."""
        existing = self._find(number, marker) if sticky else None
        if existing is not None:
            self._call("PATCH", f"/issues/comments/{existing}", {"body": body})
            return "updated"
        self._call("POST", f"/issues/{number}/comments", {"body": body})
        return "created"


class _RetryAfter(Exception):
    def __init__(self, seconds: float, error: CommentError) -> None:
        super().__init__(str(error))
        self.seconds, self.error = seconds, error


def _seconds(value: str | None) -> float | None:
    """A `Retry-After` in seconds worth waiting for once; None when absent, a date, or too long."""
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and 0 <= seconds <= MAX_RETRY_AFTER else None
