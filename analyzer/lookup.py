"""Name a principal or target the short way: its full id, or a suffix that only it ends with."""

from __future__ import annotations

from typing import Iterable


class UnknownIdentity(LookupError):
    """A name that matches no identity, or more than one: the user's to correct (exit 2)."""


def find_identity(query: str, identities: Iterable[str]) -> str:
    """The one identity that is `query` or ends with `/query` or `:query`; UnknownIdentity otherwise.

    An exact identity wins over patterns that merely end the same way (`arn:aws:iam::*:role/x`
    beside `arn:aws:iam::111111111111:role/x`): a pattern is a target, never the one meant."""
    known = sorted(set(identities))
    if query in known:
        return query
    matches = [i for i in known if i.endswith(("/" + query, ":" + query))]
    exact = [i for i in matches if not _is_pattern(i)]
    if len(exact) == 1:
        return exact[0]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise UnknownIdentity(f"{query!r} names no principal or target of the analysed templates")
    raise UnknownIdentity(f"{query!r} is ambiguous: {', '.join(matches)}")


def _is_pattern(identity: str) -> bool:
    return "*" in identity or "?" in identity
