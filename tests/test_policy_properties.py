"""Properties of the policy matcher that must hold for every input (hypothesis; SEMANTICS.md §6).

Monotonicity at the level of whole analyses (an Allow never shrinks the grants, a Deny never grows
them) and the matching rules of analyzer/patterns.py (actions case-insensitive, resources
case-sensitive, `*` matches everything, a literal matches itself, segment matching never says YES
where a whole-string glob says otherwise). Example counts stay modest so the suite stays fast.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from credmint.analyzer.inventory import (
    Effect,
    InlinePolicy,
    Inventory,
    PolicyDocument,
    Principal,
    PrincipalKind,
    Role,
    Source,
    Statement,
    Text,
    Unknown,
    User,
    concat,
)
from credmint.analyzer.model import Action
from credmint.analyzer.patterns import (
    ONE, STAR, Tri, match_action, match_glob, match_literal, match_resource, match_tokens, tokens,
)
from credmint.analyzer.policy import SERVICE_INDEX_FROM, _actions_hit
from credmint.analyzer.walk import analyze

ACCOUNT = "111111111111"
SOURCE = Source(file="t.yaml", line=1)
EXAMPLES = settings(max_examples=100, deadline=None)
WORLD_EXAMPLES = settings(max_examples=40, deadline=None)
"""Each example analyses two small worlds: fewer of them keep the suite fast."""

ACTIONS = st.sampled_from([
    "sts:AssumeRole", "sts:*", "*", "sts:Assume*", "STS:ASSUMEROLE", "sts:GetFederationToken",
    "sts:GetSessionToken", "sts:AssumeRole?ithSAML", "s3:GetObject", "iam:PassRole", "sts:Get*",
])
RESOURCES = st.sampled_from([
    "*", f"arn:aws:iam::{ACCOUNT}:role/deploy", f"arn:aws:iam::{ACCOUNT}:role/*", f"arn:aws:iam::{ACCOUNT}:role/d*",
    f"arn:aws:iam::{ACCOUNT}:role/ADMIN", "arn:aws:iam::*:role/admin", f"arn:aws:iam::{ACCOUNT}:user/*",
    f"arn:aws:sts::{ACCOUNT}:federated-user/*", f"arn:aws:sts::{ACCOUNT}:federated-user/Admin*",
])
TRUSTED = st.sampled_from([
    (PrincipalKind.AWS, f"arn:aws:iam::{ACCOUNT}:root"), (PrincipalKind.AWS, ACCOUNT),
    (PrincipalKind.AWS, f"arn:aws:iam::{ACCOUNT}:user/alice"), (PrincipalKind.AWS, "*"),
    (PrincipalKind.SERVICE, "ec2.amazonaws.com"), (PrincipalKind.AWS, "arn:aws:iam::222222222222:root"),
])


def statement(effect: Effect, actions: tuple[str, ...], resources: tuple[str, ...], *, not_action: bool = False) -> Statement:
    return Statement(source=SOURCE, address="x", effect=effect, actions=actions, resources=resources,
                     is_not_action=not_action)


STATEMENTS = st.builds(
    statement,
    st.sampled_from([Effect.ALLOW, Effect.DENY]),
    st.lists(ACTIONS, min_size=1, max_size=2).map(tuple),
    st.lists(RESOURCES, min_size=1, max_size=2).map(tuple),
    not_action=st.booleans(),
)


def trust(principals: list[tuple[PrincipalKind, str]]) -> PolicyDocument:
    return PolicyDocument(source=SOURCE, address="trust", version="2012-10-17", statements=tuple(
        Statement(source=SOURCE, address="trust", actions=("sts:AssumeRole",),
                  principals=(Principal(kind=kind, value=value),))
        for kind, value in principals
    ))


def world(alice: list[Statement], bob: list[Statement], trusts: list[list[tuple[PrincipalKind, str]]]) -> Inventory:
    users = tuple(
        User(name=name, arn=f"arn:aws:iam::{ACCOUNT}:user/{name}", source=SOURCE, address=name, account=ACCOUNT,
             inline_policies=(InlinePolicy(name="p", source=SOURCE, address=name, document=PolicyDocument(
                 source=SOURCE, address=name, version="2012-10-17", statements=tuple(statements))),))
        for name, statements in (("alice", alice), ("bob", bob))
    )
    roles = tuple(
        Role(name=name, arn=f"arn:aws:iam::{ACCOUNT}:role/{name}", source=SOURCE, address=name, account=ACCOUNT,
             trust_policy=trust(principals))
        for name, principals in zip(("deploy", "admin", "ADMIN"), trusts)
    )
    return Inventory(users=users, roles=roles)


def grant_keys(inventory: Inventory) -> set[tuple[str, str, str]]:
    return {g.key for g in analyze(inventory).grants}


def uncovered(grants: set[tuple[str, str, str]], by: set[tuple[str, str, str]]) -> set[tuple[str, str, str]]:
    """Grants of `grants` that no grant of `by` gives: same principal and action, and a target
    pattern that covers it (a broader grant, `federated-user/*`, replaces `federated-user/Admin*`)."""
    return {
        (principal, action, target)
        for principal, action, target in grants
        if not any(p == principal and a == action and (t == target or match_resource(t, target) is Tri.YES)
                   for p, a, t in by)
    }


WORLDS = st.tuples(
    st.lists(STATEMENTS, max_size=3),
    st.lists(STATEMENTS, max_size=3),
    st.lists(st.lists(TRUSTED, min_size=1, max_size=2), min_size=3, max_size=3),
)


@WORLD_EXAMPLES
@given(WORLDS, ACTIONS, RESOURCES)
def test_adding_an_allow_never_removes_a_grant(parts, action: str, resource: str) -> None:
    alice, bob, trusts = parts
    before = grant_keys(world(alice, bob, trusts))
    after = grant_keys(world([*alice, statement(Effect.ALLOW, (action,), (resource,))], bob, trusts))
    assert not uncovered(before, after)


@WORLD_EXAMPLES
@given(WORLDS, ACTIONS, RESOURCES)
def test_adding_a_deny_never_adds_a_grant(parts, action: str, resource: str) -> None:
    alice, bob, trusts = parts
    before = grant_keys(world(alice, bob, trusts))
    after = grant_keys(world([*alice, statement(Effect.DENY, (action,), (resource,))], bob, trusts))
    assert not uncovered(after, before)


@WORLD_EXAMPLES
@given(WORLDS)
def test_a_deny_of_everything_leaves_alice_nothing_to_assume(parts) -> None:
    alice, bob, trusts = parts
    denied = world([*alice, statement(Effect.DENY, ("*",), ("*",))], bob, trusts)
    assert not [g for g in analyze(denied).grants
                if g.principal.endswith(":user/alice") and g.action is Action.ASSUME_ROLE]


ACTION_TEXT = st.text(alphabet="abcsStTAR:*?xyz", min_size=0, max_size=12)
KNOWN_ACTION = st.text(alphabet="abcsStTAR:xyz", min_size=1, max_size=12)


@EXAMPLES
@given(ACTION_TEXT, KNOWN_ACTION)
def test_action_matching_is_case_insensitive(pattern: str, action: str) -> None:
    expected = match_action(pattern, action)
    assert match_action(pattern.swapcase(), action) == expected
    assert match_action(pattern, action.upper()) == expected
    assert match_action(pattern.lower(), action.lower()) == expected


@EXAMPLES
@given(KNOWN_ACTION)
def test_star_matches_every_action(action: str) -> None:
    assert match_action("*", action) is Tri.YES
    assert match_glob("*", Unknown("var.x")) is Tri.YES


@EXAMPLES
@given(KNOWN_ACTION)
def test_a_literal_pattern_matches_itself(text: str) -> None:
    assert match_action(text, text) is Tri.YES
    assert match_glob(text, text) is Tri.YES
    assert match_literal(text, text) is Tri.YES
    arn = f"arn:aws:iam::{ACCOUNT}:role/{text}"
    assert match_resource(arn, arn) is Tri.YES


ARN_PART = st.text(alphabet="abAB/-", min_size=1, max_size=8)


@EXAMPLES
@given(ARN_PART)
def test_resource_matching_is_case_sensitive(name: str) -> None:
    arn = f"arn:aws:iam::{ACCOUNT}:role/{name}"
    other = f"arn:aws:iam::{ACCOUNT}:role/{name.swapcase()}"
    assert match_resource(arn, other) is (Tri.YES if arn == other else Tri.NO)


GLOB_TEXT = st.text(alphabet="ab:/*?", min_size=0, max_size=10)
VALUE_TEXT = st.text(alphabet="ab:/", min_size=0, max_size=12)


@EXAMPLES
@given(GLOB_TEXT, VALUE_TEXT)
def test_glob_agrees_with_a_reference_regex(pattern: str, value: str) -> None:
    """On short inputs (where backtracking is harmless) the backtracking-free glob agrees with `re`."""
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    expected = Tri.YES if re.fullmatch(body, value, re.DOTALL) else Tri.NO
    assert match_glob(pattern, value) is expected


@EXAMPLES
@given(st.tuples(*[st.text(alphabet="ab*?", max_size=3)] * 6), st.tuples(*[st.text(alphabet="ab", max_size=3)] * 6))
def test_segment_match_implies_whole_string_glob(pattern_parts, resource_parts) -> None:
    """Confining `*` to one segment is stricter than a whole-string glob, never looser."""
    pattern, resource = ":".join(pattern_parts), ":".join(resource_parts)
    if match_resource(pattern, resource) is Tri.YES:
        assert match_glob(pattern, resource) is Tri.YES


@EXAMPLES
@given(GLOB_TEXT, VALUE_TEXT)
def test_a_known_value_gets_a_definite_answer(pattern: str, value: str) -> None:
    assert match_glob(pattern, value) in (Tri.YES, Tri.NO)


@EXAMPLES
@given(GLOB_TEXT, VALUE_TEXT)
def test_an_unknown_part_never_turns_a_match_into_no(pattern: str, value: str) -> None:
    """Replacing part of a value by an unknown may only weaken YES to MAYBE, never to NO (sound)."""
    from credmint.analyzer.inventory import concat

    if match_glob(pattern, value) is Tri.YES and value:
        half = len(value) // 2
        partly = concat(value[:half], Unknown("var.x"))
        assert match_glob(pattern, partly) is not Tri.NO


# --- wildcards against unknown parts (issue 15: linear in pattern × value) ---------------------

UNKNOWNS = (Unknown("var.x"), Unknown("var.y"))
GLOB_PIECE = st.one_of(st.text(alphabet="ab*?", min_size=1, max_size=3), st.sampled_from(UNKNOWNS))
TEXT_PIECE = st.one_of(st.text(alphabet="ab", min_size=1, max_size=3), st.sampled_from(UNKNOWNS))
PARTLY_UNKNOWN_GLOB = st.lists(GLOB_PIECE, max_size=4).map(lambda pieces: concat("", *pieces))
PARTLY_UNKNOWN_TEXT = st.lists(TEXT_PIECE, max_size=4).map(lambda pieces: concat("", *pieces))


def _reference_reaches(left: tuple, right: tuple, steps) -> bool:
    """Brute force: every cell (i, j) of the two token strings, visited one by one."""
    seen, stack = {(0, 0)}, [(0, 0)]
    while stack:
        cell = stack.pop()
        if cell == (len(left), len(right)):
            return True
        for following in steps(left, right, *cell):
            if following not in seen:
                seen.add(following)
                stack.append(following)
    return False


def _wild(token: object) -> bool:
    return token == STAR or isinstance(token, Unknown)


def _covers_steps(pattern: tuple, value: tuple, i: int, j: int):
    """A `*` absorbs anything; a value's wildcard or unknown needs the very same token."""
    if i == len(pattern):
        return
    if pattern[i] == STAR:
        yield i + 1, j
        if j < len(value):
            yield i, j + 1
    elif j == len(value):
        return
    elif isinstance(pattern[i], Unknown) or _wild(value[j]):
        if pattern[i] == value[j]:
            yield i + 1, j + 1
    elif pattern[i] == ONE or (value[j] != ONE and pattern[i] == value[j]):
        yield i + 1, j + 1


