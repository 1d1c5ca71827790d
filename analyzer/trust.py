"""Grants that a role's trust policy creates: sts:AssumeRole, ...WithWebIdentity, ...WithSAML.

SEMANTICS.md §1, §4 and §7, with the decisions of docs/DECISIONS.md: the trust policy must always
allow; a same-account caller named by its own ARN (or by `*`) needs no identity policy; a caller
admitted through its account needs an identity allow too; other accounts are `uncertain`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterator, Sequence

from credmint.analyzer.callers import SERVICE_SOURCE_KEYS, Caller, caller_side
from credmint.analyzer.candidates import CallerIndex
from credmint.analyzer.conditions import ANYONE, CallerContext, context_view, split_operator
from credmint.analyzer.inventory import (
    Diagnostic,
    DiagnosticLevel,
    Effect,
    Role,
    Statement,
    render,
)
from credmint.analyzer.model import Action, Certainty, Grant, PrincipalType, strength, under_conditions
from credmint.analyzer.patterns import Tri, match_literal
from credmint.analyzer.policy import Labelled, Request, Support, apply_denies, context_keys, evaluate_set, labelled
from credmint.analyzer.principals import (
    REPORT_TYPES,
    Named,
    TrustEntry,
    classify,
    identity_name,
    may_be_account,
    path_and_name,
    same_account,
    web_identity_action,
)


@dataclass(frozen=True, slots=True)
class TrustedRole:
    role: Role
    id: str
    name: str
    items: tuple[Labelled, ...]
    names_by_arn: frozenset[str] = frozenset()
    """Principal ids its Allow statements name, `*` included: a caller absent from it (and from
    partly unknown entries) cannot be admitted by its own ARN, so that evaluation is skipped."""
    names_accounts: bool = False
    context_keys: tuple[str, ...] = ()
    """The request-context keys its statements read."""
    denies: tuple[Labelled, ...] = ()
    """Its Deny statements, the only ones that can cut a grant once an Allow admitted the caller."""
    answers: dict = field(default_factory=dict, compare=False, repr=False)
    """Trust-side answers that do not depend on who the caller is, only on what its context
    says of `context_keys`: admitted as anyone (`*`) or as one of an account's principals."""

    def answer(self, key: tuple, caller: Caller, compute: "Callable[[], Support | None]") -> Support | None:
        key = (*key, context_view(caller.context, self.context_keys))
        if key not in self.answers:
            self.answers[key] = compute()
        return self.answers[key]


def trusted_role(role: Role) -> TrustedRole | None:
    if role.trust_policy is None:
        return None
    name = identity_name("role", role.path, role.name)
    items = tuple(labelled(role.trust_policy, f"trust policy of {name}"))
    entries = [e for item in items if item.statement.effect is not Effect.DENY for e in _entries(item.statement)]
    by_arn = frozenset(
        "{unknown}" if e.named is Named.UNKNOWN or "{" in e.id else e.id
        for e in entries
        if e.named in (Named.ANY, Named.USER, Named.ROLE, Named.UNKNOWN)
    )
    names_accounts = any(may_be_account(e) for e in entries) or any(
        item.statement.unknown is not None for item in items
    )
    if any(item.statement.unknown is not None for item in items):
        by_arn |= {"{unknown}"}
    denies = tuple(item for item in items if item.statement.effect is Effect.DENY)
    return TrustedRole(role, render(role.arn), name, items, by_arn, names_accounts, context_keys(items), denies)


def _may_name(target: TrustedRole, caller_id: str) -> bool:
    return bool({"*", "{unknown}", caller_id} & target.names_by_arn)


def invalid_principals(target: TrustedRole) -> list[Diagnostic]:
    """Principals AWS rejects in a trust policy: error diagnostics, never grants (§6)."""
    problems: list[Diagnostic] = []
    for item in target.items:
        statement = item.statement
        where = statement.source
        if statement.is_not_principal:
            problems.append(_error(where, f"NotPrincipal is not allowed in the trust policy of {target.name}"))
            continue
        for principal in statement.principals or ():
            entry = classify(principal)
            if entry.named is Named.INVALID:
                problems.append(_error(where, f"{entry.problem} in the trust policy of {target.name}"))
    return problems


def _error(where, message: str) -> Diagnostic:
    return Diagnostic(level=DiagnosticLevel.ERROR, message=message, file=where.file, line=where.line)


