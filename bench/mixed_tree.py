"""A seeded Terraform root module where IAM is a tenth of the code, as in an application repository.

Issue 17: real repositories are mostly not IAM. The tree is `terraform_tree`'s layout (`live/` and
`modules/service_role/`) with its prelude and about a tenth of the blocks as its IAM teams, each
team with two more IAM blocks that reach back into the ordinary resources (an instance profile, a
role policy on a service's bucket, queue and table); the other nine tenths are services of
`SERVICE_BLOCKS` ordinary blocks — networking, instances, a bucket, a queue, a table, a function —
whose instances and function take the role of an IAM team. The IAM answer is `terraform_tree`'s for
the same number of teams: the ordinary resources grant nothing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

from bench.terraform_tree import (
    MODULE_BLOCKS,
    PRELUDE_BLOCKS,
    UNIT_BLOCKS,
    TerraformTree,
    _module,
    _prelude,
    _unit,
    _write,
    principals,
)

IAM_SHARE = 0.1
BACK_BLOCKS = 2
"""IAM blocks per team beyond `terraform_tree`'s: an instance profile and a policy on a service."""
SERVICE_BLOCKS = 20
RUNTIMES = ("python3.12", "nodejs20.x", "java21")
INSTANCE_TYPES = ("t3.micro", "t3.small", "m6i.large", "c6i.xlarge")


@dataclass(frozen=True, slots=True, kw_only=True)
class MixedTree(TerraformTree):
    """`TerraformTree` (`units` are the IAM teams), with the services and the IAM blocks' count."""

    services: int
    iam_blocks: int


def counts(blocks: int) -> tuple[int, int]:
    """IAM teams and services that make about `blocks` top-level blocks, a tenth of them IAM."""
    fixed = PRELUDE_BLOCKS + MODULE_BLOCKS
    teams = max(1, round((blocks * IAM_SHARE - fixed) / (UNIT_BLOCKS + BACK_BLOCKS)))
    services = max(teams, round((blocks - fixed - teams * (UNIT_BLOCKS + BACK_BLOCKS)) / SERVICE_BLOCKS))
    return teams, services


def generate_mixed(root: Path, blocks: int, *, seed: int = 0, blocks_per_file: int = 50) -> MixedTree:
    """Write the tree under `root` (created; must be empty or absent) and describe it."""
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    teams, services = counts(blocks)
    live = root / "live"
    written = [_write(live / "main.tf", _prelude(teams))]
    written.append(_write(root / "modules" / "service_role" / "main.tf", _module()))
    iam = [block for t in range(teams) for block in [*_unit(t, teams, rng), *_back(t, services, rng)]]
    ordinary = [block for s in range(services) for block in _service(s, teams, rng)]
    for prefix, chunk_blocks in (("iam", iam), ("app", ordinary)):
        for index in range(0, len(chunk_blocks), blocks_per_file):
            chunk = chunk_blocks[index : index + blocks_per_file]
            written.append(_write(live / f"{prefix}_{index // blocks_per_file:03d}.tf", "\n".join(chunk)))
    iam_blocks = PRELUDE_BLOCKS + MODULE_BLOCKS + len(iam)
    return MixedTree(
        root=root,
        live=live,
        units=teams,
        services=services,
        blocks=iam_blocks + len(ordinary),
        iam_blocks=iam_blocks,
        files=len(written),
        bytes=sum(written),
        **principals(teams),
    )


def _back(t: int, services: int, rng: random.Random) -> list[str]:
    """Team `t`'s IAM that refers to ordinary resources: its app role reads a service's data."""
    p, s = f"t{t:04d}", f"s{rng.randrange(services):04d}"
    return [
        f'''resource "aws_iam_instance_profile" "{p}_app" {{
  name = "team{t:04d}-app"
  role = aws_iam_role.{p}_app.name
}}
''',
        f'''resource "aws_iam_role_policy" "{p}_app_storage" {{
  name = "service-data"
  role = aws_iam_role.{p}_app.id
  policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [
      {{ Effect = "Allow", Action = ["s3:GetObject", "s3:PutObject"], Resource = "${{aws_s3_bucket.{s}_data.arn}}/*" }},
      {{ Effect = "Allow", Action = ["sqs:SendMessage"], Resource = aws_sqs_queue.{s}_jobs.arn }},
      {{ Effect = "Allow", Action = ["dynamodb:GetItem", "dynamodb:PutItem"], Resource = aws_dynamodb_table.{s}_state.arn }}
    ]
  }})
}}
''',
    ]


