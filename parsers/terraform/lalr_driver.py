"""python-hcl2's grammar parsed by one tight loop over lark's own tables (issue 17).

Parsing is most of a cold scan, and lark spends a third of it in the plumbing around its automaton:
a chain of generators between lexer, post-lexer and parser, a method call and an `assert` per token
and per reduction, a `LineCounter` call per token. This loop drives the same automaton — the parse
table, the per-state lexers (their compiled regular expressions and keyword callbacks) and the
tree-building callbacks are lark's own objects, taken from the built parser — and inlines
python-hcl2's post-lexer, so it accepts exactly the texts lark accepts and builds the same trees.
Each token is lexed with the parser state lark would use: the token after a newline is lexed before
that newline is fed, because the post-lexer holds the newline back to see whether an operator
follows.

It never explains a failure: on any text it cannot take (no token matches, the table has no action,
lark's objects are not of the shape it reads) it raises `Declined`, and the caller parses the text
with lark itself, whose exception names the problem exactly as before. `recognise` runs the same
automaton building only the outline of the top level (unread.py checks with it that the blocks a
lazy run leaves unparsed are the splitter's).
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any, Callable, Optional

from hcl2.postlexer import OPERATOR_TYPES, PostLexer
from lark import Lark, Token, Tree
from lark import __version__ as lark_version
from lark.lexer import PatternStr, UnlessCallback
from lark.parse_tree_builder import ExpandSingleChild

CHECKED_LARK = "1.3."
"""The lark releases whose internals the loop was checked against (tests/test_lalr_driver.py);
under any other, lark parses everything itself."""

NEWLINE = "NL_OR_COMMENT"
"""The terminal python-hcl2's post-lexer holds back and merges into a following operator."""

_new_token = Token._future_new


Reduction = tuple[int, Optional[Callable[[list], Any]], str]
"""A rule's size, what builds its value from its children (None: its one child), its name."""
Actions = dict[int, dict[str, tuple[bool, Any]]]


class Declined(Exception):
    """This loop does not take the text; lark's own parse says why."""


class _StateLexer:
    """One of lark's per-state lexers, reduced to what the loop reads."""

    __slots__ = ("match", "keywords", "ignore", "newlines")

    def __init__(self, basic: Any) -> None:
        patterns = tuple(basic.scanner._mres)  # lark builds its scanner on first use: the same build
        self.match: Callable[[str, int], Optional[re.Match]] = (
            patterns[0].match if len(patterns) == 1 else partial(_first_match, patterns)
        )
        """lark's `Scanner.match`: the first of its patterns that matches (one but for huge grammars)."""
        if basic.user_callbacks:
            raise TypeError("lexer callbacks are not supported")
        self.keywords = {kind: _keywords(callback) for kind, callback in basic.callback.items()}
        """For a terminal such as NAME: the texts that are keywords in this state, and their terminal."""
        self.ignore: frozenset[str] = basic.ignore_types
        self.newlines: frozenset[str] = basic.newline_types


def _first_match(patterns: tuple[re.Pattern, ...], text: str, pos: int) -> Optional[re.Match]:
    for pattern in patterns:
        found = pattern.match(text, pos)
        if found:
            return found
    return None


def _keywords(callback: Any) -> dict[str, str]:
    """lark's keyword callback as a table: it retypes a token whose whole text is one of these
    plain strings (`UnlessCallback`, `fullmatch` of escaped strings without flags)."""
    if not isinstance(callback, UnlessCallback):
        raise TypeError(f"lexer callback {type(callback).__name__} is not supported")
    table: dict[str, str] = {}
    for terminal in callback.scanner.terminals:
        if not isinstance(terminal.pattern, PatternStr) or terminal.pattern.flags:
            raise TypeError(f"keyword {terminal.name} is not a plain string")
        table[terminal.pattern.value] = terminal.name
    return table


