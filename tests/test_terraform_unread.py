"""The blocks a lazy run leaves unparsed are still checked (issue 17 item 2, parsers/terraform/unread.py).

The check accepts exactly the texts the parser accepts and splits into the splitter's blocks; a
syntax error in a block nothing reads, or a splitter that misreads where blocks end, gives the very
report (errors with file and line, grants, exit status) of a run that parses every block, whether a
worker process or this one found it; a block checked once is not checked again warm.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main
from credmint.parsers.terraform import hcl, lazy, unread
from credmint.parsers.terraform.grammar import parser
from credmint.parsers.terraform.parse_cache import DiskCache, digest
from credmint.parsers.terraform.split import split
from credmint.parsers.terraform.split import Chunk
from credmint.parsers.terraform.unread import UnreadChecks, as_split

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus here")


def _accepted(text: str) -> bool:
    """What the run's parser says (hcl._parse's call), a tree built."""
    try:
        parser().parse(text + "\n")
    except Exception:  # noqa: BLE001 - any refusal
        return False
    return True


def _checked(text: str) -> bool:
    """What the check must say of honest text: the parser accepts it and the splitter splits it
    (where both do, the splitter's blocks are the parser's: the corpus test below)."""
    return _accepted(text) and split(text) is not None


BROKEN = [
    'resource "a" "b" {\n  x = = 1\n}\n',
    'resource "a" "b" {\n  x = 1\n',
    'resource "a" "b" {\n  x = "${1 +}"\n}\n',
    'resource "a" "b" {\n  x = <<EOF\nno end\n}\n',
    'resource "a" "b" {\n  nested {\n    y = [1, 2\n  }\n}\n',
    'resource "a" "b" {\n  x = "%{ if true }y"\n}\n',
    'resource "a" "b" "c" d {}\n',
    'resource "a" "b" {}}\n',
    'x = 1 y = 2\n',
    "",
    "\n",
    "# only a comment",
]


@pytest.mark.parametrize("text", BROKEN)
def test_the_check_accepts_what_the_parser_accepts(text: str) -> None:
    assert as_split(text) == _checked(text)


@needs_corpus
def test_the_check_agrees_with_the_parser_over_the_corpus_and_its_mutants_block_by_block_too() -> None:
    files = sorted(CORPUS.rglob("*.tf"))
    accepted = refused = split_refused = 0
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert as_split(text) == _checked(text), path
    rng = random.Random(17)
    for path in files[::8]:
        text = path.read_text(encoding="utf-8", errors="replace")
        for _ in range(3):
            at = rng.randrange(len(text) + 1)
            mutant = text[:at] + rng.choice(["{", "}", '"', "=", "<<EOF\n", "${", ""]) + text[at + 1 :]
            verdict = _accepted(mutant)
            assert as_split(mutant) == (verdict and split(mutant) is not None), (path, at)
            accepted, refused = accepted + verdict, refused + (not verdict)
            chunks = split(mutant)
            if chunks is not None:  # lazy.py's premise: the file parses exactly when its blocks do
                assert all(as_split(mutant[c.start : c.end]) for c in chunks) == verdict, (path, at)
                split_refused += not verdict
    assert len(files) > 1000 and accepted > 20 and refused > 20 and split_refused > 10


# -- a broken block nothing reads: the report is the eager one -------------------------------------

IAM = '''resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
    Principal = { AWS = "arn:aws:iam::111122223333:root" } }] })
}

resource "aws_iam_role_policy" "admin" {
  role   = aws_iam_role.app.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Resource = "*" }] })
}
'''

OTHER = '''resource "aws_iam_role" "other" {
  name               = "other"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
    Principal = { AWS = "arn:aws:iam::444455556666:root" } }] })
}

resource "aws_s3_bucket" "fine" {
  bucket = "fine"
}
'''


def _bucket(name: str, body: str) -> str:
    return f'resource "aws_s3_bucket" "{name}" {{\n{body}}}\n'


OK = _bucket("ok", '  bucket = "ok"\n')

CASES = {
    # name: (main.tf, whether the splitter splits the file, so that only the check can find it)
    "first block": (_bucket("bad", "  bucket = = 1\n") + "\n" + IAM, True),
    "middle block": (IAM.replace("\nresource", "\n" + _bucket("bad", "  bucket = [1,\n") + "\nresource", 1), True),
    "last block": (IAM + "\n" + OK + "\n" + _bucket("bad", '  bucket = "x" "y"\n'), True),
    "inside a nested block": (IAM + "\n" + _bucket("bad", "  versioning {\n    enabled = = true\n  }\n"), True),
    "a heredoc holding a brace, then a broken line": (
        IAM + "\n" + _bucket("bad", "  policy = <<EOF\n}\nEOF\n  x = \n"), True),
    "an indented heredoc holding a brace, then a broken object": (
        IAM + "\n" + _bucket("bad", "  policy = <<-EOF\n  {\n  EOF\n  tags = { a = }\n"), True),
    "a string holding a brace, then a broken operator": (IAM + "\n" + _bucket("bad", '  bucket = "a}" + \n'), True),
    "an empty interpolation": (IAM + "\n" + _bucket("bad", '  bucket = "${}"\n'), True),
    "a directive without its condition": (IAM + "\n" + _bucket("bad", '  bucket = "%{ if }x%{ endif }"\n'), True),
    "a heredoc that closes the block wrongly": (
        IAM + "\n" + _bucket("bad", "  policy = <<EOF\n}\n  EOF\n  x = }\n"), False),
    "a string that closes the block wrongly": (IAM + "\n" + _bucket("bad", '  bucket = "a" }\n  x = "b"\n'), False),
    "a template sequence never ended in a string": (
        IAM + "\n" + _bucket("bad", '  bucket = "${upper("x")"\n'), False),
    "a data source": (IAM + '\ndata "aws_vpc" "bad" {\n  default = true true\n}\n', True),
    "an unterminated block at the end of the file": (IAM + "\n" + 'resource "aws_s3_bucket" "bad" {\n  bucket = "x"\n', False),
    "a block the splitter cannot split": (IAM + "\nstray = 1\n" + _bucket("bad", "  bucket = = 1\n"), False),
    "a broken block the analysis reads": (
        IAM.replace('Resource = "*"', "Resource = aws_s3_bucket.bad.arn") + "\n" + _bucket("bad", "  bucket = = 1\n"),
        True),
    "every block fine": (IAM + "\n" + OK, True),
    # python-hcl2 takes a heredoc whole: its template is read only when the block is
    "a heredoc with a broken template": (IAM + "\n" + _bucket("bad", "  policy = <<EOF\n${aws_iam_role.app.arn\nEOF\n"), True),
}
VALID = {"every block fine", "a heredoc with a broken template"}


def _scan(folder: Path, out: Path) -> tuple[int, dict]:
    code = main(["scan", str(folder), "--root", str(folder), "--format", "json", "--no-cache", "-o", str(out)])
    return code, json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(params=["worker", "inline"])
def check_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> tuple[list[int], list[int]]:
    """Force the check into a worker process (any amount of text, two cores) or into this process:
    the worker processes a lazy run's check should take, and a list that gets those it took."""
    if request.param == "worker":
        monkeypatch.setattr(unread, "WORKER_FROM", 0)
        monkeypatch.setattr(unread.os, "cpu_count", lambda: 2)
    else:
        monkeypatch.setattr(unread, "WORKER_FROM", 10**12)
    taken: list[int] = []
    start = UnreadChecks.start

    def spy(self: UnreadChecks, texts, parsed: int) -> int:  # type: ignore[no-untyped-def]
        taken.append(start(self, texts, parsed))
        return taken[-1]

    monkeypatch.setattr(UnreadChecks, "start", spy)
    return ([1] if request.param == "worker" else [0]), taken


