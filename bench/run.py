"""Benchmark credmint stage by stage, and checkov on the same tree in the same run.

    python bench/run.py [--sizes 500,5000] [--analyzer-only] [--checkov] [--cfn-sizes 500]
                        [--inventory-scale 1] [--organisation 500] [--timeout 600]

Every stage runs in a fresh subprocess (`bench/stages.py`) with an empty `XDG_CACHE_HOME`, so its
memory figure is its own and no cache is warm unless the row says so. The whole-CLI rows and checkov
are timed from here with `os.wait4`, so their CPU and peak RSS include start-up and child processes.
Nothing here is run by pytest.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.generate import TerraformTree, generate_cloudformation, generate_mixed, generate_terraform
from bench.inventory_gen import InventorySize, build_inventory
from bench.organisation import OrganisationSize, generate_organisation
from bench.stages import scan_path

STAGES_SCRIPT = Path(__file__).resolve().parent / "stages.py"
ACCOUNT_ID = "123456789012"


@dataclass
class Row:
    label: str
    wall: float | None = None
    cpu: float | None = None
    peak_mib: float | None = None
    note: str = ""


@dataclass
class Table:
    title: str
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(self, label: str) -> Row | None:
        return next((r for r in self.rows if r.label == label), None)


MEMORY_LIMIT = [6 * 1024**3]
"""Address-space cap of every measured process (`--memory-limit`): the machine is shared."""


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT[0], MEMORY_LIMIT[0]))


def _run_timed(command: list[str], env: dict[str, str], timeout: float) -> tuple[Row, str]:
    """Run a command; wall from here, CPU and peak RSS of it and its children from `wait4`."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        # preexec_fn is unsafe only with threads, and the runner has none.
        process = subprocess.Popen(
            command, stdout=out, stderr=err, env=env, cwd=ROOT, preexec_fn=_limit_memory  # noqa: PLW1509
        )
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                process.returncode = -9
                return Row("", note=f"timed out after {timeout:.0f} s"), ""
            time.sleep(0.02)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    row = Row("", wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)
    if process.returncode not in (0, 1) or "Traceback" in stderr:
        tail = stderr.strip().splitlines()[-1:] or ["no output"]
        row.note = f"exit {process.returncode}: {tail[0][:100]}"
    return row, stdout


