"""Lazy block parsing (issue 17 item 2): the splitter finds the blocks python-hcl2 finds, the blocks
nothing reads stay unparsed, and nothing in the answer changes — a reference to any block has the
same value as when every block is parsed, and the corpus's reports are the same byte for byte.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credmint.analyzer.app.cli import main
from credmint.analyzer.inventory import DiagnosticLevel
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform import lazy
from credmint.parsers.terraform.hcl import ParseFailure, read_file, top_blocks
from credmint.parsers.terraform.lazy import Pending
from credmint.parsers.terraform.module import ModuleInstance, ResourceObject, load_directory
from credmint.parsers.terraform.split import split
from credmint.parsers.terraform.unread import UnreadChecks

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus here")


def _headers(text: str) -> list[tuple[str, tuple[str, ...], int]] | None:
    chunks = split(text)
    return None if chunks is None else [(c.type, c.labels, c.line) for c in chunks]


def test_splitter_skips_braces_in_strings_templates_heredocs_and_comments() -> None:
    text = '''# a comment { with a brace
resource "aws_s3_bucket" "a" {
  bucket = "x}y${lookup({ k = "}" }, "k")}"
  policy = <<-EOF
    { "not": "a block" }}
  EOF
  /* } */ tags = { a = "b" } // }
}

provider"aws"{}
module m {
  source = "./m" # }
}
'''
    assert _headers(text) == [
        ("resource", ("aws_s3_bucket", "a"), 2),
        ("provider", ("aws",), 10),
        ("module", ("m",), 11),
    ]


@pytest.mark.parametrize("text", [
    'x = 1\nresource "a" "b" {}\n',              # a top-level attribute
    'resource "a_${var.x}" "b" {}\n',            # a label with an interpolation
    'resource "a\\"b" "c" {}\n',                 # a label with an escape
    'resource "a" "b" {\n  x = "open\n',         # never closed
    'resource "a" "b" {\n  x = <<EOF\nno end\n}\n',  # a heredoc without its marker
])
def test_splitter_gives_up_where_it_is_not_sure(text: str) -> None:
    assert split(text) is None


HOSTILE = {
    "a long top-level name": "a" * 100_000 + " = 1\n",
    "blank lines in a heredoc never closed": 'x "a" {\n  y = <<EOF\n' + " " * 10**6 + "\n" * 10**6,
    "escaped interpolations never closed": 'x "a" {\n  y = "' + "$${" * 10**6,
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_splitter_stays_linear_on_hostile_text(text: str, tmp_path: Path) -> None:
    # A fresh process under a 60 s safety limit (not a timing target): the first pattern once
    # backtracked exponentially on a 28-character name.
    (tmp_path / "main.tf").write_text(text)
    code = f"import pathlib, credmint.parsers.terraform.split as s; print(s.split(pathlib.Path({str(tmp_path / 'main.tf')!r}).read_text()))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parent.parent, check=False)
    assert done.stdout.strip() == "None", done.stderr


@needs_corpus
def test_splitter_finds_the_parsers_top_level_blocks_in_every_corpus_file() -> None:
    checked = 0
    for path in sorted(CORPUS.rglob("*.tf")):
        try:
            parsed = read_file(path, path.name)
        except (ParseFailure, OSError):
            continue
        expected = [(b.type, b.labels, b.line) for b in top_blocks(parsed)]
        assert _headers(parsed.text) in (expected, None), path
        checked += 1
    assert checked > 1000


MIXED = '''resource "aws_iam_role" "app" {
  name               = "app"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
    Principal = { Service = "ec2.amazonaws.com" } }] })
}

resource "aws_s3_bucket" "data" {
  bucket = "data-bucket"
}

resource "aws_s3_bucket" "unused" {
  bucket = "never-read"
}

resource "aws_instance" "many" {
  count = 2
  ami   = "ami-1"
}

data "aws_vpc" "main" {
  default = true
}

resource "aws_iam_role_policy" "read" {
  role   = aws_iam_role.app.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "s3:GetObject",
    Resource = "arn:aws:s3:::${aws_s3_bucket.data.bucket}/*" }] })
}
'''


def _module(folder: Path, text: str, *, lazily: bool = True) -> ModuleInstance:
    """The module of one file, read as a run does: lazily when the run checks the unread blocks."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "main.tf").write_text(text)
    ctx = ParseContext(root=folder, unread=UnreadChecks(None) if lazily else None)
    return ModuleInstance(load_directory(folder, ctx), ctx)


