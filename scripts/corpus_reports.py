"""Write the JSON report of every corpus folder, or compare two such sets: the check that a change
alters the answers over real templates only where it means to.

Usage:
  python scripts/corpus_reports.py write OUT_DIR [CORPUS_DIR]   # one OUT_DIR/<folder>.json each
  python scripts/corpus_reports.py compare BEFORE_DIR AFTER_DIR  # grants, findings, errors that differ

Each folder is scanned as `credmint scan FOLDER --root FOLDER --format json --no-cache --fail-on none`
in its own process, so one folder's failure cannot hide another's. The corpus is never copied.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMAND = "from credmint.analyzer.app.cli import run; run()"


def write(out: Path, corpus: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith(".")):
        done = subprocess.run(
            [sys.executable, "-c", COMMAND, "scan", str(folder), "--root", str(folder), "--format", "json",
             "--no-cache", "--fail-on", "none"],
            capture_output=True, text=True, cwd=ROOT, check=False,
        )
        (out / f"{folder.name}.json").write_text(done.stdout or json.dumps({"stderr": done.stderr}))
        print(f"{folder.name}: exit {done.returncode}")
    return 0


def _grants(report: dict) -> dict[tuple[str, str, str], str]:
    return {(g["principal"], g["action"], g["target"]): g["certainty"] for g in report.get("grants", [])}


def _findings(report: dict) -> set[tuple[str, str, str, str]]:
    return {(f["rule"], f["severity"], f.get("principal") or "", f.get("target") or "")
            for f in report.get("findings", [])}


def _errors(report: dict) -> set[str]:
    return {f"{d.get('file')}:{d.get('line')}: {d['message']}" for d in report.get("diagnostics", [])
            if d["level"] == "error"}


def compare(before_dir: Path, after_dir: Path) -> int:
    for before_file in sorted(before_dir.glob("*.json")):
        before = json.loads(before_file.read_text())
        after = json.loads((after_dir / before_file.name).read_text())
        old, new = _grants(before), _grants(after)
        lines = [f"  + {k} {new[k]}" for k in sorted(new.keys() - old.keys())]
        lines += [f"  - {k} {old[k]}" for k in sorted(old.keys() - new.keys())]
        lines += [f"  ~ {k} {old[k]} -> {new[k]}" for k in sorted(old.keys() & new.keys()) if old[k] != new[k]]
        lines += [f"  finding + {f}" for f in sorted(_findings(after) - _findings(before))]
        lines += [f"  finding - {f}" for f in sorted(_findings(before) - _findings(after))]
        lines += [f"  error + {e}" for e in sorted(_errors(after) - _errors(before))]
        lines += [f"  error - {e}" for e in sorted(_errors(before) - _errors(after))]
        print(f"{before_file.stem}: {len(old)} -> {len(new)} grants, {len(lines)} changes")
        print("\n".join(lines[:200]) if lines else "", end="\n" if lines else "")
    return 0


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "write":
        corpus = Path(argv[2]) if len(argv) > 2 else ROOT.parent / "shared" / "corpus"
        if not corpus.is_dir():
            print(f"no corpus at {corpus}; skipped")
            return 0
        return write(Path(argv[1]), corpus)
    if len(argv) == 3 and argv[0] == "compare":
        return compare(Path(argv[1]), Path(argv[2]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