def _entries(statement: Statement) -> list[TrustEntry]:
    if statement.is_not_principal:
        return []
    return [classify(p) for p in statement.principals or ()]


def _names(caller: Caller, entry: TrustEntry) -> Tri:
    """Does this entry name the caller itself (its ARN), or anyone?"""
    if entry.named is Named.ANY:
        return Tri.YES
    if entry.named not in (Named.USER, Named.ROLE, Named.UNKNOWN):
        return Tri.NO
    wanted = PrincipalType.USER if entry.named is Named.USER else PrincipalType.ROLE
    if entry.named is not Named.UNKNOWN and caller.type is not wanted:
        return Tri.NO
    return match_literal(entry.id, caller.id)


def _names_exactly(caller: Caller, entry: TrustEntry) -> Tri:
    """`_names` without `*`: the entry is the caller's own ARN (or unknown and may be)."""
    return Tri.NO if entry.named is Named.ANY else _names(caller, entry)


def _is_anyone(entry: TrustEntry) -> Tri:
    return Tri.YES if entry.named is Named.ANY else Tri.NO


def _names_account(caller: Caller, entry: TrustEntry) -> Tri:
    if not may_be_account(entry) or entry.account is None:
        return Tri.NO
    found = match_literal(entry.account, caller.account)
    # An AWS principal unknown before apply may be the caller's account: only maybe.
    return Tri.MAYBE if entry.named is Named.UNKNOWN and found is not Tri.NO else found


def _test(predicate):
    def test(statement: Statement) -> Tri:
        return max((predicate(entry) for entry in _entries(statement)), default=Tri.NO)

    return test


def _self_test(predicate):
    def test(statement: Statement) -> Tri:
        return max((predicate(statement, entry) for entry in _entries(statement)), default=Tri.NO)

    return test


def _names_by_condition(statement: Statement) -> bool:
    return any(
        c.key.lower() == "aws:principalarn" and not split_operator(c.operator).base.startswith(("stringnot", "arnnot"))
        for c in statement.conditions
    )


def grants_for_callers(
    target: TrustedRole, index: CallerIndex, spend: Callable[[int], None] = lambda pairs: None
) -> Iterator[Grant]:
    """Grants to the templates' own users and roles (§1, §7), among the callers the index offers;
    `spend` is told how many are offered (it raises past the analysis' bound)."""
    principals = [
        p for item in target.items if item.statement.effect is not Effect.DENY for p in item.statement.principals or ()
    ]
    candidates = index.for_trust(target.id, target.role.arn, principals)
    spend(len(candidates))
    for caller in candidates:
        support = _caller_support(target, caller)
        if support is not None:
            yield _grant(caller.id, caller.type, Action.ASSUME_ROLE, target, support)


def _caller_support(target: TrustedRole, caller: Caller) -> Support | None:
    request = Request(action=Action.ASSUME_ROLE.value, resource=None, context=caller.context)
    short = caller.id.split(":", 5)[-1]
    if caller.id == target.id:
        # Self-assumption is not implicit (§1, id_roles_update-role-trust-policy): the trust must
        # name the role's own ARN or its account (the account form, like any account-trusted
        # caller, also needs the role's identity allow), or `*` narrowed by an aws:PrincipalArn
        # condition naming it (how modules write it before the role exists); `applies` checks it.
        def explicit(statement: Statement, entry: TrustEntry) -> bool:
            return entry.named in (Named.USER, Named.ROLE) or may_be_account(entry) or _names_by_condition(statement)

        named = _self_test(lambda st, e: _names(caller, e) if explicit(st, e) else Tri.NO)
        by_account = _self_test(lambda st, e: _names_account(caller, e) if explicit(st, e) else Tri.NO)
        direct = evaluate_set(target.items, request, named, short)
        via_account = evaluate_set(target.items, request, by_account, _accounts_named(caller))
    else:
        direct = via_account = None
        if _may_name(target, caller.id):
            direct = _admitted_by_name(target, caller, request, short)
        if target.names_accounts:
            via_account = target.answer(
                ("account", caller.account),
                caller,
                lambda: evaluate_set(
                    target.items, request, _test(lambda e: _names_account(caller, e)), _accounts_named(caller)
                ),
            )
    same = same_account(caller.account, target.role.account)
    options: list[Support] = []
    if direct is not None and same is not False:
        found = _direct(direct, target, caller)
        if found is not None and same is None:
            found = found & Support(
                certainty=Certainty.UNCERTAIN,
                reasons=(f"{caller.id} may be in another account than {target.name}, which would need an identity allow",),
            )
        options.append(found)
    if direct is not None and same is not True:
        via_account = direct if via_account is None else via_account
    if via_account is not None:
        identity = _identity_side(target, caller)
        if identity is not None:
            options.append(via_account & identity)
    options = [o for o in options if o is not None]
    if not options:
        return None
    best = max(options, key=lambda s: strength(s.certainty, s.conditions))
    if not target.denies:
        return best
    any_form = _test(lambda e: max(_names(caller, e), _names_account(caller, e)))
    return apply_denies(best, target.denies, request, any_form)


