"""Small CloudFormation templates built from Python values, scanned, and their grants read back.

For the evaluation tests of issue 13: each test states its policies as data, close to the answer
it expects, instead of a long YAML string per case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from credmint.analyzer.app.cli import main

ACCOUNT = "111111111111"
Statement = dict[str, Any]


def arn(kind: str, name: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:{kind}/{name}"


def document(statements: Iterable[Statement]) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: Any = "*", **extra: Any) -> Statement:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: Any = "*", **extra: Any) -> Statement:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def trust(principal: Any, effect: str = "Allow", **extra: Any) -> Statement:
    return {"Effect": effect, "Principal": principal, "Action": "sts:AssumeRole", **extra}


def _policies(statements: Iterable[Statement]) -> dict:
    statements = list(statements)
    return {"Policies": [{"PolicyName": "p", "PolicyDocument": document(statements)}]} if statements else {}


def _boundary(boundary: str | None) -> dict:
    return {"PermissionsBoundary": {"Ref": boundary}} if boundary else {}


def user(name: str, statements: Iterable[Statement] = (), *, groups: Iterable[str] = (),
         boundary: str | None = None) -> dict:
    """`groups` and `boundary` name other resources of the template by logical id."""
    properties = {"UserName": name, **_policies(statements), **_boundary(boundary)}
    if groups:
        properties["Groups"] = [{"Ref": g} for g in groups]
    return {"Type": "AWS::IAM::User", "Properties": properties}


def group(name: str, statements: Iterable[Statement]) -> dict:
    return {"Type": "AWS::IAM::Group", "Properties": {"GroupName": name, **_policies(statements)}}


def role(name: str, trusts: Iterable[Statement], statements: Iterable[Statement] = (), *,
         boundary: str | None = None) -> dict:
    return {"Type": "AWS::IAM::Role", "Properties": {
        "RoleName": name, "AssumeRolePolicyDocument": document(trusts), **_policies(statements), **_boundary(boundary),
    }}


def managed(name: str, statements: Iterable[Statement]) -> dict:
    return {"Type": "AWS::IAM::ManagedPolicy",
            "Properties": {"ManagedPolicyName": name, "PolicyDocument": document(statements)}}


def scan(tmp_path: Path, resources: dict) -> dict:
    path = tmp_path / "template.json"
    path.write_text(json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}))
    out = tmp_path / "report.json"
    main(["scan", str(path), "--account-id", ACCOUNT, "--format", "json", "-o", str(out), "--fail-on", "none"])
    return json.loads(out.read_text())


def grants(report: dict) -> dict[tuple[str, str, str], tuple[str, frozenset, tuple[str, ...]]]:
    """(principal, action, target) → (certainty, conditions, except)."""
    return {
        (g["principal"], g["action"], g["target"]): (
            g["certainty"],
            frozenset((c["operator"], c["key"], tuple(c["values"])) for c in g["conditions"]),
            tuple(g["except"]),
        )
        for g in report["grants"]
    }


def chains(report: dict) -> set[tuple[str, ...]]:
    """Each path as the principals and targets it goes through."""
    return {(p["principal"], *(hop["target"] for hop in p["hops"])) for p in report["paths"]}
