"""A seeded, IAM-heavy Terraform root module of a chosen number of top-level blocks.

The tree is a root module in `live/` — a prelude (`main.tf`: provider, caller identity, the GitHub
OIDC provider, the risky trusts, calls of one local module) and `units` teams of `UNIT_BLOCKS` blocks
each, written `blocks_per_file` blocks to a file — and the local module in `modules/service_role/`,
the usual live/modules layout. Scan `live` with `--root` set to the tree's root. Kinds and counts are
fixed by the parameters; the seed only chooses names, cross-team references and policy details, so
the number of users and roles a correct scan finds is known exactly (`TerraformTree`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

ACCOUNT_ID = "123456789012"
PARTNER_ACCOUNT = "210987654321"
UNIT_BLOCKS = 25
UNIT_USERS = 4
UNIT_GROUPS = 2
UNIT_ROLES = 4
UNIT_POLICIES = 2
MODULE_CALLS = 3
PRELUDE_ROLES = 4
PLATFORM_TEAMS = 2
"""Teams whose devs may assume every team's role (`role/teams/*`): a fixed few, as a platform team
is in a real organisation; a share of all teams would make the answer itself grow quadratically."""
"""github_deploy (no `sub`), github_ok, public (`*`), partner (`*` narrowed by ExternalId)."""
PRELUDE_BLOCKS = 10 + MODULE_CALLS
MODULE_BLOCKS = 5
USER_PATHS = ("/", "/staff/", "/contractors/")
"""User `i` of team `t` has path `USER_PATHS[(t + i) % 3]`."""
SERVICES = ("ec2.amazonaws.com", "lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "glue.amazonaws.com")
DATA_ACTIONS = (
    ("s3:GetObject", "s3:ListBucket"),
    ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem"),
    ("sqs:SendMessage", "sqs:ReceiveMessage"),
    ("logs:CreateLogStream", "logs:PutLogEvents"),
    ("kms:Decrypt",),
)


@dataclass(frozen=True, slots=True, kw_only=True)
class TerraformTree:
    """What was written: where, how much, and what a scan of `live` must find."""

    root: Path
    live: Path
    units: int
    blocks: int
    files: int
    bytes: int
    users: int
    groups: int
    roles: int
    managed_policies: int


def unit_count(blocks: int) -> int:
    """How many teams make a tree of about `blocks` top-level blocks (at least one)."""
    return max(1, round((blocks - PRELUDE_BLOCKS - MODULE_BLOCKS) / UNIT_BLOCKS))


def generate_terraform(root: Path, blocks: int, *, seed: int = 0, blocks_per_file: int = 50) -> TerraformTree:
    """Write the tree under `root` (created; must be empty or absent) and describe it."""
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    units = unit_count(blocks)
    live = root / "live"
    written = [_write(live / "main.tf", _prelude(units))]
    written.append(_write(root / "modules" / "service_role" / "main.tf", _module()))
    chunk: list[str] = []
    index = 0
    for team in range(units):
        for block in _unit(team, units, rng):
            chunk.append(block)
            if len(chunk) == blocks_per_file:
                written.append(_write(live / f"iam_{index:03d}.tf", "\n".join(chunk)))
                chunk, index = [], index + 1
    if chunk:
        written.append(_write(live / f"iam_{index:03d}.tf", "\n".join(chunk)))
    return TerraformTree(
        root=root,
        live=live,
        units=units,
        blocks=PRELUDE_BLOCKS + MODULE_BLOCKS + units * UNIT_BLOCKS,
        files=len(written),
        bytes=sum(written),
        **principals(units),
    )


def principals(units: int) -> dict[str, int]:
    """What a scan of `live` finds for `units` teams: users, groups, roles, managed policies."""
    return {
        "users": units * UNIT_USERS,
        "groups": units * UNIT_GROUPS,
        "roles": PRELUDE_ROLES + MODULE_CALLS + units * UNIT_ROLES,
        "managed_policies": units * UNIT_POLICIES,
    }


def _write(path: Path, text: str) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)


def _prelude(units: int) -> str:
    calls = "\n".join(
        f'''module "service_{k}" {{
  source      = "../modules/service_role"
  name        = "service-{k}"
  trusted_arn = aws_iam_role.t{k % units:04d}_deploy.arn
}}
'''
        for k in range(MODULE_CALLS)
    )
    return f'''terraform {{
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = ">= 5.0"
    }}
  }}
}}

provider "aws" {{
  region = "eu-west-1"
}}

data "aws_caller_identity" "current" {{}}

variable "environment" {{
  type    = string
  default = "prod"
}}

locals {{
  account_id  = data.aws_caller_identity.current.account_id
  github_repo = "example-org/infrastructure"
}}

resource "aws_iam_openid_connect_provider" "github" {{
  url             = "https://token.actions.githubusercontent.com"
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = ["6938fd4d98bab03faadb97b34396831e3780aea1"]
}}

# Risky: any GitHub repository may assume this role (no `sub` condition).
resource "aws_iam_role" "github_deploy" {{
  name = "github-deploy-${{var.environment}}"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ Federated = aws_iam_openid_connect_provider.github.arn }}
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {{
        StringEquals = {{ "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }}
      }}
    }}]
  }})
}}

resource "aws_iam_role" "github_ok" {{
  name = "github-ok"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ Federated = aws_iam_openid_connect_provider.github.arn }}
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {{
        StringEquals = {{ "token.actions.githubusercontent.com:aud" = "sts.amazonaws.com" }}
        StringLike   = {{ "token.actions.githubusercontent.com:sub" = "repo:${{local.github_repo}}:ref:refs/heads/main" }}
      }}
    }}]
  }})
}}

# Risky: anyone at all.
resource "aws_iam_role" "public" {{
  name               = "public-reader"
  assume_role_policy = <<-EOF
    {{
      "Version": "2012-10-17",
      "Statement": [{{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}]
    }}
  EOF
}}

resource "aws_iam_role" "partner" {{
  name = "partner-access"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ AWS = "*" }}
      Action    = "sts:AssumeRole"
      Condition = {{ StringEquals = {{ "sts:ExternalId" = "partner-7f3a" }} }}
    }}]
  }})
}}

{calls}'''


def _module() -> str:
    return '''variable "name" {
  type = string
}

variable "trusted_arn" {
  type = string
}

resource "aws_iam_role" "this" {
  name = var.name
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { AWS = var.trusted_arn }
      Action    = "sts:AssumeRole"
    }]
  })
}

resource "aws_iam_role_policy" "this" {
  name = "${var.name}-read"
  role = aws_iam_role.this.id
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = ["s3:GetObject"], Resource = "*" }]
  })
}

output "arn" {
  value = aws_iam_role.this.arn
}
'''


def _unit(t: int, units: int, rng: random.Random) -> list[str]:
    """The 25 blocks of team `t`: 2 groups, 4 users, 4 roles, 2 managed policies and their glue."""
    other = rng.randrange(units)
    peer = rng.randrange(units)
    p = f"t{t:04d}"
    name = f"team{t:04d}"
    blocks = [
        _group(p, "devs", name),
        _group(p, "ops", name),
        _group_policy(p, other, rng),
        _attachment("group", f"{p}_ops_assume", f"aws_iam_group.{p}_ops.name", f"aws_iam_policy.{p}_assume_ops.arn"),
    ]
    for i in range(UNIT_USERS):
        blocks.append(_user(p, i, name, USER_PATHS[(t + i) % len(USER_PATHS)]))
    for i in range(UNIT_USERS):
        groups = [f"aws_iam_group.{p}_devs.name", f"aws_iam_group.{p}_ops.name", f"aws_iam_group.t{peer:04d}_devs.name"]
        chosen = sorted(set(rng.sample(groups, rng.choices((1, 2, 3), weights=(6, 3, 1))[0])))
        blocks.append(_membership(p, i, chosen))
    blocks += [
        _deploy_role(p, name, rng),
        _app_role(p, name, rng),
        _ops_trust_document(p, other),
        f'''resource "aws_iam_role" "{p}_ops" {{
  name               = "{name}-ops"
  path               = "/teams/"
  assume_role_policy = data.aws_iam_policy_document.{p}_ops_trust.json
}}
''',
        _ci_role(p, name, peer, rng),
        _managed_policy(
            p, "assume_ops", f"{name}-assume-ops",
            [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"aws_iam_role.{p}_ops.arn"}],
        ),
        _managed_policy(p, "data", f"{name}-data", [_data_statement(rng)]),
        _attachment("role", f"{p}_app_data", f"aws_iam_role.{p}_app.name", f"aws_iam_policy.{p}_data.arn"),
        _attachment("role", f"{p}_deploy_ro", f"aws_iam_role.{p}_deploy.name", '"arn:aws:iam::aws:policy/ReadOnlyAccess"'),
        _deploy_chain_policy(p, name),
        _user_policy(p, rng),
        _attachment("user", f"{p}_u2_data", f"aws_iam_user.{p}_u2.name", f"aws_iam_policy.{p}_data.arn"),
        _attachment("group", f"{p}_devs_data", f"aws_iam_group.{p}_devs.name", f"aws_iam_policy.{p}_data.arn"),
    ]
    assert len(blocks) == UNIT_BLOCKS
    return blocks


def _group(p: str, kind: str, name: str) -> str:
    return f'''resource "aws_iam_group" "{p}_{kind}" {{
  name = "{name}-{kind}"
  path = "/teams/"
}}
'''


def _group_policy(p: str, other: int, rng: random.Random) -> str:
    targets = [f"aws_iam_role.{p}_deploy.arn", f"aws_iam_role.t{other:04d}_app.arn"]
    if int(p[1:]) < PLATFORM_TEAMS:
        targets.append('"arn:aws:iam::${local.account_id}:role/teams/*"')
    resources = ", ".join(targets)
    return f'''resource "aws_iam_group_policy" "{p}_devs_assume" {{
  name  = "assume-team-roles"
  group = aws_iam_group.{p}_devs.name
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Sid      = "AssumeTeamRoles"
      Effect   = "Allow"
      Action   = ["sts:AssumeRole", "sts:TagSession"]
      Resource = [{resources}]
    }}]
  }})
}}
'''


def _user(p: str, i: int, name: str, path: str) -> str:
    return f'''resource "aws_iam_user" "{p}_u{i}" {{
  name = "{name}-user{i}"
  path = "{path}"
  tags = {{ team = "{name}" }}
}}
'''


def _membership(p: str, i: int, groups: list[str]) -> str:
    return f'''resource "aws_iam_user_group_membership" "{p}_u{i}" {{
  user   = aws_iam_user.{p}_u{i}.name
  groups = [{", ".join(groups)}]
}}
'''


def _deploy_role(p: str, name: str, rng: random.Random) -> str:
    condition = (
        '\n      Condition = { Bool = { "aws:MultiFactorAuthPresent" = "true" } }' if rng.random() < 0.5 else ""
    )
    return f'''resource "aws_iam_role" "{p}_deploy" {{
  name = "{name}-deploy"
  path = "/teams/"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ AWS = "arn:aws:iam::${{data.aws_caller_identity.current.account_id}}:root" }}
      Action    = "sts:AssumeRole"{condition}
    }}]
  }})
}}
'''


def _app_role(p: str, name: str, rng: random.Random) -> str:
    service = rng.choice(SERVICES)
    return f'''resource "aws_iam_role" "{p}_app" {{
  name               = "{name}-app"
  path               = "/teams/"
  assume_role_policy = <<-EOF
    {{
      "Version": "2012-10-17",
      "Statement": [
        {{
          "Effect": "Allow",
          "Principal": {{"Service": "{service}"}},
          "Action": "sts:AssumeRole"
        }}
      ]
    }}
  EOF
}}
'''


def _ops_trust_document(p: str, other: int) -> str:
    return f'''data "aws_iam_policy_document" "{p}_ops_trust" {{
  statement {{
    actions = ["sts:AssumeRole"]
    principals {{
      type        = "AWS"
      identifiers = [aws_iam_user.{p}_u0.arn, aws_iam_role.t{other:04d}_deploy.arn]
    }}
  }}
}}
'''


def _ci_role(p: str, name: str, peer: int, rng: random.Random) -> str:
    if rng.random() < 0.7:
        principal = f"aws_iam_role.t{peer:04d}_ops.arn"
        condition = ""
    else:
        principal = f'"arn:aws:iam::{PARTNER_ACCOUNT}:root"'
        condition = f'\n      Condition = {{ StringEquals = {{ "sts:ExternalId" = "{name}-ci" }} }}'
    return f'''resource "aws_iam_role" "{p}_ci" {{
  name                 = "{name}-ci"
  path                 = "/teams/"
  max_session_duration = 3600
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Principal = {{ AWS = {principal} }}
      Action    = "sts:AssumeRole"{condition}
    }}]
  }})
}}
'''


def _data_statement(rng: random.Random) -> dict:
    actions = rng.choice(DATA_ACTIONS)
    return {"Effect": "Allow", "Action": list(actions), "Resource": '"*"'}


def _hcl_statement(statement: dict) -> str:
    action = statement["Action"]
    actions = f'"{action}"' if isinstance(action, str) else "[" + ", ".join(f'"{a}"' for a in action) + "]"
    return (
        f'{{ Effect = "{statement["Effect"]}", Action = {actions}, Resource = {statement["Resource"]} }}'
    )


def _managed_policy(p: str, label: str, name: str, statements: list[dict]) -> str:
    body = ",\n      ".join(_hcl_statement(s) for s in statements)
    return f'''resource "aws_iam_policy" "{p}_{label}" {{
  name        = "{name}"
  description = "Generated policy {name}"
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {body}
    ]
  }})
}}
'''


def _attachment(kind: str, label: str, holder: str, policy: str) -> str:
    return f'''resource "aws_iam_{kind}_policy_attachment" "{label}" {{
  {kind} = {holder}
  policy_arn = {policy}
}}
'''


def _deploy_chain_policy(p: str, name: str) -> str:
    return f'''resource "aws_iam_role_policy" "{p}_deploy_chain" {{
  name = "chain-to-team-roles"
  role = aws_iam_role.{p}_deploy.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{ Effect = "Allow", Action = "sts:AssumeRole", Resource = "arn:aws:iam::${{local.account_id}}:role/teams/{name}-*" }},
      {{ Effect = "Deny", Action = "sts:AssumeRole", Resource = aws_iam_role.{p}_deploy.arn }}
    ]
  }})
}}
'''


def _user_policy(p: str, rng: random.Random) -> str:
    if rng.random() < 0.1:
        statement = '{"Effect": "Allow", "Action": "sts:GetFederationToken", "Resource": "*"}'
    else:
        actions = ", ".join(f'"{a}"' for a in rng.choice(DATA_ACTIONS))
        statement = f'{{"Effect": "Allow", "Action": [{actions}], "Resource": "*"}}'
    return f'''resource "aws_iam_user_policy" "{p}_u1_inline" {{
  name   = "personal"
  user   = aws_iam_user.{p}_u1.name
  policy = <<-EOF
    {{
      "Version": "2012-10-17",
      "Statement": [
        {statement}
      ]
    }}
  EOF
}}
'''
