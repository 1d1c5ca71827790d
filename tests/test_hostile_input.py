"""Hostile and broken input fails closed and stays bounded (issue 9; README "Hostile input and limits").

Each case is built in tmp_path beside a good template whose grant must still be reported: the run
exits 2, the error diagnostic names the bad file, and the good grant is in the report. Bounded cases
run the CLI in a subprocess under a 60 s timeout and a 1 GiB peak-RSS check (safety limits, not
speed benchmarks).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path
from typing import Callable

import pytest

from credmint.analyzer.reports.markdown import text as markdown_text
from credmint.analyzer.app.cli import main

REPO = Path(__file__).resolve().parent.parent
ACCOUNT = "111111111111"
GOOD_GRANT = (f"arn:aws:iam::{ACCOUNT}:user/alice", "sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/deploy", "definite")
TIMEOUT_S = 60
MAX_RSS_BYTES = 1024**3

GOOD_TEMPLATE = f"""AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Alice:
    Type: AWS::IAM::User
    Properties:
      UserName: alice
      Policies:
        - PolicyName: assume
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: sts:AssumeRole
                Resource: arn:aws:iam::{ACCOUNT}:role/deploy
  Deploy:
    Type: AWS::IAM::Role
    Properties:
      RoleName: deploy
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              AWS: arn:aws:iam::{ACCOUNT}:root
            Action: sts:AssumeRole
