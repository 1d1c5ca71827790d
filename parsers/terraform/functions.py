"""Terraform's built-in functions, as far as IAM code uses them (issue 3 §1).

Each function takes evaluated arguments. Unless declared `lenient`, a function given any value not
known before apply returns an `Unknown` named by the call's text. Lenient functions (collection
builders, `jsonencode`, `format`, `join`, ...) keep known parts and unknown leaves as they are, so
that a policy built with `concat([...], var.extra)` still shows its known statements.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import urllib.parse
import posixpath
import re
from itertools import product
from typing import Callable

from analyzer.inventory import Unknown
from parsers.terraform.evaluator import MAX_ITEMS, Call
from parsers.terraform.values import (
    EvalError,
    Json,
    LinedDict,
    has_unknown,
    is_unknown,
    join_text,
    plain,
    to_text,
    type_name,
)

Function = Callable[[list, Call], object]
FUNCTIONS: dict[str, tuple[Function, bool]] = {}
"""name → (implementation, lenient)."""


def _fn(name: str, lenient: bool = False) -> Callable[[Function], Function]:
    def register(function: Function) -> Function:
        FUNCTIONS[name] = (function, lenient)
        return function

    return register


NOT_A_FUNCTION = object()
"""What `call_function` returns for a function this evaluator does not know."""


def call_function(name: str, args: list, where: Call) -> object:
    """The call's value; NOT_A_FUNCTION when the function is not one this evaluator knows."""
    entry = FUNCTIONS.get(name)
    if entry is None:
        return NOT_A_FUNCTION
    function, lenient = entry
    if not lenient and any(has_unknown(arg) for arg in args):
        return where.unknown("an argument is not known before apply")
    return function(args, where)


def _arity(args: list, low: int, high: int | None = 0) -> None:
    """Check the argument count: exactly `low`, or `low` to `high`, or at least `low` (high None)."""
    high = low if high == 0 else high
    if len(args) < low or (high is not None and len(args) > high):
        raise EvalError(f"wrong number of arguments ({len(args)})")


def _list(value: object) -> list:
    if isinstance(value, (list, tuple)):
        return list(value)
    raise EvalError(f"a list is needed, not a {type_name(value)}")


def _map(value: object) -> dict:
    if isinstance(value, dict):
        return value
    raise EvalError(f"a map is needed, not a {type_name(value)}")


def _str(value: object) -> str:
    text = to_text(value, "")
    if not isinstance(text, str):
        raise EvalError("string not known")
    return text


def _int(value: object) -> int:
    if isinstance(value, bool):
        raise EvalError("a bool is not a number")
    try:
        return int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise EvalError(f"{value!r} is not a number") from None


# -- encoding ------------------------------------------------------------------------------


@_fn("jsonencode", lenient=True)
def _jsonencode(args: list, where: Call) -> object:
    _arity(args, 1)
    return Json(args[0])


@_fn("jsondecode", lenient=True)
def _jsondecode(args: list, where: Call) -> object:
    _arity(args, 1)
    (value,) = args
    if isinstance(value, Json):
        return value.value
    if is_unknown(value):
        return where.unknown("JSON text not known before apply")
    try:
        return json.loads(_str(value))
    except ValueError as problem:
        raise EvalError(f"invalid JSON: {problem}") from None


# -- strings -------------------------------------------------------------------------------


_VERB = re.compile(r"%(%|[-+# 0]*\d*(?:\.\d+)?[vsdqfeEgGxXobt])")


