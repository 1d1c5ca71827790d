"""Which folders are Terraform root modules (issue 13 item 10; docs/DECISIONS.md "Terraform root modules").

A folder no scanned folder calls as a local module is a root. A called folder is a root too when it
looks like one, read from its parsed blocks so that every valid spelling counts (`provider"aws"{}`,
`terraform { backend "s3" {} }` on one line, a label without quotes): it configures a provider, a
`backend` or `cloud`, declares `import` blocks (root modules only), has automatic variable files or
a dependency lock file, or declares no input variable. A folder whose every call makes no instance
(`count = 0`, `for_each = {}`) is found after the roots are evaluated (credmint.parsers.detect): a missed root
is a silent pass, so in doubt a folder is analysed as a root.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from credmint.parsers.context import ParseContext
from credmint.parsers.terraform.hcl import Block, ParseFailure
from credmint.parsers.terraform.lazy import Entry, read_blocks
from credmint.parsers.terraform.parse_cache import cache_of
from credmint.parsers.terraform_files import config_files

_ROOT_FILES = ("terraform.tfvars", "terraform.tfvars.json", ".terraform.lock.hcl")
_ROOT_GLOBS = ("*.auto.tfvars", "*.auto.tfvars.json")


def _blocks(folder: Path, ctx: ParseContext) -> list[Entry]:
    """The top-level blocks of the folder's configuration files (resources and data sources maybe
    unparsed: only their kind is read here); unreadable files are left to the run to report."""
    blocks: list[Entry] = []
    for path in config_files(folder).all:
        if not path.is_file() or not ctx.is_inside_root(path):
            continue  # never follow a link out of the project root (CONTRACT.md)
        try:
            blocks += read_blocks(path, ctx.relative(path), cache_of(ctx), ctx.unread)
        except (ParseFailure, OSError, UnicodeError):
            continue
    return blocks


def called_folders(folders: Iterable[Path], ctx: ParseContext) -> set[Path]:
    """The folders that the configuration files of `folders` call as local modules (`./x`,
    `../x`): resolved, and also as given when one of `folders` is such a folder."""
    folders = list(folders)
    called: set[Path] = set()
    for folder in folders:
        for block in _blocks(folder, ctx):
            if block.type != "module" or not isinstance(block, Block) or "source" not in block.attributes:
                continue
            text = block.file.snippet(block.attributes["source"].expression).strip('"')
            if text.startswith(("./", "../")):
                called.add((folder / text).resolve())
    return called | {folder for folder in folders if folder.resolve() in called}


def looks_like_root(folder: Path, ctx: ParseContext) -> bool:
    """Does a folder carry a mark only root modules have, or take no input variable?"""
    if any((folder / name).is_file() for name in _ROOT_FILES) or any(
        any(folder.glob(pattern)) for pattern in _ROOT_GLOBS
    ):
        return True
    blocks = _blocks(folder, ctx)
    if any(_is_root_mark(block) for block in blocks):
        return True
    return not any(block.type == "variable" for block in blocks)


def _is_root_mark(block: Entry) -> bool:
    if block.type in ("provider", "import"):
        return True
    return block.type == "terraform" and isinstance(block, Block) and any(
        nested.type in ("backend", "cloud") for nested in block.blocks
    )