class LalrDriver:
    """Parses with the tables of one built `Lark` parser (python-hcl2's grammar, position-free)."""

    def __init__(self, lark: Lark) -> None:
        if not lark_version.startswith(CHECKED_LARK):
            raise TypeError(f"lark {lark_version}: the loop reads lark's internals, checked for {CHECKED_LARK}x")
        frontend = lark.parser
        if not isinstance(lark.options.postlex, PostLexer):
            raise TypeError("the driver inlines python-hcl2's post-lexer; this parser has another")
        table = frontend.parser._parse_table
        callbacks = frontend.parser.parser.callbacks
        if any(isinstance(key, str) for key in callbacks):
            raise TypeError("token callbacks are not supported")
        self._basic_lexers: dict[int, Any] = frontend.lexer.lexer.lexers
        self._lexers: dict[int, _StateLexer] = {}
        """Built on first use, as lark does: each compiles its regular expressions."""
        self._by_basic: dict[int, _StateLexer] = {}
        building: dict[Any, Reduction] = {rule: _reduction(rule, callbacks[rule]) for rule in callbacks}
        outlining = {
            rule: (size, build and _outlining(origin), origin) for rule, (size, build, origin) in building.items()
        }
        self._actions = _rows(table.states, building)
        """state → next terminal → (shift?, the state to push or the reduction to make)."""
        self._recognising = _rows(table.states, outlining)
        """The same, with reductions that build only the outline of the top level (`recognise`)."""
        self._start = table.start_states["start"]
        self._end = table.end_states["start"]
        self._unit_chains: dict[tuple[int, int, str], int] = {}
        """(state below, state on top, next terminal) → the state on top once every reduction of a
        `?rule` over one child is done: the chain an expression climbs up the precedence ladder."""

    def parse(self, text: str) -> Tree:
        """The tree lark would build for `text`; `Declined` where lark would raise (or might)."""
        tree = self._run(text, self._actions, building=True)
        if not isinstance(tree, Tree):
            raise Declined("not a tree")
        return tree

    def recognise(self, text: str) -> tuple[tuple[str, int], ...]:
        """Whether lark would parse `text` (`Declined` where it might not), building no tree but
        the outline of its top level: each top-level item, `block` or `attribute`, with the offset
        of its first token. The same automaton; its reductions build nothing else (acceptance does
        not depend on what a reduction builds); a token is only its offset."""
        outline = self._run(text, self._recognising, building=False)
        if type(outline) is not _Outline:
            raise Declined("no outline")
        return tuple(outline)

    def _run(self, text: str, actions: Actions, *, building: bool) -> Any:
        try:
            return self._parse(text, actions, building)
        except (KeyError, IndexError, TypeError, AttributeError, RecursionError) as problem:
            raise Declined(type(problem).__name__) from None

    def _parse(self, text: str, actions: Actions, building: bool) -> Any:
        """The automaton's value for `text`: with `building`, lark's tree; else the value the
        reductions build from each token's offset instead of the token (a fifth of a check's time
        went to tokens nothing reads)."""
        lexers, units = self._lexers, self._unit_chains
        states: list[int] = [self._start]
        values: list[Any] = []
        length = len(text)
        pos, line, line_start = 0, 1, 0
        pending: Any = None  # the newline held back (its offset, not building)
        at_end = False
        while not at_end:
            # One token, lexed by the lexer of the parser's current state (lark's contextual lexer).
            token = None
            while pos < length:
                lexer = lexers[states[-1]] if states[-1] in lexers else self._lexer(states[-1])
                found = lexer.match(text, pos)
                if found is None:
                    raise Declined("no token matches")
                value, kind = found[0], found.lastgroup
                start, start_line, column = pos, line, pos - line_start + 1
                if kind in lexer.newlines:
                    newlines = value.count("\n")
                    if newlines:
                        line += newlines
                        line_start = pos + value.rindex("\n") + 1
                pos += len(value)
                if kind in lexer.ignore:
                    continue
                if kind in lexer.keywords:
                    kind = lexer.keywords[kind].get(value, kind)
                token = _new_token(kind, value, start, start_line, column, line, pos - line_start + 1, pos) \
                    if building else start
                break
            # python-hcl2's post-lexer: a newline is held until the next token says what it is.
            if token is None:
                at_end = True
                batch: tuple = () if pending is None else ((pending, NEWLINE),)
            elif kind == NEWLINE:
                batch = () if pending is None else ((pending, NEWLINE),)
                pending = token
            elif pending is None:
                batch = ((token, kind),)
            elif kind in OPERATOR_TYPES:
                merged = token.update(value=str(pending) + str(token)) if building else token
                batch = ((merged, kind),)
                pending = None
            else:
                batch = ((pending, NEWLINE), (token, kind))
                pending = None
            for token, kind in batch:
                while True:
                    shift, argument = actions[states[-1]][kind]
                    if shift:
                        states.append(argument)
                        values.append(token)
                        break
                    size, callback, origin = argument
                    if callback is None:  # `?rule`s over one child: the child stands for them all
                        key = (states[-2], states[-1], kind)
                        states[-1] = units[key] if key in units else self._units(key)
                        continue
                    if size:
                        children = values[-size:]
                        del states[-size:]
                        del values[-size:]
                        values.append(callback(children))
                    else:
                        values.append(callback([]))
                    states.append(actions[states[-1]][origin][1])
        return self._finish(states, values, actions)

    def _lexer(self, state: int) -> _StateLexer:
        basic = self._basic_lexers[state]
        if id(basic) not in self._by_basic:
            self._by_basic[id(basic)] = _StateLexer(basic)
        self._lexers[state] = self._by_basic[id(basic)]
        return self._lexers[state]

    def _units(self, key: tuple[int, int, str]) -> int:
        below, top, kind = key
        while True:
            shift, argument = self._actions[top][kind]
            if shift or argument[1] is not None:
                break
            top = self._actions[below][argument[2]][1]
        self._unit_chains[key] = top
        return top

    def _finish(self, states: list[int], values: list[Any], actions: Actions) -> Any:
        """Feed lark's `$END` and reduce until the start rule is complete."""
        end_state = self._end
        while True:
            shift, (size, callback, origin) = actions[states[-1]]["$END"]
            if shift:
                raise Declined("shift at the end")
            if callback is None:
                del states[-1]
            else:
                children = values[-size:] if size else []
                if size:
                    del states[-size:]
                    del values[-size:]
                values.append(callback(children))
            states.append(actions[states[-1]][origin][1])
            if states[-1] == end_state:
                return values[-1]


