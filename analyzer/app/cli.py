"""The `credmint` command: parse arguments, read inputs, analyze, render, exit code — no logic of its own.

Exit status (CONTRACT.md): 0 nothing at or above `--fail-on`; 1 findings at or above it; 2 a usage
error or an input that could not be read (any error diagnostic: a gate must fail closed).

This module is the one place where the analyzer meets the parsers.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Sequence, Union

from credmint.analyzer.app.assemble import build_report
from credmint.analyzer.baseline import Baseline, BaselineError, accepted_findings, read_baseline, write_baseline
from credmint.analyzer.app.config import ConfigError, RunSettings, config_path, load_settings
from credmint.analyzer.diff import Diff, diff_reports
from credmint.analyzer.app.git_base import BaseRevisionError, checkout, repository_root
from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel, Inventory, merge
from credmint.analyzer.lookup import UnknownIdentity
from credmint.analyzer.report import Report
from credmint.analyzer.reports import plain
from credmint.analyzer.rules import FAIL_ON_CHOICES, Finding, at_or_above
from credmint.analyzer.suppressions import InlineLookup, Suppressions
from credmint.analyzer.app.trusted import added_suppressions, known_to_base
from credmint.analyzer.walk import Analysis, analyze

FORMATS = ("text", "json", "sarif", "markdown", "mermaid", "dot", "inventory")
GRAPH_FORMATS = ("mermaid", "dot")
RENDERERS = {
    "text": "credmint.analyzer.reports.text",
    "json": "credmint.analyzer.reports.json_report",
    "sarif": "credmint.analyzer.reports.sarif",
    "markdown": "credmint.analyzer.reports.markdown",
    "mermaid": "credmint.analyzer.reports.mermaid",
    "dot": "credmint.analyzer.reports.dot",
}
DIFF_RENDERERS = {**RENDERERS, "text": "credmint.analyzer.reports.diff_text", "json": "credmint.analyzer.reports.diff_json"}
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
HEAD_REF = "working tree"
PRIOR_STATE = "prior-state"

Subject = Union[Report, Diff]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> "NoReturn":  # type: ignore[name-defined]  # noqa: F821
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"credmint: error: {message}\n")


class UsageError(Exception):
    """Arguments that parse but cannot be used together."""


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def _account(text: str) -> str:
    if len(text) != 12 or not text.isdigit():
        raise argparse.ArgumentTypeError(f"an account id is 12 digits, got {text!r}")
    return text


def _limit(text: str) -> tuple[str, int]:
    from credmint.parsers.limits import parse_limit

    try:
        return parse_limit(text)
    except ValueError as problem:
        raise argparse.ArgumentTypeError(str(problem)) from None


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--account-id", type=_account, help="the 12-digit account the templates deploy into")
    common.add_argument("--format", choices=FORMATS, default=None, help="output format (text on a terminal)")
    common.add_argument("-o", "--output", type=Path, help="write the report to FILE instead of stdout")
    common.add_argument("--var", type=_pair, action="append", default=[], metavar="NAME=VALUE")
    common.add_argument("--var-file", type=Path, action="append", default=[], metavar="FILE")
    common.add_argument("--parameter", type=_pair, action="append", default=[], metavar="NAME=VALUE")
    common.add_argument(
        "--workspace", metavar="NAME",
        help="terraform.workspace (default: $TF_WORKSPACE; unset, it is a choice read both ways)",
    )
    common.add_argument(
        "--account-map", type=_pair, action="append", default=[], metavar="PATH=ACCOUNT",
        help="templates under PATH deploy into ACCOUNT (analyse several accounts together)",
    )
    common.add_argument("--stack-name", help="CloudFormation stack name, for generated names")
    common.add_argument("--fail-on", choices=FAIL_ON_CHOICES, default=None, help="default high")
    common.add_argument("--config", type=Path, help="settings file (default .credmint.yaml)")
    common.add_argument("--root", type=Path, help="project root: nothing outside it is read")
    common.add_argument(
        "--no-cache", action="store_true",
        help="parse every file afresh instead of using the parse cache under $XDG_CACHE_HOME/credmint",
    )
    common.add_argument(
        "--config-dir", type=Path, metavar="DIR",
        help="the .tf files behind a plan JSON: they fill what the plan leaves unknown and give lines",
    )
    common.add_argument("--baseline", type=Path, metavar="FILE", help="accepted findings (JSON)")
    common.add_argument("--update-baseline", action="store_true", help="write today's findings to --baseline")
    common.add_argument("--focus", metavar="PRINCIPAL|TARGET", help="graph formats: only chains through it")
    common.add_argument(
        "--source-name", metavar="NAME",
        help="the repository's name in an exported inventory (--format inventory, --export-inventory), which "
        "merged scans put before its files (NAME:path:line)",
    )
    common.add_argument(
        "--export-inventory", type=Path, metavar="FILE",
        help="also write what was read as an inventory file (as --format inventory writes it)",
    )
    common.add_argument(
        "-v", "--verbose", action="store_true",
        help="text: every grant's reasons, conditions and sources, service paths and info diagnostics",
    )
    common.add_argument(
        "--limit", type=_limit, action="append", default=[], metavar="NAME=N",
        help="raise or lower a hostile-input bound (README: Hostile input and limits)",
    )
    parser = _Parser(prog="credmint", description="Who can mint temporary AWS credentials for what.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    scan_command = commands.add_parser("scan", parents=[common], help="analyse templates and print the report")
    scan_command.add_argument(
        "--settings-from", metavar="GIT_REF",
        help="read the settings, baseline and inline suppressions from this revision (a pull "
             "request's base), so that the scanned change cannot silence its own findings",
    )
    scan_command.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    diff_command = commands.add_parser("diff", parents=[common], help="what the change adds or removes")
    diff_command.add_argument("--base", required=True, metavar="BASE_PATH_OR_GIT_REF")
    diff_command.add_argument(
        "--head", metavar="GIT_REF",
        help="read the head from this revision (checked out, never run) instead of the working tree",
    )
    diff_command.add_argument(
        "--trust-head-suppressions", action="store_true",
        help="obey the settings, baseline and inline suppressions the change itself adds",
    )
    diff_command.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    explain_command = commands.add_parser("explain", parents=[common], help="why a principal reaches a target")
    explain_command.add_argument("principal", metavar="PRINCIPAL")
    explain_command.add_argument("rest", nargs="*", metavar="[TARGET] [PATH ...]")
    commands.add_parser("github-action", help="run as the GitHub Action (reads GITHUB_* and INPUT_*)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # A run builds millions of small objects (parse trees, tokens) that live until it ends and
    # makes next to no cyclic garbage: the cycle collector only re-walked them, for ~40% of a large
    # scan at its default thresholds and still 12% at high ones (bench/). Reference counting frees
    # the rest; the peak memory of the benchmark scans is the same without it.
    args = build_parser().parse_args(argv)
    command = {"scan": scan, "diff": scan, "explain": explain, "github-action": github_action}[args.command]
    collecting = gc.isenabled()
    gc.disable()
    try:
        return command(args)
    except (UsageError, ConfigError, BaselineError, BaseRevisionError, UnknownIdentity) as problem:
        sys.stderr.write(f"credmint: error: {plain.line(str(problem))}\n")
        return EXIT_ERROR
    finally:
        _stop_storing_trees()
        if collecting:
            gc.enable()  # for a caller in the same process (the tests)


def _stop_storing_trees() -> None:
    """The workers storing parsed trees (parsers/terraform/hcl.py `parse_ahead`) end with the run:
    `Reading.checked` ends them, but a reading that failed before it never gets there."""
    hcl = sys.modules.get("credmint.parsers.terraform.hcl")
    if hcl is not None:
        hcl.finish_filling()


def scan(args: argparse.Namespace) -> int:
    """`scan` and `diff`: the report (or the diff), rendered, and its exit status."""
    if args.focus and args.format not in GRAPH_FORMATS:
        raise UsageError("--focus applies to --format mermaid or dot")
    if args.format == "inventory":
        return export_inventory(args)
    subject, code = evaluate(args)
    _write(_render(subject, args.format, args.output, args.focus, args.verbose), args.output)
    return code


def evaluate(args: argparse.Namespace) -> tuple[Subject, int]:
    """The report of `scan`, or the diff of `diff`, with its exit status."""
    if args.command == "diff":
        return _diff(args)
    if args.settings_from:
        return _scan_trusting(args, args.settings_from)
    settings = _settings(args)
    head = _report([Path(p) for p in args.paths], args, settings, args.root, head=True)
    return head, exit_code(head.analysis.diagnostics, head.findings, settings.fail_on)


def _diff(args: argparse.Namespace) -> tuple[Diff, int]:
    """Base and head with the base's settings, baseline and inline suppressions (issue 15 §1);
    what the change's own would silence is listed as suppressions it adds, unless trusted."""
    with ExitStack() as stack:
        revision = _revision_tree(args, stack)
        head_tree = _head_tree(args, stack)
        own = _settings(args, head_tree)
        trusted = own if revision is None or args.trust_head_suppressions else _settings(args, revision)
        base = _base_report(args, trusted, revision)
        head_paths = [Path(p) for p in args.paths]
        head_root = args.root
        if head_tree is not None:
            head_paths, head_root = _tree_paths(head_tree, head_paths), head_tree.tree
        analysis, ctx = _analysis(head_paths, args, trusted, head_root, head=True)
        from credmint.parsers.suppressions import InlineSuppressions

        inline = InlineSuppressions(ctx.root)
        if revision is None or args.trust_head_suppressions:
            head = _build(analysis, args, trusted, _baseline(args, head_tree), inline)
            claimed = head
        else:
            base_inline = InlineSuppressions(revision.tree)
            head = _build(
                analysis, args, trusted, _baseline(args, revision), known_to_base(inline, base_inline)
            )
            claimed = _build(analysis, args, own, _baseline(args, head_tree), inline)
    diff = diff_reports(base, head, base_ref=args.base, head_ref=_head_ref(args))
    added = added_suppressions(head, claimed, {f.key for f in diff.findings}, own.file or "settings")
    diff = replace(diff, added_suppressions=added)
    return diff, exit_code(diff.diagnostics, diff.findings, trusted.fail_on)


