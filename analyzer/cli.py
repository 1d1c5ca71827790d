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
from dataclasses import replace
from pathlib import Path
from typing import Sequence, Union

from analyzer.assemble import build_report
from analyzer.baseline import BaselineError, read_baseline, write_baseline
from analyzer.config import ConfigError, RunSettings, load_settings
from analyzer.diff import Diff, diff_reports
from analyzer.git_base import BaseRevisionError, checkout, repository_root
from analyzer.inventory import Diagnostic, DiagnosticLevel, Inventory, merge
from analyzer.report import Report
from analyzer.rules import FAIL_ON_CHOICES, Finding, at_or_above
from analyzer.suppressions import Suppressions
from analyzer.walk import analyze

FORMATS = ("text", "json", "sarif", "markdown", "mermaid", "dot")
GRAPH_FORMATS = ("mermaid", "dot")
RENDERERS = {
    "text": "analyzer.reports.text",
    "json": "analyzer.reports.json_report",
    "sarif": "analyzer.reports.sarif",
    "markdown": "analyzer.reports.markdown",
    "mermaid": "analyzer.reports.mermaid",
    "dot": "analyzer.reports.dot",
}
DIFF_RENDERERS = {**RENDERERS, "text": "analyzer.reports.diff_text", "json": "analyzer.reports.diff_json"}
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
    from parsers.limits import parse_limit

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
    scan_command.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    diff_command = commands.add_parser("diff", parents=[common], help="what the change adds or removes")
    diff_command.add_argument("--base", required=True, metavar="BASE_PATH_OR_GIT_REF")
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
    except (UsageError, ConfigError, BaselineError, BaseRevisionError, LookupError) as problem:
        sys.stderr.write(f"credmint: error: {problem}\n")
        return EXIT_ERROR
    finally:
        if collecting:
            gc.enable()  # for a caller in the same process (the tests)


def scan(args: argparse.Namespace) -> int:
    """`scan` and `diff`: the report (or the diff), rendered, and its exit status."""
    if args.focus and args.format not in GRAPH_FORMATS:
        raise UsageError("--focus applies to --format mermaid or dot")
    subject, code = evaluate(args)
    _write(_render(subject, args.format, args.output, args.focus, args.verbose), args.output)
    return code


def evaluate(args: argparse.Namespace) -> tuple[Subject, int]:
    """The report of `scan`, or the diff of `diff`, with its exit status."""
    settings = _settings(args)
    head = _report([Path(p) for p in args.paths], args, settings, args.root)
    if args.command != "diff":
        return head, exit_code(head.analysis.diagnostics, head.findings, settings.fail_on)
    with ExitStack() as stack:
        base = _base_report(args, settings, stack)
    head_ref = _head_ref(args)
    diff = diff_reports(base, head, base_ref=args.base, head_ref=head_ref)
    return diff, exit_code(diff.diagnostics, diff.findings, settings.fail_on)


def _settings(args: argparse.Namespace) -> RunSettings:
    settings = load_settings(
        account_id=args.account_id, fail_on=args.fail_on, config=args.config, env=os.environ, cwd=Path.cwd()
    )
    for warning in settings.warnings:
        sys.stderr.write(f"credmint: warning: {warning}\n")
    if args.update_baseline and (args.baseline is None or args.command != "scan"):
        raise UsageError("--update-baseline needs scan and --baseline FILE")
    return settings


def _head_ref(args: argparse.Namespace) -> str:
    if args.base == PRIOR_STATE:
        return "planned values"
    return " ".join(args.paths) if Path(args.base).exists() else HEAD_REF


def _base_report(args: argparse.Namespace, settings: RunSettings, stack: ExitStack) -> Report:
    """The base: the plans' prior state, a directory or plan given as `--base`, else a git revision."""
    if args.base == PRIOR_STATE:
        plans = [Path(p) for p in args.paths if Path(p).is_file() and Path(p).suffix == ".json"]
        if not plans or len(plans) != len(args.paths):
            raise UsageError("--base prior-state compares a Terraform plan JSON's prior state with its "
                             "planned values: give only plan JSON files as PATH")
        return _report(plans, args, settings, args.root, prior_state=True)
    given = Path(args.base)
    if given.exists():
        return _report([given], args, settings, None)
    heads = [Path(p).resolve() for p in args.paths]
    repo = repository_root(heads[0])
    try:
        relative = [h.relative_to(repo) for h in heads]
    except ValueError:
        raise UsageError(f"every PATH must be inside the repository {repo} to diff against a revision") from None
    tree = stack.enter_context(checkout(repo, args.base))
    return _report([tree / r for r in relative if (tree / r).exists()], args, settings, tree)