def _intersects_steps(left: tuple, right: tuple, i: int, j: int):
    """Wildcards and unknowns on either side absorb any run of the other."""
    if i < len(left) and _wild(left[i]):
        yield i + 1, j
        if j < len(right):
            yield i, j + 1
    elif j < len(right) and _wild(right[j]):
        yield i, j + 1
        if i < len(left):
            yield i + 1, j
    elif i < len(left) and j < len(right) and (ONE in (left[i], right[j]) or left[i] == right[j]):
        yield i + 1, j + 1


@settings(max_examples=300, deadline=None)
@given(PARTLY_UNKNOWN_GLOB, st.one_of(PARTLY_UNKNOWN_GLOB, PARTLY_UNKNOWN_TEXT))
def test_unknown_part_matching_agrees_with_brute_force(pattern, value) -> None:
    """The bit-parallel matcher answers as a cell-by-cell search of the same steps does."""
    left, right = tokens(pattern, wildcards=True), tokens(value, wildcards=True)
    if left == right or _reference_reaches(left, right, _covers_steps):
        expected = Tri.YES
    elif not any(_wild(t) or t == ONE for t in left + right):
        expected = Tri.NO
    else:
        expected = Tri.MAYBE if _reference_reaches(left, right, _intersects_steps) else Tri.NO
    assert match_tokens(left, right) is expected


