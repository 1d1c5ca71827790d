"""The trust-candidate index (issue 8 §3) must offer every caller whose identity policy may allow
sts:AssumeRole on the role — exactly the callers a scan of every pattern would find: a caller it
left out would be a missed credential path."""

from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.callers import PolicyIndex, build_callers
from analyzer.candidates import CallerIndex
from analyzer.inventory import (
    InlinePolicy,
    Inventory,
    PolicyDocument,
    Principal,
    PrincipalKind,
    Source,
    Statement,
    User,
)
from analyzer.patterns import Tri, match_resource

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