@_fn("format", lenient=True)
def _format(args: list, where: Call) -> object:
    if not args or is_unknown(args[0]):
        return where.unknown("format string not known")
    spec, values = _str(args[0]), list(args[1:])
    parts: list[object] = []
    last = 0
    for match in _VERB.finditer(spec):
        parts.append(spec[last : match.start()])
        last = match.end()
        verb = match.group(1)
        if verb == "%":
            parts.append("%")
            continue
        if not values:
            raise EvalError("not enough arguments for format")
        value = values.pop(0)
        if has_unknown(value):
            parts.append(Unknown(where.snippet, "an argument is not known before apply"))
        elif verb[-1] in "dfeEgGxXob" and not isinstance(value, bool):
            parts.append(("%" + verb) % (_int(value) if verb[-1] in "dxXob" else float(value)))
        elif verb[-1] == "q":
            parts.append(json.dumps(_str(value)))
        elif verb[-1] == "v" and isinstance(value, (dict, list)):
            parts.append(json.dumps(plain(value), separators=(",", ":")))
        else:
            parts.append(to_text(value, where.snippet))
    parts.append(spec[last:])
    return join_text(parts)


@_fn("formatlist", lenient=True)
def _formatlist(args: list, where: Call) -> object:
    if any(isinstance(a, Unknown) for a in args[1:]):
        return where.unknown("an argument is not known before apply")
    lengths = {len(a) for a in args[1:] if isinstance(a, list)}
    if len(lengths) > 1:
        raise EvalError("formatlist lists differ in length")
    count = lengths.pop() if lengths else 1
    rows = []
    for i in range(count):
        row = [a[i] if isinstance(a, list) else a for a in args[1:]]
        rows.append(_format([args[0], *row], where))
    return rows


@_fn("join", lenient=True)
def _join(args: list, where: Call) -> object:
    _arity(args, 2, None)
    if is_unknown(args[0]) or any(isinstance(a, Unknown) for a in args[1:]):
        return where.unknown("an argument is not known before apply")
    separator = _str(args[0])
    parts: list[object] = []
    for element in [e for a in args[1:] for e in _list(a)]:
        if parts:
            parts.append(separator)
        parts.append(to_text(element, where.snippet))
    return join_text(parts)


@_fn("split")
def _split(args: list, where: Call) -> object:
    _arity(args, 2)
    return _str(args[1]).split(_str(args[0])) if _str(args[0]) else list(_str(args[1]))


def _regex(pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern.replace("\\z", "\\Z"))
    except re.error as problem:
        raise EvalError(f"invalid regular expression: {problem}") from None


@_fn("replace")
def _replace(args: list, where: Call) -> object:
    _arity(args, 3)
    text, search, replacement = (_str(a) for a in args)
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        go_groups = re.sub(r"\$\{?(\w+)\}?", r"\\g<\1>", replacement)
        return _regex(search[1:-1]).sub(go_groups, text)
    return text.replace(search, replacement)


@_fn("regex")
def _regex_fn(args: list, where: Call) -> object:
    _arity(args, 2)
    match = _regex(_str(args[0])).search(_str(args[1]))
    if match is None:
        raise EvalError("regex did not match")
    if match.groupdict():
        return match.groupdict()
    return list(match.groups()) if match.groups() else match.group(0)


@_fn("regexall")
def _regexall(args: list, where: Call) -> object:
    _arity(args, 2)
    return [m.group(0) if not m.groups() else list(m.groups()) for m in _regex(_str(args[0])).finditer(_str(args[1]))]


def _string_function(name: str, function: Callable[..., object], arity: int = 1) -> None:
    def run(args: list, where: Call) -> object:
        _arity(args, arity)
        return function(*(_str(a) for a in args))

    FUNCTIONS[name] = (run, False)


_string_function("lower", str.lower)
_string_function("upper", str.upper)
_string_function("title", str.title)
_string_function("trimspace", str.strip)
_string_function("chomp", lambda s: s.rstrip("\r\n"))
_string_function("strrev", lambda s: s[::-1])
_string_function("trimprefix", lambda s, p: s[len(p) :] if p and s.startswith(p) else s, 2)
_string_function("trimsuffix", lambda s, p: s[: -len(p)] if p and s.endswith(p) else s, 2)
_string_function("trim", lambda s, cut: s.strip(cut), 2)
_string_function("trimleft", lambda s, cut: s.lstrip(cut), 2)
_string_function("trimright", lambda s, cut: s.rstrip(cut), 2)
_string_function("startswith", lambda s, p: s.startswith(p), 2)
_string_function("endswith", lambda s, p: s.endswith(p), 2)
_string_function("strcontains", lambda s, p: p in s, 2)
_string_function("basename", posixpath.basename)
_string_function("dirname", lambda s: posixpath.dirname(s) or ".")
_string_function("tostring", lambda s: s)
_string_function("indent", lambda n, s: s.replace("\n", "\n" + " " * _int(n)), 2)