"""

ROLE_TF = """resource "aws_iam_role" "ops" {
  name               = "ops"
  assume_role_policy = jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "ec2.amazonaws.com" } }] })
}
"""


def project(tmp_path: Path) -> Path:
    """A project root with the good template in `good/`."""
    write(tmp_path / "good" / "template.yaml", GOOD_TEMPLATE)
    return tmp_path


def write(path: Path, data: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data)
    return path


def scan_in_process(root: Path, *paths: str, fmt: str = "json", command: str = "scan", extra=()) -> tuple[int, str]:
    out = root / f".out.{fmt}"
    code = main([command, "--account-id", ACCOUNT, "--root", str(root), "--format", fmt, "-o", str(out),
                 *extra, *(str(root / p) for p in paths)])
    return code, out.read_text() if out.exists() else ""


def scan_subprocess(root: Path, *paths: str, extra=()) -> tuple[int, dict]:
    """The CLI in a fresh process with a timeout; asserts the whole run stays under 1 GiB."""
    out = root / ".out.json"
    argv = ["scan", "--account-id", ACCOUNT, "--root", str(root), "--format", "json", "-o", str(out),
            *extra, *(str(root / p) for p in paths)]
    code = "import sys; from credmint.analyzer.app.cli import main; sys.exit(main(sys.argv[1:]))"
    # A fresh parse cache per run: the bounds must not depend on what the user's cache holds.
    env = {**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(root.parent / f"{root.name}.cache")}
    done = subprocess.run([sys.executable, "-c", code, *argv], cwd=root, env=env, capture_output=True,
                          text=True, timeout=TIMEOUT_S)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # kB on Linux
    assert peak < MAX_RSS_BYTES, f"peak RSS {peak} bytes"
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(out.read_text())


def grants(report: dict) -> set[tuple[str, str, str, str]]:
    return {(g["principal"], g["action"], g["target"], g["certainty"]) for g in report["grants"]}


def errors(report: dict) -> list[dict]:
    return [d for d in report["diagnostics"] if d["level"] == "error"]


def assert_fails_closed(code: int, report: dict, bad_file: str) -> dict:
    """Exit 2, the good grant still reported, one error naming `bad_file`, no internal error."""
    assert code == 2, report["diagnostics"]
    assert GOOD_GRANT in grants(report)
    found = [d for d in errors(report) if d["file"] == bad_file]
    assert found, report["diagnostics"]
    assert isinstance(found[0]["line"], int)
    assert not [d for d in report["diagnostics"] if "internal error" in d["message"]], report["diagnostics"]
    return found[0]


# --- 1. fail closed --------------------------------------------------------------------------

BROKEN: dict[str, tuple[Callable[[Path], None], str, int | None]] = {
    "hcl syntax error": (lambda r: write(r / "tf" / "main.tf", 'resource "aws_iam_role" "x" {\n  name = \n'), "tf/main.tf", 2),
    "yaml syntax error": (
        lambda r: write(r / "cfn" / "bad.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nResources: [\n  {a: b\n'),
        "cfn/bad.yaml", None,
    ),
    "json template syntax error": (
        lambda r: write(r / "cfn" / "bad.json", '{"AWSTemplateFormatVersion": "2010-09-09",\n "Resources": {\n'),
        "cfn/bad.json", None,
    ),
    "non-utf-8 tf": (lambda r: write(r / "tf" / "main.tf", ROLE_TF.encode() + b'\n# caf\xe9\n'), "tf/main.tf", 6),
    "non-utf-8 yaml": (
        lambda r: write(r / "cfn" / "t.yaml", b'AWSTemplateFormatVersion: "2010-09-09"\nDescription: caf\xe9\n'),
        "cfn/t.yaml", 2,
    ),
    "directory named x.tf": (lambda r: (write(r / "tf" / "main.tf", ROLE_TF), (r / "tf" / "x.tf").mkdir()), "tf/x.tf", None),
    "broken symlink tf": (lambda r: (write(r / "tf" / "main.tf", ROLE_TF), (r / "tf" / "gone.tf").symlink_to(r / "nowhere.tf")), "tf/gone.tf", None),
    "broken symlink template": (lambda r: (r / "good" / "gone.yaml").symlink_to(r / "nowhere.yaml"), "good/gone.yaml", None),
    "symlink tf out of the root": (lambda r: (write(r / "tf" / "main.tf", ROLE_TF), (r / "tf" / "passwd.tf").symlink_to("/etc/passwd")), "tf/passwd.tf", None),
    "symlink template out of the root": (lambda r: (r / "good" / "passwd.template").symlink_to("/etc/passwd"), "good/passwd.template", None),
    "tf policy not json": (
        lambda r: write(r / "tf" / "main.tf", 'resource "aws_iam_role" "x" {\n  name = "x"\n  assume_role_policy = "{not json"\n}\n'),
        "tf/main.tf", 3,
    ),
    "cfn policy not json": (
        lambda r: write(r / "cfn" / "t.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nResources:\n  R:\n    Type: AWS::IAM::Role\n'
                        '    Properties:\n      AssumeRolePolicyDocument: "{not json"\n'),
        "cfn/t.yaml", None,
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_input_fails_closed(tmp_path: Path, name: str) -> None:
    build, bad_file, line = BROKEN[name]
    root = project(tmp_path)
    build(root)
    code, text = scan_in_process(root, ".")
    found = assert_fails_closed(code, json.loads(text), bad_file)
    if line is not None:
        assert found["line"] == line


def test_missing_path_fails_closed(tmp_path: Path) -> None:
    root = project(tmp_path)
    code, text = scan_in_process(root, "good", "missing")
    assert_fails_closed(code, json.loads(text), "missing")


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "markdown", "mermaid", "dot"])
def test_every_format_names_the_broken_file(tmp_path: Path, fmt: str) -> None:
    root = project(tmp_path)
    write(root / "tf" / "main.tf", 'resource "aws_iam_role" "x" {\n')
    code, text = scan_in_process(root, ".", fmt=fmt)
    assert code == 2
    assert (markdown_text("tf/main.tf") if fmt == "markdown" else "tf/main.tf") in text
    if fmt != "sarif":  # SARIF lists findings only, and the good template has none
        assert "alice" in text


def test_sarif_marks_the_run_unsuccessful(tmp_path: Path) -> None:
    root = project(tmp_path)
    write(root / "tf" / "main.tf", 'resource "aws_iam_role" "x" {\n')
    _, text = scan_in_process(root, ".", fmt="sarif")
    invocation = json.loads(text)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    notification = invocation["toolExecutionNotifications"][0]
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "tf/main.tf"


@pytest.mark.parametrize("broken", ["head", "base"])
def test_diff_fails_closed(tmp_path: Path, broken: str) -> None:
    base, head = project(tmp_path / "base"), project(tmp_path / "head")
    write((head if broken == "head" else base) / "tf" / "main.tf", 'resource "aws_iam_role" "x" {\n')
    out = tmp_path / "diff.json"
    code = main(["diff", "--account-id", ACCOUNT, "--root", str(head), "--base", str(base), "--format", "json",
                 "-o", str(out), str(head)])
    assert code == 2
    diagnostics = json.loads(out.read_text())["diagnostics"]
    assert [d for d in diagnostics if d["level"] == "error" and d["file"] == "tf/main.tf"]


def test_explain_fails_closed(tmp_path: Path) -> None:
    root = project(tmp_path)
    write(root / "tf" / "main.tf", 'resource "aws_iam_role" "x" {\n')
    assert main(["explain", "--root", str(root), "--account-id", ACCOUNT, "alice", str(root)]) == 2


# --- 2. bounded ------------------------------------------------------------------------------

DEPTH = 200_000
BILLION_LAUGHS = (
    'AWSTemplateFormatVersion: "2010-09-09"\nMetadata:\n  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(f"  {chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
              f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n" for i in range(8))
    + "Resources: {}\n"
)
HUGE = 50 * 1024 * 1024

BOUNDED: dict[str, tuple[Callable[[Path], None], str]] = {
    "yaml aliases (billion laughs)": (lambda r: write(r / "cfn" / "lol.yaml", BILLION_LAUGHS), "cfn/lol.yaml"),
    "hcl 200,000 brackets": (lambda r: write(r / "tf" / "main.tf", "locals {\n  x = " + "[" * DEPTH + "1" + "]" * DEPTH + "\n}\n"), "tf/main.tf"),
    "hcl 200,000 unclosed parentheses": (lambda r: write(r / "tf" / "main.tf", "locals {\n  x = " + "(" * DEPTH + "\n"), "tf/main.tf"),
    "json 200,000 brackets": (
        lambda r: write(r / "cfn" / "deep.json", '{"AWSTemplateFormatVersion": "2010-09-09", "Metadata": ' + "[" * DEPTH + "]" * DEPTH + "}"),
        "cfn/deep.json",
    ),
    "yaml 200,000 flow brackets": (
        lambda r: write(r / "cfn" / "deep.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nMetadata: ' + "[" * DEPTH + "]" * DEPTH + "\n"),
        "cfn/deep.yaml",
    ),
    "yaml 200,000 block sequences": (
        lambda r: write(r / "cfn" / "deep.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nMetadata:\n  ' + "- " * DEPTH + "x\n"),
        "cfn/deep.yaml",
    ),
    "50 MB tf": (lambda r: write(r / "tf" / "main.tf", ROLE_TF + "#" * HUGE + "\n"), "tf/main.tf"),
    "50 MB yaml template": (
        lambda r: write(r / "cfn" / "big.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nDescription: "' + "x" * HUGE + '"\n'),
        "cfn/big.yaml",
    ),
    "50 MB json found in a folder": (
        lambda r: write(r / "cfn" / "big.json", '{"Resources": {"R": {"Type": "AWS::IAM::Role"}}, "x": "' + "x" * HUGE + '"}'),
        "cfn/big.json",
    ),
    "50 MB plan json": (
        lambda r: write(r / "plan.json", '{"format_version": "1.2", "terraform_version": "1.9.0", "x": "' + "x" * HUGE + '"}'),
        "plan.json",
    ),
}


@pytest.mark.parametrize("name", sorted(BOUNDED))
def test_bounded_input_is_refused_with_a_diagnostic(tmp_path: Path, name: str) -> None:
    build, bad_file = BOUNDED[name]
    root = project(tmp_path)
    build(root)
    code, report = scan_subprocess(root, ".")
    assert_fails_closed(code, report, bad_file)


def test_very_long_strings_are_read(tmp_path: Path) -> None:
    """Long values under the size limit are read, in seconds; the diagnostic quoting one is cut short."""
    root = project(tmp_path)
    long = "x" * 1_000_000  # just under max_file_bytes (1 MiB)
    write(root / "cfn" / "long.yaml", f'AWSTemplateFormatVersion: "2010-09-09"\nDescription: "{long}"\nResources: {{}}\n')
    write(root / "tf" / "main.tf", ROLE_TF + f'locals {{\n  long = "{long[:900_000]}"\n  bad = local.long + 1\n}}\n')
    code, report = scan_subprocess(root, ".")
    assert GOOD_GRANT in grants(report)
    assert all(len(d["message"]) < 1_000 for d in report["diagnostics"])
    assert code in (0, 1)


def test_hostile_wildcard_pattern_does_not_hang(tmp_path: Path) -> None:
    """`*a*a*a…X` against a long role name backtracked exponentially in a regex."""
    root = project(tmp_path)
    pattern = f"arn:aws:iam::{ACCOUNT}:role/" + "*a" * 40 + "X"
    name = "a" * 60
    write(root / "cfn" / "t.yaml", f"""AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Bob:
    Type: AWS::IAM::User
    Properties:
      UserName: bob
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement:
              - {{Effect: Allow, Action: sts:AssumeRole, Resource: "{pattern}"}}
              - {{Effect: Allow, Action: sts:AssumeRole, Resource: "arn:aws:iam::{ACCOUNT}:role/{'a' * 3000}*"}}
  Long:
    Type: AWS::IAM::Role
    Properties:
      RoleName: {name}
      AssumeRolePolicyDocument:
        Statement:
          - {{Effect: Allow, Principal: {{AWS: "arn:aws:iam::{ACCOUNT}:root"}}, Action: sts:AssumeRole}}
