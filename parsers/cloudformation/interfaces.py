"""What conditions.py and functions.py need of the evaluator in intrinsics.py (issue 19 §2).

intrinsics.py builds on both of them; they only call back into the evaluator. Naming that call-back
here, below all three, keeps the imports one way: intrinsics → conditions, functions → interfaces.
"""

from __future__ import annotations

from typing import Any, Mapping, Protocol

from credmint.parsers.worlds import World


class Evaluator(Protocol):
    """An evaluator of one template's intrinsics (`intrinsics.Evaluator` is the one there is)."""

    mappings: Mapping
    world: World | None

    def evaluate(self, node: Any) -> Any:
        """A node's value, intrinsics resolved (an `Unknown` where it cannot be known)."""

    def warn(self, node: object, message: str) -> None:
        """A warning diagnostic at the node's line."""

    def is_choice(self, name: str) -> bool:
        """Whether the named parameter is one the deployer chooses."""

    def allowed_values(self, name: str) -> list[str] | None:
        """The parameter's `AllowedValues`, when it has them."""