def test_a_module_read_without_a_check_of_its_unread_blocks_parses_every_block(tmp_path: Path) -> None:
    module = _module(tmp_path, MIXED, lazily=False)
    assert not any(isinstance(entry, Pending) for entry in module.files.resources.values())


def test_only_blocks_the_analysis_reads_are_parsed(tmp_path: Path) -> None:
    module = _module(tmp_path, MIXED)
    resources = module.files.resources
    assert isinstance(resources[("aws_s3_bucket", "data")], Pending)
    assert isinstance(module.files.data[("aws_vpc", "main")], Pending)
    assert not isinstance(resources[("aws_instance", "many")], Pending)  # `count`: expanded by every run
    assert not isinstance(resources[("aws_iam_role_policy", "read")], Pending)

    [policy] = [i for i in module.instances() if i.type == "aws_iam_role_policy"]
    document = policy.object.view.get("policy")

    assert "arn:aws:s3:::data-bucket/*" in str(document)  # the reference parsed the bucket on demand
    assert resources[("aws_s3_bucket", "data")]._block is not None
    assert resources[("aws_s3_bucket", "unused")]._block is None


def test_a_referenced_block_that_cannot_be_parsed_is_an_error_with_its_line(tmp_path: Path) -> None:
    module = _module(tmp_path, '''resource "aws_s3_bucket" "broken" {
  bucket = = "x"
}

locals {
  name = aws_s3_bucket.broken.bucket
}
''')
    module.local("name")
    errors = [d for d in module.diagnostics if d.level is DiagnosticLevel.ERROR]
    assert [(d.file, d.line) for d in errors] == [("main.tf", 2)]
    assert errors[0].message.startswith("cannot parse HCL:")


