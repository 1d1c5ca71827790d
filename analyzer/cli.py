"""The `credmint` command: parse arguments, read inputs, analyze, render, exit code — no logic of its own.

Exit status (CONTRACT.md): 0 nothing at or above `--fail-on`; 1 findings at or above it; 2 a usage
error or an input that could not be read (any error diagnostic: a gate must fail closed).

This module is the one place where the analyzer meets the parsers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from analyzer.inventory import DiagnosticLevel
from analyzer.report import Report
from analyzer.rules import FAIL_ON_CHOICES, Settings, at_or_above, find_findings
from analyzer.walk import analyze

FORMATS = ("text", "json")
EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> "NoReturn":  # type: ignore[name-defined]  # noqa: F821
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"credmint: error: {message}\n")


def _pair(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    return name, value


def _account(text: str) -> str:
    if len(text) != 12 or not text.isdigit():
        raise argparse.ArgumentTypeError(f"an account id is 12 digits, got {text!r}")
    return text


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--account-id", type=_account, help="the 12-digit account the templates deploy into")
    common.add_argument("--format", choices=FORMATS, default=None, help="output format (text on a terminal)")
    common.add_argument("-o", "--output", type=Path, help="write the report to FILE instead of stdout")
    common.add_argument("--var", type=_pair, action="append", default=[], metavar="NAME=VALUE")
    common.add_argument("--var-file", type=Path, action="append", default=[], metavar="FILE")
    common.add_argument("--parameter", type=_pair, action="append", default=[], metavar="NAME=VALUE")
    common.add_argument("--stack-name", help="CloudFormation stack name, for generated names")
    common.add_argument("--fail-on", choices=FAIL_ON_CHOICES, default="high")
    common.add_argument("--config", type=Path, help="settings file (default .credmint.yaml)")
    common.add_argument("--root", type=Path, help="project root: nothing outside it is read")
    parser = _Parser(prog="credmint", description="Who can mint temporary AWS credentials for what.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    scan = commands.add_parser("scan", parents=[common], help="analyse templates and print the report")
    scan.add_argument("paths", nargs="*", default=["."], metavar="PATH")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return scan(args)


def scan(args: argparse.Namespace) -> int:
    from parsers.context import ParseContext
    from parsers.detect import load_inputs, project_root

    paths = [Path(p) for p in args.paths]
    ctx = ParseContext(
        root=project_root(paths, args.root),
        account_id=args.account_id,
        variables=dict(args.var),
        var_files=tuple(args.var_file),
        parameters=dict(args.parameter),
        stack_name=args.stack_name,
    )
    inventory = load_inputs(paths, ctx)
    analysis = analyze(inventory, _managed_policies())
    settings = Settings(account_id=args.account_id)
    report = Report(analysis=analysis, account_id=args.account_id, findings=find_findings(analysis, settings))
    _write(_render(report, args.format, args.output), args.output)
    return exit_code(report, args.fail_on)


def _managed_policies():
    """The AWS managed policy snapshot (SEMANTICS.md §8); it is read on the first lookup."""
    from analyzer.managed import lookup

    return lookup


def exit_code(report: Report, fail_on: str) -> int:
    if any(d.level is DiagnosticLevel.ERROR for d in report.analysis.diagnostics):
        return EXIT_ERROR
    if any(at_or_above(f.severity, fail_on) for f in report.findings):
        return EXIT_FINDINGS
    return EXIT_OK


def _render(report: Report, fmt: str | None, output: Path | None) -> str:
    if fmt is None:
        fmt = "text" if output is None and sys.stdout.isatty() else "json"
    if fmt == "json":
        from analyzer.reports.json_report import render
    else:
        from analyzer.reports.text import render
    return render(report)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