@pytest.mark.parametrize("name", CASES)
def test_a_broken_block_gives_the_eager_report(
    name: str, check_path: tuple[list[int], list[int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text, splits = CASES[name]
    assert (split(text) is not None) == splits
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "main.tf").write_text(text)
    (folder / "other.tf").write_text(OTHER)
    monkeypatch.setattr(lazy, "ENABLED", False)
    eager = _scan(folder, tmp_path / "eager.json")
    monkeypatch.setattr(lazy, "ENABLED", True)
    hcl._CACHE.clear()
    assert _scan(folder, tmp_path / "lazy.json") == eager
    errors = [d for d in eager[1]["diagnostics"] if d["level"] == "error"]
    if name in VALID:
        assert errors == [] and eager[1]["grants"]
    else:
        # Terraform refuses the file: an error with its file and line, its roles gone, exit 2.
        assert [(d["file"], d["line"] > 0, d["message"].startswith("cannot parse HCL")) for d in errors] == [
            ("main.tf", True, True)
        ]
        assert eager[0] == 2
        assert "app" not in json.dumps(eager[1]["grants"])
    expected, taken = check_path
    assert taken == expected


def test_a_worker_finds_a_broken_block_and_this_process_the_ones_it_never_took(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unread.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(unread, "WORKER_FROM", 0)
    monkeypatch.setattr(unread, "CHUNK_CHARS", 1)
    broken, fine = _bucket("bad", "  bucket = = 1\n"), OK
    checks = UnreadChecks(None)
    for text in (broken, fine):
        checks.add(text)
    assert checks.start([broken, fine], 0) == 1
    checks._tasks[0][0].result()  # the worker has checked the broken block
    assert checks.finish() is False

    checks = UnreadChecks(None)
    checks.add(fine)
    checks.add(broken)  # never given to a worker: this process checks it
    assert checks.start([fine], 0) == 1
    assert checks.finish() is False


# -- warm: a block checked or parsed once is neither parsed nor checked again ----------------------

def test_a_warm_run_neither_parses_nor_checks_an_unread_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    two = _bucket("two", '  bucket = "two"\n')
    (folder / "main.tf").write_text(IAM + "\n" + OK + "\n" + two)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    hcl._CACHE.clear()
    cold = main(["scan", str(folder), "--root", str(folder), "--format", "json", "-o", str(tmp_path / "cold.json")])
    markers = [p for p in (tmp_path / "cache").rglob("outline-*")]
    # the two neighbours left unparsed are one text, from the first one's line to the last one's brace
    assert [p.name for p in markers] == [f"outline-{digest(OK + chr(10) + two.rstrip())}"]
    assert all(p.stat().st_size == 0 for p in markers)  # a marker holds nothing, least of all code

    hcl._CACHE.clear()  # as in a new process
    work: list[str] = []
    monkeypatch.setattr(unread, "as_split", lambda text, cache=None: work.append(text) or True)
    monkeypatch.setattr(hcl, "_parse", lambda text, cache=None: work.append(text) or pytest.fail("parsed"))
    warm = main(["scan", str(folder), "--root", str(folder), "--format", "json", "-o", str(tmp_path / "warm.json")])
    assert work == [] and warm == cold
    assert (tmp_path / "warm.json").read_bytes() == (tmp_path / "cold.json").read_bytes()


def test_a_stored_tree_is_not_taken_for_the_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stored tree says its text parses, not that its blocks are the splitter's."""
    cache = DiskCache(tmp_path)
    hcl.parse_text(OK, cache)  # a block parsed by an earlier run: its tree is stored
    checked: list[str] = []
    monkeypatch.setattr(unread, "as_split", lambda text, cache=None: checked.append(text) or True)
    checks = UnreadChecks(cache)
    checks.add(OK)
    assert checks.finish() is True and checked == [OK]


def test_nothing_to_check_starts_no_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(unread, "WORKER_FROM", 0)
    monkeypatch.setattr(unread.os, "cpu_count", lambda: 2)
    checks = UnreadChecks(None)
    assert checks.start([], 0) == 0
    assert checks.finish() is True


# -- a splitter that misreads where blocks end cannot hide a block ---------------------------------

INSTANCE = 'resource "aws_instance" "web" {\n  ami = "ami-1"\n}\n'
PUBLIC_ROLE = """resource "aws_iam_role" "hidden" {
  name               = "hidden"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
    Principal = { AWS = "*" } }] })
}
"""


def _swallowing(real):
    """A splitter with a bug: each instance's block runs on over the block after it."""
    def split_badly(text: str):
        chunks = real(text)
        if chunks is None:
            return None
        out: list[Chunk] = []
        for chunk in chunks:
            if out and out[-1].type == "resource" and out[-1].labels[0] == "aws_instance" and out[-1].end < chunk.end \
                    and out[-1].labels[1] != "swallowed":
                last = out.pop()
                out.append(Chunk(last.type, (last.labels[0], "swallowed"), last.start, chunk.end, last.line, last.at))
            else:
                out.append(chunk)
        return out
    return split_badly


def _shifting(real):
    """A splitter with a bug that keeps the count: an instance's block ends inside the next one,
    which seems to start there, still a bucket."""
    def split_badly(text: str):
        chunks = real(text)
        if chunks is None:
            return None
        out = list(chunks)
        for n in range(len(out) - 1):
            if out[n].labels[:1] == ("aws_instance",):
                cut = text.index("\n", out[n + 1].at) + 1
                out[n] = Chunk(out[n].type, out[n].labels, out[n].start, cut, out[n].line, out[n].at)
                out[n + 1] = Chunk("resource", ("aws_s3_bucket", "b"), cut, out[n + 1].end, out[n + 1].line + 1, cut)
        return out
    return split_badly


@pytest.mark.parametrize("bug", [_swallowing, _shifting])
def test_a_block_the_splitter_misreads_is_read_all_the_same(
    bug, check_path: tuple[list[int], list[int]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "main.tf").write_text(INSTANCE + "\n" + PUBLIC_ROLE + "\n" + OK + "\n" + INSTANCE.replace("web", "db"))
    (folder / "other.tf").write_text(OTHER)
    monkeypatch.setattr(lazy, "ENABLED", False)
    eager = _scan(folder, tmp_path / "eager.json")
    assert any(g["target"].endswith("role/hidden") and g["principal"] == "*" for g in eager[1]["grants"])
    monkeypatch.setattr(lazy, "ENABLED", True)
    buggy = bug(split)
    monkeypatch.setattr(lazy, "split", buggy)
    monkeypatch.setattr(unread, "split", buggy)
    lazy._runs.cache_clear()
    hcl._CACHE.clear()
    try:
        assert _scan(folder, tmp_path / "lazy.json") == eager
    finally:
        lazy._runs.cache_clear()
    expected, taken = check_path
    assert taken == expected


@pytest.mark.parametrize("module", ["split.py", "unread.py", "lalr_driver.py", "grammar.py"])
def test_markers_and_trees_of_another_splitter_or_loop_are_not_trusted(module: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A marker says that a text is the blocks *this* splitter finds, a tree what *this* loop builds:
    a release that changes either (a bug fixed, or made) must not read what another one stored."""
    from credmint.parsers.terraform import parse_cache

    folder = parse_cache.default_folder()
    assert parse_cache.default_folder() == folder  # the same code, the same folder: a warm run
    read_bytes = Path.read_bytes

    def changed(path: Path) -> bytes:
        return read_bytes(path) + (b"# changed\n" if path.name == module else b"")

    monkeypatch.setattr(Path, "read_bytes", changed)
    assert parse_cache.default_folder() != folder