def _accounts_named(caller: Caller) -> Callable[[Statement], str]:
    """The accounts a statement names that may be the caller's, as the trust writes them (a literal
    id, a parameter): never the caller's account put in their place."""

    def said(statement: Statement) -> str:
        named = [
            f"account {render(e.account)}" if e.named is Named.ACCOUNT else f"{e.id}, which may be an account"
            for e in _entries(statement)
            if may_be_account(e) and _names_account(caller, e) is not Tri.NO
        ]
        return ", ".join(dict.fromkeys(named))

    return said


def _admitted_by_name(target: TrustedRole, caller: Caller, request: Request, short: str) -> Support | None:
    """The trust admits the caller itself: by its ARN (or an unknown principal that may be it), or
    as anyone (`*`) — the latter answered once for every caller whose context reads alike."""
    by_arn = None
    if {caller.id, "{unknown}"} & target.names_by_arn:
        by_arn = evaluate_set(target.items, request, _test(lambda e: _names_exactly(caller, e)), short)
    by_anyone = None
    if "*" in target.names_by_arn:
        by_anyone = target.answer(
            ("anyone",),
            caller,
            lambda: evaluate_set(target.items, request, _test(_is_anyone), ANYONE_SUBJECT),
        )
    if by_arn is None or by_anyone is None:
        return by_arn or by_anyone
    return by_arn | by_anyone


def _direct(trust: Support, target: TrustedRole, caller: Caller) -> Support | None:
    """Same account, trust names the caller: no identity allow needed, but denies and boundary cut."""
    if not caller.denies and caller.boundary is None:
        return trust  # nothing of the caller's can cut it
    request = Request(action=Action.ASSUME_ROLE.value, resource=target.role.arn, context=caller.context)
    # An explicit Deny in the identity policies or the boundary wins over every Allow (§7 step 1).
    support = apply_denies(trust, caller.denies, request)
    if support is None or caller.boundary is None:
        return support
    bounded = evaluate_set(caller.boundary, request, subject=f"sts:AssumeRole on {target.name}")
    if bounded is not None:
        return support & bounded
    kind = "user" if caller.type is PrincipalType.USER else "role"
    holder = path_and_name(caller.entity.path, caller.entity.name)
    unbounded = f"the permissions boundary of {kind} {holder} does not allow sts:AssumeRole on {target.name}"
    if _wildcard_by_arn(target, caller):
        # Issue 13: the Principal page (reference_policies_elements_principal) says a boundary does
        # not limit what `*` narrowed by aws:PrincipalArn grants; SEMANTICS.md §1 (after
        # id_roles_update-role-trust-policy) says the caller's boundary must allow it. Never dropped.
        return support & Support(
            certainty=Certainty.UNCERTAIN,
            reasons=(
                f"{unbounded}; the trust admits it as * narrowed by aws:PrincipalArn, which the Principal "
                "page (reference_policies_elements_principal) says a boundary does not limit, while "
                "SEMANTICS.md §1 (id_roles_update-role-trust-policy) says the boundary must allow it",
            ),
        )
    if caller.type is PrincipalType.ROLE:
        return None
    # SEMANTICS.md §1 decision: AWS's pages disagree on whether a user's boundary limits this.
    return support & Support(
        certainty=Certainty.UNCERTAIN,
        reasons=(f"{unbounded}; AWS's documentation disagrees on whether it applies here",),
    )


def _wildcard_by_arn(target: TrustedRole, caller: Caller) -> bool:
    """Does a trust statement admit the caller as `*` narrowed by an aws:PrincipalArn condition?"""
    request = Request(action=Action.ASSUME_ROLE.value, resource=None, context=caller.context)
    test = _self_test(lambda statement, entry: _is_anyone(entry) if _names_by_condition(statement) else Tri.NO)
    return evaluate_set(target.items, request, test) is not None


