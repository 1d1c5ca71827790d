"""AWS provider configurations: which account each resource deploys into (issue 3 §3).

A `provider "aws"` block whose `assume_role` names a role in a known account, or whose
`allowed_account_ids` holds one known id, deploys its resources into that account (and a known
`region` is the region its `data "aws_region"` answers); a resource picks
a configuration with `provider = aws.ALIAS`, and a module call passes them with
`providers = { aws = aws.ALIAS }` (the default configuration is inherited without it). Anything not
known before apply keeps the run's account (`--account-id` or the symbolic current account).
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING, Callable

from credmint.parsers.context import ParseContext
from credmint.parsers.terraform.blocks import BlockView
from credmint.parsers.terraform.hcl import Block, subtrees

if TYPE_CHECKING:
    from credmint.parsers.terraform.interfaces import ModuleInstance

DEFAULT = "aws"

_ROLE_ACCOUNT = re.compile(r"^arn:[^:]+:iam::(\d{12}):")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")


def provider_key(block: Block) -> str:
    """The configuration a resource or data block uses: `aws` or `aws.ALIAS` (its `provider`)."""
    attribute = block.attributes.get("provider")
    if attribute is None:
        return DEFAULT
    return block.file_of("provider").snippet(attribute.expression).strip('"')


def own_configurations(module: "ModuleInstance", blocks: list[Block]) -> dict[str, ParseContext]:
    """The module's own `provider "aws"` blocks, each as the context its resources deploy with."""
    configurations: dict[str, ParseContext] = {}
    for block in blocks:
        view = BlockView(block, module.scope)
        alias = view.get("alias")
        key = f"{DEFAULT}.{alias}" if isinstance(alias, str) and alias else DEFAULT
        account = _account(view)
        context = replace(module.ctx, account_id=account) if account else module.ctx
        region = view.get("region")
        if isinstance(region, str) and _REGION.match(region):
            context = replace(context, region=region)  # what `data "aws_region"` answers
        configurations[key] = context
    return configurations


def _account(view: BlockView) -> str | None:
    """The account a configuration deploys into, when the templates say it before apply."""
    account = None
    for assume_role in view.blocks("assume_role"):  # chained roles: the last one is where it lands
        role_arn = assume_role.get("role_arn")
        match = _ROLE_ACCOUNT.match(role_arn) if isinstance(role_arn, str) else None
        account = match.group(1) if match else None
    if account is None:
        allowed = view.get("allowed_account_ids")
        if isinstance(allowed, list) and len(allowed) == 1 and isinstance(allowed[0], str):
            account = allowed[0] if _ACCOUNT_ID.match(allowed[0]) else None
    return account


def passed_configurations(parent: "ModuleInstance", call: Block) -> dict[str, Callable[[], ParseContext]]:
    """What a module call hands its module: `providers = {...}`, else the default configuration."""
    attribute = call.attributes.get("providers")
    node = attribute.expression if attribute is not None else None
    while node is not None and node.data == "expr_term" and len(subtrees(node)) == 1:
        node = subtrees(node)[0]
    if node is None or node.data != "object":
        return {DEFAULT: lambda: parent.context_for(DEFAULT)}
    passed: dict[str, Callable[[], ParseContext]] = {}
    for element in subtrees(node):
        key_node, value_node = subtrees(element)
        file = call.file_of("providers")
        source_key = file.snippet(value_node).strip('"')
        passed[file.snippet(key_node).strip('"')] = lambda key=source_key: parent.context_for(key)
    return passed
