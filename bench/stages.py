"""One benchmark stage in a fresh process: `python bench/stages.py STAGE INPUT [OUTPUT]`.

Prints one JSON line: wall and CPU seconds of the stage alone (imports and loading the stage's
input excluded; CPU includes joined child processes), the process's peak RSS after the stage and its
RSS high-water mark just before it. Each stage's input is the previous stage's pickled output, so no
stage pays for another's memory.
"""

from __future__ import annotations

import gc
import json
import pickle
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

ACCOUNT_ID = "123456789012"


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _peak_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024  # Linux reports KiB


def measure(run: Callable[[], Any]) -> tuple[Any, dict[str, float]]:
    """Run once; the result and its wall/CPU seconds and memory figures."""
    before = _peak_mib()
    wall, cpu = time.perf_counter(), _cpu()
    result = run()
    figures = {
        "wall": time.perf_counter() - wall,
        "cpu": _cpu() - cpu,
        "peak_mib": _peak_mib(),
        "before_mib": before,
    }
    return result, figures


def _context(tree: Path):
    from credmint.parsers.context import ParseContext

    return ParseContext(root=tree, account_id=ACCOUNT_ID)


def scan_path(tree: Path) -> Path:
    """What is scanned: the generated Terraform tree's `live/` root module, else the folder."""
    live = tree / "live"
    return live if live.is_dir() else tree


def _tf_files(tree: Path) -> list[Path]:
    return sorted(p for p in tree.rglob("*.tf") if ".terraform" not in p.parts)


def stage_parse(tree: Path) -> tuple[Any, dict[str, float]]:
    """The lark tree of every `.tf` file (python-hcl2's grammar, `credmint.parsers.terraform.hcl`), one
    core, no cache: the floor under a cold Terraform scan."""
    from credmint.parsers.terraform.hcl import parse_text

    texts = [p.read_text(encoding="utf-8") for p in _tf_files(tree)]
    parse_text('variable "warm" {}\n')  # grammar load is start-up, not parse
    return measure(lambda: [parse_text(text) for text in texts])


def stage_parse_lark(tree: Path) -> tuple[Any, dict[str, float]]:
    """The same trees from lark's own LALR loop, without credmint's driver
    (`credmint.parsers.terraform.lalr_driver`): what the driver saves."""
    from credmint.parsers.terraform.grammar import parser

    texts = [p.read_text(encoding="utf-8") + "\n" for p in _tf_files(tree)]
    lark = parser()
    lark.parse('variable "warm" {}\n')
    return measure(lambda: [lark.parse(text) for text in texts])


def stage_load(tree: Path) -> tuple[Any, dict[str, float]]:
    """`load_inputs`: find, parse and evaluate every input into the inventory (imports done)."""
    import credmint.parsers.cloudformation
    import credmint.parsers.terraform  # noqa: F401
    from credmint.parsers.detect import load_inputs
    from credmint.parsers.terraform.hcl import parse_text

    parse_text('variable "warm" {}\n')

    ctx = _context(tree)
    return measure(lambda: load_inputs([scan_path(tree)], ctx))


def stage_evaluate(tree: Path) -> tuple[Any, dict[str, float]]:
    """`load_inputs` once every file's tree is in the process's parse cache: evaluation alone."""
    from credmint.parsers.detect import load_inputs
    from credmint.parsers.terraform.hcl import parse_text

    for path in _tf_files(tree):
        parse_text(path.read_text(encoding="utf-8"))
    ctx = _context(tree)
    return measure(lambda: load_inputs([scan_path(tree)], ctx))


def _managed_lookup():
    from credmint.analyzer.app.cli import _managed_policies

    return _managed_policies()


def stage_walk(inventory_file: Path) -> tuple[Any, dict[str, float]]:
    """`analyze`: callers, every STS mechanism, merged grants, the graph and its paths."""
    from credmint.analyzer.walk import analyze

    inventory = pickle.loads(inventory_file.read_bytes())
    lookup = _managed_lookup()
    return measure(lambda: analyze(inventory, lookup))


def stage_report(analysis_file: Path) -> tuple[Any, dict[str, float]]:
    """Rules, suppressions and the JSON rendering, as `credmint scan --format json` does them."""
    from credmint.analyzer.reports.json_report import render

    analysis = pickle.loads(analysis_file.read_bytes())
    try:
        from credmint.analyzer.app.assemble import build_report
        from credmint.analyzer.rules import Settings
    except ImportError:  # before the rule settings existed
        from credmint.analyzer.report import Report
        from credmint.analyzer.rules import find_findings

        def build() -> Any:
            return Report(analysis=analysis, account_id=ACCOUNT_ID, findings=find_findings(analysis))
    else:

        def build() -> Any:
            return build_report(analysis, rules=Settings(account_id=ACCOUNT_ID))

    return measure(lambda: render(build()))


STAGES: dict[str, Callable[[Path], tuple[Any, dict[str, float]]]] = {
    "parse": stage_parse,
    "parse-lark": stage_parse_lark,
    "load": stage_load,
    "evaluate": stage_evaluate,
    "walk": stage_walk,
    "report": stage_report,
}


def counts(result: Any) -> dict[str, int]:
    """A few sizes of a stage's result, to print next to its figures."""
    inventory = getattr(result, "inventory", result)
    out: dict[str, int] = {}
    for name in ("users", "roles", "groups", "policies"):
        if hasattr(inventory, name):
            out[name] = len(getattr(inventory, name))
    for name in ("grants", "paths"):
        if hasattr(result, name):
            out[name] = len(getattr(result, name))
    diagnostics = getattr(result, "diagnostics", None)
    if diagnostics is not None:  # the analysis's own (caps reached) and the inventory's
        out["errors"] = sum(1 for d in diagnostics if d.level.value == "error")
    if isinstance(result, str):
        out["bytes"] = len(result.encode("utf-8"))
    return out


def main(argv: list[str]) -> int:
    gc.disable()  # as `credmint` runs (analyzer/app/cli.py): the collector would only re-walk live objects
    stage, source = argv[0], Path(argv[1])
    output = Path(argv[2]) if len(argv) > 2 else None
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    result, figures = STAGES[stage](source)
    if output is not None:
        output.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    print(json.dumps({"stage": stage, **figures, "counts": counts(result)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
