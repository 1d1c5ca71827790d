"""The inventory: plain, frozen data that every parser produces and the analyzer reads.

It is the single contract between parsers and analyzer (DESIGN.md). Every entity and every policy
statement carries its `source` (file, line) and `address` (Terraform address or CloudFormation
logical id). A value that cannot be known before apply is an explicit `Unknown`, never a guess.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Union


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """Where something is written: repo-relative POSIX path and 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value not known before apply, named by the expression it comes from.

    Rendered as `{expression}` so that reports show what is missing instead of guessing
    (CONTRACT.md: `arn:aws:iam::111111111111:role/{aws_iam_role.app.name}`).
    """

    expression: str
    reason: str = ""
    generated: bool = False
    """A name part that AWS or the deployment itself fixes (a `name_prefix` suffix, CloudFormation's
    random suffix, the stack's region or name): the entity exists whatever it is, so it makes a grant
    uncertain only where a decision depends on it."""

    def __str__(self) -> str:
        return "{" + self.expression + "}"


@dataclass(frozen=True, slots=True)
class Text:
    """A string some of whose parts are unknown until apply (`"role/${var.name}"`)."""

    parts: tuple[Union[str, Unknown], ...]

    def __str__(self) -> str:
        return "".join(str(part) for part in self.parts)


Value = Union[str, Unknown, Text]
"""A scalar in a policy or a name: a known string, wholly unknown, or partly unknown."""

CURRENT_ACCOUNT = Unknown("account_id", "the account the templates deploy into (--account-id)")
"""The deploying account when `--account-id` is not given: one symbol, equal only to itself."""


DEPLOY_CHOICE = "a choice made at deploy time"
"""The reason of an `Unknown` naming a deploy-time choice (`when Env = prod`, parsers/worlds.py):
what carries it exists only when the deployer chooses so."""


def render(value: Value) -> str:
    """The value as reports show it, unknown parts as `{expression}`."""
    return str(value)


def is_known(value: Value) -> bool:
    return isinstance(value, str)


def unknowns_in(value: Value) -> tuple[Unknown, ...]:
    """The unknown parts of a value, in order."""
    if isinstance(value, Unknown):
        return (value,)
    if isinstance(value, Text):
        return tuple(part for part in value.parts if isinstance(part, Unknown))
    return ()


def concat(*parts: Value) -> Value:
    """Join values into one, staying a plain `str` when every part is known."""
    flat: list[Union[str, Unknown]] = []
    for part in parts:
        pieces = part.parts if isinstance(part, Text) else (part,)
        for piece in pieces:
            if isinstance(piece, str) and flat and isinstance(flat[-1], str):
                flat[-1] += piece
            elif piece != "":
                flat.append(piece)
    if all(isinstance(piece, str) for piece in flat):
        return "".join(flat)  # type: ignore[arg-type]
    if len(flat) == 1:
        return flat[0]
    return Text(tuple(flat))


class Effect(str, Enum):
    ALLOW = "Allow"
    DENY = "Deny"


class PrincipalKind(str, Enum):
    """The key of a `Principal` block; `ANY` is the bare `"Principal": "*"`."""

    AWS = "AWS"
    SERVICE = "Service"
    FEDERATED = "Federated"
    CANONICAL_USER = "CanonicalUser"
    ANY = "*"


@dataclass(frozen=True, slots=True, kw_only=True)
class Principal:
    kind: PrincipalKind
    value: Value


@dataclass(frozen=True, slots=True, kw_only=True)
class Condition:
    """One operator/key pair of a Condition block; its values are ORed."""

    operator: str
    key: str
    values: tuple[Value, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Statement:
    """One normalised policy statement.

    `actions` holds Action, or NotAction when `is_not_action`; likewise for resources and
    principals. `resources`/`principals` are None when the statement has no such element.
    """

    source: Source
    address: str
    effect: Union[Effect, Unknown] = Effect.ALLOW
    sid: str | None = None
    actions: tuple[Value, ...] = ()
    is_not_action: bool = False
    resources: tuple[Value, ...] | None = None
    is_not_resource: bool = False
    principals: tuple[Principal, ...] | None = None
    is_not_principal: bool = False
    conditions: tuple[Condition, ...] = ()
    unknown: Unknown | None = None
    """Set when part of the statement could not be read (e.g. `Condition = var.x`)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyDocument:
    """A policy document. `unknown` is set when the whole document is unknown before apply."""

    source: Source
    address: str
    version: str | None = None
    statements: tuple[Statement, ...] = ()
    unknown: Unknown | None = None


def stand_in_statement(document: PolicyDocument, unknown: Unknown) -> Statement:
    """The one statement that stands for a document wholly unknown before apply: it may allow
    anything, and in a trust policy name anyone: `{expression}` → R, uncertain (DECISIONS.md),
    never no grant at all. Identity policies have no Principal to read."""
    return Statement(
        source=document.source,
        address=document.address,
        effect=Effect.ALLOW,
        actions=(unknown,),
        resources=("*",),  # its expression names the doubt, never a target (SEMANTICS.md §8)
        principals=(Principal(kind=PrincipalKind.AWS, value=unknown),),
        unknown=unknown,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class InlinePolicy:
    name: Value
    document: PolicyDocument
    source: Source
    address: str
    construct_path: str | None = None
    """CDK construct path (`aws:cdk:path` metadata) of the resource, shown beside hashed ids."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """A managed policy attached to a user, group or role, by ARN."""

    policy_arn: Value
    source: Source
    address: str
    unknown: Unknown | None = None
    """Set when the attachment exists only under a deploy-time choice (parsers/worlds.py)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Membership:
    """A user's membership of a group, by group name."""

    group: Value
    source: Source
    address: str
    unknown: Unknown | None = None
    """Set when the membership exists only under a deploy-time choice (parsers/worlds.py)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessKey:
    """A long-term access key of a user (`aws_iam_access_key`, `AWS::IAM::AccessKey`): with it the
    user can always call GetSessionToken (SEMANTICS.md §3). `status` is `Active` unless written."""

    status: Value = "Active"
    source: Source
    address: str


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    name: Value
    arn: Value
    source: Source
    address: str
    path: str = "/"
    account: Value = CURRENT_ACCOUNT
    groups: tuple[Membership, ...] = ()
    inline_policies: tuple[InlinePolicy, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    permissions_boundary: Attachment | None = None
    construct_path: str | None = None
    """CDK construct path (`aws:cdk:path` metadata) of the resource, shown beside hashed ids."""
    access_keys: tuple[AccessKey, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    name: Value
    arn: Value
    source: Source
    address: str
    path: str = "/"
    account: Value = CURRENT_ACCOUNT
    inline_policies: tuple[InlinePolicy, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    construct_path: str | None = None
    """CDK construct path (`aws:cdk:path` metadata) of the resource, shown beside hashed ids."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Role:
    name: Value
    arn: Value
    source: Source
    address: str
    trust_policy: PolicyDocument | None
    path: str = "/"
    account: Value = CURRENT_ACCOUNT
    inline_policies: tuple[InlinePolicy, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    permissions_boundary: Attachment | None = None
    construct_path: str | None = None
    """CDK construct path (`aws:cdk:path` metadata) of the resource, shown beside hashed ids."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ManagedPolicy:
    name: Value
    arn: Value
    document: PolicyDocument
    source: Source
    address: str
    path: str = "/"
    construct_path: str | None = None
    """CDK construct path (`aws:cdk:path` metadata) of the resource, shown beside hashed ids."""


class ProviderKind(str, Enum):
    OIDC = "oidc"
    SAML = "saml"


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityProvider:
    """An IAM OIDC or SAML identity provider; `url` is the OIDC issuer without `https://`."""

    kind: ProviderKind
    arn: Value
    source: Source
    address: str
    url: Value | None = None
    client_ids: tuple[Value, ...] = ()
    construct_path: str | None = None
    """CDK construct path (`aws:cdk:path` metadata) of the resource, shown beside hashed ids."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceControlPolicy:
    """An organisation SCP and what it is attached to.

    `targets` are account ids, OU ids (`ou-...`) or root ids (`r-...`); `account` is the account whose
    templates define it, the organisation's management account, to which SCPs never apply.
    """

    name: Value
    document: PolicyDocument
    source: Source
    address: str
    targets: tuple[Value, ...] = ()
    account: Value = CURRENT_ACCOUNT


class DiagnosticLevel(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True, kw_only=True)
class Diagnostic:
    """Something about the input itself (unreadable, unsupported, rejected by AWS), not a finding."""

    level: DiagnosticLevel
    message: str
    file: str
    line: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class InputFile:
    """One scanned input as the report lists it."""

    path: str
    format: str
    nested_in: str | None = None
    """For a template read as a nested stack of another: the parent's path."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Inventory:
    """Everything read from the inputs of one run."""

    users: tuple[User, ...] = ()
    groups: tuple[Group, ...] = ()
    roles: tuple[Role, ...] = ()
    policies: tuple[ManagedPolicy, ...] = ()
    providers: tuple[IdentityProvider, ...] = ()
    scps: tuple[ServiceControlPolicy, ...] = ()
    inputs: tuple[InputFile, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = field(default=())


def merge(parts: "list[Inventory] | tuple[Inventory, ...]") -> Inventory:
    """One inventory from the parts read from several inputs."""
    return Inventory(
        users=tuple(u for p in parts for u in p.users),
        groups=tuple(g for p in parts for g in p.groups),
        roles=tuple(r for p in parts for r in p.roles),
        policies=tuple(m for p in parts for m in p.policies),
        providers=tuple(i for p in parts for i in p.providers),
        scps=tuple(s for p in parts for s in p.scps),
        inputs=tuple(i for p in parts for i in p.inputs),
        diagnostics=tuple(d for p in parts for d in p.diagnostics),
    )
