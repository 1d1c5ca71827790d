"""A Terraform SCP of the management account cuts the callers of the member account it governs
(SEMANTICS.md §7 steps 1–2; docs/DECISIONS.md "Service control policies")."""

import json
from pathlib import Path

from credmint.analyzer.app.cli import main

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "scp"
DEV, DEPLOY = "arn:aws:iam::222222222222:user/dev", "arn:aws:iam::222222222222:role/deploy"


def assume_grants(tmp_path, *paths, mapping=()):
    out = tmp_path / "r.json"
    args = ["scan", *map(str, paths), "--format", "json", "-o", str(out), "--root", str(HERE), "--fail-on", "none"]
    for path, account in mapping:
        args += ["--account-map", f"{path}={account}"]
    main(args)
    report = json.loads(out.read_text())
    return {(g["principal"], g["target"]) for g in report["grants"] if g["action"] == "sts:AssumeRole"}


def test_the_scp_attached_to_the_member_account_denies_its_callers(tmp_path):
    mapping = ((HERE / "management", "999999999999"), (HERE / "member", "222222222222"))
    assert assume_grants(tmp_path, HERE / "management", HERE / "member", mapping=mapping) == set()


def test_without_the_scp_the_grant_stands(tmp_path):
    mapping = ((HERE / "member", "222222222222"),)
    assert assume_grants(tmp_path, HERE / "member", mapping=mapping) == {(DEV, DEPLOY)}
