"""Evaluate HCL expressions from python-hcl2's lark tree, as Terraform would before apply.

A value Terraform only knows after apply (an unset variable, `unique_id`, a registry module's
output) is an `Unknown` named by its expression or address; operations on it give an `Unknown`
named by the whole expression, never a guess. An expression Terraform itself would reject raises
`EvalError`, which `evaluate` turns into a warning diagnostic and an `Unknown`.
"""

from __future__ import annotations

from typing import Callable, Optional

from lark import Token, Tree

from credmint.analyzer.inventory import DiagnosticLevel, Source, Text, Unknown
from credmint.parsers.terraform import templates
from credmint.parsers.terraform.hcl import SourceFile, name_of, subtrees, unescape
from credmint.parsers.terraform.operators import binary, equal, items, number, truth
from credmint.parsers.terraform.scope import MAX_ITEMS, BudgetExhausted, Call, ExpressionTooLarge, Namespace, Scope, charge_text
from credmint.parsers.terraform.values import (
    EvalError,
    LinedDict,
    LinedStr,
    has_unknown,
    is_unknown,
    join_text,
    to_text,
    type_name,
)

def evaluate(node: Tree, file: SourceFile, scope: Scope) -> object:
    """The value of an expression; never raises (problems become a warning and an `Unknown`)."""
    budget = scope.context.budget
    budget.enter()
    try:
        return _Run(file, scope).ev(node)
    except ExpressionTooLarge as problem:
        scope.context.report(DiagnosticLevel.ERROR, f"expression too large: {problem}", file.rel, file.line(node))
        return Unknown(file.snippet(node), str(problem))
    except BudgetExhausted as problem:
        if not budget.reported:
            budget.reported = True
            scope.context.report(DiagnosticLevel.ERROR, str(problem), file.rel, file.line(node))
        return Unknown(file.snippet(node), str(problem))
    except EvalError as problem:
        return _failed(node, file, scope, str(problem))
    except templates.UnknownTemplate as problem:
        return Unknown(file.snippet(node), f"template condition {problem} not known")
    except RecursionError:
        return _failed(node, file, scope, "expression nested too deeply")
    finally:
        budget.leave()


def _failed(node: Tree, file: SourceFile, scope: Scope, message: str) -> Unknown:
    snippet = file.snippet(node)
    scope.context.report(
        DiagnosticLevel.WARNING, f"cannot evaluate `{snippet}`: {message}", file.rel, file.line(node)
    )
    return Unknown(snippet, message)


