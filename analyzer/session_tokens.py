"""GetSessionToken cannot be denied (SEMANTICS.md §3): how many users can always mint session
credentials, and which of them hold long-term access keys in the templates — a report line, not a
finding, since no policy can change it."""

from __future__ import annotations

from dataclasses import dataclass

from credmint.analyzer.inventory import User, render
from credmint.analyzer.model import Action
from credmint.analyzer.walk import Analysis


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionTokens:
    users: tuple[str, ...]
    with_access_keys: tuple[str, ...]
    """Users with an access key of the templates that is not `Inactive`."""

    def as_dict(self) -> dict:
        return {"users": len(self.users), "with_access_keys": list(self.with_access_keys)}

    @property
    def line(self) -> str:
        count = len(self.users)
        keys = len(self.with_access_keys)
        text = (
            f"GetSessionToken cannot be denied: {count} user{'' if count == 1 else 's'} can always mint "
            f"session credentials; {keys} of them hold{'s' if keys == 1 else ''} long-term access keys "
            "in the templates"
        )
        return text + (f": {', '.join(self.with_access_keys)}" if keys else "")


def session_tokens(analysis: Analysis) -> SessionTokens:
    entities = {c.id: c.entity for c in analysis.world.callers}
    users = sorted({g.principal for g in analysis.grants if g.action is Action.GET_SESSION_TOKEN})
    keyed = [u for u in users if _has_active_key(entities.get(u))]
    return SessionTokens(users=tuple(users), with_access_keys=tuple(keyed))


def _has_active_key(entity: object) -> bool:
    if not isinstance(entity, User):
        return False
    return any(render(key.status) != "Inactive" for key in entity.access_keys)