def _scan_trusting(args: argparse.Namespace, revision_ref: str) -> tuple[Report, int]:
    """`scan --settings-from REV`: the head scanned with REV's settings, baseline and inline
    suppressions (the Action's `diff: off` on a pull request); what the head alone would silence
    stays a finding (issue 15 §1)."""
    if args.update_baseline:
        raise UsageError("--update-baseline reads the working tree's settings: not with --settings-from")
    from credmint.parsers.suppressions import InlineSuppressions

    with ExitStack() as stack:
        revision = _checkout(args, revision_ref, stack)
        trusted = _settings(args, revision)
        paths = [Path(p) for p in args.paths]
        analysis, ctx = _analysis(paths, args, trusted, args.root, head=True)
        inline = known_to_base(InlineSuppressions(ctx.root), InlineSuppressions(revision.tree))
        head = _build(analysis, args, trusted, _baseline(args, revision), inline)
    return head, exit_code(head.analysis.diagnostics, head.findings, trusted.fail_on)


@dataclass(frozen=True, slots=True)
class _Tree:
    """A git revision checked out beside the working tree: `repo` is the working tree's root."""

    repo: Path
    tree: Path

    def place(self, path: Path) -> Path | None:
        """`path` of the working tree in this revision; None when it is outside the repository."""
        lexical = Path(os.path.abspath(path))
        # the folder's links resolved (git reports the root resolved), not the file's own
        for candidate in (lexical, Path(os.path.realpath(lexical.parent)) / lexical.name):
            if candidate.is_relative_to(self.repo):
                return self.tree / candidate.relative_to(self.repo)
        return None