def _identity_side(target: TrustedRole, caller: Caller) -> Support | None:
    """The caller's identity policies (∩ boundary) must allow sts:AssumeRole on the role."""
    request = Request(action=Action.ASSUME_ROLE.value, resource=target.role.arn, context=caller.context)
    support = caller_side(caller, request, f"sts:AssumeRole on {target.name}")
    if support is None:
        return None
    if same_account(caller.account, target.role.account) is None:
        support = support & Support(
            certainty=Certainty.UNCERTAIN,
            reasons=(f"{caller.id} may be in another account than {target.name}",),
        )
    return support


def known_callers(callers: Sequence[Caller]) -> tuple[frozenset[str], frozenset[str]]:
    """The callers' ids and rendered accounts, computed once per walk rather than once per role
    (per role it was quadratic: 62,000 roles did not finish in 10 minutes)."""
    return frozenset(caller.id for caller in callers), frozenset(render(caller.account) for caller in callers)


def grants_for_outsiders(
    target: TrustedRole, callers: Sequence[Caller], known: tuple[frozenset[str], frozenset[str]] | None = None
) -> Iterator[Grant]:
    """Grants to principals outside the templates: anyone, other accounts, services, providers.

    An account whose templates are analysed gets no grant of its own: its callers are the
    templates' users and roles (docs/DECISIONS.md), decided one by one.
    """
    known_ids, accounts = known if known is not None else known_callers(callers)
    analysed = accounts | {render(target.role.account)}
    seen: set[tuple[Named, str]] = set()
    for item in target.items:
        if item.statement.effect is Effect.DENY:
            continue
        for entry in _entries(item.statement):
            if (entry.named, entry.id) in seen or entry.id in known_ids:
                continue
            seen.add((entry.named, entry.id))
            if entry.named is Named.ACCOUNT and render(entry.account) in analysed:
                continue
            grant = _outsider_grant(target, entry)
            if grant is not None:
                yield grant


_UNKNOWN_PRINCIPAL_ACTIONS = (Action.ASSUME_ROLE_WITH_WEB_IDENTITY, Action.ASSUME_ROLE_WITH_SAML)
"""What a principal unknown before apply may call besides AssumeRole: an unknown `Federated`
provider is an OIDC or SAML one, and the statement's Action says which (issue 13 §12)."""


def _outsider_grant(target: TrustedRole, entry: TrustEntry) -> Grant | None:
    grant = _outsider_grant_for(target, entry, None)
    if grant is None and entry.named is Named.UNKNOWN:
        for action in _UNKNOWN_PRINCIPAL_ACTIONS:
            grant = grant or _outsider_grant_for(target, entry, action)
    return grant


def _outsider_grant_for(target: TrustedRole, entry: TrustEntry, instead: Action | None) -> Grant | None:
    action, context, doubt = _outsider_terms(target, entry)
    action = instead or action
    if action is None:
        return None
    request = Request(action=action.value, resource=None, context=context)
    same_entry = _test(lambda e: Tri.YES if (e.named, e.id) == (entry.named, entry.id) else Tri.NO)
    matches_any = _test(lambda e: Tri.YES if e.named is Named.ANY or e.id == entry.id else Tri.NO)
    support = evaluate_set(target.items, request, same_entry, _subject(entry))
    if support is None:
        return None
    support = apply_denies(support, target.items, request, matches_any)
    if support is None:
        return None
    if entry.id == ROLES_ANYWHERE and _roles_anywhere_missing(target, context):
        return None  # unusable: `unusable_trusts` warns of it
    if doubt:
        support = support & Support(certainty=Certainty.UNCERTAIN, reasons=(doubt,))
    return _grant(entry.id, REPORT_TYPES[entry.named], action, target, support)


ROLES_ANYWHERE = "rolesanywhere.amazonaws.com"
ROLES_ANYWHERE_NEEDS = ("sts:TagSession", "sts:SetSourceIdentity")


def _roles_anywhere_missing(target: TrustedRole, context: CallerContext) -> list[str]:
    """What IAM Roles Anywhere needs besides sts:AssumeRole and the trust does not allow it: its
    sessions always carry tags and a source identity (SEMANTICS.md §4; Roles Anywhere trust model)."""
    named = _test(lambda e: Tri.YES if e.named is Named.SERVICE and e.id == ROLES_ANYWHERE else Tri.NO)
    return [
        action
        for action in ROLES_ANYWHERE_NEEDS
        if evaluate_set(target.items, Request(action=action, resource=None, context=context), named) is None
    ]


