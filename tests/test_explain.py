"""`credmint explain PRINCIPAL [TARGET] [PATH ...]` (issue 7 §6): each hop with the statements
(file:line), reasons and conditions that allow it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cfn_trees import ACCOUNT, ADMIN, ALICE, DEPLOY, PARTNER, run, write_tree

MFA = [{"operator": "Bool", "key": "aws:MultiFactorAuthPresent", "values": ["true"]}]


def explain(tmp_path: Path, *argv: str, fmt: str = "json") -> tuple[int, str]:
    out = tmp_path / f"explain.{fmt}"
    code = run(
        [
            "explain",
            *argv,
            "--root",
            str(tmp_path),
            "--account-id",
            ACCOUNT,
            "--format",
            fmt,
            "-o",
            str(out),
        ]
    )
    return code, out.read_text(encoding="utf-8") if out.exists() else ""


def test_chain_to_a_target_names_every_hop_with_its_lines_and_conditions(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "t", [ALICE], mfa=True)
    code, text = explain(tmp_path, "user/alice", "role/admin", str(tree))
    assert code == 0
    assert json.loads(text) == {
        "principal": ALICE,
        "target": ADMIN,
        "chains": [
            {
                "principal": ALICE,
                "target": ADMIN,
                "certainty": "conditional",
                "hops": [
                    {
                        "principal": ALICE,
                        "action": "sts:AssumeRole",
                        "target": DEPLOY,
                        "certainty": "conditional",
                        "conditions": MFA,
                        "except": [],
                        "reasons": [
                            "trust policy of role/deploy allows user/alice (t/template.yaml:14)"
                        ],
                        "sources": [{"file": "t/template.yaml", "line": 14}],
                    },
                    {
                        "principal": DEPLOY,
                        "action": "sts:AssumeRole",
                        "target": ADMIN,
                        "certainty": "definite",
                        "conditions": [],
                        "except": [],
                        "reasons": [
                            "trust policy of role/admin allows role/deploy (t/template.yaml:28)"
                        ],
                        "sources": [{"file": "t/template.yaml", "line": 28}],
                    },
                ],
            }
        ],
    }


def test_without_a_target_every_grant_and_chain_of_the_principal(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "t", [ALICE])
    code, text = explain(tmp_path, ALICE, str(tree))
    assert code == 0
    chains = json.loads(text)["chains"]
    assert [(c["target"], [h["action"] for h in c["hops"]]) for c in chains] == [
        (DEPLOY, ["sts:AssumeRole"]),
        (ALICE, ["sts:GetSessionToken"]),
        (ADMIN, ["sts:AssumeRole", "sts:AssumeRole"]),
    ]


def test_text_shows_hops_why_and_where_within_80_columns(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "t", [ALICE], mfa=True)
    code, text = explain(tmp_path, "alice", "admin", str(tree), fmt="text")
    assert code == 0
    lines = text.splitlines()
    assert lines[:2] == [
        "arn:aws:iam::111111111111:user/alice can mint credentials for",
        "  arn:aws:iam::111111111111:role/admin (conditional, 2 hops):",
    ]
    assert "     if: Bool aws:MultiFactorAuthPresent = true" in lines
    assert "     at: t/template.yaml:14" in lines
    assert "     at: t/template.yaml:28" in lines
    assert max(len(line) for line in lines) <= 80


def test_no_chain_is_said_plainly(tmp_path: Path) -> None:
    tree = write_tree(tmp_path / "t", [ALICE, PARTNER])
    code, text = explain(tmp_path, "role/admin", "222222222222:root", str(tree), fmt="text")
    assert code == 0
    assert text == (
        "arn:aws:iam::111111111111:role/admin cannot mint credentials for\n"
        "  arn:aws:iam::222222222222:root in the analysed templates.\n"
    )


@pytest.mark.parametrize(
    ("principal", "message"),
    [
        ("user/bob", "'user/bob' names no principal or target of the analysed templates"),
        ("111111111111:role/a", "'111111111111:role/a' names no principal or target"),
    ],
)
def test_an_unknown_principal_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture, principal: str, message: str
) -> None:
    tree = write_tree(tmp_path / "t", [ALICE])
    code, _ = explain(tmp_path, principal, str(tree))
    assert code == 2
    assert message in capsys.readouterr().err


def test_an_ambiguous_suffix_lists_the_candidates(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    tree = write_tree(tmp_path / "t", [ALICE, PARTNER, "arn:aws:iam::333333333333:root"])
    code, _ = explain(tmp_path, "root", str(tree))
    assert code == 2
    assert (
        "'root' is ambiguous: arn:aws:iam::222222222222:root, arn:aws:iam::333333333333:root"
        in (capsys.readouterr().err)
    )