class _Run:
    """One evaluation: the file (for text and lines) and the scope."""

    def __init__(self, file: SourceFile, scope: Scope) -> None:
        self.file = file
        self.scope = scope

    def ev(self, node: Tree | Token) -> object:
        self.scope.context.budget.spend()
        if isinstance(node, Token):
            raise EvalError(f"unexpected token {node!s}")
        handler = _HANDLERS.get(node.data)
        if handler is None:
            raise EvalError(f"unsupported expression {node.data}")
        return handler(self, node)

    def unknown(self, node: Tree, reason: str = "") -> Unknown:
        return Unknown(self.file.snippet(node), reason)

    def expr_term(self, node: Tree) -> object:
        return self.ev(subtrees(node)[0])

    def literal(self, node: Tree) -> object:
        return {"true": True, "false": False, "null": None}[str(node.children[0])]

    def int_lit(self, node: Tree) -> object:
        return int(str(node.children[0]))

    def float_lit(self, node: Tree) -> object:
        return float(str(node.children[0]))

    def string(self, node: Tree) -> object:
        return self.template(templates.from_string(node, self.file))

    def template_string(self, node: Tree) -> object:
        return unescape(str(node.children[0])[2:-2])

    def heredoc(self, node: Tree) -> object:
        token = node.children[0]
        nodes = templates.from_heredoc(str(token), self.file, self.file.line(token))
        value = self.template(nodes)
        if isinstance(value, str) and templates.keeps_lines(nodes):
            return LinedStr(value, Source(file=self.file.rel, line=self.file.line(token) + 1))
        return value

    def template(self, nodes: list[templates.Node]) -> object:
        if len(nodes) == 1 and isinstance(nodes[0], templates.Interp):
            # "${x}" alone keeps x's type (Terraform 0.11 wrappers around lists and maps).
            only = nodes[0]
            return _Run(only.file, self.scope).ev(only.expression)
        parts = templates.render(nodes, self._evaluate_in, {}, self._text_of, self._items, truth)
        charge_text(self.scope.context.budget, sum(len(p) for p in parts if isinstance(p, str)), "a template")
        return join_text(parts)

    def _items(self, collection: object) -> list[tuple[object, object]]:
        """A template `%{for}`'s items, a step each: a body of plain text costs no evaluation,
        so three nested loops over `range(1000)` ran a billion times within the budget."""
        pairs = items(collection)
        self.scope.context.budget.spend(len(pairs))
        return pairs

    def _evaluate_in(self, node: Tree, file: SourceFile, bindings: dict) -> object:
        scope = self.scope.child(bindings) if bindings else self.scope
        return _Run(file, scope).ev(node)

    @staticmethod
    def _text_of(value: object, node: Tree, file: SourceFile) -> object:
        return to_text(value, file.snippet(node))

    def tuple(self, node: Tree) -> object:
        result: list = []
        for child in subtrees(node):
            value = self.ev(child)
            if isinstance(value, list) and _is_lone_interpolation(child):
                result.extend(value)  # Terraform 0.11: ["${var.list}"] is the list itself
            else:
                result.append(value)
        return result

    def object(self, node: Tree) -> object:
        result = LinedDict(source=Source(file=self.file.rel, line=self.file.line(node)))
        for element in subtrees(node):
            key_node, value_node = subtrees(element)
            result[self.key(key_node)] = self.ev(value_node)
        return result

    def key(self, node: Tree) -> object:
        inner = subtrees(node)
        if not inner:
            return name_of(node.children[0])
        term = inner[0]
        parts = subtrees(term) if term.data == "expr_term" else [term]
        if len(parts) == 1 and parts[0].data in ("identifier", "literal_value") and not any(
            isinstance(c, Token) for c in term.children
        ):
            return name_of(parts[0])  # a bare name is the key itself, not a reference
        value = self.ev(term)
        return to_text(value, self.file.snippet(term))

    def identifier(self, node: Tree) -> object:
        return self.scope.lookup(name_of(node))

    def get_attr_expr_term(self, node: Tree) -> object:
        base_node, attr = subtrees(node)
        return self.attr(self.ev(base_node), name_of(subtrees(attr)[0]), node)

    def attr(self, base: object, name: str, node: Tree) -> object:
        if isinstance(base, Namespace):
            return base.attr(name)
        if isinstance(base, dict):
            if name in base:
                return base[name]
            raise EvalError(f"no attribute {name!r}")
        if is_unknown(base):
            return self.unknown(node, _reason(base))
        if isinstance(base, list) and len(base) == 1 and isinstance(base[0], Namespace):
            return base[0].attr(name)  # Terraform 0.11 let `res.name.attr` read a counted one
        raise EvalError(f"cannot read attribute {name!r} of a {type_name(base)}")

    def index_expr_term(self, node: Tree) -> object:
        base_node, index = subtrees(node)
        return self.index(self.ev(base_node), self.index_key(index), node)

    def index_key(self, index: Tree) -> object:
        if index.data == "short_index":
            return int(str(index.children[-1]))
        return self.ev(subtrees(index)[0])

    def index(self, base: object, key: object, node: Tree) -> object:
        if is_unknown(base) or is_unknown(key):
            return self.unknown(node, _reason(base) or _reason(key))
        if isinstance(base, (list, tuple)):
            try:
                position = int(key)  # type: ignore[arg-type]
            except (TypeError, ValueError, OverflowError):
                raise EvalError(f"a list index must be a number, not {key!r}") from None
            if not 0 <= position < len(base):
                raise EvalError(f"index {position} out of range for a list of {len(base)}")
            return base[position]
        if isinstance(base, dict):
            text = key if isinstance(key, str) else to_text(key, "")
            if text in base:
                return base[text]
            raise EvalError(f"no element {text!r}")
        if isinstance(base, Namespace):
            return base.attr(str(key))
        raise EvalError(f"cannot index a {type_name(base)}")

    def full_splat_expr_term(self, node: Tree) -> object:
        base_node, splat = subtrees(node)
        base = self.ev(base_node)
        if is_unknown(base):
            return self.unknown(node, _reason(base))
        if base is None:
            return []
        elements = base if isinstance(base, list) else [base]
        return [self.walk(element, subtrees(splat), node) for element in elements]

    attr_splat_expr_term = full_splat_expr_term

    def walk(self, value: object, steps: list[Tree], node: Tree) -> object:
        for step in steps:
            if step.data == "get_attr":
                value = self.attr(value, name_of(subtrees(step)[0]), node)
            else:
                value = self.index(value, self.index_key(step), node)
        return value

    def conditional(self, node: Tree) -> object:
        condition, then, otherwise = subtrees(node)
        decided = self.scope.context.choose(condition, self.file, truth(self.ev(condition)))
        if decided is None:
            # Either side may be taken; one that Terraform would reject is simply not the one taken.
            first, second = self.either(then), self.either(otherwise)
            if first is _REJECTED and second is _REJECTED:
                raise EvalError("neither result of the conditional can be evaluated")
            if first == second or second is _REJECTED:
                return first
            if first is _REJECTED:
                return second
            return self.unknown(node, f"condition `{self.file.snippet(condition)}` not known")
        return self.ev(then if decided else otherwise)

    def either(self, node: Tree) -> object:
        try:
            return self.ev(node)
        except (BudgetExhausted, ExpressionTooLarge):
            raise
        except EvalError:
            return _REJECTED

    def unary_op(self, node: Tree) -> object:
        operator = str(node.children[0]).strip()
        value = self.ev(subtrees(node)[0])
        if is_unknown(value):
            return self.unknown(node, _reason(value))
        if operator == "!":
            decided = truth(value)
            return not decided
        return -number(value)

    def binary_op(self, node: Tree) -> object:
        left_node, term = subtrees(node)[:2]
        operator_node, right_node = subtrees(term)
        operator = str(operator_node.children[0]).split()[-1]
        left = self.ev(left_node)
        if operator in ("&&", "||"):
            decided = truth(left)
            if decided is not None and decided == (operator == "||"):
                return decided
            right = truth(self.ev(right_node))
            if decided is None or right is None:
                if right is not None and right == (operator == "||"):
                    return right
                return self.unknown(node, "operand not known before apply")
            return right
        right = self.ev(right_node)
        if operator in ("==", "!="):
            same = equal(left, right)
            if same is None:
                return self.unknown(node, _reason(left) or _reason(right) or "operand not known")
            return same == (operator == "==")
        if has_unknown(left) or has_unknown(right):
            return self.unknown(node, _reason(left) or _reason(right))
        return binary(operator, left, right)

    def function_call(self, node: Tree) -> object:
        names = [name_of(c) for c in subtrees(node) if c.data == "identifier"]
        name = "::".join(names)
        arguments = next((c for c in subtrees(node) if c.data == "arguments"), None)
        arg_nodes = subtrees(arguments) if arguments is not None else []
        expand = arguments is not None and any(
            isinstance(c, Token) and c.type == "ELLIPSIS" for c in arguments.children
        )
        where = Call(name, self.file.snippet(node), self.file, self.file.line(node), self.scope)
        if name in ("try", "can"):
            return self.try_or_can(name, arg_nodes, where)
        args = [self.ev(a) for a in arg_nodes]
        if expand and args:
            last = args.pop()
            if is_unknown(last):
                return where.unknown(_reason(last))
            if not isinstance(last, list):
                raise EvalError("`...` needs a list")
            args.extend(last)
        return self.scope.context.call(name, args, where)

    def try_or_can(self, name: str, arg_nodes: list[Tree], where: Call) -> object:
        for arg in arg_nodes:
            try:
                value = _Run(self.file, self.scope).ev(arg)
            except (BudgetExhausted, ExpressionTooLarge):
                raise
            except EvalError:
                if name == "can":
                    return False
                continue
            except templates.UnknownTemplate:
                return where.unknown("template not known before apply")
            if name == "can":
                return True if not has_unknown(value) else where.unknown(_reason(value))
            return value
        if name == "can":
            return False
        raise EvalError("no argument of try() could be evaluated")

    def for_tuple_expr(self, node: Tree) -> object:
        intro, *rest = subtrees(node)
        value_node = rest[0]
        condition = rest[1] if len(rest) > 1 else None
        result = []
        for scope in self.iterations(intro, node):
            if isinstance(scope, Unknown):
                return scope
            run = _Run(self.file, scope)
            kept = True if condition is None else run.keep(condition)
            if kept is None:
                return self.unknown(node, f"filter `{self.file.snippet(condition)}` not known")
            if kept:
                result.append(run.ev(value_node))
        return result

    def for_object_expr(self, node: Tree) -> object:
        intro, key_node, value_node, *rest = subtrees(node)
        condition = rest[0] if rest else None
        grouping = any(isinstance(c, Token) and c.type == "ELLIPSIS" for c in node.children)
        result: dict = LinedDict(source=Source(file=self.file.rel, line=self.file.line(node)))
        for scope in self.iterations(intro, node):
            if isinstance(scope, Unknown):
                return scope
            run = _Run(self.file, scope)
            kept = True if condition is None else run.keep(condition)
            if kept is None:
                return self.unknown(node, f"filter `{self.file.snippet(condition)}` not known")
            if not kept:
                continue
            key = to_text(run.ev(key_node), self.file.snippet(key_node))
            value = run.ev(value_node)
            if grouping:
                result.setdefault(key, []).append(value)
            elif key in result:
                raise EvalError(f"duplicate key {key!r} in for-expression")
            else:
                result[key] = value
        return result

    def keep(self, condition: Tree) -> Optional[bool]:
        return truth(self.ev(subtrees(condition)[0]))

    def iterations(self, intro: Tree, node: Tree) -> list:
        names = [name_of(c) for c in subtrees(intro) if c.data == "identifier"]
        collection_node = [c for c in subtrees(intro) if c.data != "identifier"][0]
        collection = self.ev(collection_node)
        if is_unknown(collection):
            return [self.unknown(node, _reason(collection))]
        try:
            pairs = items(collection)
        except templates.UnknownTemplate:
            return [self.unknown(node)]
        if len(pairs) > MAX_ITEMS:
            raise EvalError(f"for-expression over more than {MAX_ITEMS} elements")
        scopes = []
        for key, value in pairs:
            if len(names) == 2:
                scopes.append(self.scope.child({names[0]: key, names[1]: value}))
            else:
                scopes.append(self.scope.child({names[0]: value}))
        return scopes


