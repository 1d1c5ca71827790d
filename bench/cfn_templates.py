"""Seeded CloudFormation templates with a chosen number of IAM resources.

Teams of `UNIT_RESOURCES` resources (2 groups, 4 users, 4 roles, 2 managed policies, 2 policies,
1 user-to-group addition), about `resources_per_template` resources to a template, every fifth
template in JSON and the rest in YAML short forms. The first template also holds the GitHub OIDC
provider and the risky trusts. References stay inside their template, as CloudFormation requires.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.terraform_tree import DATA_ACTIONS, PARTNER_ACCOUNT, SERVICES

UNIT_RESOURCES = 15
UNIT_USERS = 4
UNIT_ROLES = 4
PRELUDE_RESOURCES = 3
PRELUDE_ROLES = 2


@dataclass(frozen=True, slots=True)
class Intrinsic:
    """`!Ref`, `!GetAtt` or `!Sub`, rendered as a short form in YAML and a long form in JSON."""

    tag: str
    value: str

    def as_json(self) -> Any:
        if self.tag == "GetAtt":
            return {"Fn::GetAtt": self.value.split(".", 1)}
        if self.tag == "Ref":
            return {"Ref": self.value}
        return {f"Fn::{self.tag}": self.value}


def ref(name: str) -> Intrinsic:
    return Intrinsic("Ref", name)


def get_att(name: str) -> Intrinsic:
    return Intrinsic("GetAtt", name)


def sub(text: str) -> Intrinsic:
    return Intrinsic("Sub", text)


@dataclass(frozen=True, slots=True, kw_only=True)
class CloudFormationSet:
    root: Path
    units: int
    resources: int
    files: int
    bytes: int
    users: int
    roles: int


def generate_cloudformation(
    root: Path, resources: int, *, seed: int = 0, resources_per_template: int = 100
) -> CloudFormationSet:
    """Write the templates under `root` and describe them."""
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    units = max(1, round((resources - PRELUDE_RESOURCES) / UNIT_RESOURCES))
    per_template = max(1, resources_per_template // UNIT_RESOURCES)
    sizes: list[int] = []
    for index, first in enumerate(range(0, units, per_template)):
        body: dict[str, Any] = _prelude() if index == 0 else {}
        for team in range(first, min(units, first + per_template)):
            body.update(_unit(team, rng))
        template = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": f"Generated IAM stack {index}",
            "Resources": body,
        }
        if index % 5 == 4:
            text = json.dumps(_to_json(template), indent=2) + "\n"
            path = root / f"stack_{index:03d}.json"
        else:
            text = "".join(_yaml(template, 0))
            path = root / f"stack_{index:03d}.yaml"
        path.write_text(text, encoding="utf-8")
        sizes.append(len(text.encode("utf-8")))
    return CloudFormationSet(
        root=root,
        units=units,
        resources=PRELUDE_RESOURCES + units * UNIT_RESOURCES,
        files=len(sizes),
        bytes=sum(sizes),
        users=units * UNIT_USERS,
        roles=PRELUDE_ROLES + units * UNIT_ROLES,
    )


def _doc(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _prelude() -> dict[str, Any]:
    github = "token.actions.githubusercontent.com"
    return {
        "GitHubProvider": {
            "Type": "AWS::IAM::OIDCProvider",
            "Properties": {"Url": f"https://{github}", "ClientIdList": ["sts.amazonaws.com"]},
        },
        "GitHubDeployRole": {  # risky: no `sub` condition
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": "github-deploy",
                "AssumeRolePolicyDocument": _doc({
                    "Effect": "Allow",
                    "Principal": {"Federated": ref("GitHubProvider")},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {"StringEquals": {f"{github}:aud": "sts.amazonaws.com"}},
                }),
            },
        },
        "PublicRole": {  # risky: anyone
            "Type": "AWS::IAM::Role",
            "Properties": {
                "RoleName": "public-reader",
                "AssumeRolePolicyDocument": _doc(
                    {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
                ),
            },
        },
    }


def _unit(t: int, rng: random.Random) -> dict[str, Any]:
    p = f"T{t:04d}"
    name = f"team{t:04d}"
    groups = [ref(f"{p}Devs"), ref(f"{p}OpsGroup")]
    out: dict[str, Any] = {
        f"{p}Devs": {
            "Type": "AWS::IAM::Group",
            "Properties": {
                "GroupName": f"{name}-devs",
                "Policies": [{
                    "PolicyName": "assume-team-roles",
                    "PolicyDocument": _doc({
                        "Effect": "Allow",
                        "Action": ["sts:AssumeRole", "sts:TagSession"],
                        "Resource": [get_att(f"{p}Deploy.Arn")],
                    }),
                }],
            },
        },
        f"{p}OpsGroup": {"Type": "AWS::IAM::Group", "Properties": {"GroupName": f"{name}-ops", "Path": "/teams/"}},
    }
    for i in range(UNIT_USERS):
        count = rng.choices((1, 2), weights=(7, 3))[0]
        out[f"{p}User{i}"] = {
            "Type": "AWS::IAM::User",
            "Properties": {"UserName": f"{name}-user{i}", "Groups": groups[:count] if i % 2 else groups[-count:]},
        }
    mfa = {"Bool": {"aws:MultiFactorAuthPresent": "true"}} if rng.random() < 0.5 else None
    deploy_trust = {"Effect": "Allow", "Principal": {"AWS": sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                    "Action": "sts:AssumeRole"}
    if mfa:
        deploy_trust["Condition"] = mfa
    if rng.random() < 0.7:
        ci_trust = {"Effect": "Allow", "Principal": {"AWS": get_att(f"{p}Ops.Arn")}, "Action": "sts:AssumeRole"}
    else:
        ci_trust = {"Effect": "Allow", "Principal": {"AWS": PARTNER_ACCOUNT}, "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"sts:ExternalId": f"{name}-ci"}}}
    out.update({
        f"{p}Deploy": _role(f"{name}-deploy", deploy_trust,
                            ManagedPolicyArns=["arn:aws:iam::aws:policy/ReadOnlyAccess"]),
        f"{p}App": _role(f"{name}-app", {"Effect": "Allow", "Principal": {"Service": rng.choice(SERVICES)},
                                         "Action": "sts:AssumeRole"}),
        f"{p}Ops": _role(f"{name}-ops", {"Effect": "Allow", "Principal": {"AWS": [get_att(f"{p}User0.Arn")]},
                                         "Action": "sts:AssumeRole"}),
        f"{p}Ci": _role(f"{name}-ci", ci_trust),
    })
    out.update({
        f"{p}AssumeOps": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "ManagedPolicyName": f"{name}-assume-ops",
                "PolicyDocument": _doc({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": get_att(f"{p}Ops.Arn")}),
                "Groups": [ref(f"{p}OpsGroup")],
            },
        },
        f"{p}Data": {
            "Type": "AWS::IAM::ManagedPolicy",
            "Properties": {
                "ManagedPolicyName": f"{name}-data",
                "PolicyDocument": _doc({"Effect": "Allow", "Action": list(rng.choice(DATA_ACTIONS)), "Resource": "*"}),
                "Roles": [ref(f"{p}App")],
                "Users": [ref(f"{p}User2")],
            },
        },
        f"{p}DeployChain": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "chain-to-team-roles",
                "PolicyDocument": _doc(
                    {"Effect": "Allow", "Action": "sts:AssumeRole",
                     "Resource": sub(f"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{name}-*")},
                    {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": get_att(f"{p}Deploy.Arn")},
                ),
                "Roles": [ref(f"{p}Deploy")],
            },
        },
        f"{p}UserPolicy": {
            "Type": "AWS::IAM::Policy",
            "Properties": {
                "PolicyName": "personal",
                "PolicyDocument": _doc({"Effect": "Allow", "Action": "sts:GetFederationToken", "Resource": "*"}
                                       if rng.random() < 0.1 else
                                       {"Effect": "Allow", "Action": list(rng.choice(DATA_ACTIONS)), "Resource": "*"}),
                "Users": [ref(f"{p}User1")],
            },
        },
        f"{p}Addition": {
            "Type": "AWS::IAM::UserToGroupAddition",
            "Properties": {"GroupName": ref(f"{p}OpsGroup"), "Users": [ref(f"{p}User3")]},
        },
    })
    assert len(out) == UNIT_RESOURCES, len(out)
    return out


def _role(name: str, statement: dict, **extra: Any) -> dict:
    return {
        "Type": "AWS::IAM::Role",
        "Properties": {"RoleName": name, "Path": "/teams/", "AssumeRolePolicyDocument": _doc(statement), **extra},
    }


def _to_json(value: Any) -> Any:
    if isinstance(value, Intrinsic):
        return value.as_json()
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def _scalar(value: Any) -> str:
    if isinstance(value, Intrinsic):
        return f"!{value.tag} {json.dumps(value.value)}"
    return json.dumps(value)  # a JSON string is a valid YAML double-quoted scalar


def _yaml(value: Any, indent: int):
    """Block-style YAML for nested dicts and lists of scalars, intrinsics, dicts and lists."""
    pad = "  " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (dict, list)) and item:
                yield f"{pad}{key}:\n"
                yield from _yaml(item, indent + 1)
            else:
                yield f"{pad}{key}: {_scalar(item) if item != [] else '[]'}\n"
    else:
        for item in value:
            if isinstance(item, dict) and item:
                lines = list(_yaml(item, indent + 1))
                first = lines[0].lstrip()
                yield f"{pad}- {first}"
                yield from lines[1:]
            elif isinstance(item, list):
                raise ValueError("nested lists are not generated")
            else:
                yield f"{pad}- {_scalar(item)}\n"
