"""The trust-candidate index (issue 8 §3) must offer every caller whose identity policy may allow
sts:AssumeRole on the role — exactly the callers a scan of every pattern would find: a caller it
left out would be a missed credential path."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credmint.analyzer.callers import PolicyIndex, build_callers
from credmint.analyzer.candidates import CallerIndex
from credmint.analyzer.inventory import (
    InlinePolicy,
    Inventory,
    PolicyDocument,
    Principal,
    PrincipalKind,
    Role,
    Source,
    Statement,
    Unknown,
    User,
    Value,
    concat,
    render,
)
from credmint.analyzer.patterns import Tri, match_resource
from credmint.analyzer.walk import analyze

ACCOUNT = "123456789012"
HERE = Source(file="t.tf", line=1)
ACCOUNT_PRINCIPAL = Principal(kind=PrincipalKind.AWS, value=f"arn:aws:iam::{ACCOUNT}:root")


def _user(index: int, resources: tuple[str, ...]) -> User:
    document = PolicyDocument(
        source=HERE,
        address="a",
        version="2012-10-17",
        statements=(Statement(source=HERE, address="a", actions=("sts:AssumeRole",), resources=resources),),
    )
    return User(
        name=f"u{index}",
        arn=f"arn:aws:iam::{ACCOUNT}:user/u{index}",
        source=HERE,
        address=f"aws_iam_user.u{index}",
        account=ACCOUNT,
        inline_policies=(InlinePolicy(name="p", document=document, source=HERE, address="p"),),
    )


def _offered(patterns: list[tuple[str, ...]], role_arn: str) -> tuple[set[str], set[str]]:
    users = tuple(_user(n, resources) for n, resources in enumerate(patterns))
    callers = build_callers(Inventory(users=users), PolicyIndex((), None))
    offered = {c.id for c in CallerIndex(callers).for_trust(role_arn, role_arn, [ACCOUNT_PRINCIPAL])}
    wanted = {
        c.id
        for c, resources in zip(callers, patterns)
        if any(match_resource(p, role_arn) is not Tri.NO for p in resources)
    }
    return offered, wanted


def test_patterns_are_offered_by_their_head_and_segment_rules() -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/teams/team-a"
    offered, wanted = _offered(
        [
            (f"arn:aws:iam::{ACCOUNT}:role/teams/team-*",),  # head fits
            (f"arn:aws:iam::{ACCOUNT}:role/other-*",),  # head does not
            ("arn:aws:iam::*:role/teams/team-a",),  # wildcard in the account
            ("*",),
            (f"arn:aws:iam::{ACCOUNT}:role/teams/team-?",),
            (f"arn:aws:iam::{ACCOUNT}:role/teams/team-a",),  # exact
            (f"arn:aws:iam::{ACCOUNT}:role/teams/team-a*b",),  # head fits, glob does not
        ],
        role,
    )
    ids = {f"arn:aws:iam::{ACCOUNT}:user/u{n}" for n in (0, 2, 3, 4, 5)}
    assert offered == wanted == ids


SEGMENTS = st.text(alphabet="ab*?:/", min_size=0, max_size=6)


@settings(max_examples=300, deadline=None)
@given(
    heads=st.lists(SEGMENTS, min_size=1, max_size=6),
    name=st.text(alphabet="ab:/", min_size=1, max_size=5),
)
def test_the_index_offers_exactly_the_callers_a_full_scan_finds(heads: list[str], name: str) -> None:
    role = f"arn:aws:iam::{ACCOUNT}:role/{name}"
    patterns = [(f"arn:aws:iam::{ACCOUNT}:role/{head}",) for head in heads] + [(head,) for head in heads]
    offered, wanted = _offered(patterns, role)
    assert offered == wanted


def _role(name: Value, trusted: tuple[Value, ...], assume: tuple[str, ...] = ()) -> Role:
    arn = concat(f"arn:aws:iam::{ACCOUNT}:role/", name)
    policies = (InlinePolicy(name="p", source=HERE, address="p", document=PolicyDocument(
        source=HERE, address="p", version="2012-10-17",
        statements=(Statement(source=HERE, address="p", actions=("sts:AssumeRole",), resources=assume),))),)
    trust = PolicyDocument(source=HERE, address="t", version="2012-10-17", statements=(
        Statement(source=HERE, address="t", actions=("sts:AssumeRole",),
                  principals=tuple(Principal(kind=PrincipalKind.AWS, value=v) for v in trusted)),))
    return Role(name=name, arn=arn, source=HERE, address=render(name), trust_policy=trust,
                inline_policies=policies if assume else ())


WHO = Unknown("var.who")
PARTLY_UNKNOWN = [
    concat(f"arn:aws:iam::{ACCOUNT}:role/", WHO),
    concat(f"arn:aws:iam::{ACCOUNT}:role/r", WHO),
    concat(f"arn:aws:iam::{ACCOUNT}:user/", WHO),
    concat("arn:aws:iam::", Unknown("var.account"), ":role/r0"),
    WHO,
]


@pytest.mark.parametrize("principal", PARTLY_UNKNOWN, ids=render)
def test_partly_unknown_principals_find_what_every_caller_would(
    principal: Value, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: the index no longer offers a partly unknown principal every caller its known parts
    fit (a role × caller loop over `count` instances); the grants are those of evaluating every caller."""
    roles = (
        *(_role(f"r{n}", (principal,), assume=("*",)) for n in range(3)),
        _role(WHO, (principal, f"arn:aws:iam::{ACCOUNT}:root"), assume=(f"arn:aws:iam::{ACCOUNT}:role/r*",)),
        _role("both", (principal, f"arn:aws:iam::{ACCOUNT}:role/r1")),
    )
    inventory = Inventory(roles=roles, users=(_user(0, (f"arn:aws:iam::{ACCOUNT}:role/*",)),))
    indexed = analyze(inventory).grants
    monkeypatch.setattr(CallerIndex, "for_trust", lambda self, *args: list(self._sorted))
    assert indexed == analyze(inventory).grants


