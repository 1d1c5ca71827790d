"""Who a trust statement's conditions admit: the one judgement every rule asks (issue 14).

A rule must not trust a condition because of its key's name: `StringLike aws:PrincipalArn "arn:*"`
names the right key and admits the world. This module asks, for each kind of caller a Principal
entry lets in, whether a *stranger* — a principal of an account, organisation or GitHub owner
that the template's author does not control, who chooses everything it can choose (its own names,
tags, whether it sends an optional key, ExternalId guesses) — can meet every condition and escape
every Deny. When it can, the conditions narrow nothing. When nobody can, the statement admits
nobody. Otherwise the conditions that stop the stranger say what they narrow to: an identity (an
organisation, account, ARN set, source, web-identity subject), a secret (ExternalId), or only the
request (MFA, source IP, time), which does not pin who the caller is.

It reads operators (negation, `IfExists`, `Null`, `ForAllValues`/`ForAnyValue`), wildcard values
(a wildcard or caller-side policy variable in the part of a value that identifies its owner pins
nothing), key presence per caller kind (SEMANTICS.md §1: a key that is never present for the
caller) and the trust's Deny statements (docs/DECISIONS.md, "Issue 14 — what a condition admits").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Callable, Iterable, Sequence

from credmint.analyzer.conditions import ABSENT_PASSES, split_operator
from credmint.analyzer.inventory import Condition, Effect, Unknown, Value
from credmint.analyzer.patterns import Tri
from credmint.analyzer.policy import Labelled, action_truth
from credmint.analyzer.principals import Named, TrustEntry, classify


class Kind(str, Enum):
    """The kinds of caller a Principal entry lets in."""

    PRINCIPAL = "principal"  # an IAM user or role session calling STS itself
    SERVICE = "service"  # an AWS service, possibly on behalf of someone's resource
    WEB = "web"  # a web identity token of one issuer
    SAML = "saml"


class Presence(Enum):
    ALWAYS = "always"
    OPTIONAL = "optional"  # the caller decides whether the key is in its request
    NEVER = "never"


class KeyRole(IntEnum):
    """What a key says about the caller; higher pins more."""

    CHOSEN = 0  # the caller sets it freely (its own tags, session name, a GitHub token's aud)
    REQUEST = 1  # a property of the request (MFA, source IP, time): narrows, does not pin who
    SECRET = 2  # a value the caller must know (sts:ExternalId)
    IDENTITY = 3  # who the caller is: organisation, account, ARN, source, web-identity subject


# --- what each key is, per kind of caller ---------------------------------------------------

Head = Callable[[list, bool], bool]
"""Given a value's tokens and whether the operator matches ARNs segment by segment: True when a
wildcard or caller-side variable falls in the part of the value that identifies its owner."""

STAR = "\x00star"  # `*` under a Like operator
ONE = "\x00one"  # `?` under a Like operator
VAR = "\x00var"  # a policy variable the caller's own request fills in


def _wild(token: object) -> bool:
    return token in (STAR, ONE, VAR)


def _whole(tokens: list, segmentwise: bool) -> bool:
    return any(_wild(t) for t in tokens)


def _up_to(char: str) -> Head:
    def head(tokens: list, segmentwise: bool) -> bool:
        for token in tokens:
            if _wild(token):
                return True
            if token == char:
                return False
        return False

    return head


def _arn(tokens: list, segmentwise: bool) -> bool:
    """An ARN's owner is its account (segment 5); with no account (S3), the resource name.

    StringLike's `*` spans colons (and an IAM path may hold colons), so a wildcard anywhere before
    the account's end pins nothing; ArnLike matches the first five segments one by one, so only a
    wildcard in the account segment does."""
    segments: list[list] = [[]]
    for token in tokens:
        if token == ":" and len(segments) < 6:
            segments.append([])
        else:
            segments[-1].append(token)
    if len(segments) < 6:
        return _whole(tokens, segmentwise)
    account_empty = not segments[4]
    owner = [*segments[4], ":", *segments[5]] if account_empty else segments[4]
    if segmentwise:
        return _whole(owner, segmentwise)
    return _whole([t for s in segments[:4] for t in s] + owner, segmentwise)


EKS_PREFIX = "system:serviceaccount:"


def _oidc_subject(tokens: list, segmentwise: bool) -> bool:
    """A generic OIDC subject: pinned by any literal text before its first wildcard, except text
    every subject of EKS carries (`system:serviceaccount:`) without a whole namespace after it."""
    literal = ""
    for token in tokens:
        if _wild(token):
            break
        literal += token if isinstance(token, str) else "\x01"
    else:
        return False
    if not literal or EKS_PREFIX.startswith(literal):
        return True
    return literal.startswith(EKS_PREFIX) and ":" not in literal[len(EKS_PREFIX):]


@dataclass(frozen=True, slots=True)
class KeyFacts:
    presence: Presence
    role: KeyRole
    dimension: str = ""
    """What an IDENTITY key pins: organisation, account, arn, source, service, subject."""
    head: Head = _whole
    universal: str = ""
    """Text every value of the key starts with: a pattern of it and wildcards matches every value."""
    fixed: str | None = None
    """The value every caller of the kind has (aws:PrincipalIsAWSService): the condition is met by
    all of them or by none."""


_CHOSEN = KeyFacts(Presence.OPTIONAL, KeyRole.CHOSEN)
_REQUEST = KeyFacts(Presence.OPTIONAL, KeyRole.REQUEST)
_NEVER = KeyFacts(Presence.NEVER, KeyRole.REQUEST)

PRINCIPAL_IDENTITY = {
    "aws:principalarn": KeyFacts(Presence.ALWAYS, KeyRole.IDENTITY, "arn", _arn, "arn:"),
    "aws:principalaccount": KeyFacts(Presence.ALWAYS, KeyRole.IDENTITY, "account"),
    # A stranger may belong to no organisation (the key is then absent) or to its own.
    "aws:principalorgid": KeyFacts(Presence.OPTIONAL, KeyRole.IDENTITY, "organisation", _whole, "o-"),
    "aws:principalorgpaths": KeyFacts(Presence.OPTIONAL, KeyRole.IDENTITY, "organisation", _up_to("/"), "o-"),
    "aws:userid": KeyFacts(Presence.ALWAYS, KeyRole.IDENTITY, "arn", _up_to(":")),
}
SOURCE_IDENTITY = {
    "aws:sourcearn": KeyFacts(Presence.OPTIONAL, KeyRole.IDENTITY, "source", _arn, "arn:"),
    "aws:sourceaccount": KeyFacts(Presence.OPTIONAL, KeyRole.IDENTITY, "source"),
    "aws:sourceowner": KeyFacts(Presence.OPTIONAL, KeyRole.IDENTITY, "source"),
    "aws:sourceorgid": KeyFacts(Presence.OPTIONAL, KeyRole.IDENTITY, "source", _whole, "o-"),
    "aws:sourceorgpaths": KeyFacts(Presence.OPTIONAL, KeyRole.IDENTITY, "source", _up_to("/"), "o-"),
}
SERVICE_IDENTITY = {
    "aws:principalservicename": KeyFacts(Presence.ALWAYS, KeyRole.IDENTITY, "service"),
}
# Values a caller sets for itself: a stranger names its own user, tags its own role, picks its
# session name (IAM User Guide, reference_policies_condition-keys).
CHOSEN_KEYS = frozenset({
    "aws:principaltype", "aws:username", "sts:rolesessionname", "sts:sourceidentity",
    "sts:transitivetagkeys", "aws:tagkeys",
})
IS_SERVICE = "aws:principalisawsservice"
CHOSEN_PREFIXES = ("aws:principaltag/", "aws:requesttag/")
ALWAYS_SENT = frozenset({"aws:sourceip", "aws:currenttime", "aws:epochtime", "aws:securetransport",
                         "aws:requestedregion", "sts:rolesessionname", "aws:principaltype"})
SECRET_KEYS = {"sts:externalid": KeyFacts(Presence.OPTIONAL, KeyRole.SECRET)}

GITHUB = "token.actions.githubusercontent.com"
COGNITO = "cognito-identity.amazonaws.com"


def _github_subject(tokens: list, segmentwise: bool) -> bool:
    """`repo:OWNER/...`: the owner is who controls the repository; a stranger registers any owner
    a wildcard lets in."""
    return _up_to("/")(tokens, segmentwise)


# Web identity claims that pin who the token's holder is, per issuer (SEMANTICS.md §4; AWS IAM
# User Guide, reference_policies_iam-condition-keys "Available keys for ... web identity"):
# Google's `aud` is the OAuth client id of the application, as in AWS's own example.
WEB_IDENTITY_CLAIMS: dict[str, dict[str, KeyFacts]] = {
    GITHUB: {"sub": KeyFacts(Presence.ALWAYS, KeyRole.IDENTITY, "subject", _github_subject, "repo:")},
    COGNITO: {
        "aud": KeyFacts(Presence.ALWAYS, KeyRole.IDENTITY, "subject"),
        "sub": KeyFacts(Presence.ALWAYS, KeyRole.IDENTITY, "subject"),
    },
    "accounts.google.com": {
        "aud": KeyFacts(Presence.ALWAYS, KeyRole.IDENTITY, "subject"),
        "oaud": KeyFacts(Presence.OPTIONAL, KeyRole.IDENTITY, "subject"),
        "sub": KeyFacts(Presence.ALWAYS, KeyRole.IDENTITY, "subject"),
    },
    "graph.facebook.com": {
        "app_id": KeyFacts(Presence.ALWAYS, KeyRole.IDENTITY, "subject"),
        "id": KeyFacts(Presence.ALWAYS, KeyRole.IDENTITY, "subject"),
    },
    "www.amazon.com": {
        "app_id": KeyFacts(Presence.ALWAYS, KeyRole.IDENTITY, "subject"),
        "user_id": KeyFacts(Presence.ALWAYS, KeyRole.IDENTITY, "subject"),
    },
}
GENERIC_OIDC_CLAIMS = {"sub": KeyFacts(Presence.ALWAYS, KeyRole.IDENTITY, "subject", _oidc_subject)}
# A token's audience is chosen by whoever requests the token (a GitHub workflow's `audience`, a
# pod's projected token): it pins nobody, unless the issuer's table above says otherwise.
CHOSEN_CLAIMS = frozenset({"aud", "amr"})


def issuer_of(principal: str) -> str:
    """The provider's issuer as condition keys name it: the URL without `https://`."""
    return principal.split(":oidc-provider/", 1)[-1].lower()