def _instances(value, alphabet: str = "ab") -> dict:
    """Each assignment of a string of at most two characters to var.x and var.y, and the value under it."""
    words = ["", *alphabet, *(a + b for a in alphabet for b in alphabet)]
    return {
        (x, y): "".join({UNKNOWNS[0]: x, UNKNOWNS[1]: y}.get(part, part)
                        for part in (value.parts if isinstance(value, Text) else (value,)))
        for x in words for y in words
    }


@settings(max_examples=150, deadline=None)
@given(PARTLY_UNKNOWN_GLOB, PARTLY_UNKNOWN_TEXT)
def test_unknown_part_matching_is_sound(pattern, value) -> None:
    """YES: every way the unknowns turn out matches; NO: none does (never a silent no)."""
    patterns, values = _instances(pattern), _instances(value)
    outcomes = {match_glob(patterns[key], values[key]) for key in patterns}
    answer = match_glob(pattern, value)
    if answer is Tri.YES:
        assert outcomes == {Tri.YES}
    if answer is Tri.NO:
        assert Tri.YES not in outcomes


SERVICES = st.sampled_from(["s3", "S3", "iam", "IAM", "Iam", "sts", "*", "i*", "s?", "ia?"])
NAMES = st.sampled_from(["GetObject", "getobject", "Get*", "*", "PassRole", "PASS*", "?assRole"])
ACTION_PATTERN = st.one_of(
    st.builds(lambda service, name: f"{service}:{name}", SERVICES, NAMES),
    st.sampled_from(["*", "iam", "s3GetObject", ":", ""]),
    st.builds(lambda service: concat(service, ":", Unknown("var.action")), SERVICES),
    st.builds(lambda name: concat(Unknown("var.service"), ":", name), NAMES),
)
KNOWN_SERVICE_ACTION = st.builds(
    lambda service, name: f"{service}:{name}",
    st.sampled_from(["s3", "S3", "iam", "IAM", "sts"]), st.sampled_from(["GetObject", "getObject", "PassRole"]),
)


FILLER = tuple(f"ec2:Describe{n}*" for n in range(SERVICE_INDEX_FROM))
"""A managed policy's bulk: patterns of another service."""


@EXAMPLES
@given(st.lists(ACTION_PATTERN, min_size=1, max_size=4), KNOWN_SERVICE_ACTION)
def test_a_long_action_list_answers_as_a_scan_of_every_pattern(patterns: list, action: str) -> None:
    """Issue 17: a long list is read by service (`policy._by_service`); the answer is still the
    strongest match of any pattern, case folded, a pattern of another service matching nothing."""
    actions = (*FILLER[: len(FILLER) // 2], *patterns, *FILLER[len(FILLER) // 2 :])
    scan = max((match_action(p, action) for p in actions), default=Tri.NO)
    assert _actions_hit(actions, action) is scan
