"""A bounded fuzz run over the repository's own fixtures (issue 9 §4): CI runs it on every change.

Fifty mutants with a fixed seed, each read through `load_inputs` and `analyze` in a worker process
with a per-example timeout; any traceback, internal error or hang fails the test.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_fifty_mutants_of_the_fixtures_are_read_without_a_crash_or_hang() -> None:
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "fuzz_parsers.py"), "--examples", "50", "--seed", "9",
         "--corpus", str(REPO / "fixtures"), "--timeout", "60"],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "failures: 0" in done.stdout
