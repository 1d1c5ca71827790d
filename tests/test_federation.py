"""SEMANTICS.md §2: federated-user name patterns from a Resource, and name validity."""

import pytest

from credmint.analyzer.federation import covers, is_valid_name_pattern, name_patterns
from credmint.analyzer.patterns import Tri

ACCOUNT = "111111111111"


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("*", [("*", False)]),
        ("arn:aws:sts::111111111111:federated-user/Manager*", [("Manager*", False)]),
        ("arn:aws:sts::*:federated-user/*", [("*", False)]),
        ("arn:aws:sts::111111111111:fed*", [("*", False)]),
        ("arn:aws:sts::222222222222:federated-user/*", []),  # always the caller's own account
        ("arn:aws:iam::111111111111:role/x", []),
        ("arn:aws:sts::111111111111:federated-user/a", []),  # one character: no valid name
        ("arn:aws:sts::111111111111:federated-user/" + "x" * 33, []),
        ("arn:aws:sts::111111111111:federated-user/${aws:username}", []),  # literal text: invalid
    ],
)
def test_name_patterns_are_what_the_resource_allows_in_the_callers_account(resource, expected):
    assert name_patterns(resource, ACCOUNT) == expected


@pytest.mark.parametrize(
    ("pattern", "valid"),
    [("ab", True), ("a", False), ("a*", True), ("??", True), ("?", False), ("x/y", False), ("a@b.c-d", True)],
)
def test_a_pattern_is_valid_when_some_2_to_32_character_name_can_match(pattern, valid):
    assert is_valid_name_pattern(pattern) is valid


def test_wider_patterns_cover_narrower_ones():
    assert covers("*", "Manager*") is Tri.YES
    assert covers("Man*", "Manager*") is Tri.YES
    assert covers("Admin*", "*") is Tri.MAYBE
    assert covers("Admin*", "Manager*") is Tri.NO
