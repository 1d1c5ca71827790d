"""SEMANTICS.md §6 matching: actions, resources (segment-wise ARNs), unknowns as MAYBE."""

import pytest

from credmint.analyzer.inventory import CURRENT_ACCOUNT, Text, Unknown
from credmint.analyzer.patterns import Tri, match_action, match_glob, match_literal, match_resource


@pytest.mark.parametrize(
    ("pattern", "action", "expected"),
    [
        ("sts:AssumeRole", "sts:AssumeRole", Tri.YES),
        ("STS:assumerole", "sts:AssumeRole", Tri.YES),  # case-insensitive
        ("sts:Assume*", "sts:AssumeRoleWithSAML", Tri.YES),
        ("sts:AssumeRol?", "sts:AssumeRole", Tri.YES),
        ("sts:AssumeRol?", "sts:AssumeRoleWithSAML", Tri.NO),  # ? is exactly one character
        ("*", "sts:GetFederationToken", Tri.YES),
        ("iam:*", "sts:AssumeRole", Tri.NO),
        ("sts:Get*Token", "sts:GetSessionToken", Tri.YES),
        (Unknown("var.action"), "sts:AssumeRole", Tri.MAYBE),
        (Text(("sts:", Unknown("var.x"))), "sts:AssumeRole", Tri.MAYBE),
        (Text(("iam:", Unknown("var.x"))), "sts:AssumeRole", Tri.NO),
    ],
)
def test_action_matching_is_case_insensitive_with_wildcards(pattern, action, expected):
    assert match_action(pattern, action) is expected


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("arn:aws:iam::111111111111:role/deploy", "arn:aws:iam::111111111111:role/deploy", Tri.YES),
        ("arn:aws:iam::111111111111:role/Deploy", "arn:aws:iam::111111111111:role/deploy", Tri.NO),
        ("arn:aws:iam::*:role/*", "arn:aws:iam::111111111111:role/deploy", Tri.YES),
        # `*` in the last part spans `/` (paths) ...
        ("arn:aws:iam::111111111111:role/*", "arn:aws:iam::111111111111:role/team/x", Tri.YES),
        # ... but inside the first five segments it stays within its segment.
        ("arn:aws:iam::*:role/x", "arn:aws:iam::111111111111:role/x", Tri.YES),
        ("arn:aws:iam::11111111111*:role/x", "arn:aws:iam::111111111111:role/x", Tri.YES),
        # Fewer than six parts: AWS does not say; only a maybe (docs/DECISIONS.md).
        ("arn:aws:*:role/x", "arn:aws:iam::111111111111:role/x", Tri.MAYBE),
        ("arn:aws:iam::1111*:role/x", "arn:aws:iam::111111111111:role/x", Tri.YES),
        ("*", "arn:aws:iam::111111111111:role/x", Tri.YES),
        ("arn:aws:iam::111111111111:user/*", "arn:aws:iam::111111111111:role/x", Tri.NO),
        ("arn:aws:iam::111111111111:role/dep?oy", "arn:aws:iam::111111111111:role/deploy", Tri.YES),
    ],
)
def test_resource_matching_is_case_sensitive_and_segment_wise(pattern, resource, expected):
    assert match_resource(pattern, resource) is expected


def test_the_current_account_symbol_matches_itself_and_only_maybe_a_literal_account():
    role = Text(("arn:aws:iam::", CURRENT_ACCOUNT, ":role/deploy"))
    assert match_resource(role, role) is Tri.YES
    assert match_resource("arn:aws:iam::*:role/deploy", role) is Tri.YES
    assert match_resource("arn:aws:iam::111111111111:role/deploy", role) is Tri.MAYBE
    assert match_resource("arn:aws:iam::111111111111:role/other", role) is Tri.NO


def test_an_unknown_role_name_matches_a_wildcard_surely_and_a_literal_maybe():
    role = Text(("arn:aws:iam::111111111111:role/", Unknown("aws_iam_role.app.name")))
    assert match_resource("arn:aws:iam::111111111111:role/*", role) is Tri.YES
    assert match_resource("arn:aws:iam::111111111111:role/app", role) is Tri.MAYBE
    assert match_resource("arn:aws:iam::111111111111:user/*", role) is Tri.NO


def test_a_pattern_value_is_covered_only_by_a_wider_pattern():
    assert match_glob("role/*", "role/app-*") is Tri.YES
    assert match_glob("role/app-x", "role/app-*") is Tri.MAYBE
    assert match_glob("role/b*", "role/app-*") is Tri.NO


def test_string_equals_treats_wildcards_literally():
    assert match_literal("repo:org/*", "repo:org/app:ref:refs/heads/main") is Tri.NO
    assert match_literal("repo:org/*", "repo:org/*") is Tri.YES
    assert match_literal("Alice", "alice", fold_case=True) is Tri.YES


def test_another_tools_variable_in_a_principal_is_unknown_not_invalid():
    from credmint.analyzer.inventory import Principal, PrincipalKind
    from credmint.analyzer.principals import Named, classify

    entry = classify(Principal(kind=PrincipalKind.AWS, value="arn:aws:iam::${self:custom.account}:root"))
    assert entry.named is Named.UNKNOWN
