"""Issue 18: inventories exported by each repository's run and analysed together.

SEMANTICS.md §1 cross-account: the caller's identity allow and the role's trust are both needed.
One repository's scan sees one side, so the grant is `uncertain`; a merged scan of both inventories
sees both and decides it like a same-run grant (tests/test_multi_account.py does the same with
`--account-map` over templates).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main
from credmint.analyzer.inventory import CURRENT_ACCOUNT, Unknown
from credmint.analyzer.inventory_json import INVENTORY_VERSION, dumps, loads
from credmint.parsers.context import ParseContext
from credmint.parsers.detect import load_inputs

REPO = Path(__file__).resolve().parents[1]
ORG = REPO / "fixtures" / "organisation"
ACCOUNTS = {"landing": "111111111111", "team": "222222222222", "tools": "333333333333"}
CI = "arn:aws:iam::222222222222:user/ci"
DEPLOY = "arn:aws:iam::111111111111:role/deploy"
AUDIT = "arn:aws:iam::333333333333:role/audit"


def export(repo: str, out: Path, *extra: str) -> int:
    return main(["scan", str(ORG / repo), "--root", str(ORG / repo), "--format", "inventory",
                 "--source-name", repo, "-o", str(out), *extra])


def scan(paths: list[Path], tmp_path: Path, *extra: str) -> tuple[int, dict]:
    out = tmp_path / "report.json"
    code = main(["scan", *map(str, paths), "--root", str(tmp_path), "--format", "json", "-o", str(out),
                 "--fail-on", "none", *extra])
    return code, json.loads(out.read_text())


def grants(report: dict) -> set[tuple[str, str, str, str]]:
    return {(g["principal"], g["action"], g["target"], g["certainty"]) for g in report["grants"]}


@pytest.fixture()
def inventories(tmp_path: Path) -> dict[str, Path]:
    files = {}
    for repo, account in ACCOUNTS.items():
        files[repo] = tmp_path / f"{repo}.inventory.json"
        assert export(repo, files[repo], "--account-id", account) == 0
    return files


def test_each_repository_alone_sees_an_uncertain_cross_account_grant(tmp_path, inventories):
    _, team = scan([inventories["team"]], tmp_path)
    assert (CI, "sts:AssumeRole", DEPLOY, "uncertain") in grants(team)  # the role is outside its templates
    _, landing = scan([inventories["landing"]], tmp_path)
    assert ("arn:aws:iam::222222222222:root", "sts:AssumeRole", DEPLOY, "uncertain") in grants(landing)
    assert (DEPLOY, "sts:AssumeRole", AUDIT, "uncertain") in grants(landing)


def test_merged_inventories_decide_the_grant_and_chain_into_a_third_repository(tmp_path, inventories):
    code, report = scan(list(inventories.values()), tmp_path)
    assert code == 0
    assert grants(report) == {
        (CI, "sts:AssumeRole", DEPLOY, "definite"),  # identity allow in 222 + trust of account 222 in 111
        (DEPLOY, "sts:AssumeRole", AUDIT, "definite"),  # identity allow in 111 + trust naming it in 333
        (CI, "sts:GetSessionToken", CI, "definite"),
    }
    assert [[hop["target"] for hop in p["hops"]] for p in report["paths"]] == [[DEPLOY, AUDIT]]
    sources = {(g["target"], s["file"]) for g in report["grants"] for s in g["sources"]}
    assert (DEPLOY, "landing:fixtures/organisation/landing/main.tf") not in sources  # root is the repo itself
    assert (DEPLOY, "landing:main.tf") in sources and (DEPLOY, "team:main.tf") in sources
    assert (AUDIT, "tools:main.tf") in sources
    assert {i["format"] for i in report["inputs"]} == {"inventory"}


def test_inventories_beside_templates(tmp_path, inventories):
    """An inventory read with another repository's templates: accounts come from each side."""
    team = tmp_path / "team"
    team.mkdir()
    (team / "main.tf").write_text((ORG / "team" / "main.tf").read_text())
    code, report = scan([inventories["landing"], team], tmp_path, "--account-map", f"{team}=222222222222")
    assert code == 0
    assert (CI, "sts:AssumeRole", DEPLOY, "definite") in grants(report)
    assert {(i["path"], i["format"]) for i in report["inputs"]} == {
        ("landing.inventory.json", "inventory"), ("team", "terraform")}


def test_inventories_without_an_account_are_never_one_account(tmp_path):
    """Two runs without --account-id each had the symbolic current account: merged, they must not
    be taken for one account, or a grant would be definite without both sides being known."""
    for repo in ("landing", "team"):
        assert export(repo, tmp_path / f"{repo}.inventory.json") == 0
    data = (tmp_path / "team.inventory.json").read_bytes()
    merged = loads(data, file="team.inventory.json")
    accounts = {user.account for user in merged.users}
    assert accounts == {Unknown("account_id of team", "the account of inventory team.inventory.json (exported without --account-id)")}
    assert CURRENT_ACCOUNT not in accounts


def test_export_round_trips_every_fixture(tmp_path):
    """What is exported reads back as the same inventory (sources aside, named by the repository)."""
    for folder in sorted(p for p in (REPO / "fixtures" / "cases").iterdir() if p.is_dir()):
        inventory = load_inputs([folder], ParseContext(root=folder, account_id="123456789012"))
        data = dumps(inventory, account_id="123456789012", source_name=None, version="test")
        assert loads(data, file="x.inventory.json") == inventory, folder.name
        assert dumps(loads(data, file="x"), account_id="123456789012", source_name=None, version="test") == data