@_fn("substr")
def _substr(args: list, where: Call) -> object:
    _arity(args, 3)
    text, offset, length = _str(args[0]), _int(args[1]), _int(args[2])
    start = offset if offset >= 0 else max(len(text) + offset, 0)
    return text[start:] if length < 0 else text[start : start + length]


# -- collections ---------------------------------------------------------------------------


@_fn("concat", lenient=True)
def _concat(args: list, where: Call) -> object:
    if any(isinstance(a, Unknown) for a in args):
        return where.unknown("a list is not known before apply")
    return [element for a in args for element in _list(a)]


@_fn("merge", lenient=True)
def _merge(args: list, where: Call) -> object:
    if any(isinstance(a, Unknown) for a in args):
        return where.unknown("a map is not known before apply")
    result: dict = LinedDict()
    for a in args:
        if a is not None:
            result.update(_map(a))
    return result


@_fn("flatten", lenient=True)
def _flatten(args: list, where: Call) -> object:
    _arity(args, 1)

    def flat(value: object) -> list:
        if isinstance(value, Unknown):
            raise _Unknown
        if isinstance(value, list):
            return [e for v in value for e in flat(v)]
        return [value]

    try:
        return flat(_list(args[0]) if not isinstance(args[0], Unknown) else args[0])
    except _Unknown:
        return where.unknown("a nested list is not known before apply")


class _Unknown(Exception):
    pass


@_fn("list", lenient=True)
def _list_fn(args: list, where: Call) -> object:
    """Terraform 0.11's `list(a, b)`."""
    return list(args)


@_fn("map", lenient=True)
def _map_fn(args: list, where: Call) -> object:
    """Terraform 0.11's `map(key, value, ...)`."""
    if len(args) % 2 or any(is_unknown(k) for k in args[::2]):
        return where.unknown("map() keys not known")
    return LinedDict(zip((_str(k) for k in args[::2]), args[1::2]))


@_fn("distinct", lenient=True)
def _distinct(args: list, where: Call) -> object:
    _arity(args, 1)
    if isinstance(args[0], Unknown):
        return where.unknown()
    result: list = []
    for element in _list(args[0]):
        if element not in result:
            result.append(element)
    return result


@_fn("toset", lenient=True)
def _toset(args: list, where: Call) -> object:
    result = _distinct(args, where)
    if isinstance(result, list) and all(isinstance(e, str) for e in result):
        return sorted(result)  # Terraform orders sets of strings lexically
    return result


@_fn("tolist", lenient=True)
def _tolist(args: list, where: Call) -> object:
    _arity(args, 1)
    return args[0] if isinstance(args[0], Unknown) else _list(args[0])


@_fn("tomap", lenient=True)
def _tomap(args: list, where: Call) -> object:
    _arity(args, 1)
    return args[0] if isinstance(args[0], Unknown) else _map(args[0])


@_fn("compact", lenient=True)
def _compact(args: list, where: Call) -> object:
    _arity(args, 1)
    if isinstance(args[0], Unknown):
        return where.unknown()
    return [e for e in _list(args[0]) if e not in ("", None)]


@_fn("length", lenient=True)
def _length(args: list, where: Call) -> object:
    _arity(args, 1)
    (value,) = args
    if is_unknown(value):
        return where.unknown()
    if isinstance(value, (list, dict, str)):
        return len(value)
    raise EvalError(f"length of a {type_name(value)}")


@_fn("keys", lenient=True)
def _keys(args: list, where: Call) -> object:
    _arity(args, 1)
    return where.unknown() if isinstance(args[0], Unknown) else sorted(_map(args[0]), key=str)


