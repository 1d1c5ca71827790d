"""Terraform's collection functions (issue 3 §1): lists, maps and sets, keeping unknown elements."""

from __future__ import annotations

import math
from itertools import product

from credmint.analyzer.inventory import Unknown
from credmint.parsers.terraform.scope import MAX_ITEMS, Call
from credmint.parsers.terraform.function_args import Table, arity, as_int, as_list, as_map, as_str, registrar
from credmint.parsers.terraform.values import EvalError, LinedDict, has_unknown, is_unknown, type_name

FUNCTIONS: Table = {}
_fn = registrar(FUNCTIONS)


@_fn("concat", lenient=True)
def _concat(args: list, where: Call) -> object:
    if any(isinstance(a, Unknown) for a in args):
        return where.unknown("a list is not known before apply")
    return [element for a in args for element in as_list(a)]


@_fn("merge", lenient=True)
def _merge(args: list, where: Call) -> object:
    if any(isinstance(a, Unknown) for a in args):
        return where.unknown("a map is not known before apply")
    result: dict = LinedDict()
    for a in args:
        if a is not None:
            result.update(as_map(a))
    return result


@_fn("flatten", lenient=True)
def _flatten(args: list, where: Call) -> object:
    arity(args, 1)

    def flat(value: object) -> list:
        if isinstance(value, Unknown):
            raise _Unknown
        if isinstance(value, list):
            return [e for v in value for e in flat(v)]
        return [value]

    try:
        return flat(as_list(args[0]) if not isinstance(args[0], Unknown) else args[0])
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
    return LinedDict(zip((as_str(k) for k in args[::2]), args[1::2]))


@_fn("distinct", lenient=True)
def _distinct(args: list, where: Call) -> object:
    arity(args, 1)
    if isinstance(args[0], Unknown):
        return where.unknown()
    result: list = []
    seen = _Members(where)
    for element in as_list(args[0]):
        if element not in seen:
            seen.add(element)
            result.append(element)
    return result


class _Members:
    """`in` over a collection: hashed for strings, numbers and unknowns; lists and maps, which
    cannot be hashed, compared one by one at a budget step each. `x in list` for each of 10,000
    elements was 10^8 comparisons a call (`toset`, `setintersection`): a second each, unbounded
    in a for-expression."""

    def __init__(self, where: Call, values: list = ()) -> None:  # type: ignore[assignment]
        self.where = where
        self.hashed: set = set()
        self.other: list = []
        for value in values:
            self.add(value)

    def add(self, value: object) -> None:
        try:
            self.hashed.add(value)
        except TypeError:
            self.other.append(value)

    def __contains__(self, value: object) -> bool:
        try:
            if value in self.hashed:
                return True
        except TypeError:
            pass
        if not self.other:
            return False
        self.where.scope.context.budget.spend(len(self.other))
        return value in self.other


@_fn("toset", lenient=True)
def _toset(args: list, where: Call) -> object:
    result = _distinct(args, where)
    if isinstance(result, list) and all(isinstance(e, str) for e in result):
        return sorted(result)  # Terraform orders sets of strings lexically
    return result


@_fn("tolist", lenient=True)
def _tolist(args: list, where: Call) -> object:
    arity(args, 1)
    return args[0] if isinstance(args[0], Unknown) else as_list(args[0])


@_fn("tomap", lenient=True)
def _tomap(args: list, where: Call) -> object:
    arity(args, 1)
    return args[0] if isinstance(args[0], Unknown) else as_map(args[0])


@_fn("compact", lenient=True)
def _compact(args: list, where: Call) -> object:
    arity(args, 1)
    if isinstance(args[0], Unknown):
        return where.unknown()
    return [e for e in as_list(args[0]) if e not in ("", None)]


@_fn("length", lenient=True)
def _length(args: list, where: Call) -> object:
    arity(args, 1)
    (value,) = args
    if is_unknown(value):
        return where.unknown()
    if isinstance(value, (list, dict, str)):
        return len(value)
    raise EvalError(f"length of a {type_name(value)}")


@_fn("keys", lenient=True)
def _keys(args: list, where: Call) -> object:
    arity(args, 1)
    return where.unknown() if isinstance(args[0], Unknown) else sorted(as_map(args[0]), key=str)


@_fn("values", lenient=True)
def _values(args: list, where: Call) -> object:
    arity(args, 1)
    if isinstance(args[0], Unknown):
        return where.unknown()
    mapping = as_map(args[0])
    return [mapping[k] for k in sorted(mapping, key=str)]