def _claims(issuer: str) -> dict[str, KeyFacts]:
    for name, claims in WEB_IDENTITY_CLAIMS.items():
        if issuer == name or issuer.startswith(name + "/"):  # GitHub Enterprise: issuer/ENTERPRISE
            return claims
    return GENERIC_OIDC_CLAIMS


def _same_issuer(prefix: str, issuer: str) -> bool:
    """Does a key's prefix name this issuer? Written with `https://`, or with a part unknown before
    apply on either side, it may: it is then read as this issuer's claim, which finds only what
    its values let in (reading it as absent would admit nobody, and hide a wildcard)."""
    prefix = prefix.removeprefix("https://")
    return prefix == issuer or "{" in prefix or "{" in issuer


def key_facts(key: str, kind: Kind, issuer: str = "") -> KeyFacts:
    """What a condition key is for this kind of caller: present or not, and what it pins."""
    key = key.lower()
    if key == IS_SERVICE and kind in (Kind.PRINCIPAL, Kind.SERVICE):
        return KeyFacts(Presence.ALWAYS, KeyRole.REQUEST, fixed="true" if kind is Kind.SERVICE else "false")
    claim_of = key.rsplit(":", 1)
    is_claim = len(claim_of) == 2 and ("." in claim_of[0] or claim_of[0] == "saml")
    if kind is Kind.WEB:
        if is_claim and _same_issuer(claim_of[0], issuer):
            facts = _claims(issuer).get(claim_of[1])
            if facts is not None:
                return facts
            return KeyFacts(Presence.ALWAYS, KeyRole.CHOSEN) if claim_of[1] in CHOSEN_CLAIMS else _REQUEST
        if is_claim or key in PRINCIPAL_IDENTITY or key in SOURCE_IDENTITY or key in SECRET_KEYS:
            return _NEVER
    elif kind is Kind.SAML:
        if claim_of[0] == "saml":
            return KeyFacts(Presence.ALWAYS, KeyRole.REQUEST)
        if is_claim or key in PRINCIPAL_IDENTITY or key in SOURCE_IDENTITY or key in SECRET_KEYS:
            return _NEVER
    elif kind is Kind.SERVICE:
        if key in SERVICE_IDENTITY:
            return SERVICE_IDENTITY[key]
        if key in SOURCE_IDENTITY:
            return SOURCE_IDENTITY[key]
        # A service calls with no principal ARN, account, organisation, ExternalId or MFA
        # (SEMANTICS.md §1; analyzer/trust.py's service context).
        # (IAM Roles Anywhere's certificate tags, aws:PrincipalTag/x509..., do come with it.)
        if is_claim or key in PRINCIPAL_IDENTITY or key in SECRET_KEYS or key in (
            "aws:multifactorauthpresent", "aws:username", "aws:principaltype"
        ):
            return _NEVER
        if key.startswith("aws:principaltag/"):
            return _REQUEST
    else:
        if key in PRINCIPAL_IDENTITY:
            return PRINCIPAL_IDENTITY[key]
        if key in SECRET_KEYS:
            return SECRET_KEYS[key]
        # aws:Source* come only with a service's call on behalf of a resource, never with a
        # principal's own AssumeRole call (IAM User Guide, aws:SourceAccount / aws:SourceArn).
        if is_claim or key in SOURCE_IDENTITY or key in SERVICE_IDENTITY:
            return _NEVER
    if key in CHOSEN_KEYS or key.startswith(CHOSEN_PREFIXES):
        return KeyFacts(Presence.ALWAYS if key in ALWAYS_SENT else Presence.OPTIONAL, KeyRole.CHOSEN)
    return KeyFacts(Presence.ALWAYS, KeyRole.REQUEST) if key in ALWAYS_SENT else _REQUEST


