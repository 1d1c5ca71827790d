"""Terraform's built-in functions, as far as IAM code uses them (issue 3 §1).

Each function takes evaluated arguments. Unless declared lenient, a function given any value not
known before apply returns an `Unknown` named by the call's text. Lenient functions (collection
builders, `jsonencode`, `format`, `join`, ...) keep known parts and unknown leaves as they are, so
that a policy built with `concat([...], var.extra)` still shows its known statements.
`file`, `templatefile` and `fileexists` read files and live with the module (module.py).
"""

from __future__ import annotations

from credmint.parsers.terraform import collection_functions, string_functions
from credmint.parsers.terraform.scope import Call
from credmint.parsers.terraform.function_args import Table
from credmint.parsers.terraform.values import EvalError, has_unknown

FUNCTIONS: Table = {**string_functions.FUNCTIONS, **collection_functions.FUNCTIONS}

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
    try:
        return function(args, where)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError, ZeroDivisionError) as problem:
        # Arguments of a shape Terraform rejects (`range(1, 5, 0)`, `max()`): an error it would give.
        raise EvalError(f"{name}(): invalid arguments ({problem})") from None
