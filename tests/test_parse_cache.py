"""The parse cache (issue 8 §2): trees by content hash on disk, atomic, private, bypassed by --no-cache."""

import json
import stat
from pathlib import Path

from credmint.analyzer.app.cli import main
from credmint.parsers.terraform.hcl import parse_text
from credmint.parsers.terraform.parse_cache import DiskCache, digest

SEED = Path(__file__).resolve().parents[1] / "fixtures" / "examples" / "seed"


def scan(tmp_path: Path, *extra: str) -> dict:
    out = tmp_path / "r.json"
    main(["scan", str(SEED), "--account-id", "123456789012", "--format", "json", "-o", str(out), *extra])
    return json.loads(out.read_text())


def test_a_scan_fills_the_cache_and_a_second_scan_gives_the_same_report(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    first = scan(tmp_path)
    folders = list((tmp_path / "cache" / "credmint").iterdir())
    assert len(folders) == 1 and folders[0].name.startswith("hcl-")
    text = (SEED / "main.tf").read_text(encoding="utf-8")
    assert (folders[0] / digest(text)).is_file()
    assert stat.S_IMODE(folders[0].stat().st_mode) == 0o700  # private: pickles are loaded from it
    assert scan(tmp_path) == first


def test_no_cache_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    scan(tmp_path, "--no-cache")
    assert not (tmp_path / "cache").exists()


def test_a_damaged_cache_file_is_ignored_and_rewritten(tmp_path):
    cache = DiskCache(tmp_path)
    text = f'# {tmp_path}\nresource "aws_iam_user" "a" {{\n  name = "a"\n}}\n'  # unseen by this process
    (tmp_path / digest(text)).write_bytes(b"not a pickle")
    tree = parse_text(text, cache)
    assert cache.get(digest(text)) == tree


def _shape(node) -> tuple:
    """Everything the evaluator reads of a node: rule or token type, text, line and offsets."""
    from lark import Token

    if isinstance(node, Token):
        return ("token", node.type, str(node), node.line, node.start_pos, node.end_pos)
    return ("tree", node.data, tuple(_shape(child) for child in node.children))


def test_a_stored_tree_loads_with_the_same_rules_tokens_lines_and_offsets(tmp_path):
    text = (SEED / "main.tf").read_text(encoding="utf-8")
    cache = DiskCache(tmp_path)
    # a multi-line conditional: the post-lexer merges the newline into the `?` token, whose
    # positions stay those of the `?` alone
    parsed = parse_text(text + '\n# stored once\nlocals {\n  pick = true\n    ? 1\n    : 2\n}\n')
    cache.put("k", parsed)
    loaded = cache.get("k")
    assert loaded is not None and loaded is not parsed
    assert _shape(loaded) == _shape(parsed)


def test_a_cache_file_of_another_shape_is_ignored(tmp_path):
    """Whatever a damaged or foreign file holds — a dict, a code object, a token with a list for
    text, sizes that do not add up to one tree — it is refused as a tree, never used."""
    import marshal

    from credmint.parsers.terraform.parse_cache import load as cache_load

    cache = DiskCache(tmp_path)
    good = (["NAME"], ["x"], [1], [0], [1], [-1, 1], [0], ["start"])
    assert _shape(cache_load(marshal.dumps(good))) == ("tree", "start", (("token", "NAME", "x", 1, 0, 1),))
    for index, planted in enumerate([
        {"start": []},
        compile("open('/tmp/x', 'w')", "x", "exec"),
        ["start", ("NAME", "x", 1, 0, 1)],  # the nested shape of earlier releases
        (["NAME"], [["not", "text"]], [1], [0], [1], [-1, 1], [0], ["start"]),
        (["NAME"], ["x"], ["one"], [0], [1], [-1, 1], [0], ["start"]),
        (["NAME"], ["x"], [1], [None], [1], [-1, 1], [0], ["start"]),
        (["NAME"], ["x"], [True], [0], [1], [-1, 1], [0], ["start"]),
        (["NAME"], ["x"], [1], [0], [], [-1, 1], [0], ["start"]),  # a column short
        (["NAME"], ["x"], [1], [0], [1], [-1, 2], [0], ["start"]),  # more children than values
        (["NAME"], ["x"], [1], [0], [1], [-1, 1], [1], ["start"]),  # no such rule
        (["NAME"], ["x"], [1], [0], [1], [-1, 1], [-1], ["start"]),
        (["NAME"], ["x"], [1], [0], [1], [-2, 1], [0], ["start"]),
        (["NAME"], ["x"], [1], [0], [1], [-1, 0], [0, 0], ["start"]),  # two roots
        (["NAME"], ["x"], [1], [0], [1], [-1, -1], [], ["start"]),  # a token for a tree
        (["NAME"], ["x"], [1], [0], [1], [1], [0], ["start"]),  # a token never used
        (["NAME"], ["x"], [1], [0], [1], [-1, 1], [0, 0], ["start"]),  # a rule never used
        (["NAME"], ["x"], [1], [0], [1], [-1, 1], [0]),
        (),
    ]):
        (tmp_path / f"k{index}").write_bytes(marshal.dumps(planted))
        assert cache.get(f"k{index}") is None


def test_a_tree_deeper_than_marshal_nests_is_stored_and_loaded(tmp_path):
    """The stored shape is flat: nesting no longer limits what is kept (marshal refuses about 2,000
    levels of nested lists), and loading has no recursion to run out of."""
    from lark import Token, Tree

    deep = Tree("leaf", [Token("NAME", "x", 0, 1, 1, 1, 2, 1)])
    for _ in range(5_000):
        deep = Tree("expr_term", [Token("LPAR", "(", 0, 1, 1, 1, 2, 1), deep])
    cache = DiskCache(tmp_path)
    cache.put("deep", deep)
    loaded = cache.get("deep")
    assert loaded is not None
    for _ in range(5_000):
        assert loaded.data == "expr_term" and str(loaded.children[0]) == "("
        loaded = loaded.children[1]
    assert loaded.data == "leaf" and loaded.children == ["x"]


def test_parsing_ahead_on_every_core_gives_the_trees_a_direct_parse_gives(tmp_path, monkeypatch):
    """Issue 8 §2: a large tree is parsed across cores first; the run then finds each tree as a
    parse of its own would make it, stored in the disk cache too, and a broken file still fails."""
    from concurrent.futures import wait

    import pytest

    from credmint.parsers.terraform import hcl
    from credmint.parsers.terraform.hcl import ParseFailure, parse_ahead

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    texts = [f'# {tmp_path} {n}\nresource "aws_iam_user" "u{n}" {{\n  name = "u{n}"\n}}\n' for n in range(20)]
    broken = f"# {tmp_path}\nresource {{\n"
    cache = DiskCache(tmp_path / "cache")
    parse_ahead([*texts, broken], cache)
    for pool, tasks in hcl._FILLING:  # the trees this process parsed, stored by the workers meanwhile
        wait(tasks)
    hcl.finish_filling()
    assert hcl._FILLING == []
    for text in texts:
        key = digest(text)
        assert key in hcl._CACHE and cache.has(key)
        assert _shape(hcl._CACHE[key]) == _shape(hcl._parse(text))
        assert _shape(cache.get(key)) == _shape(hcl._CACHE[key])
    assert digest(broken) not in hcl._CACHE and not cache.has(digest(broken))
    with pytest.raises(ParseFailure):
        parse_text(broken, cache)


def _users_project(tmp_path: Path) -> Path:
    """A folder of 40 one-user files: more than hcl.PARALLEL_FROM, each new to this process."""
    project = tmp_path / "project"
    project.mkdir()
    for n in range(40):
        (project / f"u{n}.tf").write_text(f'resource "aws_iam_user" "u{n}" {{\n  name = "{tmp_path.name}-{n}"\n}}\n')
    return project


def test_the_run_ends_the_workers_storing_trees(tmp_path, monkeypatch):
    """The trees this process parsed are stored by a worker while the run evaluates; reading the
    inputs ends that (`Reading.checked`): no worker outlives the reading, and what it had not
    stored is parsed and offered again by the next run."""
    from multiprocessing import active_children

    from credmint.parsers.terraform import hcl

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = _users_project(tmp_path)
    out = tmp_path / "r.json"
    main(["scan", str(project), "--root", str(project), "--format", "json", "-o", str(out)])
    assert hcl._FILLING == [] and active_children() == []
    users = [p for p in json.loads(out.read_text())["principals"] if p["type"] == "user"]
    assert len(users) == 40


def test_a_reading_that_fails_still_ends_the_workers_storing_trees(tmp_path, monkeypatch):
    """An internal error after the parse-ahead (here in reading the roots) never reaches
    `Reading.checked`: the command ends the workers itself, so none outlives it."""
    from multiprocessing import active_children

    import pytest

    from credmint.parsers import detect
    from credmint.parsers.terraform import hcl

    monkeypatch.setattr("os.cpu_count", lambda: 2)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def broken(*_args: object) -> None:
        assert hcl._FILLING, "the parse-ahead left trees to store"
        raise RuntimeError("planted")

    monkeypatch.setattr(detect, "_read_roots", broken)
    project = _users_project(tmp_path)
    with pytest.raises(RuntimeError, match="planted"):
        main(["scan", str(project), "--root", str(project), "--format", "json", "-o", str(tmp_path / "r.json")])
    assert hcl._FILLING == [] and active_children() == []


def test_a_cache_folder_that_cannot_be_read_only_costs_time(tmp_path, monkeypatch) -> None:
    """`Path.is_file` raises on EACCES (it swallows only missing files): the lookups of the
    parse-ahead and of the unread check must take that as "not cached", never end the run."""
    from pathlib import Path

    from credmint.parsers.terraform.parse_cache import DiskCache

    def refuse(self: Path) -> bool:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "is_file", refuse)
    cache = DiskCache(tmp_path)
    assert cache.has("0" * 64) is False
    assert cache.is_checked("0" * 64) is False