def _env(cache: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = str(cache)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    return env


def run_stage(label: str, stage: str, source: Path, output: Path | None, work: Path, timeout: float) -> Row:
    """One stage in a fresh interpreter; the row carries the stage's own figures."""
    cache = Path(tempfile.mkdtemp(dir=work, prefix="cache-"))
    command = [sys.executable, str(STAGES_SCRIPT), stage, str(source)] + ([str(output)] if output else [])
    outer, stdout = _run_timed(command, _env(cache), timeout)
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if not lines:
        return Row(label, outer.wall, outer.cpu, outer.peak_mib, note=outer.note or "no figures")
    figures = json.loads(lines[-1])
    found = ", ".join(f"{k} {v:,}" for k, v in figures["counts"].items())
    return Row(label, figures["wall"], figures["cpu"], figures["peak_mib"], found)


def _credmint() -> list[str]:
    """The installed `credmint` script next to this interpreter, else `python -m credmint.analyzer.app.cli`."""
    script = shutil.which("credmint", path=str(Path(sys.executable).parent)) or shutil.which("credmint")
    return [script] if script else [sys.executable, "-m", "credmint.analyzer.app.cli"]


def credmint_command(tree: Path, *extra: str) -> list[str]:
    """`credmint scan` of a generated folder, JSON to /dev/null, the folder as project root."""
    return [
        *_credmint(), "scan", str(scan_path(tree)), "--root", str(tree), "--account-id", ACCOUNT_ID,
        "--format", "json", "-o", os.devnull, *extra,
    ]


def has_cache_option() -> bool:
    result = subprocess.run([*_credmint(), "scan", "--help"], capture_output=True, text=True, check=False)
    return "--no-cache" in result.stdout


COLD = "credmint scan, cold cache (empty folder: parsed on every core)"
EXPORT = "credmint scan, warm cache, --export-inventory"


def run_cli(table: Table, tree: Path, work: Path, timeout: float) -> None:
    """`credmint scan` as a user runs it: without a cache, with an empty one, with a warm one."""
    cached = has_cache_option()
    extra = ("--no-cache",) if cached else ()
    row, _ = _run_timed(credmint_command(tree, *extra), _env(Path(tempfile.mkdtemp(dir=work, prefix="cache-"))), timeout)
    row.label = "credmint scan, no cache" + (" (--no-cache)" if cached else "")
    table.rows.append(row)
    if cached:
        cache = Path(tempfile.mkdtemp(dir=work, prefix="cache-"))
        row, _ = _run_timed(credmint_command(tree), _env(cache), timeout)  # fills the cache
        row.label = COLD
        table.rows.append(row)
        row, _ = _run_timed(credmint_command(tree), _env(cache), timeout)
        row.label = "credmint scan, warm cache"
        table.rows.append(row)
        exported = work / f"{tree.name}.inventory.json"
        row, _ = _run_timed(credmint_command(tree, "--export-inventory", str(exported)), _env(cache), timeout)
        row.label = EXPORT
        if exported.exists():
            row.note = f"inventory {exported.stat().st_size / 1e6:.1f} MB"
        table.rows.append(row)
        warm = table.row("credmint scan, warm cache")
        if warm and warm.wall and row.wall:
            table.notes.append(f"--export-inventory adds {100 * (row.wall / warm.wall - 1):.1f}% to a warm scan")


def find_checkov(given: str | None) -> str | None:
    for candidate in (given, os.environ.get("CHECKOV"), shutil.which("checkov"), "/tmp/checkov-venv/bin/checkov"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def import_row(tree: Path, work: Path, timeout: float) -> Row:
    """What a scan spends importing (`python -X importtime`, summed over the top-level imports),
    and the three largest packages: start-up is most of a small tree's scan."""
    command = [sys.executable, "-X", "importtime", "-m", "credmint.analyzer.app.cli", *credmint_command(tree)[len(_credmint()):]]
    env = _env(Path(tempfile.mkdtemp(dir=work, prefix="cache-")))
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=timeout, check=False)
    top: dict[str, int] = {}
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit() and not parts[2].startswith("  "):
            top[parts[2].strip()] = int(parts[1])
    largest = sorted(top.items(), key=lambda item: -item[1])[:3]
    note = ", ".join(f"{name} {micros / 1000:.0f} ms" for name, micros in largest)
    return Row("imports of a scan (python -X importtime, summed)", sum(top.values()) / 1e6, note=note)


def run_checkov(table: Table, tree: Path, checkov: str, work: Path, timeout: float) -> None:
    command = [checkov, "-d", str(tree), "--framework", "terraform", "--quiet", "--compact"]
    env = _env(Path(tempfile.mkdtemp(dir=work, prefix="cache-")))
    env.pop("PYTHONPATH", None)
    row, stdout = _run_timed(command, env, timeout)
    row.label = "checkov -d (terraform)"
    summary = next((line for line in stdout.splitlines() if line.startswith("Passed checks")), "")
    if summary:  # it logs a traceback when it cannot reach its API, and scans all the same
        row.note = summary.replace("Passed checks", "passed").replace("Failed checks", "failed").split(", Skipped")[0]
    table.rows.append(row)
    for ours in (table.row(COLD), table.row("credmint scan, no cache (--no-cache)")):
        if ours and ours.wall and row.wall and ours.cpu and row.cpu:
            table.notes.append(
                f"checkov / {ours.label}: {row.wall / ours.wall:.1f}x wall time, {row.cpu / ours.cpu:.1f}x CPU time"
            )


def bench_terraform(blocks: int, args: argparse.Namespace, work: Path, checkov: str | None) -> Table:
    """The IAM-heavy tree (`terraform_tree`)."""
    tree = work / f"terraform-{blocks}"
    made = generate_terraform(tree, blocks, seed=args.seed)
    title = f"Terraform, {made.blocks:,} blocks in {made.files} files, {_size(made)}"
    return _terraform_rows(Table(title), tree, args, work, checkov)


def bench_mixed(blocks: int, args: argparse.Namespace, work: Path, checkov: str | None) -> Table:
    """The mixed tree (`mixed_tree`): a tenth IAM, the rest ordinary resources referring to it."""
    tree = work / f"mixed-{blocks}"
    made = generate_mixed(tree, blocks, seed=args.seed)
    title = f"Terraform mixed, {made.blocks:,} blocks ({made.iam_blocks:,} IAM) in {made.files} files, {_size(made)}"
    return _terraform_rows(Table(title), tree, args, work, checkov)


def _size(made: TerraformTree) -> str:
    return (f"{made.bytes / 1e6:.2f} MB ({made.users:,} users, {made.groups:,} groups, {made.roles:,} roles, "
            f"{made.managed_policies:,} policies)")


def _terraform_rows(table: Table, tree: Path, args: argparse.Namespace, work: Path, checkov: str | None) -> Table:
    inventory, analysis = work / f"{tree.name}.inventory", work / f"{tree.name}.analysis"
    t = args.timeout
    table.rows.append(run_stage("parse with lark's own loop, one core", "parse-lark", tree, None, work, t))
    table.rows.append(run_stage("parse (lark tree, credmint's driver, one core)", "parse", tree, None, work, t))
    table.rows.append(run_stage("parse + evaluate (load_inputs)", "load", tree, inventory, work, t))
    table.rows.append(run_stage("evaluate (trees cached in process)", "evaluate", tree, None, work, t))
    _analysis_rows(table, inventory, analysis, work, t)
    run_cli(table, tree, work, t)
    table.rows.append(import_row(tree, work, t))
    if checkov:
        run_checkov(table, tree, checkov, work, t)
    return table


def bench_cloudformation(resources: int, args: argparse.Namespace, work: Path) -> Table:
    folder = work / f"cloudformation-{resources}"
    made = generate_cloudformation(folder, resources, seed=args.seed)
    table = Table(
        f"CloudFormation, {made.resources:,} resources in {made.files} templates, {made.bytes / 1e6:.2f} MB "
        f"({made.users:,} users, {made.roles:,} roles)"
    )
    inventory, analysis = work / f"cfn-{resources}.inventory", work / f"cfn-{resources}.analysis"
    table.rows.append(run_stage("parse + evaluate (load_inputs)", "load", folder, inventory, work, args.timeout))
    _analysis_rows(table, inventory, analysis, work, args.timeout)
    run_cli(table, folder, work, args.timeout)
    return table


def bench_inventory(scale: float, args: argparse.Namespace, work: Path) -> Table:
    size = InventorySize().scaled(scale)
    table = Table(
        f"Analyzer alone: {size.users:,} users, {size.groups:,} groups, {size.roles:,} roles, "
        f"{size.policies:,} policies"
    )
    inventory, analysis = work / f"inv-{scale}.inventory", work / f"inv-{scale}.analysis"
    inventory.write_bytes(_pickle(build_inventory(size, seed=args.seed)))
    _analysis_rows(table, inventory, analysis, work, args.timeout)
    return table


def bench_organisation(repositories: int, args: argparse.Namespace, work: Path) -> Table:
    """Issue 18: one merged scan of many repositories' exported inventories."""
    size = OrganisationSize(repositories=repositories, accounts=max(1, repositories // 5))
    made = generate_organisation(work / f"organisation-{repositories}", size, seed=args.seed)
    table = Table(
        f"Organisation: {repositories:,} inventories over {size.accounts:,} accounts, {made.bytes / 1e6:.1f} MB "
        f"({made.users:,} users, {made.roles:,} roles)"
    )
    command = [*_credmint(), "scan", *map(str, made.files), "--root", str(made.files[0].parent),
               "--format", "json", "-o", os.devnull, "--fail-on", "none"]
    row, _ = _run_timed(command, _env(Path(tempfile.mkdtemp(dir=work, prefix="cache-"))), args.timeout)
    row.label = "credmint scan of every inventory (read, merge, walk, report)"
    table.rows.append(row)
    return table


def _pickle(value: object) -> bytes:
    import pickle

    return pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _analysis_rows(table: Table, inventory: Path, analysis: Path, work: Path, timeout: float) -> None:
    if not inventory.exists():
        table.rows.append(Row("walk (analyze)", note="skipped: no inventory"))
        return
    table.rows.append(run_stage("walk (analyze)", "walk", inventory, analysis, work, timeout))
    if analysis.exists():
        table.rows.append(run_stage("report (rules + JSON)", "report", analysis, None, work, timeout))
    else:
        table.rows.append(Row("report (rules + JSON)", note="skipped: no analysis"))


def render(table: Table, markdown: bool = False) -> str:
    def cell(value: float | None, digits: int) -> str:
        return "—" if value is None else f"{value:,.{digits}f}"

    rows = [(r.label, cell(r.wall, 2), cell(r.cpu, 2), cell(r.peak_mib, 0), r.note) for r in table.rows]
    head = ("stage", "wall s", "CPU s", "peak RSS MiB", "notes")
    if markdown:
        lines = [f"**{table.title}**", "", "| " + " | ".join(head) + " |", "|---|--:|--:|--:|---|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        lines += ["", *table.notes]
        return "\n".join(lines) + "\n"
    widths = [max(len(str(x[i])) for x in [head, *rows]) for i in range(4)]
    fmt = "  ".join(f"{{:{'<' if i == 0 else '>'}{w}}}" for i, w in enumerate(widths)) + "  {}"
    lines = [table.title, fmt.format(*head), *(fmt.format(*r) for r in rows), *table.notes]
    return "\n".join(lines) + "\n"


def _numbers(text: str, kind: type) -> list:
    return [kind(x) for x in text.split(",") if x.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="500,5000", help="Terraform sizes in top-level blocks")
    parser.add_argument("--mixed-sizes", default="5000", help="mixed Terraform sizes (a tenth IAM) in blocks")
    parser.add_argument("--cfn-sizes", default="", help="CloudFormation sizes in resources (none by default)")
    parser.add_argument("--inventory-scale", default="1", help="analyzer-only inventories, 1 = 10,000 users")
    parser.add_argument("--analyzer-only", action="store_true", help="only the generated inventories")
    parser.add_argument("--organisation", default="", help="merged scans of N exported inventories (e.g. 500)")
    parser.add_argument("--checkov", action="store_true", help="time checkov on each Terraform tree too")
    parser.add_argument("--checkov-bin", help="checkov executable (default: PATH, then /tmp/checkov-venv)")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed to each stage")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    parser.add_argument("--keep", type=Path, help="generate into this folder and keep it")
    parser.add_argument("--memory-limit", type=float, default=6, help="GiB of address space per process")
    args = parser.parse_args(argv)
    MEMORY_LIMIT[0] = int(args.memory_limit * 1024**3)
    checkov = find_checkov(args.checkov_bin) if args.checkov else None
    if args.checkov and not checkov:
        print("checkov not found: its rows are left out (pip install checkov in a venv under /tmp)\n")
    work = args.keep or Path(tempfile.mkdtemp(prefix="credmint-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {load}, work folder {work}\n",
          flush=True)
    tables: list[Table] = []
    try:
        if not args.analyzer_only:
            for blocks in _numbers(args.sizes, int):
                tables.append(bench_terraform(blocks, args, work, checkov))
                print(render(tables[-1], args.markdown), flush=True)
            for blocks in _numbers(args.mixed_sizes, int):
                tables.append(bench_mixed(blocks, args, work, checkov))
                print(render(tables[-1], args.markdown), flush=True)
            for resources in _numbers(args.cfn_sizes, int):
                tables.append(bench_cloudformation(resources, args, work))
                print(render(tables[-1], args.markdown), flush=True)
        for repositories in _numbers(args.organisation, int):
            tables.append(bench_organisation(repositories, args, work))
            print(render(tables[-1], args.markdown), flush=True)
        for scale in _numbers(args.inventory_scale, float):
            tables.append(bench_inventory(scale, args, work))
            print(render(tables[-1], args.markdown), flush=True)
        _growth(tables)
        print("load average at the end: " + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def _growth(tables: list[Table]) -> None:
    """How the whole-CLI cold time grows between the smallest and largest Terraform tree."""
    for label in (COLD, "credmint scan, no cache (--no-cache)"):
        runs = [t.row(label) for t in tables if t.title.startswith("Terraform,")]
        runs = [r for r in runs if r and r.wall]
        if len(runs) >= 2:
            print(f"{label}, largest / smallest IAM-heavy Terraform tree: {runs[-1].wall / runs[0].wall:.1f}x")


if __name__ == "__main__":
    raise SystemExit(main())