def test_the_schema_in_docs_is_current_and_every_export_meets_it(tmp_path):
    import jsonschema

    from credmint.analyzer.inventory_json import schema

    written = json.loads((REPO / "docs" / "inventory.schema.json").read_text())
    assert written == schema()  # regenerate: python -c "...; print(json.dumps(schema(), indent=2, sort_keys=True))"
    validator = jsonschema.Draft202012Validator(written)
    for folder in sorted(p for p in (REPO / "fixtures" / "cases").iterdir() if p.is_dir())[:40]:
        inventory = load_inputs([folder], ParseContext(root=folder))
        validator.validate(json.loads(dumps(inventory, account_id=None, source_name="x", version="test")))


def test_export_is_deterministic_and_the_same_with_export_inventory(tmp_path):
    assert export("team", tmp_path / "a.inventory.json", "--account-id", "222222222222") == 0
    assert export("team", tmp_path / "b.inventory.json", "--account-id", "222222222222") == 0
    first = (tmp_path / "a.inventory.json").read_bytes()
    assert first == (tmp_path / "b.inventory.json").read_bytes()
    code = main(["scan", str(ORG / "team"), "--root", str(ORG / "team"), "--account-id", "222222222222",
                 "--format", "json", "-o", str(tmp_path / "r.json"), "--source-name", "team",
                 "--export-inventory", str(tmp_path / "c.inventory.json")])
    assert code == 0 and (tmp_path / "c.inventory.json").read_bytes() == first
    assert json.loads(first)["inventory_version"] == INVENTORY_VERSION


def test_export_holds_no_value_that_is_not_in_a_policy(tmp_path):
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "main.tf").write_text((ORG / "team" / "main.tf").read_text() + '''
variable "db_password" {
  default = "hunter2-not-in-any-policy"
}
resource "aws_db_instance" "db" {
  password = var.db_password
}
resource "aws_iam_access_key" "ci" {
  user = aws_iam_user.ci.name
}
''')
    out = tmp_path / "x.inventory.json"
    assert main(["scan", str(folder), "--root", str(folder), "--format", "inventory", "-o", str(out)]) == 0
    assert b"hunter2" not in out.read_bytes()
    assert b"secret" not in out.read_bytes().lower()


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ({"inventory_version": INVENTORY_VERSION + 1}, f"inventory_version {INVENTORY_VERSION + 1} is not one"),
        ({"inventory_version": "1"}, "no integer inventory_version"),
        ({"inventory_version": 1, "users": [{"name": "x"}]}, "users[0]: "),
        ({"inventory_version": 1, "roles": [{"bogus": 1}]}, "roles[0]: unknown field 'bogus'"),
        ({"inventory_version": 1, "account_id": "12"}, "account_id: expected 12 digits"),
        ([], "no integer inventory_version"),
    ],
)
def test_an_unreadable_inventory_is_an_error_and_the_rest_is_still_analysed(tmp_path, inventories, content, problem):
    bad = tmp_path / "bad.inventory.json"
    bad.write_text(json.dumps(content))
    code, report = scan([bad, inventories["team"]], tmp_path)
    assert code == 2
    errors = [d for d in report["diagnostics"] if d["level"] == "error"]
    assert len(errors) == 1 and errors[0]["file"] == "bad.inventory.json" and problem in errors[0]["message"]
    assert (CI, "sts:AssumeRole", DEPLOY, "uncertain") in grants(report)


def test_an_inventory_in_a_scanned_folder_is_not_read(tmp_path, inventories):
    """A pull request cannot add an inventory (an SCP that denies everything, say) by committing one:
    inventories are read only when named on the command line."""
    folder = tmp_path / "repo"
    (folder / "infra").mkdir(parents=True)
    (folder / "infra" / "main.tf").write_text((ORG / "team" / "main.tf").read_text())
    (folder / "infra" / "landing.inventory.json").write_bytes(inventories["landing"].read_bytes())
    code, report = scan([folder], folder, "--account-id", "222222222222")
    assert DEPLOY in {g["target"] for g in report["grants"]}
    assert all(g["certainty"] == "uncertain" for g in report["grants"] if g["target"] == DEPLOY)
    assert {i["format"] for i in report["inputs"]} == {"terraform"}


def test_format_inventory_is_for_scan_only(tmp_path, capsys):
    code = main(["explain", CI, str(ORG / "team"), "--format", "inventory"])
    assert code == 2


def test_explain_and_diff_read_inventories(tmp_path, inventories, capsys):
    """`explain` follows the chain through both repositories; `diff` against the landing zone
    alone shows what the team's inventory adds."""
    files = [str(inventories[r]) for r in ("landing", "team", "tools")]
    code = main(["explain", "user/ci", AUDIT, *files, "--root", str(tmp_path), "--format", "json"])
    explanation = json.loads(capsys.readouterr().out)
    assert code == 0
    assert json.dumps(explanation).count(DEPLOY) >= 1 and "team:main.tf" in json.dumps(explanation)
    out = tmp_path / "diff.json"
    code = main(["diff", "--base", str(inventories["landing"]), str(inventories["landing"]), str(inventories["team"]),
                 "--root", str(tmp_path), "--format", "json", "-o", str(out), "--fail-on", "none"])
    added = {(g["principal"], g["target"]) for g in json.loads(out.read_text())["added"]}
    assert code == 0 and (CI, DEPLOY) in added
