"""`--format markdown` (issue 7 §2): verdict, table of (changed) grants, findings, suppressed
findings, collapsed Mermaid graph under GitHub's limits, hidden marker, trimmed to fit."""

from __future__ import annotations

import re
from pathlib import Path

from credmint.analyzer.app.cli import build_parser, evaluate
from credmint.analyzer.reports import markdown
from cfn_trees import ACCOUNT, ALICE, DEPLOY, PARTNER, run, write_tree

IGNORE_PARTNER = """\
    Metadata:
      credmint:
        ignore:
          - {rule: CM105, reason: "partner audit role"}
"""


def code(value: str) -> str:
    return f"<code>{markdown.text(value)}</code>"


def md(value: str) -> str:
    return markdown.text(value)


def analyse(tmp_path: Path, *argv: str):
    subject, _ = evaluate(
        build_parser().parse_args([*argv, "--root", str(tmp_path), "--account-id", ACCOUNT])
    )
    return subject


def many_accounts(count: int) -> list[str]:
    return [f"arn:aws:iam::{100000000000 + i}:root" for i in range(count)]


def test_scan_markdown_has_marker_verdict_table_and_graph(tmp_path: Path) -> None:
    write_tree(tmp_path / "t", [ALICE, PARTNER])
    text = markdown.render(analyse(tmp_path, "scan", str(tmp_path / "t")))
    lines = text.splitlines()
    assert lines[0] == "<!-- credmint-report -->"
    assert "**4 credential grants, 1 finding — fails fail-on: high**" in lines
    assert "| who | can mint for | how | certainty | severity | power | file:line |" in lines
    # role/deploy has no policy in the templates: its power is unknown (analyzer/power.py).
    assert (
        f"| {code(PARTNER)} | {code(DEPLOY)} | AssumeRole | uncertain | high (CM105) | unknown "
        f"| {md('t/template.yaml:14')} |"
        in lines
    )
    assert "<details><summary>Graph of the grants (3 edges)</summary>" in lines
    assert "```mermaid" in lines and "</details>" in lines


def test_file_lines_link_to_the_blob_when_a_link_base_is_given(tmp_path: Path) -> None:
    write_tree(tmp_path / "t", [ALICE])
    text = markdown.render(
        analyse(tmp_path, "scan", str(tmp_path / "t")), link_base="https://github.com/o/r/blob/abc"
    )
    assert f"[{md('t/template.yaml:14')}](https://github.com/o/r/blob/abc/t/template.yaml#L14)" in text


def test_suppressed_findings_are_counted_and_listed(tmp_path: Path) -> None:
    write_tree(tmp_path / "t", [ALICE, PARTNER], deploy_metadata=IGNORE_PARTNER)
    text = markdown.render(analyse(tmp_path, "scan", str(tmp_path / "t")))
    assert "**4 credential grants, 0 findings — passes fail-on: high**" in text
    assert "#### Suppressed findings (1)" in text
    assert (
        f"- CM105 {code(PARTNER)} → {code(DEPLOY)}: partner audit role ({md('t/template.yaml:7')})"
        in text
    )


def test_diff_verdict_counts_changes(tmp_path: Path) -> None:
    write_tree(tmp_path / "base", [ALICE], mfa=True)
    write_tree(tmp_path / "head", [ALICE, PARTNER])
    diff = analyse(tmp_path, "diff", "--base", str(tmp_path / "base"), str(tmp_path / "head"))
    text = markdown.render(diff)
    assert "**1 new credential grant, 0 removed, 1 changed — fails fail-on: high**" in text
    assert (
        f"| changed | {code(ALICE)} | {code(DEPLOY)} | AssumeRole | conditional → definite | — | unknown "
        f"| {md('head/template.yaml:14')} |" in text
    )
    assert "#### New role chains" in text
    assert "<details><summary>Graph of the changed grants (2 edges)</summary>" in text


def test_input_errors_fail_the_verdict(tmp_path: Path) -> None:
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "template.yaml").write_text(
        "AWSTemplateFormatVersion: [unclosed\n", encoding="utf-8"
    )
    text = markdown.render(analyse(tmp_path, "scan", str(tmp_path / "t")))
    assert "**0 credential grants, 0 findings — fails: 1 input error**" in text


def test_a_large_report_is_trimmed_below_the_comment_limit(tmp_path: Path) -> None:
    write_tree(tmp_path / "t", many_accounts(600))
    report = analyse(tmp_path, "scan", str(tmp_path / "t"))
    comment = markdown.render(report)
    assert len(comment.encode("utf-8")) < 60_000
    assert comment.startswith("<!-- credmint-report -->\n")
    assert "**602 credential grants, 600 findings — fails fail-on: high**" in comment
    assert re.search(r"_… \d+ more grants not shown: see the full report._", comment)


def test_the_summary_keeps_a_capped_mermaid_graph(tmp_path: Path) -> None:
    write_tree(tmp_path / "t", many_accounts(600))
    summary = markdown.render(
        analyse(tmp_path, "scan", str(tmp_path / "t")), limit=markdown.SUMMARY_LIMIT
    )
    assert len(summary.encode("utf-8")) < 1024 * 1024
    graph = summary.split("```mermaid\n", 1)[1].split("```", 1)[0]
    edges = [line for line in graph.splitlines() if "|" in line and "-" in line]
    assert 0 < len(edges) <= 500
    assert len(graph) <= 50_000
    assert re.search(r'more\["\d+ more edges not shown"\]', graph)
    assert "more grants not shown" not in summary


def test_markdown_is_byte_identical_across_runs(tmp_path: Path) -> None:
    write_tree(tmp_path / "t", [ALICE, PARTNER])
    outs = []
    for name in ("a.md", "b.md"):
        run(
            [
                "scan",
                str(tmp_path / "t"),
                "--root",
                str(tmp_path),
                "--format",
                "markdown",
                "-o",
                str(tmp_path / name),
            ]
        )
        outs.append((tmp_path / name).read_bytes())
    assert outs[0] == outs[1]
