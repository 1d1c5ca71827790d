"""What a reader needs first, shared by the text and Markdown reports (issue 16): counts, the
universal GetSessionToken self-grants folded into one line, service paths grouped by role, and
uncertain grants grouped under the one unknown that would decide them, with the option that gives it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Sequence

from credmint.analyzer.model import Action, Certainty, Grant
from credmint.analyzer.passrole import ServicePath
from credmint.analyzer.rules import Severity

SEVERITIES = tuple(Severity)[::-1]
"""critical first."""


def is_own_session_token(grant: Grant) -> bool:
    """`user → GetSessionToken → itself`: every IAM user has it, no policy can take it away (§3)."""
    return grant.action is Action.GET_SESSION_TOKEN and grant.principal == grant.target


def minting_grants(grants: Iterable[Grant]) -> list[Grant]:
    """The grants a reader has to look at: all but the universal GetSessionToken self-grants."""
    return [g for g in grants if not is_own_session_token(g)]


def severity_counts(findings: Sequence) -> str:
    counts = Counter(f.severity for f in findings)
    return ", ".join(f"{counts[s]} {s.value}" for s in SEVERITIES)


def short_id(identity: str, account: str | None) -> str:
    """`user/alice` for an identity of the scanned account (or of the symbolic one), else as is."""
    for own in filter(None, (account, "{account_id}")):
        for service in ("iam", "sts"):
            prefix = f"arn:aws:{service}::{own}:"
            if identity.startswith(prefix):
                return identity[len(prefix):]
    return identity


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """Uncertain grants that one unknown decides, and what would decide it."""

    cause: str
    decider: str
    grants: tuple[Grant, ...]


_DOUBT = re.compile(
    r"unknown before apply|not analysed|not (?:a role|defined) (?:of|in) the analysed templates|"
    r"documentation|not in the analysed templates|snapshot|unknown$",
    re.IGNORECASE,
)
_VARIABLE = re.compile(r"variable ([\w-]+) has no default")
_EXPRESSION_VARIABLE = re.compile(r"\bvar\.([\w-]+)")
_PARAMETER_CHOICE = re.compile(r"when !?\(?([A-Za-z0-9]+) = ")
_ACCOUNT = re.compile(r"\b(\d{12})\b")


def uncertainty_groups(grants: Iterable[Grant]) -> list[Uncertainty]:
    """Uncertain grants grouped by their first doubt (a reason saying what is not known), largest
    group first; a grant whose reasons name no doubt is grouped under its last reason."""
    groups: dict[str, list[Grant]] = {}
    for grant in grants:
        if grant.certainty is not Certainty.UNCERTAIN:
            continue
        doubts = [r for r in grant.reasons if _DOUBT.search(r)] or list(grant.reasons[-1:]) or ["no reason given"]
        groups.setdefault(_without_line(doubts[0]), []).append(grant)
    ordered = sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))
    return [Uncertainty(cause, decider(cause), tuple(found)) for cause, found in ordered]


def _without_line(reason: str) -> str:
    return re.sub(r" \([^()]*:\d+\)$", "", reason)


def decider(cause: str) -> str:
    """The option or input that would turn this doubt into an answer."""
    found = _VARIABLE.search(cause) or _EXPRESSION_VARIABLE.search(cause)
    if found:
        return f"--var {found.group(1)}=VALUE"
    parameter = _PARAMETER_CHOICE.search(cause)
    if parameter and "choice made at deploy time" in cause:
        return f"--parameter {parameter.group(1)}=VALUE"
    if "terraform.workspace" in cause:
        return "--workspace NAME"
    if "choice made at deploy time" in cause:
        return "the variables it reads, pinned with --var NAME=VALUE"
    if "parameter" in cause.lower():
        name = re.search(r"\{([\w:-]+)\}", cause)
        return f"--parameter {name.group(1) if name else 'NAME'}=VALUE"
    if "{account_id}" in cause:
        return "--account-id ID"
    account = _ACCOUNT.search(cause)
    if account and "not analysed" in cause:
        return f"that account's templates with --account-map PATH={account.group(1)}, or its exported inventory"
    if "analysed templates" in cause:
        return "the templates that define it, in the same run"
    if "after apply" in cause:
        return "a Terraform plan JSON (the value is known only after apply)"
    if "managed policy" in cause.lower() or "snapshot" in cause:
        return "a newer managed-policy snapshot (scripts/refresh_managed_policies.py)"
    if "{" in cause:
        return "a plan JSON (terraform show -json) that resolves it"
    return "the value named above"


@dataclass(frozen=True, slots=True)
class RoleServicePaths:
    """Every way to reach one role's credentials through a service, deduplicated."""

    role: str
    entries: tuple[tuple[str, str, str], ...]
    """(principal, service, launch actions) once each."""


def service_paths_by_role(paths: Iterable[ServicePath]) -> list[RoleServicePaths]:
    by_role: dict[str, dict[tuple[str, str, str], None]] = {}
    for found in paths:
        entry = (found.principal, found.service, ", ".join(found.actions))
        by_role.setdefault(found.role, {})[entry] = None
    return [RoleServicePaths(role, tuple(sorted(entries))) for role, entries in sorted(by_role.items())]