""")
    code, report = scan_subprocess(root, ".")
    assert GOOD_GRANT in grants(report)
    assert not errors(report)


def test_many_files_are_bounded(tmp_path: Path) -> None:
    """5,000 small templates are refused past `max_files` (one diagnostic), and read under it."""
    root = project(tmp_path)
    for i in range(5_000):
        write(root / "many" / f"t{i:04}.yaml", 'AWSTemplateFormatVersion: "2010-09-09"\nResources: {}\n')
    code, report = scan_subprocess(root, "good", "many", extra=["--limit", "max_files=1000"])
    assert code == 2
    assert GOOD_GRANT in grants(report)
    assert [d for d in errors(report) if "max_files" in d["message"] and "4001 more input files" in d["message"]]
    code, report = scan_subprocess(root, "good", "many")
    assert code in (0, 1) and GOOD_GRANT in grants(report)


def test_module_loop_is_bounded(tmp_path: Path) -> None:
    """A module that calls itself twice per level would expand to 2**n instances."""
    root = project(tmp_path)
    write(root / "tf" / "main.tf", ROLE_TF + 'module "again" {\n  source = "./"\n  count = 2\n}\n'
          'module "other" {\n  source = "../loop"\n}\n')
    write(root / "loop" / "main.tf", 'module "back" {\n  source = "../tf"\n  count = 2\n}\n')
    code, report = scan_subprocess(root, "good", "tf")
    assert GOOD_GRANT in grants(report)
    assert code == 2
    assert [d for d in errors(report) if "more than 1000 module instances" in d["message"]]


def test_templatefile_loop_is_bounded(tmp_path: Path) -> None:
    root = project(tmp_path)
    write(root / "tf" / "self.tpl", '${templatefile("self.tpl", {})}')
    write(root / "tf" / "main.tf", ROLE_TF + 'locals {\n  x = templatefile("self.tpl", {})\n  y = file("main.tf")\n}\n')
    code, report = scan_subprocess(root, "good", "tf")
    assert GOOD_GRANT in grants(report)
    assert not [d for d in report["diagnostics"] if "internal error" in d["message"]]


def test_limits_can_be_lowered(tmp_path: Path) -> None:
    root = project(tmp_path)
    write(root / "cfn" / "t.json", '{"AWSTemplateFormatVersion": "2010-09-09", "Metadata": [[[[[]]]]], "Description": "'
          + "x" * 2_000 + '"}')
    code, text = scan_in_process(root, ".", extra=["--limit", "max_nesting_depth=4"])
    found = assert_fails_closed(code, json.loads(text), "cfn/t.json")
    assert found["line"] == 1 and "4 levels" in found["message"]
    code, text = scan_in_process(root, ".", extra=["--limit", "max_file_bytes=1000"])
    assert_fails_closed(code, json.loads(text), "cfn/t.json")
    with pytest.raises(SystemExit) as stopped:
        main(["scan", "--limit", "max_bananas=3", str(root)])
    assert stopped.value.code == 2


# --- 3. nothing executed or fetched ----------------------------------------------------------


def test_nothing_is_executed_fetched_or_read_outside_the_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "outside"
    write(outside / "main.tf", 'resource "aws_iam_user" "smuggled" {\n  name = "smuggled"\n}\n')
    write(outside / "secret.json", '{"Statement": []}')
    root = project(tmp_path / "repo")
    write(root / "tf" / "main.tf", ROLE_TF + """
