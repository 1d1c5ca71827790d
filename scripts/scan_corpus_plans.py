"""Run parse_plan (and parse_plan_prior_state) over the shared corpus's Terraform plan JSON files and
print counts: one line per plan, then totals.

A plan is a `.json` file whose text holds `"format_version"` and `"planned_values"` (checkov's test
plans, read-only); a state-shaped file (`"values"` only) is scanned too and counted apart.

Usage: python scripts/scan_corpus_plans.py [CORPUS_DIR] [--verbose]
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

from credmint.analyzer.managed import lookup
from credmint.analyzer.walk import analyze
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform_plan import parse_plan, parse_plan_prior_state

KINDS = ("users", "groups", "roles", "policies", "providers", "scps")


def find_plans(corpus: Path) -> tuple[list[Path], list[Path]]:
    """(plans, state-shaped files) among the corpus's JSON files that carry a format_version."""
    plans: list[Path] = []
    states: list[Path] = []
    for path in sorted(corpus.rglob("*.json")):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if '"format_version"' not in text:
            continue
        if '"planned_values"' in text:
            plans.append(path)
        elif '"values"' in text and '"root_module"' in text:
            states.append(path)
    return plans, states


def main(argv: list[str]) -> int:
    verbose = "--verbose" in argv
    paths = [a for a in argv if not a.startswith("--")]
    corpus = Path(paths[0]) if paths else ROOT.parent / "shared" / "corpus"
    if not corpus.is_dir():
        print(f"no corpus at {corpus}; nothing to scan")
        return 0
    plans, states = find_plans(corpus)
    started = time.perf_counter()
    totals: Counter[str] = Counter()
    crashes = 0
    for path in plans + states:
        rel = path.relative_to(corpus).as_posix()
        ctx = ParseContext(root=corpus)
        try:
            inventory = parse_plan(path, ctx)
            prior = parse_plan_prior_state(path, ctx)
            grants = len(analyze(inventory, lookup).grants)
        except Exception:  # noqa: BLE001 - counting crashes is this script's job
            crashes += 1
            print(f"CRASH {rel}\n{traceback.format_exc()}")
            continue
        levels = Counter(d.level.value for d in inventory.diagnostics)
        counts = {kind: len(getattr(inventory, kind)) for kind in KINDS}
        totals.update(counts)
        totals.update({"grants": grants, "prior roles": len(prior.roles), **levels})
        print(
            f"{rel}: "
            + " ".join(f"{k}={v}" for k, v in counts.items() if v)
            + f" grants={grants} prior_roles={len(prior.roles)} "
            + " ".join(f"{k}={v}" for k, v in sorted(levels.items()))
        )
        for diagnostic in inventory.diagnostics:
            if verbose or diagnostic.level.value == "error":
                print(
                    f"  {diagnostic.level.value}: {diagnostic.file}:{diagnostic.line}: {diagnostic.message}"
                )
    elapsed = time.perf_counter() - started
    print(f"plans: {len(plans)}  state files: {len(states)}")
    print("entities: " + "  ".join(f"{k}: {totals[k]}" for k in KINDS))
    print(f"grants: {totals['grants']}  prior-state roles: {totals['prior roles']}")
    print("diagnostics: " + "  ".join(f"{k}: {totals[k]}" for k in ("error", "warning", "info")))
    print(f"crashes: {crashes}")
    print(f"time: {elapsed:.1f} s")
    return 1 if crashes else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