# --- values ---------------------------------------------------------------------------------

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
ESCAPES = {"*": "*", "?": "?", "$": "$"}
# Variables the role's own side fills in: the same for every caller, so they pin like text.
OWNER_VARIABLES = ("aws:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths", "aws:resourcetag/")


def value_tokens(value: Value, *, like: bool, version: str | None) -> list:
    """A value as characters, STAR and ONE (Like wildcards) and VAR (a caller-side policy variable).

    A part unknown before apply is the author's value, not a wildcard: it stays one opaque token
    (docs/DECISIONS.md). Policy variables are read only under Version 2012-10-17 (§6)."""
    parts = value.parts if not isinstance(value, (str, Unknown)) else (value,)
    out: list = []
    for part in parts:
        if isinstance(part, Unknown):
            out.append(part)
            continue
        position = 0
        found_all = list(_VARIABLE.finditer(part)) if version == "2012-10-17" else []
        for found in found_all:
            out.extend(_chars(part[position:found.start()], like))
            name = found.group(1).lower()
            if found.group(1) in ESCAPES:
                out.append(ESCAPES[found.group(1)])
            elif name.startswith(OWNER_VARIABLES):
                out.append(Unknown(name, "the role's own value"))
            else:
                out.append(VAR)
            position = found.end()
        out.extend(_chars(part[position:], like))
    return out


