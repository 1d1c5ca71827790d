"""The fast loop over lark's tables (issue 17 item 1) builds exactly lark's trees, takes exactly the
texts lark takes (also as a recogniser that builds only the outline of the top level), and leaves
every failure to lark, whose message the run reports as before.

Trees are compared whole: every rule name and every token's type, text, line, column, end line,
end column, start and end offset. The corpus part reads `../shared/corpus` and skips without it.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Optional

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lark import Token
from lark.exceptions import LarkError

from credmint.parsers.terraform import grammar, hcl
from credmint.parsers.terraform.hcl import ParseFailure, parse_text
from credmint.parsers.terraform.lalr_driver import Declined, LalrDriver
from credmint.parsers.terraform.unread import outline_of

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def whole(node: Any) -> Any:
    if isinstance(node, Token):
        return (node.type, str(node), node.line, node.column, node.end_line, node.end_column, node.start_pos,
                node.end_pos)
    return (node.data, tuple(whole(child) for child in node.children))


def lark_answer(text: str) -> Optional[Any]:
    try:
        return whole(grammar.parser().parse(text))
    except LarkError:
        return None


def driver_answer(text: str) -> Optional[Any]:
    fast = grammar.driver()
    assert fast is not None
    try:
        return whole(fast.parse(text))
    except Declined:
        return None


def recognised(text: str) -> Optional[tuple]:
    try:
        return grammar.driver().recognise(text)
    except Declined:
        return None


def lark_outline(text: str) -> Optional[tuple]:
    try:
        return outline_of(grammar.parser().parse(text))
    except LarkError:
        return None


def assert_same(text: str) -> None:
    """The driver's tree is lark's; its recogniser accepts exactly what lark does, and outlines the
    top level (each block and attribute where its first token starts) as lark's tree has it."""
    expected = lark_answer(text)
    assert driver_answer(text) == expected, text
    assert recognised(text) == lark_outline(text), text


