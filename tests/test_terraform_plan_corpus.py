"""Smoke test (opt-in): the shared corpus's 23 Terraform plan JSON files (checkov's test plans) scan
without a crash or traceback, each into an inventory. Read in place, never copied into the repo.

Skipped when the shared corpus is absent (it lives next to the repository, not in it).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main
from credmint.analyzer.inventory import Inventory
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform_plan import parse_plan, parse_plan_prior_state

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from scan_corpus_plans import find_plans

PLANS, STATES = find_plans(CORPUS) if CORPUS.is_dir() else ([], [])
needs_corpus = pytest.mark.skipif(
    not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}"
)


@needs_corpus
def test_the_corpus_holds_23_plans_under_checkov():
    assert len(PLANS) == 23
    assert all(p.relative_to(CORPUS).parts[0] == "checkov" for p in PLANS)


@needs_corpus
@pytest.mark.parametrize("path", PLANS + STATES, ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_plan_scans_without_a_crash(path: Path, tmp_path: Path, capsys):
    ctx = ParseContext(root=CORPUS)
    for inventory in (parse_plan(path, ctx), parse_plan_prior_state(path, ctx)):
        assert isinstance(inventory, Inventory)
        assert [i.format for i in inventory.inputs] == ["terraform-plan"]
    out = tmp_path / "report.json"
    code = main(
        [
            "scan",
            str(path),
            "--root",
            str(CORPUS),
            "--fail-on",
            "none",
            "--format",
            "json",
            "-o",
            str(out),
        ]
    )
    assert "Traceback" not in capsys.readouterr().err
    report = json.loads(out.read_text())
    assert report["inputs"] == [
        {"path": path.relative_to(CORPUS).as_posix(), "format": "terraform-plan"}
    ]
    errors = [d for d in report["diagnostics"] if d["level"] == "error"]
    assert code == (2 if errors else 0)
