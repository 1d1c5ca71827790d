"""What the analyzer produces: grants, paths and their certainty (CONTRACT.md "Grants")."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Sized

from credmint.analyzer.inventory import Condition, Source


class Certainty(str, Enum):
    DEFINITE = "definite"
    CONDITIONAL = "conditional"
    UNCERTAIN = "uncertain"

    @property
    def rank(self) -> int:
        """Higher is stronger: definite > conditional > uncertain."""
        return _CERTAINTY_RANKS[self]


_CERTAINTY_RANKS = {Certainty.DEFINITE: 2, Certainty.CONDITIONAL: 1, Certainty.UNCERTAIN: 0}
"""By member: read for every alternative of every grant (`strength`), where a dict built per call
and the enum's `value` property were a measurable part of a 10,000-user walk."""


def weakest(*certainties: Certainty) -> Certainty:
    return min(certainties, key=lambda c: c.rank, default=Certainty.DEFINITE)


def strength(certainty: Certainty, conditions: Sized) -> tuple[int, int]:
    """How alternatives for one grant are ranked: better certainty, then fewer conditions."""
    return (certainty.rank, -len(conditions))


def under_conditions(certainty: Certainty, conditions: Sized) -> Certainty:
    """A grant that holds only under conditions is at best `conditional`."""
    return Certainty.CONDITIONAL if certainty is Certainty.DEFINITE and len(conditions) else certainty


class Action(str, Enum):
    ASSUME_ROLE = "sts:AssumeRole"
    ASSUME_ROLE_WITH_WEB_IDENTITY = "sts:AssumeRoleWithWebIdentity"
    ASSUME_ROLE_WITH_SAML = "sts:AssumeRoleWithSAML"
    GET_FEDERATION_TOKEN = "sts:GetFederationToken"
    GET_SESSION_TOKEN = "sts:GetSessionToken"


class PrincipalType(str, Enum):
    """The `type` of a report principal."""

    USER = "user"
    ROLE = "role"
    ACCOUNT = "account"
    ANY = "any"
    SERVICE = "service"
    FEDERATED = "federated"
    EXTERNAL = "external"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True, kw_only=True)
class Grant:
    """One principal can mint credentials with one action for one target."""

    principal: str
    principal_type: PrincipalType
    action: Action
    target: str
    certainty: Certainty
    conditions: tuple[Condition, ...] = ()
    excepted: tuple[str, ...] = ()
    reasons: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()

    @property
    def key(self) -> tuple[str, str, str]:
        """Grants are the same grant when principal, action and target are equal (CONTRACT.md)."""
        # `_value_` is `value` without the enum property's call (Python 3.11: ten times slower).
        return (self.principal, self.action._value_, self.target)


@dataclass(frozen=True, slots=True, kw_only=True)
class Hop:
    principal: str
    action: Action
    target: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainPath:
    """The shortest chain of two or more grants from a principal to a target."""

    principal: str
    target: str
    hops: tuple[Hop, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportPrincipal:
    id: str
    type: PrincipalType
    name: str
    address: str | None = None
    source: Source | None = None
