"""The benchmark generators make inputs that credmint reads whole: every user and role they write.

The expected numbers follow from the generators' fixed recipes (bench/terraform_tree.py,
bench/mixed_tree.py, bench/cfn_templates.py): the seed chooses names and references, never how many of each kind.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from credmint.analyzer.app.cli import main
from credmint.analyzer.walk import analyze
from bench.generate import (
    InventorySize,
    build_inventory,
    generate_cloudformation,
    generate_mixed,
    generate_terraform,
)
from bench.terraform_tree import USER_PATHS

ACCOUNT = "123456789012"


def _scan(path: Path, root: Path, tmp_path: Path) -> dict:
    output = tmp_path / "report.json"
    main(["scan", str(path), "--root", str(root), "--account-id", ACCOUNT, "--format", "json", "-o", str(output)])
    return json.loads(output.read_text(encoding="utf-8"))


def _own(report: dict, kind: str) -> set[str]:
    """The templates' own principals of a kind (outside principals have no address)."""
    return {p["id"] for p in report["principals"] if p["type"] == kind and p["address"]}


def test_terraform_tree_scans_to_every_user_and_role(tmp_path: Path) -> None:
    tree = generate_terraform(tmp_path / "tf", 60, seed=3)
    # 60 blocks → 2 teams of 25 after the 13-block prelude and the 5-block module;
    # users: 2 teams × 4; roles: 4 in the prelude + 3 module calls × 1 + 2 teams × 4.
    assert (tree.units, tree.blocks, tree.users, tree.roles) == (2, 68, 8, 15)

    report = _scan(tree.live, tree.root, tmp_path)

    assert [d for d in report["diagnostics"] if d["level"] == "error"] == []
    users = _own(report, "user")
    roles = _own(report, "role")
    assert users == {
        f"arn:aws:iam::{ACCOUNT}:user{USER_PATHS[(t + i) % 3]}team{t:04d}-user{i}"
        for t in range(2)
        for i in range(4)
    }
    assert len(roles) == 15
    assert {
        f"arn:aws:iam::{ACCOUNT}:role/github-deploy-prod",
        f"arn:aws:iam::{ACCOUNT}:role/public-reader",
        f"arn:aws:iam::{ACCOUNT}:role/service-0",
        f"arn:aws:iam::{ACCOUNT}:role/teams/team0001-ci",
    } <= roles
    assert {"CM101", "CM102"} <= {f["rule"] for f in report["findings"]}


def test_mixed_tree_is_a_tenth_iam_and_scans_to_its_teams(tmp_path: Path) -> None:
    tree = generate_mixed(tmp_path / "mixed", 600, seed=3)
    # 600 blocks → a tenth is 60: the 18 prelude and module blocks and (60 - 18) / 27 ≈ 2 teams of
    # 25 + 2 IAM blocks (72); the other 528 make 26 services of 20 ordinary blocks (520).
    assert (tree.units, tree.services, tree.iam_blocks, tree.blocks) == (2, 26, 72, 592)
    assert (tree.users, tree.roles) == (8, 15)

    report = _scan(tree.live, tree.root, tmp_path)

    assert [d for d in report["diagnostics"] if d["level"] == "error"] == []
    assert _own(report, "user") == {
        f"arn:aws:iam::{ACCOUNT}:user{USER_PATHS[(t + i) % 3]}team{t:04d}-user{i}"
        for t in range(2)
        for i in range(4)
    }
    assert len(_own(report, "role")) == 15
    assert {"CM101", "CM102"} <= {f["rule"] for f in report["findings"]}


def test_cloudformation_templates_scan_to_every_user_and_role(tmp_path: Path) -> None:
    made = generate_cloudformation(tmp_path / "cfn", 40, seed=3, resources_per_template=15)
    # 40 resources → 2 teams of 15 after the 3-resource prelude, one team to a template.
    assert (made.units, made.files, made.users, made.roles) == (2, 2, 8, 10)

    report = _scan(made.root, made.root, tmp_path)

    assert [d for d in report["diagnostics"] if d["level"] == "error"] == []
    assert _own(report, "user") == {
        f"arn:aws:iam::{ACCOUNT}:user/team{t:04d}-user{i}" for t in range(2) for i in range(4)
    }
    assert len(_own(report, "role")) == 10
    assert {"CM101", "CM102"} <= {f["rule"] for f in report["findings"]}


def test_generators_are_deterministic(tmp_path: Path) -> None:
    first = generate_terraform(tmp_path / "a", 120, seed=7)
    second = generate_terraform(tmp_path / "b", 120, seed=7)
    files = sorted(p.relative_to(first.root) for p in first.root.rglob("*.tf"))
    assert files == sorted(p.relative_to(second.root) for p in second.root.rglob("*.tf"))
    assert all((first.root / f).read_bytes() == (second.root / f).read_bytes() for f in files)
    mixed = [generate_mixed(tmp_path / name, 400, seed=7).root for name in ("m1", "m2")]
    assert {p.relative_to(mixed[0]): p.read_bytes() for p in mixed[0].rglob("*.tf")} == {
        p.relative_to(mixed[1]): p.read_bytes() for p in mixed[1].rglob("*.tf")
    }
    assert build_inventory(InventorySize(users=30, groups=6, roles=15, policies=60), seed=7) == build_inventory(
        InventorySize(users=30, groups=6, roles=15, policies=60), seed=7
    )


def test_inventory_analyses_to_its_users_and_roles() -> None:
    size = InventorySize(users=40, groups=8, roles=20, policies=80)
    analysis = analyze(build_inventory(size, seed=1))
    own = [p for p in analysis.principals if p.address]
    assert sum(p.type.value == "user" for p in own) == 40
    assert sum(p.type.value == "role" for p in own) == 20
    # The first five roles trust `*`: anyone may assume each of them.
    anyone = {g.target for g in analysis.grants if g.principal == "*"}
    assert {f"arn:aws:iam::{ACCOUNT}:role/r{i:05d}" for i in range(5)} <= anyone
