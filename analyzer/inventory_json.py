"""The inventory as versioned JSON: what one repository's run exports and an organisation's run reads.

Each repository's CI scans its own templates and exports what it read (users, groups, roles,
policies as evaluated, trusts, boundaries, SCPs, providers, sources); one merged run reads many such
files beside templates and analyses them together, so that a grant crossing repositories is decided
like one inside a run (issue 18). The encoding follows the dataclasses of `credmint.analyzer.inventory`
field by field, so a field added there is exported without a change here; fields at their default
are left out. Values keep their unknowns: `{"unknown": expression, ...}` and `{"text": [parts]}`.

Parsers import this module (reading is an input format) as they import the inventory itself.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from typing import Any, Union

import orjson

from credmint.analyzer import inventory as inv
from credmint.analyzer.inventory import (
    CURRENT_ACCOUNT,
    Diagnostic,
    InputFile,
    Inventory,
    Source,
    Text,
    Unknown,
)

INVENTORY_VERSION = 1
"""Raised when a field changes meaning; a reader accepts its own version and every older one."""

FORMAT = "inventory"
"""The `format` of an inventory file among a report's inputs."""

_FILE_FIELDS: dict[type, str] = {Source: "file", Diagnostic: "file", InputFile: "path"}
"""The fields naming a file: prefixed with the exporting repository's name on reading."""

_SECTIONS = ("users", "groups", "roles", "policies", "providers", "scps", "inputs", "diagnostics")


class InventoryFormatError(ValueError):
    """An inventory file that is not what `inventory_version` promises; says where in the document."""


def dumps(inventory: Inventory, *, account_id: str | None, source_name: str | None, version: str) -> bytes:
    """The inventory file: deterministic bytes (same inventory, same file)."""
    document: dict[str, Any] = {
        "inventory_version": INVENTORY_VERSION,
        "tool": {"name": "credmint", "version": version},
        "source_name": source_name,
        "account_id": account_id,
    }
    for section in _SECTIONS:
        document[section] = [_encode(item) for item in getattr(inventory, section)]
    return orjson.dumps(document, option=orjson.OPT_INDENT_2) + b"\n"


def loads(data: bytes, *, file: str) -> Inventory:
    """An inventory read from an exported file, its sources named `SOURCE_NAME:path`.

    `file` is the inventory file as the run names it: its account stands for the exporting run's
    current account when that run had no `--account-id`, so that two such inventories are never
    taken for one account (a merged grant must never be more certain than the truth).
    """
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as problem:
        raise InventoryFormatError(f"not valid JSON: {problem}") from None
    if not isinstance(document, dict) or type(document.get("inventory_version")) is not int:
        raise InventoryFormatError("not a credmint inventory: no integer inventory_version")
    version = document["inventory_version"]
    if version > INVENTORY_VERSION or version < 1:
        raise InventoryFormatError(
            f"inventory_version {version} is not one this credmint reads (1 to {INVENTORY_VERSION}); upgrade credmint"
        )
    name = document.get("source_name")
    if name is not None and not isinstance(name, str):
        raise InventoryFormatError("source_name: expected a string")
    account = document.get("account_id")
    if account is not None and not (isinstance(account, str) and len(account) == 12 and account.isdigit()):
        raise InventoryFormatError("account_id: expected 12 digits")
    decoder = _Decoder(
        prefix=f"{name}:" if name else "",
        account=account or Unknown(f"account_id of {name or file}", f"the account of inventory {file} (exported without --account-id)"),
    )
    sections: dict[str, tuple[Any, ...]] = {}
    hints = _hints(Inventory)
    for section in _SECTIONS:
        items = document.get(section, [])
        sections[section] = decoder.decode(hints[section], items, section)
    return Inventory(**sections)


