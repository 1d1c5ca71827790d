"""What a trust policy's Principal entries name, in the identities of CONTRACT.md.

SEMANTICS.md §6: an account id means the same as its `:root` ARN ("the account", not the root
user); `*` is anyone; no partial wildcards and no groups (AWS rejects such a policy); a federated
principal is an OIDC or SAML provider, or a built-in web identity provider.
"""

from __future__ import annotations

import re
from functools import lru_cache
from dataclasses import dataclass
from enum import Enum

from credmint.analyzer.inventory import CURRENT_ACCOUNT, Principal, PrincipalKind, Text, Unknown, Value, concat, render
from credmint.analyzer.model import Action, PrincipalType

ACCOUNT_ID = re.compile(r"^\d{12}$")
BUILT_IN_WEB_IDENTITY = frozenset(
    {"cognito-identity.amazonaws.com", "accounts.google.com", "graph.facebook.com", "www.amazon.com"}
)


class Named(str, Enum):
    """What one Principal entry names."""

    ANY = "any"
    ACCOUNT = "account"
    USER = "user"
    ROLE = "role"
    ROLE_SESSION = "role-session"
    FEDERATED_USER = "federated-user"
    SERVICE = "service"
    OIDC = "oidc"
    SAML = "saml"
    UNKNOWN = "unknown"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class TrustEntry:
    """One Principal entry: what it names, its report identity, and the account it lies in."""

    named: Named
    id: str
    account: Value | None = None
    """The account it names or lies in; for an AWS principal unknown before apply, the account it
    may be (the whole value when nothing of it is known)."""
    problem: str = ""


def path_and_name(path: Value, name: Value) -> str:
    """`a/b/deep-deploy`: a user's or role's name with its path, as reasons show it, so that they
    say what the template says and two roles of one name on two paths stay apart."""
    return f"{render(path)}{render(name)}".lstrip("/")


def identity_name(kind: str, path: Value, name: Value) -> str:
    """`role/a/b/deep-deploy`: the resource part of the identity's ARN."""
    return f"{kind}/{path_and_name(path, name)}"


def account_root(account: Value, partition: str = "aws") -> Value:
    """`arn:aws:iam::ACCOUNT:root`, the identity of an account as a principal."""
    return concat(f"arn:{partition}:iam::", account, ":root")


@lru_cache(maxsize=65536)
def classify(principal: Principal) -> TrustEntry:
    value = principal.value
    text = render(value)
    if principal.kind is PrincipalKind.ANY or (principal.kind is PrincipalKind.AWS and value == "*"):
        return TrustEntry(Named.ANY, "*")
    if isinstance(value, str) and not value.strip():
        # `"Federated": ""` names nobody: AWS rejects the policy (Principal element page).
        return TrustEntry(Named.INVALID, text, problem=f"empty {principal.kind.value} principal")
    if principal.kind is PrincipalKind.SERVICE:
        return _service(value, text)
    if principal.kind is PrincipalKind.FEDERATED:
        return _federated(value, text)
    if principal.kind is PrincipalKind.CANONICAL_USER:
        return TrustEntry(Named.INVALID, text, problem="CanonicalUser cannot be trusted by a role")
    return _aws(value, text)


def _service(value: Value, text: str) -> TrustEntry:
    if isinstance(value, str) and ("*" in value or "?" in value):
        return TrustEntry(Named.INVALID, text, problem=f"wildcard in service principal {text}")
    return TrustEntry(Named.SERVICE, text)


def _federated(value: Value, text: str) -> TrustEntry:
    if not _account_is_valid(value):
        return TrustEntry(Named.INVALID, text, problem=f"{text} names no 12-digit account")
    if ":saml-provider/" in text:
        return TrustEntry(Named.SAML, text, account=_arn_account(value))
    if ":oidc-provider/" in text or text in BUILT_IN_WEB_IDENTITY:
        return TrustEntry(Named.OIDC, text, account=_arn_account(value))
    if isinstance(value, str):
        if "*" in value or "?" in value:
            return TrustEntry(Named.INVALID, text, problem=f"wildcard in federated principal {text}")
        return TrustEntry(Named.OIDC, text)
    return TrustEntry(Named.UNKNOWN, text)


