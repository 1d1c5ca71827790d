"""Mutate corpus files and run every parser on each mutant through `load_inputs` and `analyze`.

A parser must turn any input into diagnostics (issue 9): an uncaught exception, a traceback, an
"internal error" diagnostic (an exception the boundary's net caught) or a hang is a failure.
Mutations: byte flips, truncation, duplication of a slice, bracket runs, deletion, non-UTF-8 bytes,
line swaps. Mutants are generated from the seed alone, so `--seed S` reproduces a run exactly.

Usage: python scripts/fuzz_parsers.py [--examples N] [--seed S] [--corpus DIR] [--timeout SECONDS]
       [--keep DIR]
The corpus defaults to ../shared/corpus next to the repository, else the repository's fixtures.
Exit status: 0 when every example was read cleanly, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import select
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUFFIXES = (".tf", ".yaml", ".yml", ".json", ".template")
MAX_SOURCE_BYTES = 200_000
"""Larger corpus files are left out: the fuzzer is after parser bugs, not size limits."""
BRACKETS = b"[]{}()\"'${}<<:-*&!|>"


def corpus_files(corpus: Path) -> list[Path]:
    files = [
        p for p in corpus.rglob("*")
        if p.suffix in SUFFIXES and p.is_file() and not p.is_symlink() and p.stat().st_size <= MAX_SOURCE_BYTES
        and not any(part.startswith(".") or part == "node_modules" for part in p.relative_to(corpus).parts)
    ]
    return sorted(p for p in files if p.suffix == ".tf" or _is_input(p))


def _is_input(path: Path) -> bool:
    """A template or plan by its first bytes (expected outputs and other JSON are left out)."""
    head = path.read_bytes()[:8192]
    return any(marker in head for marker in (b"AWSTemplateFormatVersion", b"Resources", b'"format_version"'))


def mutate(data: bytes, rng: random.Random) -> tuple[bytes, str]:
    """One to three random mutations of `data`, and their names."""
    names = []
    for _ in range(rng.randint(1, 3)):
        kind = rng.choice(("flip", "truncate", "duplicate", "brackets", "delete", "non_utf8", "swap_lines"))
        names.append(kind)
        size = len(data)
        at = rng.randrange(size + 1)
        if kind == "flip" and size:
            spot = rng.randrange(size)
            data = data[:spot] + bytes([data[spot] ^ (1 << rng.randrange(8))]) + data[spot + 1:]
        elif kind == "truncate":
            data = data[:at]
        elif kind == "duplicate" and size:
            end = min(size, at + rng.randint(1, 4096))
            data = data[:end] + data[at:end] + data[end:]
        elif kind == "brackets":
            run = bytes(rng.choice(BRACKETS) for _ in range(rng.randint(1, 300)))
            data = data[:at] + run + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + rng.randint(1, 200):]
        elif kind == "non_utf8":
            data = data[:at] + bytes([rng.choice((0x80, 0xC3, 0xFF, 0xFE, 0x00))]) + data[at:]
        elif kind == "swap_lines":
            lines = data.split(b"\n")
            if len(lines) > 1:
                i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
                data = b"\n".join(lines)
    return data, "+".join(names)


def make_cases(files: list[Path], corpus: Path, examples: int, seed: int, work: Path) -> list[dict]:
    """Write each mutant into its own folder under `work` (deterministic for a seed)."""
    rng = random.Random(seed)
    cases = []
    for index in range(examples):
        source = rng.choice(files)
        data, how = mutate(source.read_bytes(), rng)
        folder = work / f"case{index:05}"
        folder.mkdir()
        (folder / source.name).write_bytes(data)
        cases.append({"index": index, "folder": str(folder), "source": str(source.relative_to(corpus)), "mutation": how})
    return cases


WORKER = r"""
import json, sys, traceback
from pathlib import Path
from credmint.parsers.context import ParseContext
from credmint.parsers.detect import load_inputs
from credmint.analyzer.walk import analyze
for line in open(sys.argv[1], encoding="utf-8"):
    case = json.loads(line)
    print(json.dumps({"start": case["index"]}), flush=True)
    folder = Path(case["folder"])
    try:
        analysis = analyze(load_inputs([folder], ParseContext(root=folder)))
        internal = [d.message for d in analysis.diagnostics if "internal error" in d.message]
        result = {"index": case["index"], "inputs": len(analysis.inventory.inputs),
                  "diagnostics": len(analysis.diagnostics)}
        if internal:
            result["failure"] = "; ".join(internal)
    except BaseException:
        result = {"index": case["index"], "failure": traceback.format_exc()}
    print(json.dumps(result), flush=True)
