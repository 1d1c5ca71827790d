"""The project's documents stand on their own (issue 16): README.md and docs/ link only to files
of the repository, and every relative link resolves."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
DOCUMENTS = sorted([REPO / "README.md", *(REPO / "docs").glob("*.md")])
INLINE = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*(\S+)", re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def links(document: Path) -> list[str]:
    text = FENCE.sub("", document.read_text(encoding="utf-8"))
    return INLINE.findall(text) + REFERENCE.findall(text)


def relative(target: str) -> bool:
    return not re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) and not target.startswith("#")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_nothing_points_at_the_shared_folder(document: Path) -> None:
    assert "../shared" not in document.read_text(encoding="utf-8")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_relative_link_resolves_inside_the_repository(document: Path) -> None:
    broken = []
    for target in filter(relative, links(document)):
        path = (document.parent / target.split("#", 1)[0]).resolve()
        if not path.exists() or not path.is_relative_to(REPO):
            broken.append(target)
    assert broken == []


def anchors(document: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation but `-` and `_` dropped, spaces to `-`."""
    text = FENCE.sub("", document.read_text(encoding="utf-8"))
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*$", text, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_anchor_names_a_heading(document: Path) -> None:
    missing = []
    for target in filter(relative, links(document)):
        path, _, anchor = target.partition("#")
        if anchor and path.endswith(".md"):
            if anchor not in anchors((document.parent / path).resolve()):
                missing.append(target)
    for target in links(document):
        if target.startswith("#") and target[1:] not in anchors(document):
            missing.append(target)
    assert missing == []


def test_the_link_reader_sees_links() -> None:
    found = links(REPO / "README.md")
    assert "docs/DECISIONS.md" in found and "docs/inventory.schema.json" in found