THIS_ACCOUNT = Unknown("account_id", "the account the templates deploy into (--account-id)")
"""The deploying account when no `--account-id` is given: every ARN of the templates holds it."""
LITERAL_STAR = "\ue02a"
"""A `${*}` policy variable: a literal `*` in the value, never a wildcard (analyzer/variables.py)."""
RESOURCE_TEXT = st.text(alphabet=f"ab*?:/{LITERAL_STAR}", min_size=0, max_size=6)


def _is_exact(pattern: Value) -> bool:
    """A plain ARN without wildcard: the index offers its holders by the role's id alone."""
    return isinstance(pattern, str) and "*" not in pattern and "?" not in pattern


@settings(max_examples=300, deadline=None)
@given(
    heads=st.lists(RESOURCE_TEXT, min_size=1, max_size=6),
    name=st.text(alphabet=f"ab:/{LITERAL_STAR}", min_size=1, max_size=5),
    unknown_name=st.booleans(),
)
def test_a_role_of_an_unknown_account_is_offered_every_caller_a_full_scan_finds(
    heads: list[str], name: str, unknown_name: bool
) -> None:
    """Issue 17: for a role whose ARN holds the unknown deploying account, the index picks the
    patterns by their resource part; it must still offer every caller whose wildcard or partly
    unknown pattern `match_resource` does not rule out."""
    role = concat("arn:aws:iam::", THIS_ACCOUNT, f":role/{name}", *((WHO,) if unknown_name else ()))
    patterns: list[tuple[Value, ...]] = [
        *((concat("arn:aws:iam::", THIS_ACCOUNT, f":role/{head}"),) for head in heads),
        *((concat(f"arn:aws:iam::{ACCOUNT}:role/", WHO, head),) for head in heads),
        *((f"arn:aws:iam::{ACCOUNT}:role/{head}",) for head in heads),
        *((head,) for head in heads),
    ]
    users = tuple(_user(n, resources) for n, resources in enumerate(patterns))
    callers = build_callers(Inventory(users=users), PolicyIndex((), None))
    offered = {c.id for c in CallerIndex(callers).for_trust(render(role), role, [ACCOUNT_PRINCIPAL])}
    wanted = {
        c.id
        for c, resources in zip(callers, patterns)
        if any(not _is_exact(p) and match_resource(p, role) is not Tri.NO for p in resources)
    }
    assert wanted <= offered
    assert all(any(match_resource(p, role) is not Tri.NO for p in resources)
               for c, resources in zip(callers, patterns) if c.id in offered)
