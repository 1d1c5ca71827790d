"""What a trust statement's conditions admit (analyzer/admits.py, issue 14 item 1).

The table checks one condition at a time against AWS's rules: a missing key makes a positive
operator false and a negated one true, except `...IfExists` (passes) and `Null`; ForAllValues passes
and ForAnyValue fails on a missing key (IAM User Guide, reference_policies_elements_condition_operators
and reference_policies_condition-single-vs-multi-valued-context-keys); aws:SourceAccount,
aws:SourceArn and aws:SourceOwner are present only when a service calls on behalf of a resource
(reference_policies_condition-keys); policy variables are filled from the request
(reference_policies_variables). The hypothesis properties then say: a condition that admits every
caller never counts as narrowing, whatever it stands beside, and a Deny a stranger escapes narrows
nothing.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credmint.analyzer.admits import KeyRole, Kind, Outcome, Reach, admits, judge_condition
from credmint.analyzer.inventory import Condition, Effect, Principal, PrincipalKind, Source, Statement, Text, Unknown
from credmint.analyzer.policy import Labelled
from credmint.analyzer.principals import classify

GITHUB = "token.actions.githubusercontent.com"
EKS = "oidc.eks.us-east-1.amazonaws.com/id/example"
SOURCE = Source(file="t.yaml", line=1)
EXAMPLES = settings(max_examples=150, deadline=None)


def verdict(operator: str, key: str, values: list, kind: Kind = Kind.PRINCIPAL, issuer: str = "", escape=False):
    found = judge_condition(Condition(operator=operator, key=key, values=tuple(values)), kind, issuer=issuer,
                            escape=escape)
    return (found.effect, found.role, found.dimension) if found.effect is Outcome.NARROWS else found.effect


ALWAYS, NEVER = Outcome.ALWAYS, Outcome.NEVER
ORG = (Outcome.NARROWS, KeyRole.IDENTITY, "organisation")
ARN = (Outcome.NARROWS, KeyRole.IDENTITY, "arn")
ACCOUNT = (Outcome.NARROWS, KeyRole.IDENTITY, "account")
SECRET = (Outcome.NARROWS, KeyRole.SECRET, "")
REQUEST = (Outcome.NARROWS, KeyRole.REQUEST, "")
SUBJECT = (Outcome.NARROWS, KeyRole.IDENTITY, "subject")
SOURCE_PIN = (Outcome.NARROWS, KeyRole.IDENTITY, "source")

TABLE = [
    # An AWS principal calling AssumeRole itself (Principal "*" or an account).
    ("StringEquals", "aws:PrincipalOrgID", ["o-abc123"], Kind.PRINCIPAL, "", ORG),
    ("StringLike", "aws:PrincipalOrgID", ["o-*"], Kind.PRINCIPAL, "", ALWAYS),
    ("StringLike", "aws:PrincipalOrgID", ["o-abc*"], Kind.PRINCIPAL, "", ALWAYS),
    ("StringEqualsIfExists", "aws:PrincipalOrgID", ["o-abc123"], Kind.PRINCIPAL, "", ALWAYS),
    ("ForAllValues:StringEquals", "aws:PrincipalOrgID", ["o-abc123"], Kind.PRINCIPAL, "", ALWAYS),
    ("ForAnyValue:StringEquals", "aws:PrincipalOrgID", ["o-abc123"], Kind.PRINCIPAL, "", ORG),
    ("StringEquals", "aws:PrincipalOrgID", ["${aws:ResourceOrgID}"], Kind.PRINCIPAL, "", ORG),
    ("ForAnyValue:StringLike", "aws:PrincipalOrgPaths", ["o-abc123/r-ab12/ou-ab12-11111111/*"],
     Kind.PRINCIPAL, "", ORG),
    ("StringLike", "aws:PrincipalArn", ["arn:aws:iam::111111111111:role/ci-*"], Kind.PRINCIPAL, "", ARN),
    ("ArnLike", "aws:PrincipalArn", ["arn:*:iam::111111111111:role/x"], Kind.PRINCIPAL, "", ARN),
    ("StringLike", "aws:PrincipalArn", ["arn:*:iam::111111111111:role/x"], Kind.PRINCIPAL, "", ALWAYS),
    ("ArnLike", "aws:PrincipalArn", ["arn:aws:iam::*:role/x"], Kind.PRINCIPAL, "", ALWAYS),
    ("StringLike", "aws:PrincipalArn", ["arn:aws:iam::${aws:PrincipalAccount}:role/x"], Kind.PRINCIPAL, "", ALWAYS),
    ("StringEqualsIfExists", "aws:PrincipalArn", ["arn:aws:iam::111111111111:role/x"], Kind.PRINCIPAL, "", ARN),
    ("Null", "aws:PrincipalArn", ["false"], Kind.PRINCIPAL, "", ALWAYS),
    ("Null", "aws:PrincipalArn", ["true"], Kind.PRINCIPAL, "", NEVER),
    ("StringNotLike", "aws:PrincipalArn", ["*"], Kind.PRINCIPAL, "", NEVER),
    ("StringEquals", "aws:PrincipalAccount", ["111111111111"], Kind.PRINCIPAL, "", ACCOUNT),
    ("StringEquals", "aws:PrincipalAccount", ["*"], Kind.PRINCIPAL, "", ACCOUNT),  # a literal star: nobody's
    ("StringLike", "aws:PrincipalAccount", ["1111111111??"], Kind.PRINCIPAL, "", ALWAYS),
    ("StringEquals", "aws:PrincipalAccount", ["${aws:PrincipalAccount}"], Kind.PRINCIPAL, "", ALWAYS),
    ("StringNotEquals", "aws:PrincipalAccount", ["${aws:PrincipalAccount}"], Kind.PRINCIPAL, "", NEVER),
    ("StringEquals", "aws:PrincipalAccount", [Unknown("var.account")], Kind.PRINCIPAL, "", ACCOUNT),
    ("StringEquals", "aws:SourceOwner", ["111111111111"], Kind.PRINCIPAL, "", NEVER),
    ("ArnLike", "aws:SourceArn", ["arn:aws:sns:*:111111111111:t"], Kind.PRINCIPAL, "", NEVER),
    ("StringNotEquals", "aws:SourceAccount", ["111111111111"], Kind.PRINCIPAL, "", ALWAYS),
    ("StringEquals", "sts:ExternalId", ["s3cret"], Kind.PRINCIPAL, "", SECRET),
    ("StringLike", "sts:ExternalId", ["s3*"], Kind.PRINCIPAL, "", ALWAYS),
    ("StringNotEquals", "sts:ExternalId", ["s3cret"], Kind.PRINCIPAL, "", ALWAYS),
    ("Null", "sts:ExternalId", ["true"], Kind.PRINCIPAL, "", ALWAYS),
    ("Null", "sts:ExternalId", ["false"], Kind.PRINCIPAL, "", ALWAYS),
    ("StringEqualsIfExists", "sts:ExternalId", ["s3cret"], Kind.PRINCIPAL, "", ALWAYS),
    ("StringEquals", "sts:ExternalId", ["${aws:PrincipalAccount}"], Kind.PRINCIPAL, "", ALWAYS),
    ("StringEquals", "sts:ExternalId", ["${*}"], Kind.PRINCIPAL, "", SECRET),  # a literal `*`
    ("Bool", "aws:MultiFactorAuthPresent", ["true"], Kind.PRINCIPAL, "", REQUEST),
    ("BoolIfExists", "aws:MultiFactorAuthPresent", ["true"], Kind.PRINCIPAL, "", ALWAYS),
    ("IpAddress", "aws:SourceIp", ["203.0.113.0/24"], Kind.PRINCIPAL, "", REQUEST),
    ("StringEquals", "aws:PrincipalTag/team", ["platform"], Kind.PRINCIPAL, "", ALWAYS),
    ("StringEquals", "aws:PrincipalType", ["User"], Kind.PRINCIPAL, "", ALWAYS),
    # An AWS service, possibly for someone's resource.
    ("StringEquals", "aws:SourceOwner", ["111111111111"], Kind.SERVICE, "", SOURCE_PIN),
    ("StringEqualsIfExists", "aws:SourceAccount", ["111111111111"], Kind.SERVICE, "", ALWAYS),
    ("StringEquals", "aws:PrincipalOrgID", ["o-abc123"], Kind.SERVICE, "", NEVER),
    # Web identity.
    ("StringEquals", f"{GITHUB}:sub", ["repo:acme/app:ref:refs/heads/main"], Kind.WEB, GITHUB, SUBJECT),
    ("StringLike", f"{GITHUB}:sub", ["repo:acme/*"], Kind.WEB, GITHUB, SUBJECT),
    ("StringLike", f"{GITHUB}:sub", ["repo:acme*/app:*"], Kind.WEB, GITHUB, ALWAYS),
    ("StringLike", f"{GITHUB}:sub", ["repo:*"], Kind.WEB, GITHUB, ALWAYS),
    ("StringLike", f"{GITHUB}:sub", ["repo:acme/app:*", "*"], Kind.WEB, GITHUB, ALWAYS),  # values ORed
    ("ForAnyValue:StringLike", f"{GITHUB}:sub", ["repo:acme/app:*"], Kind.WEB, GITHUB, SUBJECT),
    ("StringNotEquals", f"{GITHUB}:sub", ["repo:acme/app:ref:refs/heads/main"], Kind.WEB, GITHUB, ALWAYS),
    ("Null", f"{GITHUB}:sub", ["false"], Kind.WEB, GITHUB, ALWAYS),
    ("StringLike", f"{GITHUB}:sub", [Text(("repo:acme/", Unknown("var.repos[*].name"), ":*"))],
     Kind.WEB, GITHUB, SUBJECT),
    ("StringEquals", f"{GITHUB}:aud", ["sts.amazonaws.com"], Kind.WEB, GITHUB, ALWAYS),
    ("StringLike", f"{EKS}:sub", ["system:*"], Kind.WEB, EKS, ALWAYS),
    ("StringLike", f"{EKS}:sub", ["system:serviceaccount:*"], Kind.WEB, EKS, ALWAYS),
    ("StringLike", f"{EKS}:sub", ["system:serviceaccount:prod:*"], Kind.WEB, EKS, SUBJECT),
    ("StringEquals", "accounts.google.com:aud", ["66677788899900pro0"], Kind.WEB, "accounts.google.com", SUBJECT),
    ("StringNotEquals", "cognito-identity.amazonaws.com:aud", ["us-east-1:p"], Kind.WEB,
     "cognito-identity.amazonaws.com", ALWAYS),
    ("StringEquals", "sts:ExternalId", ["s3cret"], Kind.WEB, GITHUB, NEVER),
    # Another issuer's claim is not in the token's request; one that may be this issuer's is read as it.
    ("StringEquals", f"{GITHUB}/acme:sub", ["repo:acme/app:*"], Kind.WEB, GITHUB, NEVER),
    ("StringLike", f"https://{GITHUB}:sub", ["repo:*"], Kind.WEB, GITHUB, ALWAYS),
    ("StringLike", "{module.eks.oidc_issuer}:sub", ["system:serviceaccount:*"], Kind.WEB, EKS, ALWAYS),
    ("StringEquals", "{module.eks.oidc_issuer}:sub", ["system:serviceaccount:prod:app"], Kind.WEB, EKS, SUBJECT),
]


@pytest.mark.parametrize("operator,key,values,kind,issuer,expected", TABLE,
                         ids=[f"{row[3].value}-{row[0]}-{row[1]}-{row[2][0]}" for row in TABLE])
def test_what_one_condition_admits(operator, key, values, kind, issuer, expected):
    assert verdict(operator, key, values, kind, issuer) == expected


@pytest.mark.parametrize("operator,key,values,expected", [
    # Escaping a Deny means failing its condition.
    ("StringNotEquals", "aws:PrincipalOrgID", ["o-abc123"], ORG),  # outsiders are denied
    ("StringEquals", "aws:PrincipalArn", ["arn:aws:iam::111111111111:role/x"], ALWAYS),  # a stranger is not x
    ("StringEquals", "aws:SourceAccount", ["111111111111"], ALWAYS),  # never in a principal's request
    ("ForAnyValue:StringNotEquals", "aws:PrincipalOrgID", ["o-abc123"], ALWAYS),  # no organisation: no Deny
    # Denied unless in the organisation, no organisation included: escaping takes belonging to it.
    ("StringNotEqualsIfExists", "aws:PrincipalOrgID", ["o-abc123"], ORG),
])
def test_what_escaping_a_deny_takes(operator, key, values, expected):
    assert verdict(operator, key, values, escape=True) == expected


def _statement(effect: Effect, conditions, action: str = "sts:AssumeRole") -> Labelled:
    statement = Statement(source=SOURCE, address="r", effect=effect, actions=(action,),
                          principals=(Principal(kind=PrincipalKind.AWS, value="*"),), conditions=tuple(conditions))
    return Labelled(statement=statement, origin="trust policy of role/r", version="2012-10-17")


ANYONE = classify(Principal(kind=PrincipalKind.AWS, value="*"))


def reach(allow: list[Condition], denies: list[list[Condition]] = (), kind: Kind | None = None) -> Reach:
    """How widely Principal "*" with these conditions admits; `kind`: of that kind of caller only."""
    item = _statement(Effect.ALLOW, allow)
    trust = [item, *(_statement(Effect.DENY, d) for d in denies)]
    admission = admits(item, ANYONE, "sts:AssumeRole", trust)
    if kind is None:
        return admission.reach
    return next(k for k in admission.kinds if k.kind is kind).reach


def test_the_public_statement_of_the_issue_is_anyone_and_the_pinned_one_is_identity():
    assert reach([]) is Reach.ANYONE
    assert reach([Condition(operator="StringEquals", key="aws:PrincipalOrgID", values=("o-abc123",))]) is Reach.IDENTITY
    assert reach([Condition(operator="Bool", key="aws:MultiFactorAuthPresent", values=("true",))]) is Reach.REQUEST
    assert reach([Condition(operator="StringEquals", key="sts:ExternalId", values=("s",))]) is Reach.SECRET
    # Allow everyone, deny everyone outside the organisation: the organisation (a common pattern).
    assert reach([], [[Condition(operator="StringNotEquals", key="aws:PrincipalOrgID", values=("o-abc123",))]]) \
        is Reach.IDENTITY
    assert reach([], [[]]) is Reach.NOBODY


# --- properties -------------------------------------------------------------------------------

IDENTITY_KEYS = {
    "aws:PrincipalArn": "arn:",
    "aws:PrincipalAccount": "",
    "aws:PrincipalOrgID": "o-",
    "aws:PrincipalOrgPaths": "o-",
    "aws:userid": "",
}
CALLER_VARIABLES = ["${aws:PrincipalAccount}", "${aws:PrincipalArn}", "${aws:username}", "${aws:userid}",
                    "${aws:PrincipalOrgID}"]


@st.composite
def matches_every_value(draw) -> Condition:
    """A Like condition whose value is a prefix every value carries, then wildcards — or the caller's
    own value through a policy variable."""
    key = draw(st.sampled_from(sorted(IDENTITY_KEYS)))
    universal = IDENTITY_KEYS[key]
    head = universal[: draw(st.integers(0, len(universal)))]
    tail = draw(st.text(alphabet="*?", min_size=0, max_size=4))
    value = draw(st.one_of(
        st.just(head + "*" + tail),
        st.just(head + tail + "*"),
        st.sampled_from(CALLER_VARIABLES).map(lambda v: head + v + tail.replace("?", "*")),
    ))
    operator = draw(st.sampled_from(["StringLike", "StringLikeIfExists", "ForAnyValue:StringLike",
                                     "ForAllValues:StringLike"]))
    return Condition(operator=operator, key=key, values=(value,))


@st.composite
def stranger_meets(draw) -> Condition:
    """Conditions a stranger of any account meets by what it chooses: a negated identity condition,
    IfExists or ForAllValues on a key it can leave out, Null asking for what it controls, its own tags."""
    literal = draw(st.sampled_from(["o-abc123", "111111111111", "arn:aws:iam::111111111111:role/x", "s3cret"]))
    return draw(st.sampled_from([
        Condition(operator="StringNotEquals", key=draw(st.sampled_from(sorted(IDENTITY_KEYS))), values=(literal,)),
        Condition(operator="StringNotEquals", key="sts:ExternalId", values=(literal,)),
        Condition(operator=draw(st.sampled_from(["StringEqualsIfExists", "ForAllValues:StringEquals"])),
                  key=draw(st.sampled_from(["aws:PrincipalOrgID", "aws:PrincipalOrgPaths", "sts:ExternalId"])),
                  values=(literal,)),
        Condition(operator="Null", key=draw(st.sampled_from(["aws:PrincipalArn", "aws:PrincipalAccount",
                                                             "sts:ExternalId", "aws:PrincipalOrgID"])),
                  values=("false",)),
        Condition(operator="Null", key=draw(st.sampled_from(["sts:ExternalId", "aws:PrincipalOrgID",
                                                             "aws:SourceArn"])), values=("true",)),
        Condition(operator="StringEquals", key="aws:PrincipalTag/team", values=(literal,)),
        Condition(operator="BoolIfExists", key="aws:MultiFactorAuthPresent", values=("true",)),
    ]))


ADMITS_EVERYONE = st.one_of(matches_every_value(), stranger_meets())
ANY_CONDITION = st.one_of(
    ADMITS_EVERYONE,
    st.builds(Condition, operator=st.sampled_from(["StringEquals", "StringLike", "Bool", "IpAddress"]),
              key=st.sampled_from(["aws:PrincipalOrgID", "aws:PrincipalArn", "sts:ExternalId",
                                   "aws:MultiFactorAuthPresent", "aws:SourceIp", "aws:SourceAccount"]),
              values=st.sampled_from([("o-abc123",), ("true",), ("arn:aws:iam::111111111111:role/x",),
                                      ("203.0.113.0/24",)])),
)


@EXAMPLES
@given(ADMITS_EVERYONE)
def test_a_condition_admitting_every_caller_never_narrows(condition):
    assert judge_condition(condition, Kind.PRINCIPAL).effect is Outcome.ALWAYS
    assert reach([condition]) is Reach.ANYONE  # Principal "*" with it alone: anyone, critical


@EXAMPLES
@given(st.lists(ANY_CONDITION, max_size=3), ADMITS_EVERYONE)
def test_adding_a_condition_that_admits_everyone_changes_nothing(conditions, added):
    # Of AWS principals: these conditions say nothing a service could meet (it has no principal
    # ARN or account), so of services they may well admit nobody.
    before = reach(conditions, kind=Kind.PRINCIPAL)
    assert reach([*conditions, added], kind=Kind.PRINCIPAL) == before


@st.composite
def stranger_escapes(draw) -> Condition:
    """Deny conditions a stranger fails by being who it is: a literal identity it is not, a key
    never in its request, ForAnyValue over a key it leaves out, a Like pattern of another owner."""
    literal = draw(st.sampled_from(["o-abc123", "111111111111", "arn:aws:iam::111111111111:role/x"]))
    return draw(st.sampled_from([
        Condition(operator=draw(st.sampled_from(["StringEquals", "StringLike", "ArnLike"])),
                  key=draw(st.sampled_from(sorted(IDENTITY_KEYS))), values=(literal,)),
        Condition(operator="StringEquals", key=draw(st.sampled_from(["aws:SourceAccount", "aws:SourceArn",
                                                                     "aws:SourceOwner"])), values=(literal,)),
        Condition(operator="ForAnyValue:StringNotEquals", key="aws:PrincipalOrgID", values=(literal,)),
        Condition(operator="StringEquals", key="sts:ExternalId", values=(literal,)),
    ]))


@EXAMPLES
@given(st.lists(ANY_CONDITION, max_size=3), st.lists(ANY_CONDITION, max_size=2), stranger_escapes())
def test_a_deny_a_stranger_escapes_narrows_nothing(allow, deny, escapable):
    # A Deny applies only when all its conditions hold: failing one is enough to escape it.
    assert judge_condition(escapable, Kind.PRINCIPAL, escape=True).effect is Outcome.ALWAYS
    assert reach(allow, [[*deny, escapable]], kind=Kind.PRINCIPAL) == reach(allow, kind=Kind.PRINCIPAL)


def test_what_is_unknown_before_apply_never_narrows():
    """A gate must not pass what it cannot see (DESIGN.md: sound under uncertainty)."""
    from dataclasses import replace

    from credmint.analyzer.admits import statements_admitting

    org = Condition(operator="StringNotEquals", key="aws:PrincipalOrgID", values=("o-abc123",))
    allow = _statement(Effect.ALLOW, [])
    deny = _statement(Effect.DENY, [org])
    unknown_deny = replace(deny, statement=replace(deny.statement, unknown=Unknown("var.deny_condition")))
    assert admits(allow, ANYONE, "sts:AssumeRole", [allow, deny]).reach is Reach.IDENTITY
    assert admits(allow, ANYONE, "sts:AssumeRole", [allow, unknown_deny]).reach is Reach.ANYONE
    # An Allow whose effect is unknown is judged as the Allow it may be.
    maybe = replace(allow, statement=replace(allow.statement, effect=Unknown("var.effect")))
    assert [a.reach for _, _, a in statements_admitting([maybe], "*", "sts:AssumeRole")] == [Reach.ANYONE]
    # An Allow with an unknown part is judged by the conditions that are known.
    partly = replace(allow, statement=replace(allow.statement, unknown=Unknown("var.condition")))
    assert [a.reach for _, _, a in statements_admitting([partly], "*", "sts:AssumeRole")] == [Reach.ANYONE]
