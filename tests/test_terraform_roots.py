"""Which folders are Terraform root modules (issue 13 item 10, docs/DECISIONS.md).

A missed root is a silent pass: a folder is a root when no scanned folder calls it, when it carries
a root's mark in any valid spelling, or when no call of it makes an instance (`count = 0`,
`for_each = {}`), so that a pull request cannot hide a real root by adding a caller.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from credmint.analyzer.app.cli import main
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform import find_root_modules

ACCOUNT = "111111111111"
OPEN_ROLE = ('resource "aws_iam_role" "open" {\n  name = var.name\n  assume_role_policy = jsonencode({ Version = '
             '"2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "*" } }] })\n}\n')
VARIABLE = 'variable "name" {\n  type = string\n  default = "hidden"\n}\n'


def any_grants(tmp_path: Path) -> list[str]:
    out = tmp_path / "r.json"
    main(["scan", str(tmp_path / "repo"), "--account-id", ACCOUNT, "--format", "json", "-o", str(out),
          "--fail-on", "none", "--no-cache"])
    return sorted(g["target"] for g in json.loads(out.read_text())["grants"] if g["principal"] == "*")


def repo(tmp_path: Path, caller: str, module_files: dict[str, str]) -> Path:
    root = tmp_path / "repo"
    (root / "app").mkdir(parents=True)
    (root / "mod").mkdir()
    (root / "app/main.tf").write_text(caller)
    for name, text in module_files.items():
        (root / "mod" / name).write_text(text)
    return root


CALL = 'module "m" {\n  source = "../mod"\n  name = "called"\n%s}\n'


@pytest.mark.parametrize(("meta", "name"), [
    ("  count = 0\n", "hidden"), ("  for_each = {}\n", "hidden"), ("  for_each = toset([])\n", "hidden"),
    # `var.on` has no value in the scan: a deployer's choice, read both ways (issue 13 §11). With
    # `on = true` the call makes the instance, so the folder is reached through it, as "called".
    ("  count = var.on ? 1 : 0\n", "called"),
], ids=["count-0", "for_each-map", "for_each-set", "count-from-a-choice"])
def test_a_call_that_makes_no_instance_never_hides_a_folder(tmp_path: Path, meta: str, name: str) -> None:
    caller = 'variable "on" {\n  default = false\n}\n' + CALL % meta
    repo(tmp_path, caller, {"main.tf": VARIABLE + OPEN_ROLE})
    assert any_grants(tmp_path) == [f"arn:aws:iam::{ACCOUNT}:role/{name}"]


def test_a_call_whose_condition_is_pinned_false_never_hides_a_folder(tmp_path: Path) -> None:
    caller = 'variable "on" {\n  default = false\n}\n' + CALL % "  count = var.on ? 1 : 0\n"
    repo(tmp_path, caller, {"main.tf": VARIABLE + OPEN_ROLE})
    (tmp_path / "repo" / "app" / "terraform.tfvars").write_text("on = false\n")
    assert any_grants(tmp_path) == [f"arn:aws:iam::{ACCOUNT}:role/hidden"]


def test_a_called_module_is_analysed_once_through_its_call(tmp_path: Path) -> None:
    repo(tmp_path, CALL % "", {"main.tf": VARIABLE + OPEN_ROLE})
    assert any_grants(tmp_path) == [f"arn:aws:iam::{ACCOUNT}:role/called"]


@pytest.mark.parametrize("mark", [
    'provider"aws"{}\n',
    'provider aws {\n  region = "eu-west-1"\n}\n',
    'terraform { backend "s3" {} }\n',
    'terraform {\n  cloud {\n    organization = "o"\n  }\n}\n',
    'import {\n  to = aws_iam_role.open\n  id = "hidden"\n}\n',
], ids=["provider-no-spaces", "provider-bare-label", "one-line-backend", "cloud", "import"])
def test_root_marks_in_any_valid_spelling(tmp_path: Path, mark: str) -> None:
    root = repo(tmp_path, CALL % "", {"main.tf": VARIABLE + OPEN_ROLE, "root.tf": mark})
    assert find_root_modules([root], ParseContext(root=root)) == [(root / "app").resolve(), (root / "mod").resolve()]
    assert any_grants(tmp_path) == [f"arn:aws:iam::{ACCOUNT}:role/called", f"arn:aws:iam::{ACCOUNT}:role/hidden"]


@pytest.mark.parametrize("name", ["terraform.tfvars", "prod.auto.tfvars", ".terraform.lock.hcl"])
def test_root_files_mark_a_root(tmp_path: Path, name: str) -> None:
    root = repo(tmp_path, CALL % "", {"main.tf": VARIABLE + OPEN_ROLE, name: ""})
    assert find_root_modules([root], ParseContext(root=root)) == [(root / "app").resolve(), (root / "mod").resolve()]


def test_a_module_of_only_tf_json_or_tofu_files_is_found(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    (root / "a/main.tf.json").write_text(json.dumps({"resource": {"aws_iam_role": {"open": {
        "name": "json", "assume_role_policy": '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
                                              '"Action": "sts:AssumeRole", "Principal": {"AWS": "*"}}]}'}}}}))
    (root / "b/main.tofu").write_text(VARIABLE.replace("hidden", "tofu") + OPEN_ROLE)
    assert find_root_modules([root], ParseContext(root=root)) == [(root / "a").resolve(), (root / "b").resolve()]
    assert any_grants(tmp_path) == [f"arn:aws:iam::{ACCOUNT}:role/json", f"arn:aws:iam::{ACCOUNT}:role/tofu"]


def test_a_folder_named_through_a_symbolic_link_is_still_a_root(tmp_path: Path) -> None:
    """A folder named on the command line is a root even when an example in it calls it (CONTRACT.md):
    named through a link (a CI workspace, macOS's /tmp), it must not be taken for a mere module,
    whose roles the example's call may never reach (here its name)."""
    module = tmp_path / "real" / "mod"
    (module / "examples").mkdir(parents=True)
    (module / "main.tf").write_text(OPEN_ROLE + VARIABLE)
    (module / "examples" / "main.tf").write_text('module "m" {\n  source = "../"\n  name = "example"\n}\n')
    (tmp_path / "link").symlink_to(tmp_path / "real", target_is_directory=True)
    targets = []
    for folder in (module, tmp_path / "link" / "mod"):
        out = tmp_path / "r.json"
        main(["scan", str(folder), "--root", str(folder), "--account-id", ACCOUNT, "--format", "json",
              "-o", str(out), "--fail-on", "none", "--no-cache"])
        targets.append(sorted(g["target"] for g in json.loads(out.read_text())["grants"] if g["principal"] == "*"))
    assert targets[0] == [f"arn:aws:iam::{ACCOUNT}:role/example", f"arn:aws:iam::{ACCOUNT}:role/hidden"]
    assert targets[1] == targets[0]
