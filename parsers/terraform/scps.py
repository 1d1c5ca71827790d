"""Service control policies in HCL: `aws_organizations_policy` of type SERVICE_CONTROL_POLICY and
the targets its `aws_organizations_policy_attachment`s give it (issue 5 §4).

An attachment names its policy by `policy_id`, unknown before apply for a policy of the same
templates (`aws_organizations_policy.x.id`): it is matched by that reference. An attachment whose
policy cannot be told is left out with a note: an SCP only ever removes grants, so leaving it out can
over-report but never hides a path (docs/DECISIONS.md, "Service control policies").
"""

from __future__ import annotations

from typing import Iterable

from credmint.analyzer.inventory import (
    Diagnostic,
    DiagnosticLevel,
    PolicyDocument,
    ServiceControlPolicy,
    Text,
    Unknown,
    Value,
)
from credmint.parsers.terraform import attributes
from credmint.parsers.terraform.module import Instance
from credmint.parsers.terraform.policy_document import read_policy
from credmint.parsers.terraform.values import to_text

POLICY = "aws_organizations_policy"
ATTACHMENT = "aws_organizations_policy_attachment"


def read_scps(instances: Iterable[Instance]) -> tuple[list[ServiceControlPolicy], list[Diagnostic]]:
    instances = list(instances)
    diagnostics: list[Diagnostic] = []
    policies = [i for i in instances if i.type == POLICY and _is_scp(i)]
    targets: dict[str, list[Value]] = {p.address: [] for p in policies}
    for attachment in (i for i in instances if i.type == ATTACHMENT):
        view = attachment.object.view
        policy = _policy_of(view.get("policy_id"), policies)
        if policy is None:
            diagnostics.append(Diagnostic(
                level=DiagnosticLevel.INFO, file=view.source.file, line=view.source.line,
                message=f"{attachment.address}: its policy is not an SCP of the analysed templates; not recorded",
            ))
            continue
        targets[policy.address].append(_value(view.get("target_id"), f"{attachment.address}.target_id"))
    result = []
    for instance in policies:
        view = instance.object.view
        document: PolicyDocument | None = None
        if view.has("content"):
            document, problems = read_policy(
                view.get("content"), source=view.source_of("content"), address=instance.address,
                first_line=view.literal_line("content"),
            )
            diagnostics.extend(problems)
        result.append(ServiceControlPolicy(
            name=attributes.iam_name(instance.object),
            document=document or PolicyDocument(source=view.source, address=instance.address),
            source=view.source, address=instance.address,
            targets=tuple(targets[instance.address]), account=instance.object.ctx.account,
        ))
    return result, diagnostics


def _is_scp(instance: Instance) -> bool:
    kind = instance.object.view.get("type")
    return kind is None or kind == "SERVICE_CONTROL_POLICY" or not isinstance(kind, str)


def _policy_of(policy_id: object, policies: list[Instance]) -> Instance | None:
    """The SCP an attachment's `policy_id` refers to: by reference (`x.id`), else by a known id."""
    parts = policy_id.parts if isinstance(policy_id, Text) else (policy_id,)
    for part in parts:
        if isinstance(part, Unknown):
            for policy in policies:
                if part.expression in (f"{policy.address}.id", f"{policy.address}.arn"):
                    return policy
    return None


def _value(value: object, expression: str) -> Value:
    if isinstance(value, (str, Unknown, Text)):
        return value
    if value is None:
        return Unknown(expression, "not set")
    try:
        return to_text(value, expression)
    except Exception:  # noqa: BLE001 - a target that is not text is unknown, never a crash
        return Unknown(expression, "not text")