def _chars(text: str, like: bool) -> list:
    if not like:
        return list(text)
    return [STAR if char == "*" else ONE if char == "?" else char for char in text]


def has_known_wildcard(value: Value) -> bool:
    """A `*` or `?` in the value's known text (a placeholder for an unknown part never counts:
    `{var.repos[*].name}` is Terraform's splat, not a pattern)."""
    return any(token in (STAR, ONE) for token in value_tokens(value, like=True, version=None))


def _matches_every(tokens: list, facts: KeyFacts) -> bool:
    """Does the pattern match every value of its key (`*`, `arn:*`, `o-*`, `${aws:PrincipalAccount}`
    for itself, twelve `?` for an account)? Its literal head must be one every value carries."""
    first = next((i for i, t in enumerate(tokens) if _wild(t)), len(tokens))
    literal, rest = tokens[:first], tokens[first:]
    if not rest or not all(_wild(t) for t in rest):
        return False
    if not all(isinstance(t, str) for t in literal) or not facts.universal.startswith("".join(literal)):
        return False
    if STAR in rest or VAR in rest:
        return True
    return facts.dimension == "account" and len(literal) + len(rest) == 12


# --- one condition --------------------------------------------------------------------------


class Outcome(Enum):
    ALWAYS = "always"  # a stranger can meet it: it narrows nothing
    NEVER = "never"  # no caller of this kind can meet it
    NARROWS = "narrows"


