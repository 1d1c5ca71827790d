"""The HCL expression evaluator: Terraform's expression language and functions (issue 3 §1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from credmint.analyzer.inventory import DiagnosticLevel, Text, Unknown
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform.module import ModuleInstance, load_directory
from credmint.parsers.terraform.values import Json


def module(tmp_path: Path, text: str, **settings: object) -> ModuleInstance:
    (tmp_path / "main.tf").write_text(text)
    ctx = ParseContext(root=tmp_path, **settings)
    return ModuleInstance(load_directory(tmp_path, ctx), ctx)


def value_of(tmp_path: Path, expression: str, prelude: str = "") -> object:
    instance = module(tmp_path, f"{prelude}\nlocals {{\n  x = {expression}\n}}\n")
    return instance.local("x")


CASES = [
    # conditionals, operators
    ('true ? "a" : "b"', "a"),
    ('1 + 2 * 3 == 7 && !false', True),
    ('5 % 3 - 1', 1),
    ('"1" == 1', False),
    ("null == null", True),
    # for-expressions
    ("[for x in [1, 2, 3] : x * 2 if x > 1]", [4, 6]),
    ('{for k, v in {b = 2, a = 1} : upper(k) => v}', {"A": 1, "B": 2}),
    ('{for x in ["a", "b", "a"] : x => x...}', {"a": ["a", "a"], "b": ["b"]}),
    ("[for i, x in [\"p\", \"q\"] : \"${i}${x}\"]", ["0p", "1q"]),
    # splats, index and attribute access
    ("[{a = 1}, {a = 2}][*].a", [1, 2]),
    ("[{a = 1}, {a = 2}].*.a", [1, 2]),
    ('{a = [1, {b = "c"}]}.a[1].b', "c"),
    ('{a = [1, {b = "c"}]}["a"][0]', 1),
    ("[10, 20].1", 20),
    # string templates, directives, escapes
    ('"%{ for x in ["a", "b"] }${x},%{ endfor }"', "a,b,"),
    ('"%{ if false }yes%{ else }no%{ endif }"', "no"),
    ('"x %{~ if true ~} y %{~ endif ~} z"', "xyz"),
    ('"$${aws:username}/%%{x}"', "${aws:username}/%{x}"),
    ('"a\\"b\\n\\u00e9"', 'a"b\né'),
    ('"${[1, 2]}"', [1, 2]),  # a lone interpolation keeps its type (Terraform 0.11 wrappers)
    ("<<-EOT\n    a ${1 + 1}\n      b %{ if true }c%{ endif }\n    EOT", "a 2\n  b c\n"),
    ("<<EOT\n$${x} ${\"}\"}\nEOT", "${x} }\n"),
    # functions of issue 3 §1
    ('jsondecode(jsonencode({a = [1, true]}))', {"a": [1, True]}),
    ('format("%s-%d-%q-%%", "a", 5, "b")', 'a-5-"b"-%'),
    ('formatlist("r/%s", ["a", "b"])', ["r/a", "r/b"]),
    ('join(",", ["a", "b"], ["c"])', "a,b,c"),
    ('split(",", "a,b")', ["a", "b"]),
    ("concat([1], [2, 3])", [1, 2, 3]),
    ("flatten([[1, [2]], 3])", [1, 2, 3]),
    ("distinct([1, 2, 1])", [1, 2]),
    ('compact(["a", "", null, "b"])', ["a", "b"]),
    ("merge({a = 1, b = 1}, {b = 2})", {"a": 1, "b": 2}),
    ('lookup({a = 1}, "b", 0)', 0),
    ("element([1, 2, 3], 4)", 2),
    ('length("abc") + length([1]) + length({a = 1})', 5),
    ("keys({b = 1, a = 2})", ["a", "b"]),
    ("values({b = 1, a = 2})", [2, 1]),
    ('contains(["a"], "a")', True),
    ('coalesce("", null, "x")', "x"),
    ("coalescelist([], [1])", [1]),
    ('try(local.nope, {}.a, "fallback")', "fallback"),
    ('can({}.a)', False),
    ('tolist(toset(["b", "a", "b"]))', ["a", "b"]),
    ('tomap({a = "1"})', {"a": "1"}),
    ("tostring(5)", "5"),
    ("tostring(null)", None),
    ('sensitive(nonsensitive("x"))', "x"),
    ('replace("a-b-c", "-", "_")', "a_b_c"),
    ('replace("repo:org/x", "/^repo:([^/]+)/.*$/", "$1")', "org"),
    ('trimprefix("https://x", "https://")', "x"),
    ('trimsuffix("a.json", ".json")', "a"),
    ('lower("AbC")', "abc"),
    ('upper("abc")', "ABC"),
    ('startswith("arn:aws", "arn:")', True),
    ('endswith("a.tf", ".tf")', True),
    ('basename("a/b/c.json")', "c.json"),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    ("range(3)", [0, 1, 2]),
    ("one([])", None),
    ("one([7])", 7),
    ('setproduct(["a"], [1, 2])', [["a", 1], ["a", 2]]),
    ('regex("^arn:([^:]+)", "arn:aws:iam")', ["aws"]),
    # Terraform's function pages (regexall, replace, regex): the same answers from the `regex` engine.
    ('regexall("[a-z]+", "1234abcd5678efgh9")', ["abcd", "efgh"]),
    ('replace("hello world", "/w.*d/", "everybody")', "hello everybody"),
    ('replace("1 + 2 + 3", "+", "-")', "1 - 2 - 3"),
    ('regex("(?P<first>[a-z]+)-(?P<second>[0-9]+)", "ab-12")', {"first": "ab", "second": "12"}),
    ('replace("a-b", "/(\\w)-(\\w)/", "$2-$1")', "b-a"),
    # Terraform's function pages (distinct, setintersection, setsubtract); hashed membership, and
    # lists (unhashable) compared one by one.
    ('distinct(["a", "b", "a", "c", "d", "b"])', ["a", "b", "c", "d"]),
    ('setintersection(["a", "b"], ["b", "c"], ["b", "d"])', ["b"]),
    ('setsubtract(["a", "b", "c"], ["a", "c"])', ["b"]),
    ("distinct([[1], [1], [2], 1])", [[1], [2], 1]),
    ("substr(\"abcdef\", 1, 3)", "bcd"),
    ('md5("a")', "0cc175b9c0f1b6a831c399e269772661"),
]


@pytest.mark.parametrize("expression, expected", CASES, ids=[c[0][:40] for c in CASES])
def test_expression(tmp_path: Path, expression: str, expected: object) -> None:
    assert value_of(tmp_path, expression) == expected


def test_jsonencode_keeps_structure_and_unknown_leaves(tmp_path: Path) -> None:
    value = value_of(tmp_path, "jsonencode({a = var.v})", 'variable "v" {}')
    assert value == Json({"a": Unknown("var.v", "variable v has no default and no value (--var)")})


def test_operations_on_unknowns_are_unknown_named_by_expression(tmp_path: Path) -> None:
    prelude = 'variable "v" {}'
    missing = Unknown("var.v", "variable v has no default and no value (--var)")
    assert value_of(tmp_path, '"r/${var.v}"', prelude) == Text(("r/", missing))
    assert value_of(tmp_path, 'upper(var.v)', prelude) == Unknown("upper(var.v)", "an argument is not known before apply")
    conditional = value_of(tmp_path, 'var.v ? "a" : "b"', prelude)
    assert isinstance(conditional, Unknown) and conditional.expression == 'var.v ? "a" : "b"'
    assert value_of(tmp_path, 'var.v ? "same" : "same"', prelude) == "same"
    assert value_of(tmp_path, "{a = var.v} != null", prelude) is True  # a map is never null
    assert value_of(tmp_path, 'concat(["a"], [var.v])', prelude) == ["a", missing]
    assert value_of(tmp_path, "[for x in var.v : x]", prelude) == Unknown("[for x in var.v : x]", missing.reason)


def test_unknown_function_is_unknown_with_a_warning(tmp_path: Path) -> None:
    instance = module(tmp_path, 'locals {\n  x = "a-${nosuch(1)}"\n}\n')
    assert instance.local("x") == Text(("a-", Unknown("nosuch(1)", "function nosuch() not supported")))
    assert [(d.level, d.line, d.message) for d in instance.diagnostics] == [
        (DiagnosticLevel.WARNING, 2, "function nosuch() is not evaluated; its result is unknown")
    ]


def test_locals_in_any_order_and_cycles_reported(tmp_path: Path) -> None:
    instance = module(tmp_path, 'locals {\n  a = local.b\n  b = "${local.c}!"\n  c = "x"\n  p = local.q\n  q = local.p\n}\n')
    assert instance.local("a") == "x!"
    cycle = instance.local("p")
    assert isinstance(cycle, Unknown) and "p" in cycle.expression
    errors = [(d.level, d.line) for d in instance.diagnostics if d.level is DiagnosticLevel.ERROR]
    assert errors == [(DiagnosticLevel.ERROR, 5)]


def test_invalid_reference_is_a_warning_and_unknown(tmp_path: Path) -> None:
    instance = module(tmp_path, "locals {\n  x = {a = 1}.b\n}\n")
    assert instance.local("x") == Unknown("{a = 1}.b", "no attribute 'b'")
    assert [d.line for d in instance.diagnostics] == [2]


def test_file_reads_only_inside_the_root(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    (root / "policy.json").write_text('{"Statement": []}')
    (tmp_path / "secret.txt").write_text("secret")
    instance = module(
        root,
        'locals {\n  a = file("${path.module}/policy.json")\n  b = file("../secret.txt")\n'
        '  c = templatefile("t.tpl", {name = "x"})\n}\n',
    )
    (root / "t.tpl").write_text("role/${name}%{ if name == \"x\" }!%{ endif }")
    assert instance.local("a") == '{"Statement": []}'
    outside = instance.local("b")
    assert isinstance(outside, Unknown) and "outside the project root" in outside.reason
    assert instance.local("c") == "role/x!"


def test_variable_precedence(tmp_path: Path) -> None:
    from credmint.parsers.terraform import parse_terraform

    (tmp_path / "main.tf").write_text(
        'variable "a" { default = "default" }\nvariable "b" { default = "default" }\n'
        'variable "c" { default = "default" }\nvariable "d" { default = "default" }\n'
        'variable "e" { default = "default" }\n'
        'resource "aws_iam_user" "u" {\n  name = join(",", [var.a, var.b, var.c, var.d, var.e])\n}\n'
    )
    (tmp_path / "terraform.tfvars").write_text('a = "tfvars"\nb = "tfvars"\nc = "tfvars"\nd = "tfvars"\n')
    (tmp_path / "x.auto.tfvars").write_text('b = "auto-x"\nc = "auto-x"\nd = "auto-x"\n')
    (tmp_path / "y.auto.tfvars").write_text('c = "auto-y"\nd = "auto-y"\n')
    (tmp_path / "given.tfvars").write_text('d = "var-file"\ne = "var-file"\n')
    ctx = ParseContext(root=tmp_path, var_files=(tmp_path / "given.tfvars",), variables={"e": "var"})
    (user,) = parse_terraform(tmp_path, ctx).users
    assert user.name == "tfvars,auto-x,auto-y,var-file,var"


def test_optional_object_attributes_default_to_null(tmp_path: Path) -> None:
    prelude = (
        'variable "s" {\n  type = map(object({ actions = optional(list(string)), effect = optional(string, "Allow") }))\n'
        '  default = { one = { actions = ["a"] } }\n}\n'
    )
    assert value_of(tmp_path, "var.s", prelude) == {"one": {"actions": ["a"], "effect": "Allow"}}


def test_undecided_conditional_skips_a_side_terraform_would_reject(tmp_path: Path) -> None:
    prelude = 'variable "v" {}\nvariable "l" {\n  default = []\n}'
    assert value_of(tmp_path, 'var.v ? var.l[0] : "fallback"', prelude) == "fallback"


def test_try_does_not_hide_a_hostile_expression(tmp_path: Path) -> None:
    instance = module(tmp_path, 'locals {\n  x = try([for a in range(10000) : [for b in range(10000) : b]], "small")\n}\n')
    value = instance.local("x")
    assert isinstance(value, Unknown) and "steps" in value.reason
    assert [d.level for d in instance.diagnostics] == [DiagnosticLevel.ERROR]