def _plain(value: object) -> object:
    """A value with each resource object replaced by what references can read of it."""
    if isinstance(value, ResourceObject):
        names = sorted(set(value.view.block.attributes) | {"arn", "id", "name"})
        attributes = tuple((name, _plain(value.attr(name)), value.view.source_of(name)) for name in names)
        return value.address, value.view.source, attributes
    if isinstance(value, list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


_TEXT = st.sampled_from(['"plain"', '"a}b{c"', '"${upper("x}")}"', '"%{ if true }y%{ endif }"', '"$${x}"',
                         '"$${a"b}"', '"%%{ x }"',
                         "<<EOT\n{ } }\nEOT\n", "<<-EOT\n    ${1 + 1}}\n  EOT\n", '{ k = "}" }', "[1, 2]",
                         'nosuchfunction("x")'])
_BLOCK = st.tuples(
    st.sampled_from(["aws_instance", "aws_s3_bucket", "aws_sqs_queue", "aws_iam_role", "aws_lambda_function"]),
    st.sampled_from(["resource", "data"]),
    st.lists(_TEXT, min_size=1, max_size=3),
    st.sampled_from(["", "# } comment\n", "/* { */\n", "  count = 2\n", '  for_each = toset(["a"])\n']),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(_BLOCK, min_size=1, max_size=6))
def test_a_reference_to_any_block_has_the_same_value_lazily(tmp_path_factory, blocks) -> None:  # type: ignore[no-untyped-def]
    written, references = [], []
    for n, (type_, kind, values, extra) in enumerate(blocks):
        body = "".join(f"  a{i} = {value}\n" for i, value in enumerate(values))
        written.append(f'{kind} "{type_}" "b{n}" {{\n{extra}{body}}}\n')
        references.append(f"{'data.' if kind == 'data' else ''}{type_}.b{n}")
    text = "\n".join(written) + "\nlocals {\n  all = [" + ", ".join(references) + "]\n}\n"
    values = []
    for lazily in (False, True):
        module = _module(tmp_path_factory.mktemp("m"), text, lazily=lazily)
        values.append((_plain(module.local("all")), sorted(map(repr, module.diagnostics))))
    assert values[0] == values[1]


def _report(folder: Path, out: Path) -> str:
    main(["scan", str(folder), "--root", str(folder), "--format", "json", "--no-cache", "--fail-on", "none",
          "-o", str(out)])
    return out.read_text(encoding="utf-8")


@needs_corpus
def test_corpus_reports_are_the_same_lazily_and_eagerly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folders = sorted(p for p in CORPUS.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert folders
    for folder in folders:
        monkeypatch.setattr(lazy, "ENABLED", False)
        eager = _report(folder, tmp_path / "eager.json")
        monkeypatch.setattr(lazy, "ENABLED", True)
        assert _report(folder, tmp_path / "lazy.json") == eager, folder.name
        assert json.loads(eager)["inputs"] is not None


_ROLE = '''resource aws_iam_role app {
  name               = "app"
  assume_role_policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole",
    Principal = { AWS = "arn:aws:iam::111122223333:root" } }] })
}
'''
_GRANT = '''resource "aws_iam_role_policy" "admin" {
  role   = aws_iam_role.app.id
  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Resource = RESOURCE }] })
}
'''


def _lazy_bucket(name: str, body: str = '  bucket = "b"\n') -> str:
    return f'resource "aws_s3_bucket" "{name}" {{\n{body}}}\n'


SHAPES = {
    # Valid HCL of unusual shape, and references that reach an unparsed block only indirectly.
    "CRLF line ends and a heredoc": {"main.tf": (
        _ROLE + _GRANT.replace("RESOURCE", '"*"') + _lazy_bucket("a", "  policy = <<EOF\n}\nEOF\n")
    ).replace("\n", "\r\n")},
    "tabs, comments holding braces, two blocks with a comment between": {"main.tf": (
        _lazy_bucket("a", '\tx = "${ "}" }" # }\n\t/* { */ y = "$${x}" // {\n') + "/* } */\n# {\n"
        + _ROLE + _GRANT.replace("RESOURCE", '"*"')
    )},
    "an override file gives an unparsed block count": {
        "main.tf": _ROLE + _GRANT.replace("RESOURCE", "aws_s3_bucket.a[0].arn") + _lazy_bucket("a"),
        "x_override.tf": _lazy_bucket("a", "  count = 1\n"),
    },
    "a module output refers to an unparsed block": {
        "main.tf": 'module "m" {\n  source = "./m"\n}\n' + _ROLE + _GRANT.replace("RESOURCE", "module.m.arn"),
        "m/main.tf": _lazy_bucket("a") + 'output "arn" {\n  value = aws_s3_bucket.a.arn\n}\n',
    },
    "for_each over an unparsed block's map": {"main.tf": _ROLE + _GRANT.replace(
        'role   =', 'for_each = aws_s3_bucket.a.tags\n  role   =').replace("RESOURCE", "each.value")
        + _lazy_bucket("a", '  tags = { x = "arn:aws:s3:::x" }\n')},
    "a local and a splat over unparsed blocks": {"main.tf": _ROLE + _GRANT.replace("RESOURCE", "local.arns")
        + 'locals {\n  arns = resource.aws_s3_bucket.a[*].arn\n}\n' + _lazy_bucket("a")},
}


@pytest.mark.parametrize("files", SHAPES.values(), ids=SHAPES.keys())
def test_unusual_shapes_and_indirect_references_give_the_eager_report(
    files: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "project"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(text.encode())
    assert split(files["main.tf"]) is not None  # read lazily, the case this is about
    monkeypatch.setattr(lazy, "ENABLED", False)
    eager = _report(folder, tmp_path / "eager.json")
    monkeypatch.setattr(lazy, "ENABLED", True)
    assert _report(folder, tmp_path / "lazy.json") == eager
    assert any(g["principal"].endswith(":root") for g in json.loads(eager)["grants"])
