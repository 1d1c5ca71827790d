"""Run parse_terraform over the shared corpus's Terraform, as `credmint scan` would, and print counts.

Each root module (a folder of `.tf` files that no scanned folder calls as a local module) is parsed
with the modules it calls; `--all-folders` parses every folder as its own root instead.

Usage: python scripts/scan_corpus_terraform.py [CORPUS_DIR] [--verbose] [--all-folders]
(default ../shared/corpus next to the repository; exits quietly when it is absent).
Crashes should be 0: the parser reports bad input as diagnostics, it never raises.
"""

from __future__ import annotations

import sys
import time
import traceback
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from credmint.parsers.context import ParseContext  # noqa: E402
from credmint.parsers.terraform import find_root_modules, parse_terraform  # noqa: E402


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    paths = [a for a in argv if not a.startswith("--")]
    corpus = Path(paths[0]) if paths else ROOT.parent / "shared" / "corpus"
    if not corpus.is_dir():
        print(f"no corpus at {corpus}; nothing to scan")
        return 0
    folders = sorted({p.parent for p in corpus.rglob("*.tf") if ".terraform" not in p.parts})
    files = sum(len(list(folder.glob("*.tf"))) for folder in folders)
    started = time.perf_counter()
    roots = folders if "--all-folders" in argv else find_root_modules([corpus], ParseContext(root=corpus))
    levels: Counter[str] = Counter()
    entities: Counter[str] = Counter()
    crashes = 0
    for folder in roots:
        try:
            inventory = parse_terraform(folder, ParseContext(root=corpus))
        except Exception:  # noqa: BLE001 - counting crashes is this script's job
            crashes += 1
            print(f"CRASH {folder.relative_to(corpus)}\n{traceback.format_exc()}")
            continue
        for kind in ("users", "groups", "roles", "policies", "providers"):
            entities[kind] += len(getattr(inventory, kind))
        for diagnostic in inventory.diagnostics:
            levels[diagnostic.level.value] += 1
            if verbose or diagnostic.level.value == "error":
                print(f"{diagnostic.level.value}: {diagnostic.file}:{diagnostic.line}: {diagnostic.message}")
    elapsed = time.perf_counter() - started
    print(f"folders: {len(folders)}  files: {files}  roots parsed: {len(roots)}")
    print("entities: " + "  ".join(f"{k}: {entities[k]}" for k in ("users", "groups", "roles", "policies", "providers")))
    print("diagnostics: " + "  ".join(f"{k}: {levels[k]}" for k in ("error", "warning", "info")))
    print(f"crashes: {crashes}")
    print(f"time: {elapsed:.1f} s")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