def _encode(value: Any) -> Any:
    if isinstance(value, str):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Unknown):
        encoded: dict[str, Any] = {"unknown": value.expression}
        if value.reason:
            encoded["reason"] = value.reason
        if value.generated:
            encoded["generated"] = True
        return encoded
    if isinstance(value, Text):
        return {"text": [_encode(part) for part in value.parts]}
    if isinstance(value, tuple):
        return [_encode(item) for item in value]
    defaults = _DEFAULTS.get(type(value))
    if defaults is None and dataclasses.is_dataclass(value):
        defaults = _DEFAULTS[type(value)] = _field_defaults(type(value))
    if defaults is not None:
        out = {}
        for name, default in defaults:
            item = getattr(value, name)
            if default is _REQUIRED or item != default or type(item) is not type(default):
                out[name] = _encode(item)
        return out
    return value


_REQUIRED = object()
_DEFAULTS: dict[type, tuple[tuple[str, Any], ...]] = {}
"""Each dataclass's fields with their defaults: a field at its default is left out of the file."""


def _field_defaults(cls: type) -> tuple[tuple[str, Any], ...]:
    found = []
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            found.append((f.name, f.default))
        elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
            found.append((f.name, f.default_factory()))  # type: ignore[misc]
        else:
            found.append((f.name, _REQUIRED))
    return tuple(found)


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    if cls not in _HINTS:
        _HINTS[cls] = typing.get_type_hints(cls, vars(inv))
    return _HINTS[cls]


class _Decoder:
    """Type-directed decoding: the dataclasses' own annotations say what each value must be."""

    def __init__(self, *, prefix: str, account: Union[str, Unknown]) -> None:
        self.prefix = prefix
        self.account = account

    def decode(self, hint: Any, data: Any, where: str) -> Any:
        origin = typing.get_origin(hint)
        if origin in (Union, types.UnionType):
            return self._union(typing.get_args(hint), data, where)
        if origin is tuple:
            item = typing.get_args(hint)[0]
            if not isinstance(data, list):
                raise InventoryFormatError(f"{where}: expected a list")
            return tuple(self.decode(item, element, f"{where}[{n}]") for n, element in enumerate(data))
        if hint is Unknown:
            return self._unknown(data, where)
        if hint is Text:
            return self._text(data, where)
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            try:
                return hint(data)
            except ValueError:
                raise InventoryFormatError(f"{where}: {data!r} is not a {hint.__name__}") from None
        if dataclasses.is_dataclass(hint):
            return self._dataclass(hint, data, where)
        if hint is bool or hint is int or hint is str:
            if type(data) is not hint:
                raise InventoryFormatError(f"{where}: expected {hint.__name__}")
            return data
        raise InventoryFormatError(f"{where}: cannot read {hint!r}")  # a field type this reader lacks

    def _union(self, options: tuple[Any, ...], data: Any, where: str) -> Any:
        if data is None:
            if type(None) in options:
                return None
            raise InventoryFormatError(f"{where}: null is not allowed here")
        if isinstance(data, str):
            for option in options:
                if option is str or (isinstance(option, type) and issubclass(option, enum.Enum)):
                    return self.decode(option, data, where)
        if isinstance(data, list):
            for option in options:
                if typing.get_origin(option) is tuple:
                    return self.decode(option, data, where)
        if isinstance(data, dict):
            if "unknown" in data and Unknown in options:
                return self._unknown(data, where)
            if "text" in data and Text in options:
                return self._text(data, where)
            for option in options:
                if dataclasses.is_dataclass(option):
                    return self._dataclass(option, data, where)
        raise InventoryFormatError(f"{where}: unexpected {type(data).__name__}")

    def _unknown(self, data: Any, where: str) -> Union[str, Unknown]:
        if not isinstance(data, dict) or not isinstance(data.get("unknown"), str):
            raise InventoryFormatError(f"{where}: expected an unknown value")
        value = Unknown(data["unknown"], _string(data.get("reason", ""), where), data.get("generated") is True)
        return self.account if value == CURRENT_ACCOUNT else value

    def _text(self, data: Any, where: str) -> Any:
        if not isinstance(data, dict) or not isinstance(data.get("text"), list):
            raise InventoryFormatError(f"{where}: expected a text value")
        parts = [part if isinstance(part, str) else self._unknown(part, where) for part in data["text"]]
        return inv.concat(*parts)

    def _dataclass(self, cls: type, data: Any, where: str) -> Any:
        if not isinstance(data, dict):
            raise InventoryFormatError(f"{where}: expected an object")
        hints = _hints(cls)
        unexpected = set(data) - set(hints)
        if unexpected:
            raise InventoryFormatError(f"{where}: unknown field {sorted(unexpected)[0]!r}")
        values = {name: self.decode(hints[name], value, f"{where}.{name}") for name, value in data.items()}
        for f in dataclasses.fields(cls):
            if f.name not in values and f.default is CURRENT_ACCOUNT:
                values[f.name] = self.account  # left out at export: the exporting run's own account
        file_field = _FILE_FIELDS.get(cls)
        if file_field and self.prefix and file_field in values:
            values[file_field] = self.prefix + values[file_field]
        try:
            return cls(**values)
        except TypeError as problem:
            raise InventoryFormatError(f"{where}: {problem}") from None


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise InventoryFormatError(f"{where}: expected a string")
    return value