def _revision_tree(args: argparse.Namespace, stack: ExitStack) -> _Tree | None:
    """The base checked out when `--base` is a git revision (not a path, not prior-state)."""
    if args.base == PRIOR_STATE or Path(args.base).exists():
        return None
    return _checkout(args, args.base, stack)


def _head_tree(args: argparse.Namespace, stack: ExitStack) -> _Tree | None:
    """`--head REV`: the head read from a checkout of that revision, never run (pull_request_target)."""
    return _checkout(args, args.head, stack) if args.head else None


def _checkout(args: argparse.Namespace, revision: str, stack: ExitStack) -> _Tree:
    heads = [Path(os.path.abspath(p)) for p in args.paths]
    repo = repository_root(heads[0])
    if not all(h.is_relative_to(repo) for h in heads):
        raise UsageError(f"every PATH must be inside the repository {repo} to diff against a revision")
    return _Tree(repo=repo, tree=stack.enter_context(checkout(repo, revision)))


def _tree_paths(tree: _Tree, paths: list[Path]) -> list[Path]:
    placed = [tree.place(p) for p in paths]
    return [p for p in placed if p is not None and p.exists()]


def _settings(args: argparse.Namespace, tree: _Tree | None = None) -> RunSettings:
    """The settings of the working tree, or of a checked-out revision: its settings file, read at the
    same place as the working tree's (a revision without one has the defaults)."""
    env: dict[str, str] = dict(os.environ)
    config, cwd, search = args.config, Path.cwd(), True
    if tree is not None:
        given = config_path(args.config, env)
        env.pop("CREDMINT_CONFIG", None)
        placed_cwd = tree.place(cwd)
        placed = None if given is None else tree.place(given)
        if placed is not None:  # a file of the repository: the revision's copy, whatever the cwd
            cwd = placed_cwd or tree.tree
            config, search = (placed, True) if placed.exists() else (None, False)
        elif given is None and placed_cwd is not None:
            cwd = placed_cwd
        # else: a file outside the repository, or a cwd outside it: the workflow's, not the change's
    settings = load_settings(
        account_id=args.account_id, fail_on=args.fail_on, config=config, env=env, cwd=cwd, search=search
    )
    for warning in settings.warnings:
        sys.stderr.write(f"credmint: warning: {plain.line(warning)}\n")
    if args.update_baseline and (args.baseline is None or args.command != "scan"):
        raise UsageError("--update-baseline needs scan and --baseline FILE")
    return settings


