"""Issue 16 §4: `explain` answers every question about a known identity."""

from __future__ import annotations

import json
from pathlib import Path

from credmint.analyzer.app.cli import main
from credmint.analyzer.lookup import find_identity

ACCOUNT = "123456789012"
LONELY = f"""
resource "aws_iam_role" "lonely" {{
  name = "lonely"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{ Effect = "Allow", Principal = {{ AWS = "{ACCOUNT}" }}, Action = "sts:AssumeRole" }},
      {{ Effect = "Allow", Principal = {{ Service = "ec2.amazonaws.com" }}, Action = "sts:TagSession" }},
      {{ Effect = "Allow", Principal = {{ AWS = "arn:aws:sts::{ACCOUNT}:federated-user/bob" }}, Action = "sts:AssumeRole" }},
      {{ Effect = "Deny", Principal = "*", Action = "sts:AssumeRole" }},
    ]
  }})
}}
resource "aws_iam_role" "prowler" {{
  name = "ProwlerXA-Role"
  assume_role_policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ AWS = aws_iam_user.alice.arn }}, Action = "sts:AssumeRole" }}]
  }})
}}
resource "aws_iam_user" "alice" {{ name = "alice" }}
resource "aws_iam_user_policy" "alice" {{
  user = aws_iam_user.alice.name
  policy = jsonencode({{
    Version   = "2012-10-17"
    Statement = [{{ Effect = "Allow", Action = "sts:AssumeRole", Resource = "arn:aws:iam::*:role/ProwlerXA-Role" }}]
  }})
}}
"""


def explain(tmp_path: Path, *argv: str, fmt: str = "text") -> tuple[int, str]:
    folder = tmp_path / "t"
    folder.mkdir(exist_ok=True)
    (folder / "main.tf").write_text(LONELY)
    out = tmp_path / f"out.{fmt}"
    code = main(["explain", *argv, str(folder), "--root", str(folder), "--account-id", ACCOUNT,
                 "--format", fmt, "-o", str(out)])
    return code, out.read_text()


def test_an_exact_identity_wins_over_a_pattern_that_ends_the_same_way():
    role = f"arn:aws:iam::{ACCOUNT}:role/ProwlerXA-Role"
    assert find_identity("role/ProwlerXA-Role", [role, "arn:aws:iam::*:role/ProwlerXA-Role"]) == role
    assert find_identity("ProwlerXA-Role", [role, "arn:aws:iam::*:role/ProwlerXA-Role"]) == role


def test_explain_a_role_someone_reaches_lists_who(tmp_path):
    code, answer = explain(tmp_path, "role/ProwlerXA-Role", fmt="json")
    found = json.loads(answer)
    assert code == 0 and found["principal"] == f"arn:aws:iam::{ACCOUNT}:role/ProwlerXA-Role"
    assert [c["principal"] for c in found["reached_by"]] == [f"arn:aws:iam::{ACCOUNT}:user/alice"]
    assert found["trust_statements"] == []


def test_explain_a_role_nobody_can_assume_says_so_and_why_each_statement_admits_no_one(tmp_path):
    code, answer = explain(tmp_path, "role/lonely")
    assert code == 0
    assert f"Nobody can mint credentials for arn:aws:iam::{ACCOUNT}:role/lonely in the" in " ".join(answer.split())
    found = json.loads(explain(tmp_path, "role/lonely", fmt="json")[1])
    assert found["reached_by"] == []
    assert found["trust_statements"] == [
        f"main.tf:7: names arn:aws:iam::{ACCOUNT}:root: no user or role of the analysed templates in that account "
        "has an identity policy allowing sts:AssumeRole on it (or a Deny, boundary or SCP cuts it)",
        "main.tf:8: allows sts:TagSession: no call that mints credentials",
        f"main.tf:9: names arn:aws:sts::{ACCOUNT}:federated-user/bob: federated-user sessions may call no STS "
        "action but GetCallerIdentity",
        "main.tf:10: a Deny statement: it admits no one",
    ]


def test_explain_a_principal_lists_what_it_reaches_shortest_chain_first(tmp_path):
    code, answer = explain(tmp_path, "user/alice", fmt="json")
    chains = json.loads(answer)["chains"]
    assert code == 0
    assert [len(c["hops"]) for c in chains] == sorted(len(c["hops"]) for c in chains)
    assert {c["target"] for c in chains} == {
        f"arn:aws:iam::{ACCOUNT}:role/ProwlerXA-Role", "arn:aws:iam::*:role/ProwlerXA-Role",
        f"arn:aws:iam::{ACCOUNT}:user/alice",
    }