module "registry" {
  source  = "terraform-aws-modules/iam/aws"
  version = "5.0.0"
}
module "git" {
  source = "git::https://example.com/evil.git?ref=v1"
}
module "http" {
  source = "https://example.com/evil.zip"
}
module "s3" {
  source = "s3::https://s3.amazonaws.com/bucket/evil.zip"
}
module "escape" {
  source = "../../outside"
}
locals {
  a = file("/etc/passwd")
  b = file("../../outside/secret.json")
  c = templatefile("../../outside/secret.json", {})
  d = file("link.txt")
}
""")
    (root / "tf" / "link.txt").symlink_to("/etc/passwd")
    (root / "tf" / "passwd.tf").symlink_to("/etc/passwd")
    (root / "good" / "passwd.yaml").symlink_to("/etc/passwd")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"credmint tried to execute or connect: {args!r}")

    import io
    import socket

    opened: list[str] = []
    real_open = io.open

    def spy(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(file, (str, os.PathLike)):
            opened.append(os.path.realpath(file))
        return real_open(file, *args, **kwargs)

    cache = tmp_path / "cache"  # the parse cache is credmint's own folder, outside any project
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)
    monkeypatch.setattr(os, "system", refuse)
    monkeypatch.setattr(os, "execv", refuse)
    monkeypatch.setattr(os, "posix_spawn", refuse)
    monkeypatch.setattr(io, "open", spy)
    monkeypatch.setattr("builtins.open", spy)

    code, text = scan_in_process(root, ".")
    report = json.loads(text)
    assert_fails_closed(code, report, "tf/passwd.tf")
    assert [d for d in errors(report) if d["file"] == "good/passwd.yaml"]
    assert "smuggled" not in text
    assert "/etc/passwd" not in opened
    allowed = (str(root.resolve()), str(REPO), sys.prefix, sys.base_prefix, "/usr/lib/python3", str(cache.resolve()))
    assert [p for p in opened if not p.startswith(allowed)] == []
    assert ("ops" in text) and ("terraform-aws-modules/iam/aws" in text)  # the module call is reported, not fetched


def roles_template(count: int, trusted: Callable[[int], str], policy: bool) -> str:
    out = ['AWSTemplateFormatVersion: "2010-09-09"', "Resources:"]
    for i in range(count):
        out += [f"  R{i}:", "    Type: AWS::IAM::Role", "    Properties:", f"      RoleName: r{i}",
                "      AssumeRolePolicyDocument:", "        Statement:",
                f'          - {{Effect: Allow, Action: sts:AssumeRole, Principal: {{AWS: "{trusted(i)}"}}}}']
        if policy:
            out += ["      Policies:", "        - PolicyName: p", "          PolicyDocument:", "            Statement:",
                    '              - {Effect: Allow, Action: sts:AssumeRole, Resource: "*"}']
    return "\n".join(out) + "\n"


def test_quadratic_grants_are_bounded(tmp_path: Path) -> None:
    """1,000 roles that may all assume each other are 10^6 grants: cut at the bound, with an error."""
    root = project(tmp_path)
    write(root / "cfn" / "roles.yaml", roles_template(1_000, lambda i: "*", policy=True))
    code, report = scan_subprocess(root, ".")
    assert code == 2
    assert [d for d in errors(report) if "more than 250000 grants" in d["message"]]


def test_a_long_line_of_roles_is_bounded(tmp_path: Path) -> None:
    """Role i trusts role i-1: chains are quadratic in number and length; both are bounded."""
    root = project(tmp_path)
    previous = lambda i: f"arn:aws:iam::{ACCOUNT}:role/r{i - 1}" if i else f"arn:aws:iam::{ACCOUNT}:root"  # noqa: E731
    write(root / "cfn" / "line.yaml", roles_template(1_500, previous, policy=True))
    code, report = scan_subprocess(root, ".")
    assert GOOD_GRANT in grants(report)
    assert all(len(path["hops"]) <= 32 for path in report["paths"])


def test_a_called_modules_files_pass_the_boundary_too(tmp_path: Path) -> None:
    """Root-module detection parses every folder's files: a hostile module is refused before that."""
    root = project(tmp_path)
    write(root / "tf" / "main.tf", ROLE_TF + 'module "m" {\n  source = "./mod"\n}\n')
    write(root / "tf" / "mod" / "main.tf", "locals {\n  x = " + "[" * DEPTH + "1" + "]" * DEPTH + "\n}\n")
    code, report = scan_subprocess(root, ".")
    assert_fails_closed(code, report, "tf/mod/main.tf")
    assert ("*", "sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/ops", "definite") not in grants(report)
    assert [g for g in report["grants"] if g["target"].endswith(":role/ops") or g["principal"] == "ec2.amazonaws.com"]


