"""Issue 15 §3: everything from templates is text. One escape per format, property-tested on
hostile strings: Markdown (rendered by a GFM-like CommonMark renderer), Mermaid labels, SARIF
URIs (OASIS schema, format checking on), workflow commands and `$GITHUB_OUTPUT`."""

from __future__ import annotations

import json
import re
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import jsonschema
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from action_runner import COMMAND, read_outputs, unescape_data, unescape_property
from credmint.analyzer.app.github_action import escape_data, escape_property, output_lines
from credmint.analyzer.reports.markdown import text
from credmint.analyzer.reports.mermaid import escape
from credmint.analyzer.reports.sarif import uri

HOSTILE = "\n\r\t`|<>[]()!@#%:;,&*_~\\\"'{}=/.- \u2028\u0085\x00\x1b"
hostile = st.text(alphabet=st.sampled_from(HOSTILE) | st.characters(codec="utf-8"), max_size=40)
SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft4Validator(SCHEMA, format_checker=jsonschema.FormatChecker())
RENDERER = MarkdownIt("gfm-like")


class Tags(HTMLParser):
    """The tags and text of rendered HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.cells: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)
        if tag in ("td", "li"):
            self.text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "li"):
            self.cells.append("".join(self.text))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def shown(value: str) -> str:
    """What a reader must see: the value, line breaks as spaces, @ followed by a zero-width space."""
    plain = "".join(ch if ch.isprintable() else " " for ch in value).replace("@", "@\u200b")
    return " ".join(plain.split())


def parse(markdown: str) -> Tags:
    tags = Tags()
    tags.feed(RENDERER.render(markdown))
    return tags


@settings(max_examples=300, deadline=None)
@given(hostile)
def test_markdown_text_stays_in_its_table_cell(value: str) -> None:
    html = parse(f"| who | how |\n|---|---|\n| <code>{text(value)}</code> | x |\n")
    assert set(html.tags) <= {"table", "thead", "tr", "th", "tbody", "td", "code"}
    assert html.tags.count("td") == 2 and html.tags.count("tr") == 2
    assert " ".join(html.cells[0].split()) == shown(value)


@settings(max_examples=300, deadline=None)
@given(hostile)
def test_markdown_text_stays_in_its_list_item(value: str) -> None:
    html = parse(f"- finding {text(value)} here\n")
    assert html.tags == ["ul", "li"]
    assert " ".join(html.cells[0].split()) == " ".join(f"finding {shown(value)} here".split())


@settings(max_examples=300, deadline=None)
@given(hostile)
def test_mermaid_labels_cannot_leave_their_node(value: str) -> None:
    label = escape(value)
    assert re.fullmatch(r'n0\["[^"`|<>#\n\r]*(#(\d+|quot|amp|lt|gt);[^"`|<>#\n\r]*)*"\]', f'n0["{label}"]')
    assert all(ch.isprintable() for ch in label)
    names = {"quot": '"', "amp": "&", "lt": "<", "gt": ">"}
    decoded = re.sub(r"#(\d+|quot|amp|lt|gt);", lambda m: names.get(m[1]) or chr(int(m[1])), label)
    assert decoded == "".join(ch if ch.isprintable() else " " for ch in value)


@settings(max_examples=300, deadline=None)
@given(hostile.filter(bool))
def test_sarif_uris_are_uri_references_that_decode_to_the_file(value: str) -> None:
    encoded = uri(value)
    assert VALIDATOR.format_checker.conforms(encoded, "uri-reference")
    assert unquote(encoded) == value


@settings(max_examples=300, deadline=None)
@given(hostile, hostile, hostile)
def test_workflow_commands_carry_any_text_as_one_command(file: str, title: str, message: str) -> None:
    line = f"::error file={escape_property(file)},title={escape_property(title)}::{escape_data(message)}"
    assert "\n" not in line and "\r" not in line
    match = COMMAND.match(line)
    assert match is not None and match["name"] == "error"
    props = dict(p.split("=", 1) for p in match["props"].split(","))
    assert {k: unescape_property(v) for k, v in props.items()} == {"file": file, "title": title}
    assert unescape_data(match["data"]) == message


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["exit-code", "sarif-file", "new-grants"]), hostile | st.just("ghadelimiter_x")))
def test_outputs_cannot_set_one_another(values: dict[str, str]) -> None:
    assert read_outputs(output_lines(values)) == values


def test_the_marker_cannot_be_forged_by_a_name() -> None:
    assert "<!--" not in text("<!-- credmint-report -->") and unescape(text("a&amp;b")) != "a&b"
