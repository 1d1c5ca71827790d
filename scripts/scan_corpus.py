"""Scan every folder of the shared corpus as `credmint scan` would (load_inputs + analyze) and count.

Each top-level folder is one upstream repository, scanned with itself as the project root. Printed:
inputs by format, entities, grants, diagnostics by level, the files with errors (to check them
against the known-invalid ones), tracebacks and internal errors (both must be 0), and the time.

Usage: python scripts/scan_corpus.py [CORPUS_DIR] [--verbose]
(default ../shared/corpus next to the repository; says so and exits 0 when it is absent).
Exit status: 1 when any folder raised or produced an internal error, else 0.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from credmint.analyzer.managed import aws_policy, lookup  # noqa: E402
from credmint.analyzer.walk import analyze  # noqa: E402
from credmint.parsers.context import ParseContext  # noqa: E402
from credmint.parsers.detect import load_inputs  # noqa: E402

ENTITIES = ("users", "groups", "roles", "policies", "providers")


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    given = [a for a in argv if not a.startswith("--")]
    corpus = Path(given[0]) if given else ROOT.parent / "shared" / "corpus"
    if not corpus.is_dir():
        print(f"no corpus at {corpus}; skipped")
        return 0
    folders = sorted(p for p in corpus.iterdir() if p.is_dir() and not p.name.startswith("."))
    formats: Counter[str] = Counter()
    entities: Counter[str] = Counter()
    levels: Counter[str] = Counter()
    error_files: dict[str, list[str]] = {}
    grants = tracebacks = internal = 0
    started = time.perf_counter()
    for folder in folders:
        began = time.perf_counter()
        try:
            inventory = load_inputs([folder], ParseContext(root=folder, aws_policies=aws_policy))
            analysis = analyze(inventory, lookup)
        except Exception:  # noqa: BLE001 - counting escapes is this script's job
            tracebacks += 1
            print(f"TRACEBACK {folder.name}\n{traceback.format_exc()}")
            continue
        formats.update(i.format for i in inventory.inputs)
        for kind in ENTITIES:
            entities[kind] += len(getattr(inventory, kind))
        grants += len(analysis.grants)
        for d in analysis.diagnostics:
            levels[d.level.value] += 1
            if "internal error" in d.message:
                internal += 1
            if d.level.value == "error":
                error_files.setdefault(f"{folder.name}/{d.file}", []).append(f"{d.line}: {d.message}")
            elif verbose:
                print(f"  {d.level.value}: {folder.name}/{d.file}:{d.line}: {d.message}")
        if verbose:
            print(f"{folder.name}: {len(inventory.inputs)} inputs, {len(analysis.grants)} grants, "
                  f"{time.perf_counter() - began:.1f} s")
    elapsed = time.perf_counter() - started
    print(f"corpus: {corpus}  folders: {len(folders)}")
    print("inputs: " + "  ".join(f"{k}: {v}" for k, v in sorted(formats.items())) + f"  (total {sum(formats.values())})")
    print("entities: " + "  ".join(f"{k}: {entities[k]}" for k in ENTITIES))
    print(f"grants: {grants}")
    print("diagnostics: " + "  ".join(f"{k}: {levels[k]}" for k in ("error", "warning", "info")))
    print(f"files with errors: {len(error_files)}")
    for file, messages in sorted(error_files.items()):
        print(f"  {file}")
        for message in messages[:3]:
            print(f"    {message}")
    print(f"tracebacks: {tracebacks}  internal errors: {internal}")
    print(f"time: {elapsed:.1f} s")
    return 1 if tracebacks or internal else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