def test_dense_text_just_under_the_file_limit_stays_bounded(tmp_path: Path) -> None:
    """The worst case the size limit admits: 1 MiB of tiny YAML and HCL nodes (pure-Python parsers)."""
    root = project(tmp_path)
    lines, size, i = ['AWSTemplateFormatVersion: "2010-09-09"', "Metadata:"], 0, 0
    while size < 1_000_000:
        lines.append(f"  k{i}: [a, b, {{c: d}}]")
        size, i = size + len(lines[-1]) + 1, i + 1
    write(root / "cfn" / "dense.yaml", "\n".join(lines) + "\nResources: {}\n")
    blocks = [f'locals {{\n  k{k} = ["a", "b", {{ c = "d" }}]\n}}\n' for k in range(22_500)]
    write(root / "tf" / "main.tf", ROLE_TF + "".join(blocks))
    code, report = scan_subprocess(root, ".")
    assert code in (0, 1), errors(report)
    assert GOOD_GRANT in grants(report)


def test_a_file_that_cannot_be_opened_fails_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """As root every mode is readable, so the refusal of `open` is simulated (EACCES)."""
    import io

    root = project(tmp_path)
    locked = write(root / "tf" / "main.tf", ROLE_TF).resolve()
    real_open = io.open

    def deny(file, *args, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(file, (str, os.PathLike)) and Path(file).resolve() == locked:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    real_path_open = Path.open

    def deny_path(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return deny(self, *args, **kwargs) if self.resolve() == locked else real_path_open(self, *args, **kwargs)

    monkeypatch.setattr(io, "open", deny)
    monkeypatch.setattr("builtins.open", deny)
    monkeypatch.setattr(Path, "open", deny_path)  # Python 3.10's pathlib holds its own `io.open`
    code, text = scan_in_process(root, ".")
    found = assert_fails_closed(code, json.loads(text), "tf/main.tf")
    assert "Permission denied" in found["message"]


def test_a_parse_cache_inside_the_project_is_never_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Trees are cached as pickles: one planted by a pull request (XDG_CACHE_HOME inside the
    checkout) would run code when loaded, so a cache folder inside the root is not used at all."""
    import pickle

    from credmint.parsers.terraform.parse_cache import default_folder, digest

    root = project(tmp_path)
    write(root / "tf" / "main.tf", ROLE_TF)
    monkeypatch.setenv("XDG_CACHE_HOME", str(root / ".cache"))
    marker = tmp_path / "pwned"

    class Planted:
        def __reduce__(self):  # type: ignore[no-untyped-def]
            return (open, (str(marker), "w"))

    folder = default_folder()
    folder.mkdir(parents=True)
    (folder / digest(ROLE_TF)).write_bytes(pickle.dumps(Planted()))
    code, text = scan_in_process(root, ".")
    assert not marker.exists()
    assert code in (0, 1) and "role/ops" in text


def test_a_caller_with_count_zero_does_not_hide_a_root(tmp_path: Path) -> None:
    root = project(tmp_path)
    write(root / "infra" / "main.tf", 'resource "aws_iam_role" "open" {\n  name = "open"\n  assume_role_policy = '
          'jsonencode({Statement=[{Effect="Allow",Action="sts:AssumeRole",Principal={AWS="*"}}]})\n}\n')
    write(root / "evil" / "main.tf", 'module "x" {\n  source = "../infra"\n  count  = 0\n}\n')
    _, text = scan_in_process(root, ".")
    assert f"arn:aws:iam::{ACCOUNT}:role/open" in text
