"""Issue 15 §3 for the text formats, attacked after it landed: a role name with a newline, an
escape sequence or a workflow command reached `scan`, `diff` and `explain`'s text raw, so that a
`run:` step printing the report executed `::add-mask::`/`::error::` lines the template chose."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from credmint.analyzer.app.cli import main
from credmint.analyzer.reports import plain
from cfn_trees import git

ACCOUNT = "111111111111"
HOSTILE = [
    "deploy\n::add-mask::fails\n",
    "deploy\r::error::x",
    "deploy\x1b[2K\x1b[1Arewritten",
    "deploy\u2028::notice::n\x85::warning::w",
    "deploy ##[add-mask]fails",
    "deploy" + " x" * 36 + " ::error title=fake::credmint passes",  # wraps onto `::` at 80 columns
]
ROLE = """\
resource "aws_iam_role" "r{n}" {{
  name = {name}
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{ Effect = "Allow", Principal = {{ AWS = "arn:aws:iam::222222222222:root" }}, Action = "sts:AssumeRole" }}]
  }})
}}
"""


def _safe(text: str) -> None:
    for row in text.split("\n"):
        assert not row.lstrip().startswith("::"), row
        assert "##[" not in row, row
        assert not re.search("[\x00-\x1f\x7f-\x9f\u2028\u2029]", row), row


def _write(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    roles = "".join(ROLE.format(n=n, name=json.dumps(name)) for n, name in enumerate(HOSTILE))
    (folder / "main.tf").write_text(roles, encoding="utf-8")
    return folder


def _text(argv: list[str], capsys: pytest.CaptureFixture) -> str:
    main(argv)
    return capsys.readouterr().out


def test_scan_text_with_hostile_names_starts_no_command(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = _write(tmp_path / "infra")
    out = _text(["scan", str(folder), "--account-id", ACCOUNT, "--format", "text", "-v"], capsys)
    assert out.count("[power: unknown]") == len(HOSTILE)  # every role's table header, one line each
    _safe(out)


def test_diff_and_explain_text_with_hostile_names_start_no_command(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    (root / "infra").mkdir(parents=True)
    (root / "infra" / "main.tf").write_text("", encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    _write(root / "infra")
    monkeypatch.chdir(root)
    out = _text(["diff", "--base", "HEAD", "--account-id", ACCOUNT, "--format", "text", "infra"], capsys)
    assert out.count("+ arn:aws:iam::222222222222:root") == len(HOSTILE)
    _safe(out)
    out = _text(["explain", "arn:aws:iam::222222222222:root", "infra", "--account-id", ACCOUNT], capsys)
    _safe(out)
    assert "::add-mask::fails" in out  # still said, as text


@given(st.lists(st.text(), max_size=5))
def test_guarded_lines_start_no_command_and_keep_their_text(parts: list[str]) -> None:
    rendered = plain.guarded("\n".join(plain.line(p) for p in parts))
    _safe(rendered)
    expected = "\n".join(plain.line(p) for p in parts)
    assert rendered.replace(plain.ZERO_WIDTH, "") == expected.replace(plain.ZERO_WIDTH, "")


def test_an_error_quoting_a_settings_file_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """YAML's message quotes the file: its lines reached stderr, which the runner reads too."""
    (tmp_path / ".credmint.yaml").write_text('account_id: "1\n::add-mask::fails\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CREDMINT_CONFIG", raising=False)
    assert main(["scan", str(tmp_path), "--format", "json"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("credmint: error: ") and err.count("\n") == 1


def test_an_unexpected_exception_is_exit_status_2_in_one_line() -> None:
    """Python's own exit status for an exception is 1, which the contract reserves for findings."""
    import subprocess
    import sys

    script = (
        "import credmint.analyzer.app.cli as cli\n"
        "def boom(): raise RuntimeError('x\\n::add-mask::fails')\n"
        "cli.main = boom\n"
        "cli.run()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parents[1], timeout=60)
    assert done.returncode == 2
    assert done.stderr == "credmint: error: internal error: RuntimeError('x\\n::add-mask::fails')\n"


def test_a_mermaid_comment_holds_no_directive(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    """Mermaid reads `%%{init: …}%%` anywhere, its comment lines included: an error naming a file
    called so restyled the graph (a theme whose lines match the background hides it)."""
    folder = tmp_path / "infra"
    _write(folder)
    (folder / 'x%%{init: {"theme": "dark"}}%%.tf').write_text("resource {\n", encoding="utf-8")
    assert main(["scan", str(folder), "--account-id", ACCOUNT, "--format", "mermaid"]) == 2
    out = capsys.readouterr().out
    assert "%%{" not in out
    assert 'x#37;#37;{init: {"theme": "dark"}}#37;#37;.tf' in out
