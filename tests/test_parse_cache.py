"""The parse cache (issue 8 §2): trees by content hash on disk, atomic, private, bypassed by --no-cache."""

import json
import stat
from pathlib import Path

from analyzer.cli import main
from parsers.terraform.hcl import parse_text
from parsers.terraform.parse_cache import DiskCache, digest

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