def unusable_trusts(target: TrustedRole) -> list[Diagnostic]:
    """A Roles Anywhere trust that omits sts:TagSession or sts:SetSourceIdentity cannot be used: it
    gives no grant, and a warning at the statement says why (never silence)."""
    for item in target.items:
        statement = item.statement
        if statement.effect is Effect.DENY or not any(
            e.named is Named.SERVICE and e.id == ROLES_ANYWHERE for e in _entries(statement)
        ):
            continue
        missing = _roles_anywhere_missing(target, _service_context(ROLES_ANYWHERE))
        if not missing:
            return []
        return [Diagnostic(
            level=DiagnosticLevel.WARNING,
            message=f"the trust policy of {target.name} does not allow {' and '.join(missing)}, which IAM "
                    f"Roles Anywhere needs: {ROLES_ANYWHERE} cannot assume it",
            file=statement.source.file,
            line=statement.source.line,
        )]
    return []


def _outsider_terms(target: TrustedRole, entry: TrustEntry) -> tuple[Action | None, CallerContext, str]:
    """The action an outside principal would call, what is known of its context, and any doubt."""
    named = entry.named
    if named is Named.ANY:
        return Action.ASSUME_ROLE, ANYONE, ""
    if named is Named.SERVICE:
        return Action.ASSUME_ROLE, _service_context(entry.id), ""
    if named in (Named.OIDC, Named.SAML):
        return web_identity_action(entry), _federated_context(), ""
    if named is Named.ACCOUNT:
        return (
            Action.ASSUME_ROLE,
            _outside_context(entry),
            f"the policies of account {render(entry.account)} are not analysed",
        )
    if named in (Named.USER, Named.ROLE, Named.ROLE_SESSION):
        same = same_account(entry.account, target.role.account)
        if same is True:
            return Action.ASSUME_ROLE, _outside_context(entry), f"{entry.id} is not defined in the analysed templates"
        return (
            Action.ASSUME_ROLE,
            _outside_context(entry),
            f"{entry.id} is in an account whose policies are not analysed",
        )
    if named is Named.UNKNOWN:
        return Action.ASSUME_ROLE, ANYONE, f"the principal {entry.id} is unknown before apply"
    # Federated-user sessions may call no STS action but GetCallerIdentity (§1): no grant.
    return None, ANYONE, ""


ANYONE_SUBJECT = "any principal (*)"


def _subject(entry: TrustEntry) -> str:
    if entry.named is Named.ANY:
        return ANYONE_SUBJECT
    if entry.named is Named.ACCOUNT:
        return f"account {render(entry.account)}" if entry.account is not None else entry.id
    return entry.id


def _outside_context(entry: TrustEntry) -> CallerContext:
    """What is known of an outside AWS principal: its account, and its ARN when it names one."""
    known: dict = {}
    if entry.account is not None:
        known["aws:principalaccount"] = (entry.account,)
    if entry.named in (Named.USER, Named.ROLE):
        known["aws:principalarn"] = (entry.id,)
        known["aws:principaltype"] = ("User",) if entry.named is Named.USER else ("AssumedRole",)
    return CallerContext(known=known, absent=SERVICE_SOURCE_KEYS)


def _service_context(service: str) -> CallerContext:
    return CallerContext(
        known={"aws:principalisawsservice": ("true",), "aws:principalservicename": (service,)},
        absent=frozenset(
            {"sts:externalid", "aws:multifactorauthpresent", "aws:principalorgid", "aws:principalarn",
             "aws:principalaccount", "aws:username", "aws:principaltype"}
        ),
    )


def _federated_context() -> CallerContext:
    return CallerContext(
        absent=frozenset({"sts:externalid", "aws:principalorgid", "aws:principalarn", "aws:principalaccount",
                          "aws:username"}),
    )


def _grant(
    principal: str, kind: PrincipalType, action: Action, target: TrustedRole, support: Support
) -> Grant:
    certainty = under_conditions(support.certainty, support.conditions)
    return Grant(
        principal=principal,
        principal_type=kind,
        action=action,
        target=target.id,
        certainty=certainty,
        conditions=support.conditions,
        reasons=support.reasons,
        sources=support.sources,
    )