@_fn("lookup", lenient=True)
def _lookup(args: list, where: Call) -> object:
    arity(args, 2, 3)
    if isinstance(args[0], Unknown) or is_unknown(args[1]):
        return where.unknown()
    mapping, key = as_map(args[0]), as_str(args[1])
    if key in mapping:
        return mapping[key]
    if len(args) == 3:
        return args[2]
    raise EvalError(f"no key {key!r} in lookup")


@_fn("element", lenient=True)
def _element(args: list, where: Call) -> object:
    arity(args, 2)
    if isinstance(args[0], Unknown) or is_unknown(args[1]):
        return where.unknown()
    elements = as_list(args[0])
    if not elements:
        raise EvalError("element() of an empty list")
    return elements[as_int(args[1]) % len(elements)]


@_fn("contains", lenient=True)
def _contains(args: list, where: Call) -> object:
    arity(args, 2)
    if isinstance(args[0], Unknown) or is_unknown(args[1]):
        return where.unknown()
    elements = as_list(args[0])
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
        if as_list(value):
            return value
    raise EvalError("no non-empty list to coalescelist")


@_fn("one", lenient=True)
def _one(args: list, where: Call) -> object:
    arity(args, 1)
    if isinstance(args[0], Unknown):
        return where.unknown()
    elements = as_list(args[0])
    if len(elements) > 1:
        raise EvalError("one() of a list with more than one element")
    return elements[0] if elements else None


@_fn("zipmap", lenient=True)
def _zipmap(args: list, where: Call) -> object:
    arity(args, 2)
    if any(isinstance(a, Unknown) for a in args) or any(is_unknown(k) for k in as_list(args[0])):
        return where.unknown()
    keys, values = as_list(args[0]), as_list(args[1])
    if len(keys) != len(values):
        raise EvalError("zipmap lists differ in length")
    return LinedDict(zip((as_str(k) for k in keys), values))


@_fn("setproduct", lenient=True)
def _setproduct(args: list, where: Call) -> object:
    if any(isinstance(a, Unknown) for a in args):
        return where.unknown()
    lists = [as_list(a) for a in args]
    if math.prod(len(x) for x in lists) > MAX_ITEMS:
        raise EvalError("setproduct too large")
    return [list(combination) for combination in product(*lists)]


@_fn("setunion", lenient=True)
def _setunion(args: list, where: Call) -> object:
    return _toset([_concat(args, where)], where)


@_fn("setintersection")
def _setintersection(args: list, where: Call) -> object:
    first, *rest = [as_list(a) for a in args]
    others = [_Members(where, r) for r in rest]
    return _toset([[e for e in first if all(e in r for r in others)]], where)


@_fn("setsubtract")
def _setsubtract(args: list, where: Call) -> object:
    arity(args, 2)
    removed = _Members(where, as_list(args[1]))
    return _toset([[e for e in as_list(args[0]) if e not in removed]], where)


@_fn("range")
def _range(args: list, where: Call) -> object:
    arity(args, 1, 3)
    numbers = [as_int(a) for a in args]
    if len(numbers) == 1:
        numbers = [0, numbers[0]]
    result = range(*numbers)
    if len(result) > MAX_ITEMS:
        raise EvalError("range too large")
    return list(result)


@_fn("slice", lenient=True)
def _slice(args: list, where: Call) -> object:
    arity(args, 3)
    if any(is_unknown(a) for a in args):
        return where.unknown()
    return as_list(args[0])[as_int(args[1]) : as_int(args[2])]


@_fn("reverse", lenient=True)
def _reverse(args: list, where: Call) -> object:
    arity(args, 1)
    return where.unknown() if isinstance(args[0], Unknown) else as_list(args[0])[::-1]


@_fn("sort")
def _sort(args: list, where: Call) -> object:
    arity(args, 1)
    return sorted(as_str(e) for e in as_list(args[0]))


@_fn("index")
def _index(args: list, where: Call) -> object:
    arity(args, 2)
    elements = as_list(args[0])
    if args[1] not in elements:
        raise EvalError("index(): value not in list")
    return elements.index(args[1])


@_fn("chunklist")
def _chunklist(args: list, where: Call) -> object:
    arity(args, 2)
    elements, size = as_list(args[0]), as_int(args[1])
    if size <= 0:
        return [elements]
    return [elements[i : i + size] for i in range(0, len(elements), size)]


@_fn("alltrue")
def _alltrue(args: list, where: Call) -> object:
    return all(e is True or e == "true" for e in as_list(args[0]))


@_fn("anytrue")
def _anytrue(args: list, where: Call) -> object:
    return any(e is True or e == "true" for e in as_list(args[0]))


@_fn("transpose")
def _transpose(args: list, where: Call) -> object:
    result: dict = {}
    for key, elements in sorted(as_map(args[0]).items()):
        for element in as_list(elements):
            result.setdefault(as_str(element), []).append(key)
    return result


