"""What a diff trusts from its base (issue 15 §1): suppressions a change adds are listed, not obeyed.

A pull request must not be able to silence its own finding. So in a diff against a git revision
the settings, the baseline and the rules' allowances come from the base revision, and an inline
suppression (`credmint:ignore`, CloudFormation `Metadata`) counts only when the base already had
it on the same block. What the change's own settings, baseline and comments would silence beyond
that stays a finding, and is listed as "suppressions this change adds (need review)".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Callable, Iterable, Protocol, Sequence

from credmint.analyzer.inventory import Source
from credmint.analyzer.report import Report
from credmint.analyzer.suppressions import SuppressedFinding

Ignore = tuple[str, str, "str | None", Source]
Anchored = tuple[str, str, str, "str | None"]
ALLOWANCE_REASON = (
    "not a finding under the change's own settings "
    "(account_id, trusted_accounts or federation_allowance)"
)


class AnchoredLookup(Protocol):
    """The inline reader of one tree (credmint.parsers.suppressions.InlineSuppressions)."""

    def __call__(self, source: Source) -> Sequence[Ignore]: ...

    def anchored(self, file: str) -> Counter[Anchored]: ...

    def anchor(self, ignore: Ignore) -> Anchored | None: ...


def known_to_base(head: AnchoredLookup, base: AnchoredLookup) -> Callable[[Source], list[Ignore]]:
    """The head's inline suppressions that the base already had, on the same block of the same file.

    A block's first line need not be unique (`statement {`): when the head has more copies of a
    suppression than the base, none of them counts, since which one is new cannot be told."""

    def lookup(source: Source) -> list[Ignore]:
        return [
            ignore
            for ignore in head(source)
            if (anchor := head.anchor(ignore)) is not None
            and 0 < head.anchored(ignore[3].file)[anchor] <= base.anchored(ignore[3].file)[anchor]
        ]

    return lookup


def added_suppressions(
    trusted: Report, claimed: Report, new_keys: Iterable[tuple[str, str, str]], settings_file: str
) -> tuple[SuppressedFinding, ...]:
    """Findings of `trusted` (base settings) that `claimed` (the change's settings) would silence.

    Only the findings the change introduces (`new_keys`) are listed: the others gate nothing."""
    keys = set(new_keys)
    silenced = {s.finding.key: s for s in claimed.suppressed}
    still = {f.key for f in claimed.findings}
    return tuple(
        replace(silenced[f.key], finding=f)
        if f.key in silenced
        else SuppressedFinding(finding=f, reason=ALLOWANCE_REASON, origin=settings_file)
        for f in trusted.findings
        if f.key in keys and f.key not in still
    )