@_fn("values", lenient=True)
def _values(args: list, where: Call) -> object:
    _arity(args, 1)
    if isinstance(args[0], Unknown):
        return where.unknown()
    mapping = _map(args[0])
    return [mapping[k] for k in sorted(mapping, key=str)]


@_fn("lookup", lenient=True)
def _lookup(args: list, where: Call) -> object:
    _arity(args, 2, 3)
    if isinstance(args[0], Unknown) or is_unknown(args[1]):
        return where.unknown()
    mapping, key = _map(args[0]), _str(args[1])
    if key in mapping:
        return mapping[key]
    if len(args) == 3:
        return args[2]
    raise EvalError(f"no key {key!r} in lookup")


@_fn("element", lenient=True)
def _element(args: list, where: Call) -> object:
    _arity(args, 2)
    if isinstance(args[0], Unknown) or is_unknown(args[1]):
        return where.unknown()
    elements = _list(args[0])
    if not elements:
        raise EvalError("element() of an empty list")
    return elements[_int(args[1]) % len(elements)]


@_fn("contains", lenient=True)
def _contains(args: list, where: Call) -> object:
    _arity(args, 2)
    if isinstance(args[0], Unknown) or is_unknown(args[1]):
        return where.unknown()
    elements = _list(args[0])
    if args[1] in elements:
        return True
    return where.unknown() if any(has_unknown(e) for e in elements) else False


@_fn("coalesce", lenient=True)
def _coalesce(args: list, where: Call) -> object:
    for value in args:
        if is_unknown(value):
            return where.unknown("an argument is not known before apply")
        if value not in (None, ""):
            return value
    raise EvalError("no non-null, non-empty argument to coalesce")


@_fn("coalescelist", lenient=True)
def _coalescelist(args: list, where: Call) -> object:
    for value in args:
        if isinstance(value, Unknown):
            return where.unknown("an argument is not known before apply")
        if _list(value):
            return value
    raise EvalError("no non-empty list to coalescelist")


@_fn("one", lenient=True)
def _one(args: list, where: Call) -> object:
    _arity(args, 1)
    if isinstance(args[0], Unknown):
        return where.unknown()
    elements = _list(args[0])
    if len(elements) > 1:
        raise EvalError("one() of a list with more than one element")
    return elements[0] if elements else None


@_fn("zipmap", lenient=True)
def _zipmap(args: list, where: Call) -> object:
    _arity(args, 2)
    if any(isinstance(a, Unknown) for a in args) or any(is_unknown(k) for k in _list(args[0])):
        return where.unknown()
    keys, values = _list(args[0]), _list(args[1])
    if len(keys) != len(values):
        raise EvalError("zipmap lists differ in length")
    return LinedDict(zip((_str(k) for k in keys), values))


@_fn("setproduct", lenient=True)
def _setproduct(args: list, where: Call) -> object:
    if any(isinstance(a, Unknown) for a in args):
        return where.unknown()
    lists = [_list(a) for a in args]
    if math.prod(len(x) for x in lists) > MAX_ITEMS:
        raise EvalError("setproduct too large")
    return [list(combination) for combination in product(*lists)]


@_fn("setunion", lenient=True)
def _setunion(args: list, where: Call) -> object:
    return _toset([_concat(args, where)], where)


@_fn("setintersection")
def _setintersection(args: list, where: Call) -> object:
    first, *rest = [_list(a) for a in args]
    return _toset([[e for e in first if all(e in r for r in rest)]], where)


@_fn("setsubtract")
def _setsubtract(args: list, where: Call) -> object:
    _arity(args, 2)
    return _toset([[e for e in _list(args[0]) if e not in _list(args[1])]], where)


@_fn("range")
def _range(args: list, where: Call) -> object:
    _arity(args, 1, 3)
    numbers = [_int(a) for a in args]
    if len(numbers) == 1:
        numbers = [0, numbers[0]]
    result = range(*numbers)
    if len(result) > MAX_ITEMS:
        raise EvalError("range too large")
    return list(result)


