"""Issue 18, attacked after it landed: hostile inventory files are errors naming the file, never
a traceback and never read as something they are not."""

from __future__ import annotations

import pytest

from credmint.analyzer.inventory_json import InventoryFormatError, loads


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b'{"inventory_version": true}', "no integer inventory_version"),  # bool is an int in Python
        (b'{"inventory_version": 1' + b"0" * 400 + b"}", "not valid JSON"),
        (b'{"inventory_version": 1, "roles": ' + b"[" * 5000 + b"]" * 5000 + b"}", "depth limit"),
        (b'{"inventory_version": 1, "x": ' + b'{"a": ' * 3000 + b"1" + b"}" * 3000 + b"}", "depth limit"),
        (b'{"inventory_version": 1, "users": [{"name": "ci", "account": "1", "line": 1e999}]}', "not valid JSON"),
        (b'{"inventory_version": 1, "source_name": 7}', "source_name: expected a string"),
    ],
)
def test_a_hostile_inventory_is_refused_with_a_reason(data: bytes, problem: str) -> None:
    with pytest.raises(InventoryFormatError, match=problem):
        loads(data, file="hostile.inventory.json")