"""


def run_cases(cases: list[dict], timeout: float, counts: dict[str, int]) -> list[dict]:
    """Run the cases in a worker process; a case silent for `timeout` seconds is a hang (the worker
    is killed and a new one takes the next case)."""
    failures: list[dict] = []
    pending = list(cases)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    while pending:
        queue = Path(pending[0]["folder"]).parent / f"queue{pending[0]['index']:05}.jsonl"
        queue.write_text("".join(json.dumps(case) + "\n" for case in pending), encoding="utf-8")
        worker = subprocess.Popen([sys.executable, "-c", WORKER, str(queue)], stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
        assert worker.stdout is not None
        by_index = {c["index"]: c for c in pending}
        finished: set[int] = set()
        current = None
        while True:
            ready, _, _ = select.select([worker.stdout], [], [], timeout)
            if not ready:
                hung = by_index[current] if current is not None else pending[0]
                failures.append({**hung, "failure": f"no answer within {timeout} s (hang)"})
                finished.add(hung["index"])
                worker.kill()
                break
            line = worker.stdout.readline()
            if not line:
                if current is not None and current not in finished:
                    failures.append({**by_index[current], "failure": f"worker died (exit {worker.wait()})"})
                    finished.add(current)
                break
            message = json.loads(line)
            if "start" in message:
                current = message["start"]
                continue
            finished.add(message["index"])
            for key in ("inputs", "diagnostics"):
                counts[key] = counts.get(key, 0) + message.get(key, 0)
            if "failure" in message:
                failures.append({**by_index[message["index"]], "failure": message["failure"]})
        worker.wait()
        pending = [c for c in pending if c["index"] not in finished]
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", type=Path, help="default ../shared/corpus, else fixtures/")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds one example may take")
    parser.add_argument("--keep", type=Path, help="copy failing mutants here to reproduce them")
    args = parser.parse_args(argv)
    corpus = args.corpus or next(
        (p for p in (ROOT.parent / "shared" / "corpus", ROOT / "fixtures") if p.is_dir()), ROOT / "fixtures"
    )
    files = corpus_files(corpus)
    if not files:
        print(f"no corpus files under {corpus}")
        return 1
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="credmint-fuzz-") as work:
        cases = make_cases(files, corpus, args.examples, args.seed, Path(work))
        counts: dict[str, int] = {}
        failures = run_cases(cases, args.timeout, counts)
        for failure in sorted(failures, key=lambda f: f["index"]):
            print(f"FAIL example {failure['index']} (seed {args.seed}): {failure['source']} "
                  f"[{failure['mutation']}]\n{failure['failure']}")
            if args.keep:
                target = args.keep / f"seed{args.seed}-example{failure['index']}"
                shutil.copytree(failure["folder"], target, dirs_exist_ok=True)
    elapsed = time.perf_counter() - started
    print(f"corpus: {corpus} ({len(files)} files)  examples: {args.examples}  seed: {args.seed}  "
          f"inputs read: {counts.get('inputs', 0)}  diagnostics: {counts.get('diagnostics', 0)}  "
          f"failures: {len(failures)}  time: {elapsed:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
