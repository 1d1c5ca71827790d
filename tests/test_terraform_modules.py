"""Local modules, nested modules, for_each on module calls, remote sources (issue 3 §3, §4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from credmint.analyzer.inventory import Attachment, DiagnosticLevel, Principal, PrincipalKind, Source, Unknown
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform import find_root_modules, parse_terraform

ROOT = Path(__file__).resolve().parent.parent
MODULES = ROOT / "fixtures/terraform/modules"
ACCOUNT = "111111111111"
ROLES = "fixtures/terraform/modules/roles/main.tf"
BOUNDARY = "fixtures/terraform/modules/roles/boundary/main.tf"


@pytest.fixture(scope="module")
def inventory():
    return parse_terraform(MODULES / "root", ParseContext(root=ROOT, account_id=ACCOUNT))


def test_roles_from_module_instances_with_addresses(inventory) -> None:
    assert [(r.address, r.name, r.source) for r in inventory.roles] == [
        ("module.deploy.aws_iam_role.this", "deploy", Source(file=ROLES, line=9)),
        ('module.per_env["dev"].aws_iam_role.this', "app-dev", Source(file=ROLES, line=9)),
        ('module.per_env["prod"].aws_iam_role.this', "app-prod", Source(file=ROLES, line=9)),
    ]


def test_module_inputs_and_outputs_flow_into_policies(inventory) -> None:
    deploy, dev, _ = inventory.roles
    (trust,) = deploy.trust_policy.statements
    assert trust.principals == (Principal(kind=PrincipalKind.AWS, value=f"arn:aws:iam::{ACCOUNT}:user/ci"),)
    assert (trust.address, trust.source) == ("module.deploy.data.aws_iam_policy_document.trust", Source(file=ROLES, line=15))
    (chained,) = dev.trust_policy.statements
    assert chained.principals == (Principal(kind=PrincipalKind.AWS, value=f"arn:aws:iam::{ACCOUNT}:role/deploy"),)


def test_nested_module_attachment_joins_the_callers_role(inventory) -> None:
    deploy = inventory.roles[0]
    assert deploy.attachments == (
        Attachment(
            policy_arn="arn:aws:iam::aws:policy/ReadOnlyAccess",
            source=Source(file=BOUNDARY, line=3),
            address="module.deploy.module.boundary.aws_iam_role_policy_attachment.read_only",
        ),
    )


def test_remote_module_is_not_downloaded_and_its_outputs_are_unknown(inventory) -> None:
    (ci,) = inventory.users
    (statement,) = ci.inline_policies[0].document.statements
    assert statement.resources == (
        f"arn:aws:iam::{ACCOUNT}:role/deploy",
        Unknown("module.remote.arn", "module source not analysed"),
    )
    assert [(d.level, d.line) for d in inventory.diagnostics] == [(DiagnosticLevel.WARNING, 18)]
    assert "not downloaded" in inventory.diagnostics[0].message


def test_find_root_modules_leaves_out_called_folders() -> None:
    assert find_root_modules([MODULES], ParseContext(root=ROOT)) == [(MODULES / "root").resolve()]


def test_module_source_outside_the_root_is_not_read(tmp_path: Path) -> None:
    root = tmp_path / "project"
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "main.tf").write_text('resource "aws_iam_user" "x" {\n  name = "x"\n}\n')
    root.mkdir()
    (root / "main.tf").write_text('module "m" {\n  source = "../outside"\n}\n')
    inventory = parse_terraform(root, ParseContext(root=root))
    assert inventory.users == ()
    assert ["outside the project root" in d.message for d in inventory.diagnostics] == [True]


def test_module_calling_itself_stops(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('module "again" {\n  source = "./"\n}\nresource "aws_iam_user" "u" {\n  name = "u"\n}\n')
    inventory = parse_terraform(tmp_path, ParseContext(root=tmp_path))
    assert len(inventory.users) == 17  # the root and 16 nested levels, then a warning
    assert [d.level for d in inventory.diagnostics] == [DiagnosticLevel.WARNING]


def test_called_folders_as_given_and_resolved(monkeypatch) -> None:
    from credmint.parsers.terraform import called_folders

    monkeypatch.chdir(ROOT)
    roles = Path("fixtures/terraform/modules/roles")  # relative, as a folder walk may give it
    called = called_folders([MODULES / "root", roles], ParseContext(root=ROOT))
    assert roles in called
    assert (MODULES / "roles").resolve() in called and (MODULES / "roles/boundary").resolve() in called
    assert (MODULES / "root").resolve() not in called
