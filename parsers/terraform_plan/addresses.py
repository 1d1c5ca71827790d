"""Terraform resource addresses (`module.a["k"].aws_iam_role.x[0]`) taken apart.

The plan names instances with their keys; its `configuration` names resources per module, without
keys. Matching the two, and a plan instance to its HCL block, needs the same address read both ways.
"""

from __future__ import annotations

from functools import lru_cache

_DATA = "data"
_MODULE = "module"


def split_address(address: str) -> list[str]:
    """Dot-separated parts, an instance key (`[0]`, `["a.b"]`) staying with the part before it."""
    return list(_split(address))


@lru_cache(maxsize=8192)
def _split(address: str) -> tuple[str, ...]:
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    in_string = False
    escaped = False
    for char in address:
        if in_string:
            current.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if char == '"':
            in_string = True
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == "." and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return tuple(parts)


def _strip_key(part: str) -> str:
    return part.split("[", 1)[0]


def module_parts(address: str) -> tuple[list[str], list[str]]:
    """(`["module", "a[0]", ...]`, `["aws_iam_role", "x"]` or `["data", "t", "n"]`)."""
    parts = split_address(address)
    position = 0
    while position + 1 < len(parts) and parts[position] == _MODULE:
        position += 2
    return parts[:position], parts[position:]


def module_prefix(address: str) -> str:
    """The module instance part with keys and a trailing dot (`module.a[0].`), or ""."""
    modules, _ = module_parts(address)
    return ".".join(modules) + "." if modules else ""


def module_path(address: str) -> tuple[str, ...]:
    """Names of the module calls that lead to the address, keys dropped: `("a", "b")`."""
    modules, _ = module_parts(address)
    return tuple(_strip_key(part) for part in modules[1::2])


def resource_key(address: str) -> str:
    """The resource as its module's configuration names it: `aws_iam_role.x`, `data.t.n`."""
    _, resource = module_parts(address)
    return ".".join(_strip_key(part) for part in resource)


def config_address(address: str) -> str:
    """The address with every instance key dropped: `module.a.aws_iam_role.x`."""
    return ".".join(_strip_key(part) for part in split_address(address))


def wildcard_address(address: str) -> str:
    """The address with its last instance key as the HCL parser writes a `for_each` it cannot
    expand before apply (`[*]`)."""
    parts = split_address(address)
    if "[" in parts[-1]:
        parts[-1] = _strip_key(parts[-1]) + "[*]"
    return ".".join(parts)


def is_resource_reference(reference: str) -> bool:
    """True for `aws_x.y...`, `data.t.n...` and `module.m...`, not for `var.`, `local.`, `each.`."""
    head = reference.split(".", 1)[0]
    return head in (_DATA, _MODULE) or "_" in head
