"""Names that two inputs both define: AWS allows one user, group, role or policy of a name (and
path-free ARN) per account, so the second deployment would fail (issue 13 §13).

Terraform warns of it where a join finds several entities of one name (parsers/terraform); this
says it across inputs: two templates, two root modules, or one of each. Both definitions are still
analysed (a warning, not a choice between them): dropping either could hide a path.
"""

from __future__ import annotations

from typing import Iterable

from credmint.analyzer.inventory import CURRENT_ACCOUNT, Diagnostic, DiagnosticLevel, Inventory, Source, render, unknowns_in

_KINDS = (("users", "user"), ("groups", "group"), ("roles", "role"), ("policies", "managed policy"))


def defined_twice(parts: Iterable[Inventory]) -> list[Diagnostic]:
    """A warning for each known ARN that more than one input defines, at its second definition."""
    first: dict[str, tuple[int, str, Source]] = {}
    reported: set[str] = set()
    problems: list[Diagnostic] = []
    for index, part in enumerate(parts):
        for field, kind in _KINDS:
            for entity in getattr(part, field):
                arn = entity.arn
                if any(unknown != CURRENT_ACCOUNT for unknown in unknowns_in(arn)):
                    continue  # a name unknown before apply may differ: no claim either way
                key = render(arn)
                seen = first.setdefault(key, (index, kind, entity.source))
                if seen[0] == index or key in reported:
                    continue
                reported.add(key)
                problems.append(Diagnostic(
                    level=DiagnosticLevel.WARNING, file=entity.source.file, line=entity.source.line,
                    message=f"{kind} {key} is also defined in {seen[2]}: AWS allows one per "
                            "account, so one of the two deployments fails; both are analysed",
                ))
    return problems
