"""Which names IAM accepts, for deciding that a pattern names nothing at all.

User, role and federated-user names are made of `[\\w+=,.@-]` (IAM User Guide,
reference_iam-quotas: "Names of users, groups, roles, policies..."; STS GetFederationToken `Name`):
a literal character outside that set — a `*` or `?` written `${*}` / `${?}`, a `$`, a space — in
the name part of a pattern means no valid name can match it, so it grants nothing (SEMANTICS.md §2).
"""

from __future__ import annotations

import re
from typing import Sequence

from credmint.analyzer.patterns import Token

NAME_CHARACTER = re.compile(r"[\w+=,.@-]", re.ASCII)


def is_name_literal(token: Token) -> bool:
    """A token that is one literal character (not a wildcard, nor an unknown part)."""
    return isinstance(token, str) and len(token) == 1


def breaks_every_name(name: Sequence[Token], path_may_follow: bool = False) -> bool:
    """Whether the tokens of a name part hold a literal character no name may hold.

    With `path_may_follow` (a role's or user's resource part, whose path admits any printable
    character), a character followed by a wildcard or unknown part may still lie in the path."""
    for index, token in enumerate(name):
        if is_name_literal(token) and not NAME_CHARACTER.fullmatch(token):  # type: ignore[arg-type]
            wildcard_follows = any(not is_name_literal(t) for t in name[index + 1:])
            if not (path_may_follow and wildcard_follows):
                return True
    return False
