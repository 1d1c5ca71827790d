"""docs/examples.md is what credmint prints today (issue 16 item 6): the gallery's check passes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_gallery_is_current() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/gallery.py", "--check"], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr + "\nregenerate: python scripts/gallery.py"


def test_the_check_fails_on_a_stale_page(tmp_path: Path, monkeypatch) -> None:
    sys.path.insert(0, str(REPO / "scripts"))
    try:
        import gallery
    finally:
        sys.path.pop(0)
    stale = tmp_path / "examples.md"
    stale.write_text("# Examples\n\nan older page\n", encoding="utf-8")
    monkeypatch.setattr(gallery, "PAGE", stale)
    assert gallery.main(["--check"]) == 1
    assert stale.read_text(encoding="utf-8") == "# Examples\n\nan older page\n"