CASES = {
    "operators after a newline merge into the operator (the post-lexer)": (
        "x = a\n  && b\n  || c\ny = 1 +\n  2\nz = p\n  ? 1\n  : 2\n"
    ),
    "two newlines then an operator: the first stays, the second merges": "x = a\n\n  + b\n",
    "a comment then an operator": "x = a # why\n  + b\n",
    "a block comment then an operator": "x = a /* why */\n  * b\n",
    "a minus on the next line is a new statement, not a continuation": "a = 1\nb = -2\nc = a\n-1\n",
    "keywords as names where the state takes no keyword": (
        'in = 1\nfor = 2\nif {\n  else = 3\n}\nx = { in = "h", for = 1 }\ny = { if = 1\n endfor = 2 }\n'
    ),
    "for expressions": (
        "a = [for k, v in var.m : upper(v) if v != null]\nb = { for k in var.l : k => k... }\n"
    ),
    "templates, directives and escapes": (
        'a = "x${var.y}z %{ if var.c }yes%{ else }no%{ endif } $${lit} %%{lit}"\n'
        'b = "%{ for i in var.l ~}${i}%{~ endfor }"\n'
    ),
    "heredocs, indented and with CRLF": "a = <<EOT\nline ${x}\nEOT\nb = <<-EOT\n  in\n  EOT\r\nc = 1\r\n",
    "splats, indexes and namespaced functions": (
        "a = aws_iam_role.r[*].arn\nb = var.x.*.id\nc = var.l[0].name\nd = provider::aws::arn_parse(x)\n"
        "e = var.m.0\nf = f(a, b...)\n"
    ),
    "numbers": "a = 1.5e3\nb = -0.25\nc = 10\nd = 3E-2\n",
    "nested blocks and one-line blocks": 'resource "a" "b" {\n  x { y = 1 }\n  z "q" {}\n}\nempty {}\n',
    "an empty file": "\n",
    "only comments": "# a\n// b\n/* c\n d */\n",
    "unexpected character": "a = 1 @\n",
    "unexpected token": "a = = 1\n",
    "unexpected end of file": 'resource "a" "b" {\n  x = 1\n',
    "an unterminated string": 'a = "abc\n',
    "an unterminated heredoc": "a = <<EOT\nabc\n",
    "a keyword where only a name fits is a name": "a = for\n",
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_the_loop_builds_lark_s_tree_or_leaves_the_text_to_lark(text: str) -> None:
    assert_same(text)


FAILURES = [name for name in CASES if name.startswith(("unexpected", "an unterminated"))]


@pytest.mark.parametrize("name", FAILURES)
def test_a_text_lark_rejects_is_reported_with_lark_s_message_and_line(name: str, monkeypatch) -> None:
    text = CASES[name].removesuffix("\n")
    with pytest.raises(Declined):
        grammar.driver().parse(text + "\n")
    with pytest.raises(ParseFailure) as driven:
        parse_text(text)
    monkeypatch.setattr(hcl, "driver", lambda cache=None: None)  # lark alone, as before the loop
    with pytest.raises(ParseFailure) as alone:
        parse_text(text)
    assert (str(driven.value), driven.value.line) == (str(alone.value), alone.value.line)


def test_another_lark_release_is_not_driven(monkeypatch) -> None:
    from credmint.parsers.terraform import lalr_driver

    monkeypatch.setattr(lalr_driver, "lark_version", "1.4.0")
    with pytest.raises(TypeError):
        LalrDriver(grammar.parser())


def test_a_parser_of_another_shape_is_not_driven() -> None:
    from lark import Lark

    plain = Lark('start: "a"', parser="lalr")
    with pytest.raises(TypeError):
        LalrDriver(plain)


# Texts built from HCL's pieces: mostly valid, often not; each must get lark's answer.
NAMES = st.sampled_from(["a", "b", "var.x", "local.y", "in", "for", "if", "null", "true", "each.value"])
BREAK = st.sampled_from(["", " ", "\n", "\n  ", " # c\n", " // c\n", " /* c */ ", "\r\n"])
OPERATORS = st.sampled_from(["+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "&&", "||", "?", ":"])


@st.composite
def expressions(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 3:
        return draw(st.sampled_from(["1", "-2", "1.5", '"s"', "x", "null", "true"]))
    sub = expressions(depth + 1)
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return f"{draw(sub)}{draw(BREAK)}{draw(OPERATORS)}{draw(BREAK)}{draw(sub)}"
    if kind == 1:
        return f"{draw(sub)} ?{draw(BREAK)}{draw(sub)}{draw(BREAK)}: {draw(sub)}"
    if kind == 2:
        return "[" + draw(BREAK) + ", ".join(draw(st.lists(sub, max_size=3))) + draw(BREAK) + "]"
    if kind == 3:
        pairs = draw(st.lists(st.tuples(NAMES, sub), max_size=3))
        return "{" + draw(BREAK) + draw(BREAK).join(f"{k} = {v}" for k, v in pairs) + draw(BREAK) + "}"
    if kind == 4:
        return f"f({', '.join(draw(st.lists(sub, max_size=3)))})"
    if kind == 5:
        return f'"pre ${{{draw(sub)}}} %{{ if {draw(sub)} }}y%{{ endif }}"'
    if kind == 6:
        return f"[for k, v in {draw(sub)} : {draw(sub)} if {draw(sub)}]"
    if kind == 7:
        return f"{draw(NAMES)}[{draw(sub)}].attr[*].id"
    if kind == 8:
        return f"({draw(BREAK)}{draw(sub)}{draw(BREAK)})"
    return draw(st.sampled_from(["!x", "-x", "<<EOT\nh ${x}\nEOT\n", "x.*.y", "m.0"]))


@st.composite
def bodies(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):
            lines.append(f"{draw(NAMES).split('.')[0]} = {draw(expressions())}")
        else:
            lines.append(f'{draw(NAMES).split(".")[0]} "l" {{{draw(BREAK)}k = {draw(expressions())}\n}}')
    return "\n".join(lines) + "\n"


@settings(max_examples=400, deadline=None)
@given(bodies())
def test_generated_texts_get_lark_s_answer(text: str) -> None:
    assert_same(text)


@settings(max_examples=300, deadline=None)
@given(bodies(), st.integers(0, 2**32 - 1))
def test_damaged_texts_get_lark_s_answer(text: str, seed: int) -> None:
    assert_same(damage(text, random.Random(seed)))


def damage(text: str, rng: random.Random) -> str:
    """Delete, repeat or insert a few characters: the texts lark rejects in every way."""
    chars = list(text)
    for _ in range(rng.randint(1, 3)):
        where = rng.randrange(len(chars) + 1)
        choice = rng.random()
        if choice < 0.4 and where < len(chars):
            del chars[where]
        elif choice < 0.7:
            chars.insert(where, rng.choice('{}[]()"=\n#$%~<-*,.:?'))
        else:
            chars[where:where] = chars[max(0, where - 5):where]
    return "".join(chars)


def corpus_texts() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.suffix in (".tf", ".tofu") and p.is_file()
                  and p.stat().st_size < 500_000)


@pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus here")
def test_every_corpus_file_gets_lark_s_tree() -> None:
    files = corpus_texts()
    assert len(files) > 1000
    differing = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace") + "\n"
        expected = lark_answer(text)
        if driver_answer(text) != expected or recognised(text) != lark_outline(text):
            differing.append(str(path.relative_to(CORPUS)))
    assert differing == []


@pytest.mark.skipif(not CORPUS.is_dir(), reason="no ../shared/corpus here")
def test_damaged_corpus_files_get_lark_s_answer() -> None:
    rng = random.Random(17)
    files = [p for p in corpus_texts() if p.stat().st_size < 20_000]
    for path in rng.sample(files, 150):
        text = damage(path.read_text(encoding="utf-8", errors="replace"), rng) + "\n"
        assert_same(text)