def _baseline(args: argparse.Namespace, tree: _Tree | None) -> Baseline:
    """The accepted findings: from the revision's copy of `--baseline` when given a tree (none when
    the revision has no such file: the change adds it)."""
    if args.baseline is None or getattr(args, "update_baseline", False):
        return {}
    if tree is None:
        return read_baseline(args.baseline)
    placed = tree.place(args.baseline)
    if placed is None:
        return read_baseline(args.baseline)
    return read_baseline(placed) if placed.exists() else {}


def _head_ref(args: argparse.Namespace) -> str:
    if args.head:
        return args.head
    if args.base == PRIOR_STATE:
        return "planned values"
    return " ".join(args.paths) if Path(args.base).exists() else HEAD_REF


def _base_report(args: argparse.Namespace, settings: RunSettings, revision: _Tree | None) -> Report:
    """The base: the plans' prior state, a directory or plan given as `--base`, else a git revision."""
    if args.base == PRIOR_STATE:
        plans = [Path(p) for p in args.paths if Path(p).is_file() and Path(p).suffix == ".json"]
        if not plans or len(plans) != len(args.paths):
            raise UsageError("--base prior-state compares a Terraform plan JSON's prior state with its "
                             "planned values: give only plan JSON files as PATH")
        return _report(plans, args, settings, args.root, prior_state=True)
    if revision is None:
        return _report([Path(args.base)], args, settings, None)
    return _report(_tree_paths(revision, [Path(p) for p in args.paths]), args, settings, revision.tree,
                   tree=revision)


