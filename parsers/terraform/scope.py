"""What an expression is evaluated against: bound names over its module, and where a call is made."""

from __future__ import annotations

from typing import Any, Mapping, Optional, Protocol

from credmint.analyzer.inventory import DiagnosticLevel, Unknown
from credmint.parsers.terraform.hcl import SourceFile
from credmint.parsers.terraform.values import EvalError

MAX_ITEMS = 10_000
"""Bound on collections built by for-expressions and functions: hostile input stays cheap."""

MAX_STRING_CHARS = 1024 * 1024
"""Bound on one string a function or template builds: as large as a whole input file may be.
`format("%0100000d", i)` over `range(10000)` built a gigabyte from one line."""
REGEX_SECONDS = 2.0
"""Time the regular expressions of one root module (`replace`, `regex`, `regexall`) may take together."""
CHARS_PER_STEP = 100
"""A built string costs the evaluation budget a step per this many characters, so that many
strings under the bound cannot add up to gigabytes either."""

MAX_STEPS = 500_000
"""Bound on expression nodes and instances one root module may evaluate (DESIGN.md, "Untrusted
input": bounded expansion), a few seconds of work. The 5,000-block benchmark tree takes 77,000
steps and the largest root of the shared corpus 19,000."""


class BudgetExhausted(EvalError):
    """The run's evaluation budget is spent: what remains is unknown, with one error diagnostic."""


MAX_EXPRESSION_STEPS = 200_000
"""Bound on the steps of one argument's expression, so that one hostile expression does not
spend the budget of the good resources beside it."""


class RegexTime:
    """Time left for the regular expressions of one root module, shared by every world its
    deploy-time choices make (parsers/worlds.py): per world, 30 choices read up to 64 times gave
    a 2 KB module two minutes of backtracking."""

    __slots__ = ("seconds",)

    def __init__(self) -> None:
        self.seconds = REGEX_SECONDS


class Budget:
    """Evaluation steps left for one root module and every module it calls, and for the
    outermost expression being evaluated."""

    __slots__ = ("left", "expression_left", "depth", "reported", "instances", "regex")

    def __init__(self, steps: int = MAX_STEPS, regex: RegexTime | None = None) -> None:
        self.left = steps
        self.expression_left = MAX_EXPRESSION_STEPS
        self.depth = 0
        self.reported = False
        self.instances = 0
        """Instances `count` and `for_each` have made so far (credmint.parsers.terraform.expansion)."""
        self.regex = regex or RegexTime()
        """Time left for regular expressions (credmint.parsers.terraform.string_functions)."""

    def enter(self) -> None:
        if self.depth == 0:
            self.expression_left = MAX_EXPRESSION_STEPS
        self.depth += 1

    def leave(self) -> None:
        self.depth -= 1

    def spend(self, steps: int = 1) -> None:
        self.left -= steps
        self.expression_left -= steps
        if self.left < 0:
            raise BudgetExhausted(f"evaluation stopped after {MAX_STEPS:,} steps (input too large)")
        if self.expression_left < 0 and self.depth:
            raise ExpressionTooLarge(f"more than {MAX_EXPRESSION_STEPS:,} steps; not evaluated")


class ExpressionTooLarge(EvalError):
    """One expression needs more steps than any real template does."""


def refuse_text(size: int, what: str) -> None:
    """Refuse a string of `size` characters, before it is built, when it is past the bound."""
    if size > MAX_STRING_CHARS:
        raise ExpressionTooLarge(f"{what}: a string of {size:,} characters, more than "
                                 f"{MAX_STRING_CHARS:,} (bound on built strings)")


def charge_text(budget: Budget, size: int, what: str) -> None:
    """Charge the budget for a string of `size` characters built, or refuse it."""
    refuse_text(size, what)
    budget.spend(size // CHARS_PER_STEP)


class Namespace:
    """Something references walk into by attribute: `var`, `aws_iam_role`, a resource instance."""

    address = ""

    def attr(self, name: str) -> object:
        raise NotImplementedError


class Context(Protocol):
    """What an expression can see beyond its own text: the module it is written in."""

    def root(self, name: str) -> object: ...

    def report(self, level: DiagnosticLevel, message: str, file: str, line: int) -> None: ...

    def call(self, name: str, args: list[object], where: "Call") -> object: ...

    def choose(self, condition: Any, file: SourceFile, decided: Optional[bool]) -> Optional[bool]:
        """A conditional's condition, decided by the world of deploy-time choices if it is one."""

    @property
    def budget(self) -> Budget: ...


class Scope:
    """Names bound around an expression (for-expression, `count`, `each`) over its module."""

    __slots__ = ("context", "bindings")

    def __init__(self, context: Context, bindings: Optional[Mapping[str, object]] = None) -> None:
        self.context = context
        self.bindings = dict(bindings or {})

    def child(self, bindings: Mapping[str, object]) -> "Scope":
        return Scope(self.context, {**self.bindings, **bindings})

    def lookup(self, name: str) -> object:
        if name in self.bindings:
            return self.bindings[name]
        return self.context.root(name)


class Call:
    """Where a function is called: its text (to name unknown results) and its file and line."""

    __slots__ = ("name", "snippet", "file", "line", "scope")

    def __init__(self, name: str, snippet: str, file: SourceFile, line: int, scope: Scope) -> None:
        self.name, self.snippet, self.file, self.line, self.scope = name, snippet, file, line, scope

    def unknown(self, reason: str = "") -> Unknown:
        return Unknown(self.snippet, reason)

    def built(self, size: int) -> None:
        """The function is about to build a string of `size` characters: refused past the bound
        before it is built (its characters are charged when the function returns)."""
        refuse_text(size, f"{self.name}()")
