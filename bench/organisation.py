"""Seeded inventory files of an organisation's repositories, for the merged-scan benchmark (issue 18).

Each repository deploys into one of `accounts` accounts (several repositories share one) and holds
`users` users and `roles` roles. Every user may assume two roles of its own account and one of the
next account; every role trusts its own account and the previous account, and a role of an
even-numbered account may assume one role of the next account — so chains cross accounts (at most
three hops, as in a real organisation, where the answer grows with its size rather than its
square), and a merged scan decides what one repository's scan leaves uncertain. Written with the exporter itself (`credmint.analyzer.inventory_json.dumps`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from credmint.analyzer.inventory import (
    InlinePolicy,
    Inventory,
    PolicyDocument,
    Principal,
    PrincipalKind,
    Role,
    Source,
    Statement,
    User,
)
from credmint.analyzer.inventory_json import dumps


@dataclass(frozen=True, slots=True, kw_only=True)
class OrganisationSize:
    repositories: int = 500
    accounts: int = 100
    users: int = 20
    roles: int = 20


@dataclass(frozen=True, slots=True)
class Made:
    files: list[Path]
    bytes: int
    users: int
    roles: int


def account_of(index: int) -> str:
    return f"{100000000000 + index:012d}"


def generate_organisation(folder: Path, size: OrganisationSize, seed: int = 0) -> Made:
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    files, total = [], 0
    for repo in range(size.repositories):
        account = repo % size.accounts
        inventory = _repository(repo, account, size, rng)
        path = folder / f"repo{repo:04d}.inventory.json"
        data = dumps(inventory, account_id=account_of(account), source_name=f"repo{repo:04d}", version="bench")
        path.write_bytes(data)
        files.append(path)
        total += len(data)
    return Made(files, total, size.repositories * size.users, size.repositories * size.roles)


def _role_arn(account: int, repo: int, index: int) -> str:
    return f"arn:aws:iam::{account_of(account)}:role/r{repo:04d}-{index:02d}"


def _repository(repo: int, account: int, size: OrganisationSize, rng: random.Random) -> Inventory:
    here = account_of(account)
    nxt = (account + 1) % size.accounts
    previous = (account - 1) % size.accounts
    peers = [r for r in range(size.repositories) if r % size.accounts == account]
    onward = [r for r in range(size.repositories) if r % size.accounts == nxt]

    def source(line: int) -> Source:
        return Source(file="main.tf", line=line)

    def allow(resources: list[str], line: int) -> PolicyDocument:
        statement = Statement(source=source(line), address=f"doc{line}", actions=("sts:AssumeRole",),
                              resources=tuple(resources))
        return PolicyDocument(source=source(line), address=f"doc{line}", version="2012-10-17", statements=(statement,))

    users = []
    for n in range(size.users):
        targets = [_role_arn(account, rng.choice(peers), rng.randrange(size.roles)) for _ in range(2)]
        targets.append(_role_arn(nxt, rng.choice(onward), rng.randrange(size.roles)))
        users.append(User(
            name=f"u{repo:04d}-{n:02d}", arn=f"arn:aws:iam::{here}:user/u{repo:04d}-{n:02d}", source=source(n + 1),
            address=f"aws_iam_user.u{n}", account=here,
            inline_policies=(InlinePolicy(name="assume", document=allow(targets, 1000 + n), source=source(1000 + n),
                                          address=f"aws_iam_user_policy.u{n}"),),
        ))
    roles = []
    for n in range(size.roles):
        trust_statement = Statement(
            source=source(2000 + n), address=f"trust{n}", actions=("sts:AssumeRole",),
            principals=(Principal(kind=PrincipalKind.AWS, value=here),
                        Principal(kind=PrincipalKind.AWS, value=f"arn:aws:iam::{account_of(previous)}:root")),
        )
        trust = PolicyDocument(source=source(2000 + n), address=f"trust{n}", version="2012-10-17",
                               statements=(trust_statement,))
        onward_role = _role_arn(nxt, rng.choice(onward), rng.randrange(size.roles))
        policies = (InlinePolicy(name="onward", document=allow([onward_role], 4000 + n), source=source(4000 + n),
                                 address=f"aws_iam_role_policy.r{n}"),) if account % 2 == 0 else ()
        roles.append(Role(
            name=f"r{repo:04d}-{n:02d}", arn=_role_arn(account, repo, n), source=source(3000 + n),
            address=f"aws_iam_role.r{n}", trust_policy=trust, account=here, inline_policies=policies,
        ))
    return Inventory(users=tuple(users), roles=tuple(roles))
