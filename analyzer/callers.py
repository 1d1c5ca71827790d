"""The principals in the templates that can call STS: users and roles, with their policies gathered.

A user's identity policies are its own and its groups' (inline and attached); a role's are its
own. Attached policies are looked up by ARN among the templates' managed policies, then in the AWS
managed policy snapshot; an ARN found in neither is a policy whose content is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Sequence

from credmint.analyzer.conditions import CallerContext, context_view
from credmint.analyzer.inventory import (
    Attachment,
    Diagnostic,
    DiagnosticLevel,
    Effect,
    Group,
    Inventory,
    ManagedPolicy,
    PolicyDocument,
    Role,
    ServiceControlPolicy,
    Unknown,
    User,
    Value,
    render,
)
from credmint.analyzer.model import PrincipalType
from credmint.analyzer.patterns import Tri, match_literal
from credmint.analyzer.policy import (
    Labelled,
    PartAnswer,
    Request,
    POLICY_NOT_FOUND,
    Support,
    answer_part,
    combine,
    context_keys,
    labelled,
)
from credmint.analyzer.principals import path_and_name, same_account

PolicyLookup = Callable[[str], "PolicyDocument | None"]
"""Finds a policy document outside the templates by ARN (the AWS managed policy snapshot)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Caller:
    """A user or role of the templates, ready to be asked whether it may call STS."""

    id: str
    type: PrincipalType
    name: str
    account: Value
    parts: tuple[tuple[Labelled, ...], ...]
    """Its identity statements by where they come from — its own policies, each group's, the
    SCPs' — each part shared by every caller that has it, so asked once per request."""
    boundary: tuple[Labelled, ...] | None
    context: CallerContext
    entity: User | Role
    answers: dict = field(default_factory=dict, compare=False, repr=False)
    """Answers of the parts by part and request, one dict shared by all the callers of a walk."""
    own: tuple[Labelled, ...] = field(default=(), compare=False, repr=False)
    """The statements of its own policies, not its groups' nor the SCPs' (rule CM201)."""
    identity: tuple[Labelled, ...] = field(init=False, compare=False, repr=False)
    part_keys: tuple[tuple[str, ...], ...] = field(init=False, compare=False, repr=False)
    """The context keys each part reads: callers whose contexts agree on them get one answer."""
    denies: tuple[Labelled, ...] = field(init=False, compare=False, repr=False)
    """The Deny statements of its identity and boundary: what can cut a trust that names it."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "identity", tuple(item for part in self.parts for item in part))
        object.__setattr__(self, "denies", tuple(
            item for item in (*self.identity, *(self.boundary or ())) if item.statement.effect is Effect.DENY
        ))
        object.__setattr__(self, "part_keys", tuple(context_keys(part) for part in self.parts))

    def part_answer(self, index: int, request: Request, subject: str) -> PartAnswer:
        """What one part says of a request: computed by the first caller holding the part whose
        context reads alike, then shared (the part is the same object for all its holders)."""
        part = self.parts[index]
        key = (id(part), request.action, request.resource, subject,
               context_view(request.context, self.part_keys[index]))
        found = self.answers.get(key)
        if found is None:
            found = self.answers[key] = answer_part(part, request, subject=subject)
        return found


class PolicyIndex:
    """Managed policies by ARN, with diagnostics for the ones that cannot be found."""

    def __init__(self, policies: Iterable[ManagedPolicy], lookup: PolicyLookup | None) -> None:
        self._by_arn = {render(p.arn): p for p in policies}
        self._lookup = lookup
        self.diagnostics: list[Diagnostic] = []
        self._reported: set[str] = set()

    def statements(self, attachment: Attachment, holder: str) -> list[Labelled]:
        arn = render(attachment.policy_arn)
        found = self._by_arn.get(arn)
        if found is not None:
            return labelled(found.document, f"policy {render(found.name)} attached to {holder}")
        document = self._lookup(arn) if self._lookup and isinstance(attachment.policy_arn, str) else None
        if document is not None:
            return labelled(document, f"AWS managed policy {arn.rsplit('/', 1)[-1]} attached to {holder}")
        if arn not in self._reported:
            self._reported.add(arn)
            self.diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.WARNING,
                    message=f"policy {arn} is {POLICY_NOT_FOUND}: what it allows is unknown",
                    file=attachment.source.file,
                    line=attachment.source.line,
                )
            )
        unknown = PolicyDocument(
            source=attachment.source,
            address=attachment.address,
            unknown=Unknown(arn, POLICY_NOT_FOUND),
        )
        return labelled(unknown, f"policy {arn} attached to {holder}")


def build_callers(inventory: Inventory, index: PolicyIndex) -> list[Caller]:
    groups = _GroupPolicies(inventory.groups, index)
    answers: dict = {}
    governing = _Governing(inventory.scps)
    callers = [_user(user, groups, index, answers, governing) for user in inventory.users]
    callers += [_role(role, index, answers, governing) for role in inventory.roles]
    return callers


class _Governing:
    """The SCP part of each account's callers: their Deny statements, one shared tuple per account
    (so that its answers are shared), the last part of every caller once the templates hold SCPs."""

    def __init__(self, scps: Sequence[ServiceControlPolicy]) -> None:
        self._scps = scps
        self._denies: dict[Value, tuple[Labelled, ...]] = {}

    def parts(self, account: Value) -> tuple[tuple[Labelled, ...], ...]:
        if not self._scps:
            return ()
        if account not in self._denies:
            self._denies[account] = scp_denies(self._scps, account)
        return (self._denies[account],)


class _GroupPolicies:
    """Each group's statements, labelled once and shared by its members (so that their answers
    can be shared too); read on first use, so a group without members reports nothing."""

    def __init__(self, groups: Iterable[Group], index: PolicyIndex) -> None:
        self._groups = {render(g.name): g for g in groups}
        self._index = index
        self._items: dict[str, tuple[Labelled, ...]] = {}

    def items(self, name: str) -> tuple[Labelled, ...]:
        if name not in self._items:
            group = self._groups.get(name)
            self._items[name] = (
                () if group is None
                else tuple(_policies(f"group {name}", group.inline_policies, group.attachments, self._index))
            )
        return self._items[name]


def scp_denies(scps: Sequence[ServiceControlPolicy], account: Value) -> tuple[Labelled, ...]:
    """The Deny statements of the SCPs that govern `account` (SEMANTICS.md §7 steps 1–2).

    SCPs never apply to the management account, the one whose templates define them. Only their
    Deny statements are applied: the implicit FullAWSAccess is assumed (docs/DECISIONS.md). An SCP
    attached to an OU governs the account only maybe, since OU membership is not in the templates.
    """
    items: list[Labelled] = []
    for scp in scps:
        if same_account(scp.account, account) is True:
            continue
        truth = _governs(scp, account)
        if truth is Tri.NO:
            continue
        for item in labelled(scp.document, f"SCP {render(scp.name)}"):
            if item.statement.effect is not Effect.DENY:
                continue
            if truth is Tri.MAYBE or same_account(scp.account, account) is None:
                doubt = Unknown(f"{render(scp.name)}.targets", "whether the SCP governs this account")
                item = replace(item, statement=replace(item.statement, unknown=doubt))
            items.append(item)
    return tuple(items)


def _governs(scp: ServiceControlPolicy, account: Value) -> Tri:
    truths = []
    for target in scp.targets:
        text = render(target)
        if text.startswith("r-"):
            truths.append(Tri.YES)  # the organisation root governs every member account
        elif text.startswith("ou-") or not isinstance(target, str):
            truths.append(Tri.MAYBE)
        else:
            truths.append(match_literal(target, account))
    return max(truths, default=Tri.NO)


def _policies(
    holder: str, inline: Sequence, attachments: Sequence[Attachment], index: PolicyIndex
) -> list[Labelled]:
    items: list[Labelled] = []
    for policy in inline:
        items += labelled(policy.document, f"{holder} inline policy {render(policy.name)}")
    for attachment in attachments:
        items += gated(tuple(index.statements(attachment, holder)), attachment.unknown)
    return items


def gated(items: tuple[Labelled, ...], unknown: Unknown | None) -> tuple[Labelled, ...]:
    """Statements held through an attachment or membership that exists only under a deploy-time
    choice: each carries that choice, so what it grants is uncertain and names it."""
    if unknown is None:
        return items  # the same tuple, so that members share their group's answers
    return tuple(
        item if item.statement.unknown is not None
        else replace(item, statement=replace(item.statement, unknown=unknown))
        for item in items
    )


def _boundary(attachment: Attachment | None, holder: str, index: PolicyIndex) -> tuple[Labelled, ...] | None:
    if attachment is None:
        return None
    items = index.statements(attachment, f"{holder} as its permissions boundary")
    return tuple(items)


SERVICE_SOURCE_KEYS = frozenset({"aws:sourcearn", "aws:sourceaccount", "aws:sourceowner"})
"""Keys set only when a service calls on behalf of a resource (reference_policies_condition-keys):
absent when an IAM user or role calls AssumeRole itself."""


def _user(user: User, groups: _GroupPolicies, index: PolicyIndex, answers: dict, governing: _Governing) -> Caller:
    name = render(user.name)
    holder = f"user {path_and_name(user.path, user.name)}"
    own = tuple(_policies(holder, user.inline_policies, user.attachments, index))
    parts = [own, *(gated(groups.items(render(m.group)), m.unknown) for m in user.groups)]
    arn = render(user.arn)
    context = CallerContext(
        known={
            "aws:username": (user.name,),
            "aws:principalarn": (user.arn,),
            "aws:principalaccount": (user.account,),
            "aws:principaltype": ("User",),
            "aws:principalisawsservice": ("false",),
        },
        absent=frozenset({"aws:principalservicename", *SERVICE_SOURCE_KEYS}),
        # Long-term keys send none of these; session credentials from GetSessionToken (with MFA
        # when the user chooses) send them: the user picks at call time (SEMANTICS.md §1, §3).
        omittable=frozenset({"aws:multifactorauthpresent", "aws:multifactorauthage", "aws:tokenissuetime"}),
    )
    return Caller(
        id=arn,
        type=PrincipalType.USER,
        name=name,
        account=user.account,
        parts=(*(part for part in parts if part), *governing.parts(user.account)),
        boundary=_boundary(user.permissions_boundary, holder, index),
        context=context,
        entity=user,
        answers=answers,
        own=own,
    )


def _role(role: Role, index: PolicyIndex, answers: dict, governing: _Governing) -> Caller:
    name = render(role.name)
    holder = f"role {path_and_name(role.path, role.name)}"
    context = CallerContext(
        known={
            "aws:principalarn": (role.arn,),
            "aws:principalaccount": (role.account,),
            "aws:principaltype": ("AssumedRole",),
            "aws:principalisawsservice": ("false",),
        },
        absent=frozenset({"aws:username", "aws:principalservicename", *SERVICE_SOURCE_KEYS}),
        # A role session is temporary credentials: aws:TokenIssueTime is always in its requests,
        # and aws:MultiFactorAuthPresent too ("present ... only when the principal uses temporary
        # credentials"), `true` or `false` as the session was made.
        present=frozenset({"aws:tokenissuetime", "aws:multifactorauthpresent"}),
    )
    return Caller(
        id=render(role.arn),
        type=PrincipalType.ROLE,
        name=name,
        account=role.account,
        parts=(tuple(_policies(holder, role.inline_policies, role.attachments, index)), *governing.parts(role.account)),
        boundary=_boundary(role.permissions_boundary, holder, index),
        context=context,
        entity=role,
        answers=answers,
    )


def caller_side(
    caller: Caller, request: Request, subject: str, *, identity: Sequence[Labelled] | None = None,
    with_denies: bool = True,
) -> Support | None:
    """The caller's side of a request (SEMANTICS.md §7 steps 4–5): its identity policies allow it,
    within its permissions boundary. `with_denies=False` leaves Deny statements to the caller of
    this function, which carves patterns out of a wide target instead (`except`)."""
    if identity is None:
        parts = [caller.part_answer(n, request, subject) for n in range(len(caller.parts))]
    else:
        parts = [answer_part(identity, request, subject=subject)]
    support = combine(parts, with_denies=with_denies)
    if support is None or caller.boundary is None:
        return support
    bounded = combine((answer_part(caller.boundary, request, subject=subject, alone=True),), with_denies=with_denies)
    return None if bounded is None else support & bounded
