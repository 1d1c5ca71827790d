"""Override files merged into the blocks they override, as Terraform merges them (issue 13 item 9).

Terraform docs, "Override Files" (https://developer.hashicorp.com/terraform/language/files/override):
override files (`override.tf`, `*_override.tf`, their JSON forms) are read after the others, in
lexical order; each block in one is merged into the block of the same type and labels that the
other files define: its arguments replace the original's, and its nested blocks replace all the
original's nested blocks of the same type (a `dynamic "x"` counts as an `x`), except `lifecycle`,
merged argument by argument. A `locals` entry replaces the local of the same name; a provider
configuration is matched by name and alias. An override block with no original is an error in
Terraform: the configuration does not deploy.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Callable, Optional

from credmint.parsers.terraform.hcl import Attribute, Block

_KEYED = {"resource": 2, "data": 2, "module": 1, "output": 1, "variable": 1}


def merge_block(original: Block, override: Block) -> Block:
    """`original` with `override`'s arguments and nested blocks in place of its own."""
    attributes = dict(original.attributes)
    for name, attribute in override.attributes.items():
        attributes[name] = _carrying_file(attribute, override)
    replaced = {_nested_type(block) for block in override.blocks} - {"lifecycle"}
    blocks = [block for block in original.blocks if _nested_type(block) not in replaced]
    for block in override.blocks:
        if block.type == "lifecycle":
            mine = next((b for b in blocks if b.type == "lifecycle"), None)
            if mine is not None:
                blocks[blocks.index(mine)] = merge_block(mine, block)
                continue
        blocks.append(block)  # a nested block keeps its own file
    return replace(original, attributes=attributes, blocks=tuple(blocks))


def _nested_type(block: Block) -> str:
    return block.labels[0] if block.type == "dynamic" and block.labels else block.type


def _carrying_file(attribute: Attribute, block: Block) -> Attribute:
    return attribute if attribute.file is not None else replace(attribute, file=block.file)


def override_key(block: Block, alias: Callable[[Block], Optional[str]]) -> Optional[tuple]:
    """What an override block is matched by: type and labels, a provider's alias too."""
    if block.type in _KEYED and len(block.labels) == _KEYED[block.type]:
        return (block.type, *block.labels)
    if block.type == "provider" and len(block.labels) == 1:
        return ("provider", block.labels[0], alias(block))
    return None
