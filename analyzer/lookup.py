"""Name a principal or target the short way: its full id, or a suffix that only it ends with."""

from __future__ import annotations

from typing import Iterable


def find_identity(query: str, identities: Iterable[str]) -> str:
    """The one identity that is `query` or ends with `/query` or `:query`; LookupError otherwise."""
    known = sorted(set(identities))
    if query in known:
        return query
    matches = [i for i in known if i.endswith(("/" + query, ":" + query))]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise LookupError(f"{query!r} names no principal or target of the analysed templates")
    raise LookupError(f"{query!r} is ambiguous: {', '.join(matches)}")