def _aws(value: Value, text: str) -> TrustEntry:
    if isinstance(value, str) and "${" in value:
        # Another tool's variable left in the text (Serverless `${self:...}`, a template engine):
        # what it will be is unknown here, so the principal is unknown, not invalid.
        return TrustEntry(Named.UNKNOWN, text, account=Unknown(text, "another tool's variable"))
    if value == CURRENT_ACCOUNT:
        # The current account as a bare principal (`data.aws_caller_identity.x.account_id`,
        # `!Ref AWS::AccountId`): the account, same-account with every caller of the run.
        return TrustEntry(Named.ACCOUNT, render(account_root(value)), account=value)
    if isinstance(value, str):
        if ACCOUNT_ID.match(value):
            return TrustEntry(Named.ACCOUNT, render(account_root(value)), account=value)
        if "*" in value or "?" in value:
            return TrustEntry(Named.INVALID, text, problem=f"partial wildcard in principal {text}")
    segments = _arn_segments(value)
    if segments is None or render(segments[0]) != "arn" or render(segments[2]) not in ("iam", "sts"):
        if isinstance(value, str):
            return TrustEntry(Named.INVALID, text, problem=f"{text} is not an AWS principal")
        # Wholly unknown (`!Ref TrustedPrincipal`): it may be an account id, this one included.
        return TrustEntry(Named.UNKNOWN, text, account=value)
    service, account, resource = render(segments[2]), segments[4], render(segments[5])
    if not _account_is_valid(value):
        # `arn:aws:iam:::root` is no account: AWS rejects the policy, it trusts nobody here.
        return TrustEntry(Named.INVALID, text, problem=f"{text} names no 12-digit account")
    if service == "iam" and resource == "root":
        return TrustEntry(Named.ACCOUNT, text, account=account)
    kind = resource.split("/", 1)[0]
    if service == "iam" and kind == "user":
        return TrustEntry(Named.USER, text, account=account)
    if service == "iam" and kind == "role":
        return TrustEntry(Named.ROLE, text, account=account)
    if service == "sts" and kind == "assumed-role":
        return TrustEntry(Named.ROLE_SESSION, text, account=account)
    if service == "sts" and kind == "federated-user":
        return TrustEntry(Named.FEDERATED_USER, text, account=account)
    if service == "iam" and kind == "group":
        return TrustEntry(Named.INVALID, text, problem=f"a group cannot be a principal ({text})")
    if not isinstance(value, str):
        return TrustEntry(Named.UNKNOWN, text, account=account)  # `…:${Kind}/x` may be `…:root`
    return TrustEntry(Named.INVALID, text, problem=f"{text} is not a principal AWS accepts")


def _arn_segments(value: Value) -> list[Value] | None:
    """The six parts of an ARN value (five segments and the rest); unknown parts are taken to hold
    no colon, so an unknown account stays one segment. None when it has fewer parts."""
    parts = value.parts if isinstance(value, Text) else (value,)
    segments: list[list[str | Unknown]] = [[]]
    for part in parts:
        if isinstance(part, Unknown) or len(segments) == 6:
            segments[-1].append(part)
            continue
        pieces = part.split(":", 6 - len(segments))
        segments[-1].append(pieces[0])
        for piece in pieces[1:]:
            segments.append([piece])
    if len(segments) < 6:
        return None
    return [concat(*segment) for segment in segments]


def _account_is_valid(value: Value) -> bool:
    """An ARN principal's account segment, where written out, is 12 digits (`arn:aws:iam:::root`
    and `arn:aws:iam::12345:root` name no account); one unknown before apply may be valid."""
    account = _arn_account(value)
    # `cloudfront` is the one named account AWS accepts (`arn:aws:iam::cloudfront:user/CloudFront
    # Origin Access Identity ...`).
    return not isinstance(account, str) or bool(ACCOUNT_ID.match(account)) or account == "cloudfront"


def _arn_account(value: Value) -> Value | None:
    """The account segment of an ARN value, keeping an unknown account unknown."""
    segments = _arn_segments(value)
    return None if segments is None else segments[4]


def may_be_account(entry: TrustEntry) -> bool:
    """Does the entry name an account, or may it (an AWS principal unknown before apply)? Callers
    of that account with an identity allow are then admitted (SEMANTICS.md §1), surely or maybe."""
    return entry.named is Named.ACCOUNT or (entry.named is Named.UNKNOWN and entry.account is not None)


def web_identity_action(entry: TrustEntry) -> Action:
    return Action.ASSUME_ROLE_WITH_SAML if entry.named is Named.SAML else Action.ASSUME_ROLE_WITH_WEB_IDENTITY


def same_account(left: Value | None, right: Value | None) -> bool | None:
    """True/False when both accounts are known to be equal/different; None when it depends."""
    if left is None or right is None:
        return None
    if left == right:
        return True
    if isinstance(left, str) and isinstance(right, str):
        return False
    return None


REPORT_TYPES = {
    Named.ANY: PrincipalType.ANY,
    Named.ACCOUNT: PrincipalType.ACCOUNT,
    Named.USER: PrincipalType.USER,
    Named.ROLE: PrincipalType.ROLE,
    Named.ROLE_SESSION: PrincipalType.ROLE,
    Named.FEDERATED_USER: PrincipalType.EXTERNAL,
    Named.SERVICE: PrincipalType.SERVICE,
    Named.OIDC: PrincipalType.FEDERATED,
    Named.SAML: PrincipalType.FEDERATED,
    Named.UNKNOWN: PrincipalType.UNKNOWN,
    Named.INVALID: PrincipalType.EXTERNAL,
}
"""The `type` a report gives to a principal that the templates do not define."""