@dataclass(frozen=True, slots=True)
class Verdict:
    effect: Outcome
    role: KeyRole = KeyRole.CHOSEN
    dimension: str = ""
    condition: Condition | None = None


def judge_condition(
    condition: Condition, kind: Kind, *, issuer: str = "", version: str | None = "2012-10-17", escape: bool = False
) -> Verdict:
    """Can a stranger of this kind meet the condition (`escape`: fail it, to escape a Deny)?"""
    facts = key_facts(condition.key, kind, issuer)
    parts = split_operator(condition.operator)
    negated = parts.base in ABSENT_PASSES
    if facts.fixed is not None and parts.base != "null":
        hit = any(isinstance(v, str) and v.lower() == facts.fixed for v in condition.values)
        holds = hit is not negated
        return Verdict(Outcome.ALWAYS if holds is not escape else Outcome.NEVER, condition=condition)
    if parts.base == "null":
        wants_absent = any(isinstance(v, str) and v.lower() == "true" for v in condition.values)
        wants_present = any(isinstance(v, str) and v.lower() == "false" for v in condition.values)
        absent_pass, stranger_pass, someone_pass = wants_absent, wants_present, wants_present
        absent_fail, stranger_fail, someone_fail = not wants_absent, not wants_present, not wants_present
    else:
        # A key missing from the request (as analyzer/conditions.py reads it): IfExists and
        # ForAllValues pass, ForAnyValue fails, a plain negated operator passes.
        absent_pass = parts.if_exists or parts.set_prefix == "forallvalues" or (
            negated and parts.set_prefix != "foranyvalue"
        )
        absent_fail = not absent_pass
        like = "like" in parts.base or parts.base.startswith("arn")
        compared = [value_tokens(v, like=like, version=version) for v in condition.values]
        total = any(_matches_every(t, facts) for t in compared)
        hit_possible: bool | None
        miss_possible: bool | None
        if facts.role is KeyRole.CHOSEN:
            hit_possible, miss_possible = True, not total
        elif facts.role is KeyRole.REQUEST:
            # What the request will hold (MFA, source IP, time) is not who the caller is: undecided
            # either way, unless a value matches everything.
            hit_possible, miss_possible = (True, False) if total else (None, None)
        else:
            hit_possible = any(facts.head(t, parts.base.startswith("arn")) for t in compared) or total
            miss_possible = not total
        stranger_pass, stranger_fail = (miss_possible, hit_possible) if negated else (hit_possible, miss_possible)
        someone_pass, someone_fail = (not total, True) if negated else (True, not total)
    if escape:
        absent_pass, stranger_pass, someone_pass = absent_fail, stranger_fail, someone_fail
    can_absent = facts.presence is not Presence.ALWAYS
    can_present = facts.presence is not Presence.NEVER
    if (can_absent and absent_pass) or (can_present and stranger_pass is True):
        return Verdict(Outcome.ALWAYS, condition=condition)
    if not ((can_absent and absent_pass) or (can_present and someone_pass)):
        return Verdict(Outcome.NEVER, condition=condition)
    role = facts.role if facts.role is not KeyRole.CHOSEN else KeyRole.REQUEST
    return Verdict(Outcome.NARROWS, role, facts.dimension, condition)


# --- one statement --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KindAdmission:
    """What one statement admits of one kind of caller, its Denies applied."""

    kind: Kind
    nobody: bool
    narrowing: tuple[Verdict, ...] = ()

    @property
    def strongest(self) -> KeyRole | None:
        """The strongest thing its conditions pin, None when they pin nothing at all."""
        return max((v.role for v in self.narrowing), default=None)

    @property
    def reach(self) -> "Reach":
        if self.nobody:
            return Reach.NOBODY
        strongest = self.strongest
        if strongest is None:
            return Reach.ANYONE
        return {KeyRole.IDENTITY: Reach.IDENTITY, KeyRole.SECRET: Reach.SECRET}.get(strongest, Reach.REQUEST)


class Reach(IntEnum):
    """How widely a statement admits, weakest first (a rule's severity starts here)."""

    NOBODY = 0
    IDENTITY = 1  # only principals of pinned organisations, accounts, ARNs, sources, subjects
    SECRET = 2  # callers holding a secret value
    REQUEST = 3  # anyone, with request conditions (MFA, source IP) that do not pin who
    ANYONE = 4