def export_inventory(args: argparse.Namespace) -> int:
    """`scan --format inventory`: what the templates hold, for a merged scan elsewhere (issue 18).
    Findings do not gate an export; an input that could not be read does (exit 2)."""
    from credmint.parsers.detect import load_inputs

    if args.command != "scan":
        raise UsageError("--format inventory applies to scan")
    settings = _settings(args)
    paths = [Path(p) for p in args.paths]
    inventory = load_inputs(paths, _context(paths, args, settings, args.root))
    _write(_inventory_bytes(inventory, args, settings), args.output)
    return EXIT_ERROR if any(d.level is DiagnosticLevel.ERROR for d in inventory.diagnostics) else EXIT_OK


def _inventory_bytes(inventory: Inventory, args: argparse.Namespace, settings: RunSettings) -> bytes:
    from credmint.analyzer import __version__
    from credmint.analyzer.inventory_json import dumps

    return dumps(inventory, account_id=settings.account_id, source_name=args.source_name, version=__version__)


def _context(
    paths: list[Path], args: argparse.Namespace, settings: RunSettings, root: Path | None
) -> "ParseContext":  # noqa: F821 (parsers are imported lazily)
    """How the parsers read the inputs: `--var`, `--parameter`, `--account-map`, the limits, the root."""
    from credmint.parsers.context import ParseContext
    from credmint.parsers.detect import project_root
    from credmint.parsers.limits import Limits
    from credmint.parsers.terraform.parse_cache import default_folder

    return ParseContext(
        root=project_root(paths, root) if paths else (root or Path.cwd()).resolve(),
        account_id=settings.account_id,
        variables=dict(args.var),
        var_files=tuple(args.var_file),
        workspace=getattr(args, "workspace", None) or os.environ.get("TF_WORKSPACE") or None,
        parameters=dict(args.parameter),
        stack_name=args.stack_name,
        config_dir=args.config_dir,
        account_map=tuple((Path(path), _account(account)) for path, account in args.account_map),
        limits=Limits(**dict(args.limit)),
        parse_cache=None if args.no_cache else default_folder(),
        aws_policies=_aws_policies(),
    )


def _analysis(
    paths: list[Path], args: argparse.Namespace, settings: RunSettings, root: Path | None, *,
    prior_state: bool = False, head: bool = False,
) -> tuple[Analysis, "ParseContext"]:  # noqa: F821 (parsers are imported lazily)
    """The analysis of `paths` and the parse context it was read with; the head's inventory is
    also written to `--export-inventory` (issue 18)."""
    from credmint.parsers.detect import read_inputs

    ctx = _context(paths, args, settings, root)
    if prior_state:
        inventory = _prior_state(paths, ctx)
        analysis = analyze(inventory, _managed_policies())
    else:
        reading = read_inputs(paths, ctx)
        try:
            # The walk overlaps the check that the blocks nothing read parse (parsers/terraform/unread.py).
            analysis = analyze(reading.inventory, _managed_policies())
        finally:
            inventory = reading.checked()
        if inventory is not reading.inventory:  # a block nothing read is broken: the eager reading
            analysis = analyze(inventory, _managed_policies())
    if head and args.export_inventory is not None:
        _write(_inventory_bytes(inventory, args, settings), args.export_inventory)
    return analysis, ctx


def _build(
    analysis: Analysis,
    args: argparse.Namespace,
    settings: RunSettings,
    baseline: Baseline,
    inline: InlineLookup | None,
) -> Report:
    suppressions = Suppressions(
        trusted_principals=frozenset(settings.trusted_principals),
        ignores=settings.ignores,
        baseline=baseline,
        baseline_file=str(args.baseline or ""),
        inline=inline,
    )
    return build_report(analysis, rules=settings.rules, suppressions=suppressions, fail_on=settings.fail_on)


def _report(
    paths: list[Path], args: argparse.Namespace, settings: RunSettings, root: Path | None, *,
    prior_state: bool = False, tree: _Tree | None = None, head: bool = False,
) -> Report:
    from credmint.parsers.suppressions import InlineSuppressions

    analysis, ctx = _analysis(paths, args, settings, root, prior_state=prior_state, head=head)
    report = _build(analysis, args, settings, _baseline(args, tree), InlineSuppressions(ctx.root))
    if args.update_baseline:
        write_baseline(args.baseline, report.findings)
        accepted = accepted_findings(report.findings)
        report = _build(analysis, args, settings, accepted, InlineSuppressions(ctx.root))
    return report