def _first(children: list) -> Any:
    return children[0]


class _Outline(list):
    """Top-level items found so far: ("block" or "attribute", offset of the first token)."""


def _collect(children: list) -> _Outline:
    """A body's items; a longer list of them extends its left part in place, as lark's own
    left-recursion filter does (each value is used once), so a long body costs no copies."""
    items = children[0] if children and type(children[0]) is _Outline else _Outline()
    for child in children:
        if type(child) is tuple:
            items.append(child)
    return items


_OUTLINE: dict[str, Callable[[list], Any]] = {
    # A name's token (its offset) goes up to the block or attribute it starts...
    "identifier": _first, "keyword": _first, "literal_value": _first, "_attribute_name": _first,
    # ...which says what it is and where; a body (through the helper rules of its `*`) lists them.
    "block": lambda children: ("block", children[0]),
    "attribute": lambda children: ("attribute", children[0]),
    "body": _collect,
    "start": _first,
}
"""`recognise`'s reductions other than a count of the children; the helper rule of a body's `*`
(`__body_star_0`) collects what its children found."""


def _outlining(origin: str) -> Callable[[list], Any]:
    if origin in _OUTLINE:
        return _OUTLINE[origin]
    return _collect if origin.startswith("__body") else len


def _rows(states: dict[int, dict[str, tuple[Any, Any]]], reductions: dict[Any, Reduction]) -> Actions:
    """lark's table with each reduction's rule replaced by what the loop needs of it."""
    return {
        state: {kind: (True, target) if action.name == "Shift" else (False, reductions[target])
                for kind, (action, target) in row.items()}
        for state, row in states.items()
    }


def _reduction(rule: Any, callback: Callable[[list], Any]) -> Reduction:
    """A rule's size, tree builder and name; no builder for a `?rule` of one symbol, whose value is
    its child's (`ExpandSingleChild` with one child)."""
    size = len(rule.expansion)
    unit = size == 1 and type(callback) is ExpandSingleChild
    return size, None if unit else callback, rule.origin.name
