"""Small CloudFormation trees written into tmp_path for the diff, report and Action tests."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Sequence

from credmint.analyzer.app.cli import main

ACCOUNT = "111111111111"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
DEPLOY = f"arn:aws:iam::{ACCOUNT}:role/deploy"
ADMIN = f"arn:aws:iam::{ACCOUNT}:role/admin"
PARTNER = "arn:aws:iam::222222222222:root"

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Alice:
    Type: AWS::IAM::User
    Properties:
      UserName: alice
  Deploy:
    Type: AWS::IAM::Role
{deploy_metadata}    Properties:
      RoleName: deploy
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              AWS: [{principals}]
            Action: sts:AssumeRole
{condition}  Admin:
    Type: AWS::IAM::Role
    Properties:
      RoleName: admin
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal:
              AWS: "{admin_principal}"
            Action: sts:AssumeRole
"""

MFA = """\
            Condition:
              Bool:
                aws:MultiFactorAuthPresent: "true"
"""


def write_tree(
    folder: Path,
    principals: Sequence[str] = (ALICE,),
    *,
    mfa: bool = False,
    admin_principal: str = DEPLOY,
    deploy_metadata: str = "",
    padding: int = 0,
) -> Path:
    """A template: alice, role/deploy (trusting `principals`), role/admin (trusting deploy)."""
    folder.mkdir(parents=True, exist_ok=True)
    text = TEMPLATE.format(
        principals=", ".join(f'"{p}"' for p in principals),
        condition=MFA if mfa else "",
        admin_principal=admin_principal,
        deploy_metadata=deploy_metadata,
    )
    (folder / "template.yaml").write_text("#\n" * padding + text, encoding="utf-8")
    return folder


def run(argv: Sequence[str]) -> int:
    try:
        return main(list(argv))
    except SystemExit as exit_:
        return exit_.code if isinstance(exit_.code, int) else 2


def run_json(argv: Sequence[str], out: Path) -> tuple[int, dict]:
    code = run([*argv, "--format", "json", "-o", str(out), "--account-id", ACCOUNT])
    return code, json.loads(out.read_text(encoding="utf-8"))


def git(repo: Path, *args: str) -> str:
    """Run git in `repo` with a fixed identity; its output, stripped."""
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()
