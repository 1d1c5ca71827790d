"""Reading an inventory another credmint run exported (issue 18): one more input format.

Its entities keep their own accounts and sources (`SOURCE_NAME:path:line`); a file that is not a
readable inventory is an error diagnostic naming it, as any other unreadable input.
"""

from __future__ import annotations

from pathlib import Path

from credmint.analyzer.inventory import Diagnostic, DiagnosticLevel, InputFile, Inventory
from credmint.analyzer.inventory_json import FORMAT, InventoryFormatError, loads
from credmint.parsers.context import ParseContext


def read_inventory(path: Path, ctx: ParseContext) -> Inventory:
    rel = ctx.relative(path)
    try:
        inventory = loads(path.read_bytes(), file=rel)
    except OSError as problem:
        return _error(rel, f"cannot read {rel}: {problem.strerror or problem}")
    except InventoryFormatError as problem:
        return _error(rel, f"{rel} is not a readable credmint inventory: {problem}")
    return Inventory(
        users=inventory.users,
        groups=inventory.groups,
        roles=inventory.roles,
        policies=inventory.policies,
        providers=inventory.providers,
        scps=inventory.scps,
        inputs=(InputFile(path=rel, format=FORMAT),),
        diagnostics=inventory.diagnostics,
    )


def _error(rel: str, message: str) -> Inventory:
    return Inventory(diagnostics=(Diagnostic(level=DiagnosticLevel.ERROR, message=message, file=rel, line=0),))