@_fn("slice", lenient=True)
def _slice(args: list, where: Call) -> object:
    _arity(args, 3)
    if any(is_unknown(a) for a in args):
        return where.unknown()
    return _list(args[0])[_int(args[1]) : _int(args[2])]


@_fn("reverse", lenient=True)
def _reverse(args: list, where: Call) -> object:
    _arity(args, 1)
    return where.unknown() if isinstance(args[0], Unknown) else _list(args[0])[::-1]


@_fn("sort")
def _sort(args: list, where: Call) -> object:
    _arity(args, 1)
    return sorted(_str(e) for e in _list(args[0]))


@_fn("index")
def _index(args: list, where: Call) -> object:
    _arity(args, 2)
    elements = _list(args[0])
    if args[1] not in elements:
        raise EvalError("index(): value not in list")
    return elements.index(args[1])


@_fn("chunklist")
def _chunklist(args: list, where: Call) -> object:
    _arity(args, 2)
    elements, size = _list(args[0]), _int(args[1])
    if size <= 0:
        return [elements]
    return [elements[i : i + size] for i in range(0, len(elements), size)]


@_fn("alltrue")
def _alltrue(args: list, where: Call) -> object:
    return all(e is True or e == "true" for e in _list(args[0]))


@_fn("anytrue")
def _anytrue(args: list, where: Call) -> object:
    return any(e is True or e == "true" for e in _list(args[0]))


@_fn("transpose")
def _transpose(args: list, where: Call) -> object:
    result: dict = {}
    for key, elements in sorted(_map(args[0]).items()):
        for element in _list(elements):
            result.setdefault(_str(element), []).append(key)
    return result


# -- numbers and conversions ---------------------------------------------------------------


def _numbers(args: list) -> list:
    flat = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    return [float(_str(a)) if isinstance(a, str) else a for a in flat]


FUNCTIONS["max"] = (lambda args, where: max(_numbers(args)), False)
FUNCTIONS["min"] = (lambda args, where: min(_numbers(args)), False)
FUNCTIONS["sum"] = (lambda args, where: sum(_numbers(args)), False)
FUNCTIONS["abs"] = (lambda args, where: abs(_numbers(args)[0]), False)
FUNCTIONS["ceil"] = (lambda args, where: math.ceil(_numbers(args)[0]), False)
FUNCTIONS["floor"] = (lambda args, where: math.floor(_numbers(args)[0]), False)


@_fn("tonumber")
def _tonumber(args: list, where: Call) -> object:
    _arity(args, 1)
    value = args[0]
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    try:
        number = float(_str(value))
    except ValueError:
        raise EvalError(f"{value!r} is not a number") from None
    return int(number) if number.is_integer() else number


@_fn("tobool")
def _tobool(args: list, where: Call) -> object:
    _arity(args, 1)
    value = args[0]
    if value is None or isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise EvalError(f"{value!r} is not a bool")


def _digest(algorithm: str) -> Function:
    def run(args: list, where: Call) -> object:
        _arity(args, 1)
        return hashlib.new(algorithm, _str(args[0]).encode()).hexdigest()

    return run


for _name in ("md5", "sha1", "sha256", "sha512"):
    FUNCTIONS[_name] = (_digest(_name), False)
FUNCTIONS["base64encode"] = (lambda args, where: base64.b64encode(_str(args[0]).encode()).decode(), False)
FUNCTIONS["urlencode"] = (lambda args, where: urllib.parse.quote(_str(args[0]), safe=""), False)


@_fn("base64decode")
def _base64decode(args: list, where: Call) -> object:
    _arity(args, 1)
    try:
        return base64.b64decode(_str(args[0]), validate=True).decode("utf-8")
    except (ValueError, UnicodeError):
        raise EvalError("invalid base64 text") from None


# Results that only exist after apply or depend on the clock or randomness: always unknown.
for _name in ("timestamp", "uuid", "uuidv5", "bcrypt", "plantimestamp"):
    FUNCTIONS[_name] = (lambda args, where: where.unknown("only known at apply"), True)