@dataclass(frozen=True, slots=True)
class Admission:
    """What one Allow statement admits through one Principal entry, kind by kind."""

    kinds: tuple[KindAdmission, ...]

    @property
    def reach(self) -> Reach:
        """The widest reach over the kinds of caller the entry lets in."""
        return max((k.reach for k in self.kinds), default=Reach.NOBODY)

    def narrowing(self) -> tuple[Verdict, ...]:
        """Every condition (or Deny's way out) that stops a stranger, over all kinds."""
        return tuple(v for k in self.kinds for v in k.narrowing)


def kinds_of(entry: TrustEntry) -> tuple[Kind, ...]:
    """The kinds of caller a Principal entry lets in: `*` is every AWS principal and service."""
    if entry.named is Named.ANY:
        return (Kind.PRINCIPAL, Kind.SERVICE)
    if entry.named is Named.SERVICE:
        return (Kind.SERVICE,)
    if entry.named is Named.OIDC:
        return (Kind.WEB,)
    if entry.named is Named.SAML:
        return (Kind.SAML,)
    return (Kind.PRINCIPAL,)


def admits(item: Labelled, entry: TrustEntry, action: str, trust: Sequence[Labelled]) -> Admission:
    """Who the Allow statement `item` lets in through `entry` for `action`, the trust's Denies that
    apply to that entry and action subtracted."""
    issuer = issuer_of(entry.id) if entry.named is Named.OIDC else ""
    denies = [d for d in trust if d.statement.effect is Effect.DENY and _deny_covers(d, entry, action)]
    return Admission(tuple(
        _admit_kind(item, kind, issuer, denies) for kind in kinds_of(entry)
    ))


def _deny_covers(deny: Labelled, entry: TrustEntry, action: str) -> bool:
    """Only a Deny sure to cover the action and the entry narrows: one that may not, narrows nothing."""
    statement = deny.statement
    if statement.unknown is not None or statement.is_not_principal:
        return False  # a Deny partly unknown before apply may not apply: it narrows nothing
    if action_truth(statement, action) is not Tri.YES:
        return False
    named = [classify(p) for p in statement.principals or ()]
    return any(e.named is Named.ANY or e.id == entry.id for e in named)


def _admit_kind(item: Labelled, kind: Kind, issuer: str, denies: Iterable[Labelled]) -> KindAdmission:
    verdicts = [judge_condition(c, kind, issuer=issuer, version=item.version) for c in item.statement.conditions]
    if any(v.effect is Outcome.NEVER for v in verdicts):
        return KindAdmission(kind, nobody=True)
    narrowing = [v for v in verdicts if v.effect is Outcome.NARROWS]
    for deny in denies:
        # The caller escapes a Deny by failing any one of its conditions.
        escapes = [
            judge_condition(c, kind, issuer=issuer, version=deny.version, escape=True)
            for c in deny.statement.conditions
        ]
        if all(e.effect is Outcome.NEVER for e in escapes):
            return KindAdmission(kind, nobody=True)  # it always applies (no condition, or none avoidable)
        if any(e.effect is Outcome.ALWAYS for e in escapes):
            continue  # a stranger escapes it: it narrows nothing
        ways = [e for e in escapes if e.effect is Outcome.NARROWS]
        weakest = min(ways, key=lambda e: e.role)
        narrowing.extend(ways if all(e.role is weakest.role for e in ways) else [weakest])
    return KindAdmission(kind, nobody=False, narrowing=tuple(narrowing))


def statements_admitting(
    trust: Sequence[Labelled], principal: str, action: str
) -> Iterable[tuple[Labelled, TrustEntry, Admission]]:
    """Each Allow statement of a trust that names `principal` and allows `action`, judged."""
    for item in trust:
        statement = item.statement
        # A statement partly unknown before apply (its effect too) is judged by what is known of
        # it: an unknown Condition block is not taken to narrow (a gate must not pass what it
        # cannot see).
        if statement.effect is Effect.DENY or statement.is_not_principal:
            continue
        if action_truth(statement, action) is Tri.NO:
            continue
        for entry in (classify(p) for p in statement.principals or ()):
            if entry.id == principal:
                yield item, entry, admits(item, entry, action, trust)
                break


