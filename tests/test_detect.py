"""Finding inputs: a nested stack's template is read once, through its parent."""

import json
from pathlib import Path

from credmint.analyzer.app.cli import main

NESTED = Path(__file__).resolve().parents[1] / "fixtures" / "cloudformation" / "nested"


def test_a_nested_template_in_the_scanned_tree_is_not_read_a_second_time_on_its_own(tmp_path):
    out = tmp_path / "r.json"
    main(["scan", str(NESTED), "--account-id", "111111111111", "--format", "json", "-o", str(out)])
    report = json.loads(out.read_text())
    addresses = sorted(p["address"] for p in report["principals"] if p["address"])
    # Every entity of the child template comes through the parent's Network stack, once.
    assert addresses == ["Baseline.AuditRole", "Deployer", "Network.AppRole", "Network.Unnamed"]
    assert [i["path"] for i in report["inputs"]] == [
        "fixtures/cloudformation/nested/template.yaml",
        "fixtures/cloudformation/nested/child/template.yaml",
    ]


def test_a_folder_with_no_input_says_so(tmp_path):
    (tmp_path / "README.md").write_text("no templates here\n")
    (tmp_path / "package.json").write_text('{"name": "x"}\n')  # JSON that is neither: skipped
    out = tmp_path / "r.json"
    code = main(["scan", str(tmp_path), "--root", str(tmp_path), "--format", "json", "-o", str(out)])
    report = json.loads(out.read_text())
    assert code == 0 and report["grants"] == [] and report["inputs"] == []
    assert [d["level"] for d in report["diagnostics"]] == ["warning"]
    assert "no Terraform, CloudFormation or plan input" in report["diagnostics"][0]["message"]
