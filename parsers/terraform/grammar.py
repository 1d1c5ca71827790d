"""python-hcl2's parser without lark's position propagation, built once per machine.

Position propagation took 40% of each parse (bench/); the grammar, lexer and post-lexer are
python-hcl2's own, so the trees are the same, and positions are read from the tokens instead
(`hcl.SourceFile.line`). python-hcl2 keeps its built grammar beside its own code, which a read-only
install cannot do: it then rebuilt the grammar on every run (1.3 s). So the parser is also stored
in the credmint cache folder — as marshalled data (lark's own serialisation of it, which is plain
dicts, lists and strings), never as a pickle — and loaded from there first.
"""

from __future__ import annotations

import io
import marshal
import pickle
from typing import Any, Optional

import hcl2.parser
from hcl2.postlexer import PostLexer
from lark import Lark
from lark.grammar import Rule
from lark.lexer import TerminalDef

from credmint.parsers.terraform.lalr_driver import LalrDriver
from credmint.parsers.terraform.parse_cache import DiskCache

STORED = "grammar"
"""The stored parser's file name in the cache folder (trees are named by their SHA-256)."""

_PARSER: Optional[Lark] = None
_DRIVER: Optional[LalrDriver] | bool = None
"""False once this lark proved not to be of the shape the loop reads."""


def parser(cache: Optional[DiskCache] = None) -> Lark:
    """The process's parser: from the cache folder when stored there, else from python-hcl2."""
    global _PARSER
    if _PARSER is None:
        _PARSER = (_load_stored(cache) if cache is not None else None) or _build(cache)
    return _PARSER


def driver(cache: Optional[DiskCache] = None) -> Optional[LalrDriver]:
    """The process's fast loop over the parser's tables (`lalr_driver.py`); None when this lark's
    objects are not of the shape the loop reads (lark itself then parses everything)."""
    global _DRIVER
    if _DRIVER is None:
        try:
            _DRIVER = LalrDriver(parser(cache))
        except (TypeError, AttributeError, KeyError):
            _DRIVER = False
    return _DRIVER or None


def _build(cache: Optional[DiskCache]) -> Lark:
    data, memo = hcl2.parser.parser().memo_serialize([TerminalDef, Rule])
    options = {k: v for k, v in data["options"].items() if k != "postlex"}
    options["propagate_positions"] = False
    stored = {"data": {**data, "options": options}, "memo": memo}
    if cache is not None:
        try:
            cache.put_stored(STORED, marshal.dumps(stored))
        except ValueError:
            pass  # another lark may serialise something marshal cannot hold: then it is not kept
    return _lark(stored)


def _load_stored(cache: DiskCache) -> Optional[Lark]:
    try:
        stored = marshal.loads((cache.folder / STORED).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(stored, dict) or not isinstance(stored.get("data"), dict) or "memo" not in stored:
        return None
    try:
        return _lark(stored)
    except Exception:  # noqa: BLE001 - lark's loader raises many kinds on damaged data; rebuild then
        return None


def _lark(stored: dict[str, Any]) -> Lark:
    """A lark parser from its serialisation, with python-hcl2's post-lexer put back. lark 1.x loads
    such a dict as it is; a lark that wants a file gets it through pickle (a round trip that cost
    every run 30 ms). The data is plain (marshal holds nothing else), so either way nothing runs."""
    data = {**stored["data"], "options": {**stored["data"]["options"], "postlex": PostLexer()}}
    state = {"data": data, "memo": stored["memo"]}
    try:
        return Lark.load(state)
    except (TypeError, AttributeError):
        return Lark.load(io.BytesIO(pickle.dumps(state)))
