"""A seeded inventory for the analyzer alone, built directly as `credmint.analyzer.inventory` objects.

Shaped like a large organisation's account: most users in one to three groups, groups with inline
and attached policies, about a tenth of the managed policies allowing sts:AssumeRole (on named
roles, on name prefixes, a few on `*`), and roles trusting the account, named users or roles,
services, a partner account, GitHub OIDC (a few without `sub`) and a handful `*`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from credmint.analyzer.inventory import (
    Attachment,
    Condition,
    Effect,
    Group,
    IdentityProvider,
    InlinePolicy,
    InputFile,
    Inventory,
    ManagedPolicy,
    Membership,
    PolicyDocument,
    Principal,
    PrincipalKind,
    ProviderKind,
    Role,
    Source,
    Statement,
    User,
)
from bench.terraform_tree import ACCOUNT_ID, DATA_ACTIONS, PARTNER_ACCOUNT, SERVICES

GITHUB = "token.actions.githubusercontent.com"
ADMIN_POLICIES = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class InventorySize:
    users: int = 10_000
    groups: int = 2_000
    roles: int = 5_000
    policies: int = 20_000

    def scaled(self, factor: float) -> InventorySize:
        return InventorySize(
            users=max(1, int(self.users * factor)),
            groups=max(1, int(self.groups * factor)),
            roles=max(1, int(self.roles * factor)),
            policies=max(1, int(self.policies * factor)),
        )


class _Builder:
    def __init__(self, size: InventorySize, rng: random.Random, account: str) -> None:
        self.size, self.rng, self.account = size, rng, account

    def source(self, kind: str, index: int) -> Source:
        return Source(file=f"generated/{kind}_{index // 50:04d}.tf", line=(index % 50) * 12 + 1)

    def arn(self, kind: str, name: str, path: str = "/") -> str:
        return f"arn:aws:iam::{self.account}:{kind}{path}{name}"

    def role_arn(self, index: int) -> str:
        return self.arn("role", f"r{index:05d}")

    def user_arn(self, index: int) -> str:
        return self.arn("user", f"u{index:05d}")

    def policy_arn(self, index: int) -> str:
        return self.arn("policy", f"p{index:05d}")

    def document(self, address: str, source: Source, statements: list[dict]) -> PolicyDocument:
        return PolicyDocument(
            source=source,
            address=address,
            version="2012-10-17",
            statements=tuple(
                Statement(
                    source=Source(file=source.file, line=source.line + 3 + n),
                    address=address,
                    effect=s.get("effect", Effect.ALLOW),
                    actions=tuple(s["actions"]),
                    resources=tuple(s["resources"]) if "resources" in s else None,
                    principals=tuple(s["principals"]) if "principals" in s else None,
                    conditions=tuple(s.get("conditions", ())),
                )
                for n, s in enumerate(statements)
            ),
        )

    def assume_statements(self, index: int | None = None) -> list[dict]:
        """What an sts:AssumeRole policy allows: named roles or a team's name prefix (ten roles);
        the first `ADMIN_POLICIES` managed policies allow any role, as an organisation has a few
        admin policies whatever its size (a share of all policies would make the answer itself
        grow quadratically)."""
        rng = self.rng
        if index is not None and index < ADMIN_POLICIES:
            targets = ["*"]
        elif rng.random() < 0.55:
            targets = [self.role_arn(rng.randrange(self.size.roles)) for _ in range(rng.randint(1, 3))]
        else:
            targets = [self.arn("role", f"r{rng.randrange(max(1, self.size.roles // 10)):04d}*")]
        statements = [{"actions": ["sts:AssumeRole", "sts:TagSession"], "resources": targets}]
        if rng.random() < 0.2:
            statements.append({
                "effect": Effect.DENY,
                "actions": ["sts:AssumeRole"],
                "resources": [self.role_arn(rng.randrange(self.size.roles))],
            })
        return statements

    def data_statements(self) -> list[dict]:
        rng = self.rng
        if rng.random() < 0.01:
            return [{"actions": ["sts:GetFederationToken"], "resources": ["*"]}]
        return [
            {"actions": list(rng.choice(DATA_ACTIONS)), "resources": ["*"]}
            for _ in range(rng.randint(1, 3))
        ]

    def policy(self, index: int) -> ManagedPolicy:
        address = f"aws_iam_policy.p{index:05d}"
        source = self.source("policies", index)
        assumes = index < ADMIN_POLICIES or self.rng.random() < 0.1
        statements = self.assume_statements(index) if assumes else self.data_statements()
        return ManagedPolicy(
            name=f"p{index:05d}",
            arn=self.policy_arn(index),
            document=self.document(address, source, statements),
            source=source,
            address=address,
        )

    def inline(self, holder: str, index: int, kind: str, assume_share: float) -> InlinePolicy:
        address = f"aws_iam_{kind}_policy.{holder}_inline"
        source = self.source(f"{kind}_policies", index)
        statements = self.assume_statements() if self.rng.random() < assume_share else self.data_statements()
        return InlinePolicy(name="inline", document=self.document(address, source, statements),
                            source=source, address=address)

    def attachments(self, kind: str, holder: str, index: int, count: int) -> tuple[Attachment, ...]:
        return tuple(
            Attachment(
                policy_arn=self.policy_arn(self.rng.randrange(self.size.policies)),
                source=self.source(f"{kind}_attachments", index),
                address=f"aws_iam_{kind}_policy_attachment.{holder}_{n}",
            )
            for n in range(count)
        )

    def group(self, index: int) -> Group:
        name = f"g{index:04d}"
        inline = (self.inline(name, index, "group", 0.3),) if self.rng.random() < 0.5 else ()
        return Group(
            name=name, arn=self.arn("group", name), source=self.source("groups", index),
            address=f"aws_iam_group.{name}", inline_policies=inline,
            attachments=self.attachments("group", name, index, self.rng.randint(1, 3)),
        )

    def user(self, index: int) -> User:
        rng = self.rng
        name = f"u{index:05d}"
        count = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
        groups = sorted({rng.randrange(self.size.groups) for _ in range(count)})
        boundary = None
        if rng.random() < 0.02:
            boundary = Attachment(policy_arn=self.policy_arn(rng.randrange(self.size.policies)),
                                  source=self.source("users", index), address=f"aws_iam_user.{name}")
        return User(
            name=name, arn=self.user_arn(index), source=self.source("users", index),
            address=f"aws_iam_user.{name}", account=self.account,
            groups=tuple(
                Membership(group=f"g{g:04d}", source=self.source("memberships", index),
                           address=f"aws_iam_user_group_membership.{name}")
                for g in groups
            ),
            inline_policies=(self.inline(name, index, "user", 0.1),) if rng.random() < 0.1 else (),
            attachments=self.attachments("user", name, index, 1) if rng.random() < 0.2 else (),
            permissions_boundary=boundary,
        )

    def trust(self, index: int) -> list[dict]:
        rng = self.rng
        roll = rng.random()
        action = ["sts:AssumeRole"]
        if index < 5:  # a handful of roles anyone may assume
            return [{"actions": action, "principals": [Principal(kind=PrincipalKind.ANY, value="*")]}]
        if roll < 0.35:
            statement = {"actions": action, "principals": [Principal(kind=PrincipalKind.AWS, value=f"arn:aws:iam::{self.account}:root")]}
            if rng.random() < 0.5:
                statement["conditions"] = [Condition(operator="Bool", key="aws:MultiFactorAuthPresent", values=("true",))]
            return [statement]
        if roll < 0.55:
            users = [self.user_arn(rng.randrange(self.size.users)) for _ in range(rng.randint(1, 3))]
            return [{"actions": action, "principals": [Principal(kind=PrincipalKind.AWS, value=u) for u in users]}]
        if roll < 0.70:
            roles = [self.role_arn(rng.randrange(self.size.roles)) for _ in range(rng.randint(1, 2))]
            return [{"actions": action, "principals": [Principal(kind=PrincipalKind.AWS, value=r) for r in roles]}]
        if roll < 0.92:
            return [{"actions": action, "principals": [Principal(kind=PrincipalKind.SERVICE, value=rng.choice(SERVICES))]}]
        if roll < 0.97:
            return [{
                "actions": action,
                "principals": [Principal(kind=PrincipalKind.AWS, value=PARTNER_ACCOUNT)],
                "conditions": [Condition(operator="StringEquals", key="sts:ExternalId", values=(f"x{index}",))],
            }]
        conditions = [Condition(operator="StringEquals", key=f"{GITHUB}:aud", values=("sts.amazonaws.com",))]
        if roll < 0.995:  # the rest have no `sub`: any repository may assume them
            conditions.append(Condition(operator="StringLike", key=f"{GITHUB}:sub", values=(f"repo:org/r{index}:*",)))
        return [{
            "actions": ["sts:AssumeRoleWithWebIdentity"],
            "principals": [Principal(kind=PrincipalKind.FEDERATED, value=self.arn("oidc-provider", GITHUB, "/"))],
            "conditions": conditions,
        }]

    def role(self, index: int) -> Role:
        name = f"r{index:05d}"
        source = self.source("roles", index)
        address = f"aws_iam_role.{name}"
        return Role(
            name=name, arn=self.role_arn(index), source=source, address=address,
            trust_policy=self.document(address, source, self.trust(index)), account=self.account,
            inline_policies=(self.inline(name, index, "role", 0.2),) if self.rng.random() < 0.3 else (),
            attachments=self.attachments("role", name, index, self.rng.randint(1, 2)),
        )


def build_inventory(size: InventorySize = InventorySize(), *, seed: int = 0, account: str = ACCOUNT_ID) -> Inventory:
    """The whole inventory; the same seed and size give the same objects."""
    builder = _Builder(size, random.Random(seed), account)
    provider = IdentityProvider(
        kind=ProviderKind.OIDC, arn=builder.arn("oidc-provider", GITHUB, "/"), url=GITHUB,
        client_ids=("sts.amazonaws.com",), source=Source(file="generated/oidc.tf", line=1),
        address="aws_iam_openid_connect_provider.github",
    )
    return Inventory(
        policies=tuple(builder.policy(i) for i in range(size.policies)),
        groups=tuple(builder.group(i) for i in range(size.groups)),
        users=tuple(builder.user(i) for i in range(size.users)),
        roles=tuple(builder.role(i) for i in range(size.roles)),
        providers=(provider,),
        inputs=(InputFile(path="generated", format="terraform"),),
    )