def _prior_state(plans: list[Path], ctx) -> Inventory:
    """What the plans' `prior_state` holds: the base of `--base prior-state` (issue 6 §3)."""
    from credmint.parsers.terraform_plan import parse_plan_prior_state

    return merge([parse_plan_prior_state(plan, ctx) for plan in plans])


def _aws_policies():
    """AWS managed policies by name, for the parsers (Terraform's `data "aws_iam_policy"`)."""
    from credmint.analyzer.managed import aws_policy

    return aws_policy


def _managed_policies():
    """The AWS managed policy snapshot (SEMANTICS.md §8); it is read on the first lookup."""
    from credmint.analyzer.managed import lookup

    return lookup


def exit_code(diagnostics: Sequence[Diagnostic], findings: Sequence[Finding], fail_on: str) -> int:
    if any(d.level is DiagnosticLevel.ERROR for d in diagnostics):
        return EXIT_ERROR
    if any(at_or_above(f.severity, fail_on) for f in findings):
        return EXIT_FINDINGS
    return EXIT_OK


def explain(args: argparse.Namespace) -> int:
    """`explain PRINCIPAL [TARGET] [PATH ...]`: a second word that is no existing path is the target."""
    from credmint.analyzer.explain import explain_chains, render_json, render_text

    rest = list(args.rest)
    target = rest.pop(0) if rest and not Path(rest[0]).exists() else None
    settings = _settings(args)
    report = _report([Path(p) for p in rest or ["."]], args, settings, args.root, head=True)
    explanation = explain_chains(report.analysis, args.principal, target)
    text = render_json(explanation) if args.format == "json" else render_text(explanation)
    _write(text, args.output)
    has_errors = any(d.level is DiagnosticLevel.ERROR for d in report.analysis.diagnostics)
    return EXIT_ERROR if has_errors else EXIT_OK


def github_action(args: argparse.Namespace) -> int:
    from credmint.analyzer.app.github_action import run

    return run(os.environ, lambda argv: evaluate(build_parser().parse_args(argv)))


def _render(subject: Subject, fmt: str | None, output: Path | None, focus: str | None, verbose: bool = False) -> str:
    if fmt is None:
        fmt = "text" if output is None and sys.stdout.isatty() else "json"
    table = DIFF_RENDERERS if isinstance(subject, Diff) else RENDERERS
    module = importlib.import_module(table[fmt])
    if fmt in GRAPH_FORMATS:
        return module.render(subject, focus=focus)
    if module.__name__.endswith("diff_text"):
        return module.render(subject, color=_use_color(output))
    if fmt == "text":
        return module.render(subject, verbose=verbose, color=_use_color(output))
    return module.render(subject)


def _use_color(output: Path | None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (no-color.org)."""
    return output is None and sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _write(text: str | bytes, output: Path | None) -> None:
    """stdout, or `--output`: its missing folders are created; a file that cannot be written is a
    usage error (exit 2), never a traceback with the findings' exit status (issue 15 §5)."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(data)
    except OSError as problem:
        raise UsageError(f"cannot write {output}: {problem.strerror or problem}") from None


def run() -> None:
    """The `credmint` command: `main`, then exit without tearing the heap down object by object.

    Freeing a large scan's millions of objects at interpreter shutdown took as long as the scan's
    own analysis (bench/); output is flushed first and nothing of ours waits on `atexit`.
    An exception nobody expected is exit status 2, never Python's 1 (which says "findings"): a
    gate fails closed with the status that says the run is incomplete."""
    try:
        code = main()
    except Exception as problem:  # noqa: BLE001 (a bug or a bound not yet named: fail closed)
        sys.stderr.write(f"credmint: error: internal error: {plain.line(repr(problem))}\n")
        code = EXIT_ERROR
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
