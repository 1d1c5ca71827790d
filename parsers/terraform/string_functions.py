"""Terraform's encoding, string, number and conversion functions (issue 3 §1)."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import posixpath
import re
import time
import urllib.parse
from typing import Callable, TypeVar

import regex

from credmint.analyzer.inventory import Text, Unknown
from credmint.parsers.terraform.scope import MAX_STRING_CHARS, REGEX_SECONDS, Call, ExpressionTooLarge
from credmint.parsers.terraform.function_args import Function, Table, arity, as_int, as_list, as_str, registrar
from credmint.parsers.terraform.values import EvalError, Json, has_unknown, is_unknown, join_text, plain, to_text

FUNCTIONS: Table = {}
T = TypeVar("T")
_fn = registrar(FUNCTIONS)


# -- encoding ------------------------------------------------------------------------------


@_fn("jsonencode", lenient=True)
def _jsonencode(args: list, where: Call) -> object:
    arity(args, 1)
    return Json(args[0])


@_fn("jsondecode", lenient=True)
def _jsondecode(args: list, where: Call) -> object:
    arity(args, 1)
    (value,) = args
    if isinstance(value, Json):
        return value.value
    if is_unknown(value):
        return where.unknown("JSON text not known before apply")
    try:
        return json.loads(as_str(value))
    except ValueError as problem:
        raise EvalError(f"invalid JSON: {problem}") from None


# -- strings -------------------------------------------------------------------------------


_VERB = re.compile(r"%(%|[-+# 0]*\d*(?:\.\d+)?[vsdqfeEgGxXobt])")


@_fn("format", lenient=True)
def _format(args: list, where: Call) -> object:
    if not args or is_unknown(args[0]):
        return where.unknown("format string not known")
    spec, values = as_str(args[0]), list(args[1:])
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
        if isinstance(value, (Unknown, Text)) and verb[-1] in "sv":
            parts.append(value)  # "%s" of a partly known string keeps what is known, e.g. the account
        elif has_unknown(value):
            parts.append(Unknown(where.snippet, "an argument is not known before apply"))
        elif verb[-1] in "dfeEgGxXob" and not isinstance(value, bool):
            where.built(max((int(n) for n in re.findall(r"\d+", verb)), default=0))  # width, precision
            parts.append(("%" + verb) % (as_int(value) if verb[-1] in "dxXob" else float(value)))
        elif verb[-1] == "q":
            parts.append(json.dumps(as_str(value)))
        elif verb[-1] == "v" and isinstance(value, (dict, list)):
            parts.append(json.dumps(plain(value), separators=(",", ":")))
        else:
            parts.append(to_text(value, where.snippet))
    parts.append(spec[last:])
    where.built(_length(parts))
    return join_text(parts)


def _length(parts: list[object]) -> int:
    """Characters the known parts of a string to be joined hold."""
    return sum(len(part) for part in parts if isinstance(part, str))


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
    arity(args, 2, None)
    if is_unknown(args[0]) or any(isinstance(a, Unknown) for a in args[1:]):
        return where.unknown("an argument is not known before apply")
    separator = as_str(args[0])
    parts: list[object] = []
    for element in [e for a in args[1:] for e in as_list(a)]:
        if parts:
            parts.append(separator)
        parts.append(to_text(element, where.snippet))
    where.built(_length(parts))
    return join_text(parts)


@_fn("split")
def _split(args: list, where: Call) -> object:
    arity(args, 2)
    return as_str(args[1]).split(as_str(args[0])) if as_str(args[0]) else list(as_str(args[1]))


def _regex(pattern: str) -> "regex.Pattern":
    try:
        return regex.compile(pattern.replace("\\z", "\\Z"))
    except regex.error as problem:
        raise EvalError(f"invalid regular expression: {problem}") from None


def _timed(where: Call, run: Callable[[float], T]) -> T:
    """`run(timeout)` within what is left of the root module's time for regular expressions.

    Terraform matches with RE2, in linear time; Python's engines backtrack, so `(a|aa)+$` against
    40 characters runs for hours. The `regex` engine (python-hcl2's own dependency) stops at a
    timeout: the only bound here measured in time rather than in steps."""
    clock = where.scope.context.budget.regex
    started = time.monotonic()
    try:
        return run(max(clock.seconds, 0.001))
    except TimeoutError:
        clock.seconds = 0.0
        raise ExpressionTooLarge(f"{where.name}(): regular expressions ran more than {REGEX_SECONDS:g} s "
                                 "(bound on regular expressions)") from None
    finally:
        clock.seconds -= time.monotonic() - started


@_fn("replace")
def _replace(args: list, where: Call) -> object:
    arity(args, 3)
    text, search, replacement = (as_str(a) for a in args)
    if len(search) > 1 and search.startswith("/") and search.endswith("/"):
        go_groups = re.sub(r"\$\{?(\w+)\}?", r"\\g<\1>", replacement)
        made = [len(text)]

        def expand(match: "regex.Match") -> str:
            piece = match.expand(go_groups)
            made[0] += len(piece)
            if made[0] > MAX_STRING_CHARS:  # checked as it grows: "" matches at every character
                where.built(made[0])
            return piece

        compiled = _regex(search[1:-1])
        result = _timed(where, lambda seconds: compiled.sub(expand, text, timeout=seconds))
        where.built(len(result))
        return result
    matches = text.count(search) if search else len(text) + 1
    where.built(len(text) + matches * (len(replacement) - len(search)))
    return text.replace(search, replacement)


@_fn("regex")
def _regex_fn(args: list, where: Call) -> object:
    arity(args, 2)
    compiled, text = _regex(as_str(args[0])), as_str(args[1])
    match = _timed(where, lambda seconds: compiled.search(text, timeout=seconds))
    if match is None:
        raise EvalError("regex did not match")
    if match.groupdict():
        return match.groupdict()
    return list(match.groups()) if match.groups() else match.group(0)


@_fn("regexall")
def _regexall(args: list, where: Call) -> object:
    arity(args, 2)
    compiled, text = _regex(as_str(args[0])), as_str(args[1])
    found = _timed(where, lambda seconds: list(compiled.finditer(text, timeout=seconds)))
    return [m.group(0) if not m.groups() else list(m.groups()) for m in found]


def _string_function(name: str, function: Callable[..., object], count: int = 1) -> None:
    def run(args: list, where: Call) -> object:
        arity(args, count)
        return function(*(as_str(a) for a in args))

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


@_fn("indent")
def _indent(args: list, where: Call) -> object:
    arity(args, 2)
    spaces, text = as_int(args[0]), as_str(args[1])
    where.built(len(text) + text.count("\n") * max(spaces, 0))
    return text.replace("\n", "\n" + " " * spaces)


@_fn("substr")
def _substr(args: list, where: Call) -> object:
    arity(args, 3)
    text, offset, length = as_str(args[0]), as_int(args[1]), as_int(args[2])
    start = offset if offset >= 0 else max(len(text) + offset, 0)
    return text[start:] if length < 0 else text[start : start + length]



# -- numbers and conversions ---------------------------------------------------------------


def _numbers(args: list) -> list:
    flat = args[0] if len(args) == 1 and isinstance(args[0], list) else args
    return [float(as_str(a)) if isinstance(a, str) else a for a in flat]


FUNCTIONS["max"] = (lambda args, where: max(_numbers(args)), False)
FUNCTIONS["min"] = (lambda args, where: min(_numbers(args)), False)
FUNCTIONS["sum"] = (lambda args, where: sum(_numbers(args)), False)
FUNCTIONS["abs"] = (lambda args, where: abs(_numbers(args)[0]), False)
FUNCTIONS["ceil"] = (lambda args, where: math.ceil(_numbers(args)[0]), False)
FUNCTIONS["floor"] = (lambda args, where: math.floor(_numbers(args)[0]), False)


@_fn("tostring", lenient=True)
def _tostring(args: list, where: Call) -> object:
    arity(args, 1)
    return None if args[0] is None else to_text(args[0], where.snippet)


@_fn("tonumber")
def _tonumber(args: list, where: Call) -> object:
    arity(args, 1)
    value = args[0]
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    try:
        number = float(as_str(value))
    except ValueError:
        raise EvalError(f"{value!r} is not a number") from None
    return int(number) if number.is_integer() else number


@_fn("tobool")
def _tobool(args: list, where: Call) -> object:
    arity(args, 1)
    value = args[0]
    if value is None or isinstance(value, bool):
        return value
    if value in ("true", "false"):
        return value == "true"
    raise EvalError(f"{value!r} is not a bool")


def _digest(algorithm: str) -> Function:
    def run(args: list, where: Call) -> object:
        arity(args, 1)
        return hashlib.new(algorithm, as_str(args[0]).encode()).hexdigest()

    return run


for _name in ("md5", "sha1", "sha256", "sha512"):
    FUNCTIONS[_name] = (_digest(_name), False)
FUNCTIONS["base64encode"] = (lambda args, where: base64.b64encode(as_str(args[0]).encode()).decode(), False)
FUNCTIONS["urlencode"] = (lambda args, where: urllib.parse.quote(as_str(args[0]), safe=""), False)


@_fn("base64decode")
def _base64decode(args: list, where: Call) -> object:
    arity(args, 1)
    try:
        return base64.b64decode(as_str(args[0]), validate=True).decode("utf-8")
    except (ValueError, UnicodeError):
        raise EvalError("invalid base64 text") from None


# Marks on values that change nothing about them.
for _name in ("sensitive", "nonsensitive"):
    FUNCTIONS[_name] = (lambda args, where: args[0] if len(args) == 1 else where.unknown("one argument"), True)


# Results that only exist after apply or depend on the clock or randomness: always unknown.
for _name in ("timestamp", "uuid", "uuidv5", "bcrypt", "plantimestamp"):
    FUNCTIONS[_name] = (lambda args, where: where.unknown("only known at apply"), True)


