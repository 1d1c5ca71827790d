"""The parser (issue 8 §2: no grammar rebuild): python-hcl2's grammar without position propagation,
stored once in the cache folder as plain data and loaded from there by later runs."""

import hcl2
import pytest

from credmint.parsers.terraform import grammar
from credmint.parsers.terraform.parse_cache import DiskCache

SAMPLE = '''resource "aws_iam_role" "r" {
  name = "r-${var.env}"
  assume_role_policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { AWS = "*" } }]
  })
  tags = { for k, v in var.tags : k => v if v != null }
}

locals {
  pick = true
    ? 1
    : 2
}
'''


def shape(node) -> tuple:
    from lark import Token

    if isinstance(node, Token):
        return ("token", node.type, str(node), node.line, node.start_pos)
    return ("tree", node.data, tuple(shape(child) for child in node.children))


@pytest.fixture
def fresh(monkeypatch):
    """A process that has not built its parser yet."""
    monkeypatch.setattr(grammar, "_PARSER", None)


def test_the_parser_gives_python_hcl2s_trees(fresh) -> None:
    assert shape(grammar.parser().parse(SAMPLE + "\n")) == shape(hcl2.parses_to_tree(SAMPLE))


def test_a_stored_parser_is_loaded_without_python_hcl2_building_one(fresh, tmp_path, monkeypatch) -> None:
    cache = DiskCache(tmp_path)
    first = grammar.parser(cache)
    assert (tmp_path / grammar.STORED).is_file()
    monkeypatch.setattr(grammar, "_PARSER", None)

    def refuse():  # a read-only install would rebuild its grammar here
        raise AssertionError("python-hcl2's parser was asked for")

    monkeypatch.setattr(hcl2.parser, "parser", refuse)
    second = grammar.parser(cache)
    assert second is not first
    assert shape(second.parse(SAMPLE + "\n")) == shape(first.parse(SAMPLE + "\n"))
    assert second.options.propagate_positions is False


@pytest.mark.parametrize("damage", [b"not marshal", b"\x00" * 40])
def test_a_damaged_stored_parser_is_rebuilt(fresh, tmp_path, damage) -> None:
    import marshal

    cache = DiskCache(tmp_path)
    (tmp_path / grammar.STORED).write_bytes(damage)
    assert shape(grammar.parser(cache).parse(SAMPLE + "\n")) == shape(hcl2.parses_to_tree(SAMPLE))
    stored = marshal.loads((tmp_path / grammar.STORED).read_bytes())
    assert set(stored) == {"data", "memo"}  # rewritten whole


def test_a_stored_parser_of_another_shape_is_not_used(fresh, tmp_path) -> None:
    import marshal

    cache = DiskCache(tmp_path)
    (tmp_path / grammar.STORED).write_bytes(marshal.dumps({"data": {"options": {}}, "memo": {}}))
    assert shape(grammar.parser(cache).parse(SAMPLE + "\n")) == shape(hcl2.parses_to_tree(SAMPLE))