def schema() -> dict[str, Any]:
    """The JSON Schema of an inventory file, drawn from the same annotations the reader follows
    (docs/inventory.schema.json is this, checked by the tests to be current)."""
    definitions: dict[str, Any] = {}
    document = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://github.com/credmint/credmint/docs/inventory.schema.json",
        "title": "credmint inventory",
        "type": "object",
        "required": ["inventory_version"],
        "additionalProperties": False,
        "properties": {
            "inventory_version": {"type": "integer", "minimum": 1, "maximum": INVENTORY_VERSION},
            "tool": {"type": "object"},
            "source_name": {"type": ["string", "null"]},
            "account_id": {"anyOf": [{"type": "string", "pattern": "^[0-9]{12}$"}, {"type": "null"}]},
            **{section: _schema_of(_hints(Inventory)[section], definitions) for section in _SECTIONS},
        },
        "$defs": definitions,
    }
    return document


def _schema_of(hint: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        return {"anyOf": [_schema_of(option, definitions) for option in typing.get_args(hint)]}
    if origin is tuple:
        return {"type": "array", "items": _schema_of(typing.get_args(hint)[0], definitions)}
    if hint is type(None):
        return {"type": "null"}
    if hint is Unknown:
        definitions.setdefault("Unknown", {
            "type": "object", "required": ["unknown"], "additionalProperties": False,
            "properties": {"unknown": {"type": "string"}, "reason": {"type": "string"}, "generated": {"type": "boolean"}},
        })
        return {"$ref": "#/$defs/Unknown"}
    if hint is Text:
        definitions.setdefault("Text", {
            "type": "object", "required": ["text"], "additionalProperties": False,
            "properties": {"text": {"type": "array", "items": {"anyOf": [{"type": "string"}, _schema_of(Unknown, definitions)]}}},
        })
        return {"$ref": "#/$defs/Text"}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return {"enum": [member.value for member in hint]}
    if dataclasses.is_dataclass(hint):
        name = hint.__name__
        if name not in definitions:
            definitions[name] = {}  # placeholder: a dataclass may refer to itself
            hints = _hints(hint)
            definitions[name] = {
                "type": "object",
                "additionalProperties": False,
                "required": [f.name for f in dataclasses.fields(hint)
                             if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING],  # type: ignore[misc]
                "properties": {f.name: _schema_of(hints[f.name], definitions) for f in dataclasses.fields(hint)},
            }
        return {"$ref": f"#/$defs/{name}"}
    return {"type": {bool: "boolean", int: "integer", str: "string"}[hint]}