def _service(s: int, teams: int, rng: random.Random) -> list[str]:
    """The 20 ordinary blocks of service `s`, run by team `s % teams` (its app role and profile)."""
    p, team = f"s{s:04d}", f"t{s % teams:04d}"
    name = f"svc{s:04d}"
    cidr = f"10.{s // 256 % 256}.{s % 256}"
    tags = f'{{ Name = "{name}", team = "team{s % teams:04d}" }}'
    blocks = [
        f'''resource "aws_vpc" "{p}" {{
  cidr_block           = "{cidr}.0/24"
  enable_dns_hostnames = true
  tags                 = {tags}
}}
''',
        *(
            f'''resource "aws_subnet" "{p}_{zone}" {{
  vpc_id            = aws_vpc.{p}.id
  cidr_block        = "{cidr}.{offset}/25"
  availability_zone = "eu-west-1{zone}"
  tags              = {tags}
}}
'''
            for zone, offset in (("a", 0), ("b", 128))
        ),
        f'''resource "aws_route_table" "{p}" {{
  vpc_id = aws_vpc.{p}.id
  tags   = {tags}
}}
''',
        f'''resource "aws_route_table_association" "{p}_a" {{
  subnet_id      = aws_subnet.{p}_a.id
  route_table_id = aws_route_table.{p}.id
}}
''',
        f'''resource "aws_security_group" "{p}_web" {{
  name        = "{name}-web"
  description = "web tier of {name}"
  vpc_id      = aws_vpc.{p}.id

  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}

  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}
''',
        f'''resource "aws_security_group_rule" "{p}_ssh" {{
  type              = "ingress"
  from_port         = 22
  to_port           = 22
  protocol          = "tcp"
  cidr_blocks       = [aws_vpc.{p}.cidr_block]
  security_group_id = aws_security_group.{p}_web.id
}}
''',
        f'''resource "aws_instance" "{p}_web" {{
  ami                    = "ami-0c55b159cbfafe1f0"
  instance_type          = "{rng.choice(INSTANCE_TYPES)}"
  subnet_id              = aws_subnet.{p}_a.id
  vpc_security_group_ids = [aws_security_group.{p}_web.id]
  iam_instance_profile   = aws_iam_instance_profile.{team}_app.name
  user_data              = <<-EOT
    #!/bin/bash
    echo "serving {name}" > /etc/motd
  EOT
  tags = {tags}
}}
''',
        f'''resource "aws_instance" "{p}_worker" {{
  count                  = {rng.randrange(1, 4)}
  ami                    = "ami-0c55b159cbfafe1f0"
  instance_type          = "{rng.choice(INSTANCE_TYPES)}"
  subnet_id              = count.index % 2 == 0 ? aws_subnet.{p}_a.id : aws_subnet.{p}_b.id
  vpc_security_group_ids = [aws_security_group.{p}_web.id]
  iam_instance_profile   = aws_iam_instance_profile.{team}_app.name
  tags                   = merge({tags}, {{ index = count.index }})
}}
''',
        f'''resource "aws_eip" "{p}_web" {{
  instance = aws_instance.{p}_web.id
  domain   = "vpc"
}}
''',
        f'''resource "aws_s3_bucket" "{p}_data" {{
  bucket = "{name}-data-${{data.aws_caller_identity.current.account_id}}"
  tags   = {tags}
}}
''',
        f'''resource "aws_s3_bucket_versioning" "{p}_data" {{
  bucket = aws_s3_bucket.{p}_data.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}
''',
        f'''resource "aws_s3_bucket_public_access_block" "{p}_data" {{
  bucket                  = aws_s3_bucket.{p}_data.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}}
''',
        f'''resource "aws_s3_bucket_server_side_encryption_configuration" "{p}_data" {{
  bucket = aws_s3_bucket.{p}_data.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm = "aws:kms"
    }}
  }}
}}
''',
        f'''resource "aws_sqs_queue" "{p}_jobs" {{
  name                       = "{name}-jobs"
  visibility_timeout_seconds = 300
  message_retention_seconds  = 86400
  tags                       = {tags}
}}
''',
        f'''resource "aws_dynamodb_table" "{p}_state" {{
  name         = "{name}-state"
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "id"

  attribute {{
    name = "id"
    type = "S"
  }}
  tags = {tags}
}}
''',
        f'''resource "aws_cloudwatch_log_group" "{p}_fn" {{
  name              = "/aws/lambda/{name}-handler"
  retention_in_days = 14
}}
''',
        f'''resource "aws_lambda_function" "{p}_handler" {{
  function_name = "{name}-handler"
  role          = aws_iam_role.{team}_app.arn
  runtime       = "{rng.choice(RUNTIMES)}"
  handler       = "main.handler"
  filename      = "build/{name}.zip"
  timeout       = 30

  environment {{
    variables = {{
      BUCKET = aws_s3_bucket.{p}_data.bucket
      QUEUE  = aws_sqs_queue.{p}_jobs.url
      TABLE  = aws_dynamodb_table.{p}_state.name
    }}
  }}
  depends_on = [aws_cloudwatch_log_group.{p}_fn]
}}
''',
        f'''resource "aws_lambda_event_source_mapping" "{p}_jobs" {{
  event_source_arn = aws_sqs_queue.{p}_jobs.arn
  function_name    = aws_lambda_function.{p}_handler.arn
  batch_size       = 10
}}
''',
        f'''resource "aws_lambda_permission" "{p}_s3" {{
  statement_id  = "AllowS3Invoke"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.{p}_handler.function_name
  principal     = "s3.amazonaws.com"
  source_arn    = aws_s3_bucket.{p}_data.arn
}}
''',
    ]
    assert len(blocks) == SERVICE_BLOCKS
    return blocks
