"""Issue 5 §6: templates of several accounts analysed together (`--account-map PATH=ACCOUNT`).

SEMANTICS.md §1 cross-account: both the caller's side and the role's trust are needed; when both
accounts' templates are analysed, the grant is definite or absent instead of uncertain.
"""

import json
from pathlib import Path

from credmint.analyzer.app.cli import main

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "multi_account"
DEPLOY = "arn:aws:iam::111111111111:role/deploy"
CI = "arn:aws:iam::222222222222:user/ci"
INTERN = "arn:aws:iam::222222222222:user/intern"


def grants(args, tmp_path):
    out = tmp_path / "r.json"
    code = main(["scan", *args, "--format", "json", "-o", str(out), "--root", str(HERE)])
    report = json.loads(out.read_text())
    return code, {(g["principal"], g["action"], g["target"], g["certainty"]) for g in report["grants"]}, report


def test_both_accounts_analysed_make_the_cross_account_grant_definite_or_absent(tmp_path):
    code, found, report = grants(
        [str(HERE / "prod"), str(HERE / "tools"),
         "--account-map", f"{HERE / 'prod'}=111111111111", "--account-map", f"{HERE / 'tools'}=222222222222"],
        tmp_path,
    )
    assert found == {
        (CI, "sts:AssumeRole", DEPLOY, "definite"),  # identity allow in 222 + trust of account 222 in 111
        (CI, "sts:GetSessionToken", CI, "definite"),
        (INTERN, "sts:GetSessionToken", INTERN, "definite"),  # no identity allow: no AssumeRole
    }
    # No CM105: accounts analysed together are the user's own. CM201: ci's own policy grants
    # sts:AssumeRole, where AWS advises a group's (issue 14).
    assert [f["rule"] for f in report["findings"]] == ["CM201"]
    assert code == 0


def test_the_other_account_alone_is_uncertain(tmp_path):
    code, found, report = grants([str(HERE / "prod"), "--account-id", "111111111111"], tmp_path)
    assert found == {("arn:aws:iam::222222222222:root", "sts:AssumeRole", DEPLOY, "uncertain")}
    assert [f["rule"] for f in report["findings"]] == ["CM105"]
    assert code == 1
