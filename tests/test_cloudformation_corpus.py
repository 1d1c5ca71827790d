"""Issue 4's bar on the shared corpus: 294 CloudFormation templates, no crash, and error
diagnostics only for the two invalid JSON files. Skipped where the corpus is not beside the repo."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from credmint.analyzer.inventory import DiagnosticLevel

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
SCRIPT = REPO / "scripts" / "scan_corpus_cloudformation.py"

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus here")


def test_corpus_templates_parse_without_crash_and_only_invalid_json_is_an_error():
    spec = importlib.util.spec_from_file_location("scan_corpus_cloudformation", SCRIPT)
    script = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = script  # dataclasses look their module up while it loads
    spec.loader.exec_module(script)
    summary = script.scan(CORPUS)
    assert summary.crashes == []
    assert summary.counts["templates"] + summary.counts["unreadable templates"] == 294
    assert sorted({(d.file, d.line) for d in summary.diagnostics
                   if d.level is DiagnosticLevel.ERROR}) == [
        ("checkov/tests/cloudformation/parser/success_triple_quotes_string.json", 17),
        ("checkov/tests/cloudformation/runner/resources/invalid.json", 145),
    ]