_REJECTED = object()
"""A branch of an undecided conditional that Terraform would reject if it were taken."""


def _is_lone_interpolation(node: Tree) -> bool:
    """A quoted string that is exactly one `${...}` (Terraform 0.11's way to write any value)."""
    while node.data == "expr_term" and len(subtrees(node)) == 1:
        node = subtrees(node)[0]
    if node.data != "string":
        return False
    parts = [c for c in node.children if isinstance(c, Tree)]
    return len(parts) == 1 and isinstance(parts[0].children[0], Tree) and parts[0].children[0].data == "interpolation"


def _reason(value: object) -> str:
    if isinstance(value, Unknown):
        return value.reason or f"{value.expression} not known before apply"
    if isinstance(value, Text):
        return _reason(next(p for p in value.parts if isinstance(p, Unknown)))
    return ""


_HANDLERS: dict[str, Callable[[_Run, Tree], object]] = {
    "expr_term": _Run.expr_term,
    "literal_value": _Run.literal,
    "int_lit": _Run.int_lit,
    "float_lit": _Run.float_lit,
    "string": _Run.string,
    "template_string": _Run.template_string,
    "heredoc_template": _Run.heredoc,
    "heredoc_template_trim": _Run.heredoc,
    "tuple": _Run.tuple,
    "object": _Run.object,
    "identifier": _Run.identifier,
    "get_attr_expr_term": _Run.get_attr_expr_term,
    "index_expr_term": _Run.index_expr_term,
    "full_splat_expr_term": _Run.full_splat_expr_term,
    "attr_splat_expr_term": _Run.attr_splat_expr_term,
    "conditional": _Run.conditional,
    "unary_op": _Run.unary_op,
    "binary_op": _Run.binary_op,
    "function_call": _Run.function_call,
    "for_tuple_expr": _Run.for_tuple_expr,
    "for_object_expr": _Run.for_object_expr,
}


def render_template(text: str, rel: str, variables: dict, scope: Scope, where: Call) -> object:
    """`templatefile()`: the file's text as a template seeing only the given variables."""
    file = SourceFile(rel=rel, text=text, tree=Tree("start", []))
    try:
        nodes = templates.from_text(text, file, 1)
        value = _Run(file, scope.child(variables)).template(nodes)
        if isinstance(value, str) and templates.keeps_lines(nodes):
            return LinedStr(value, Source(file=rel, line=1))
        return value
    except templates.UnknownTemplate as problem:
        return where.unknown(f"template condition {problem} not known")