def _report(
    paths: list[Path], args: argparse.Namespace, settings: RunSettings, root: Path | None, *, prior_state: bool = False
) -> Report:
    from parsers.context import ParseContext
    from parsers.terraform.parse_cache import default_folder
    from parsers.detect import load_inputs, project_root
    from parsers.limits import Limits
    from parsers.suppressions import InlineSuppressions

    ctx = ParseContext(
        root=project_root(paths, root) if paths else (root or Path.cwd()).resolve(),
        account_id=settings.account_id,
        variables=dict(args.var),
        var_files=tuple(args.var_file),
        parameters=dict(args.parameter),
        stack_name=args.stack_name,
        config_dir=args.config_dir,
        account_map=tuple((Path(path), _account(account)) for path, account in args.account_map),
        limits=Limits(**dict(args.limit)),
        parse_cache=None if args.no_cache else default_folder(),
    )
    inventory = _prior_state(paths, ctx) if prior_state else load_inputs(paths, ctx)
    analysis = analyze(inventory, _managed_policies())
    suppressions = Suppressions(
        trusted_principals=frozenset(settings.trusted_principals),
        ignores=settings.ignores,
        baseline=read_baseline(args.baseline) if args.baseline and not args.update_baseline else frozenset(),
        baseline_file=str(args.baseline or ""),
        inline=InlineSuppressions(ctx.root),
    )
    report = build_report(analysis, rules=settings.rules, suppressions=suppressions, fail_on=settings.fail_on)
    if args.update_baseline:
        write_baseline(args.baseline, report.findings)
        accepted = frozenset(f.key for f in report.findings)
        report = build_report(
            analysis,
            rules=settings.rules,
            suppressions=replace(suppressions, baseline=accepted),
            fail_on=settings.fail_on,
        )
    return report


def _prior_state(plans: list[Path], ctx) -> Inventory:
    """What the plans' `prior_state` holds: the base of `--base prior-state` (issue 6 §3)."""
    from parsers.terraform_plan import parse_plan_prior_state

    return merge([parse_plan_prior_state(plan, ctx) for plan in plans])


def _managed_policies():
    """The AWS managed policy snapshot (SEMANTICS.md §8); it is read on the first lookup."""
    from analyzer.managed import lookup

    return lookup


def exit_code(diagnostics: Sequence[Diagnostic], findings: Sequence[Finding], fail_on: str) -> int:
    if any(d.level is DiagnosticLevel.ERROR for d in diagnostics):
        return EXIT_ERROR
    if any(at_or_above(f.severity, fail_on) for f in findings):
        return EXIT_FINDINGS
    return EXIT_OK


def explain(args: argparse.Namespace) -> int:
    """`explain PRINCIPAL [TARGET] [PATH ...]`: a second word that is no existing path is the target."""
    from analyzer.explain import explain_chains, render_json, render_text

    rest = list(args.rest)
    target = rest.pop(0) if rest and not Path(rest[0]).exists() else None
    settings = _settings(args)
    report = _report([Path(p) for p in rest or ["."]], args, settings, args.root)
    explanation = explain_chains(report.analysis, args.principal, target)
    text = render_json(explanation) if args.format == "json" else render_text(explanation)
    _write(text, args.output)
    has_errors = any(d.level is DiagnosticLevel.ERROR for d in report.analysis.diagnostics)
    return EXIT_ERROR if has_errors else EXIT_OK


def github_action(args: argparse.Namespace) -> int:
    from analyzer.github_action import run

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


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


def run() -> None:
    """The `credmint` command: `main`, then exit without tearing the heap down object by object.

    Freeing a large scan's millions of objects at interpreter shutdown took as long as the scan's
    own analysis (bench/); output is flushed first and nothing of ours waits on `atexit`."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
