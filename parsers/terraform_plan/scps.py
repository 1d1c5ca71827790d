"""Organisation policies in a plan: `aws_organizations_policy` documents of type
SERVICE_CONTROL_POLICY and the targets `aws_organizations_policy_attachment` gives them.

An attachment names its policy by `policy_id`, unknown in the plan of a new policy; it is then
matched by the reference it is written with (`aws_organizations_policy.x.id`). An attachment whose
policy cannot be told is left out with a note: an SCP only ever removes grants, so leaving it out
can over-report but never hides a path (DECISIONS.md, "Service control policies").
"""

from __future__ import annotations

from collections.abc import Sequence

from credmint.analyzer.inventory import (
    Diagnostic,
    DiagnosticLevel,
    PolicyDocument,
    ServiceControlPolicy,
    Unknown,
    Value,
)
from credmint.parsers.terraform import attributes
from credmint.parsers.terraform.policy_document import read_policy
from credmint.parsers.terraform_plan.objects import PlanObject
from credmint.parsers.terraform_plan.references import References

POLICY = "aws_organizations_policy"
ATTACHMENT = "aws_organizations_policy_attachment"
SCP_TYPE = "SERVICE_CONTROL_POLICY"


def read_scps(
    objects: Sequence[PlanObject], references: References
) -> tuple[list[ServiceControlPolicy], list[Diagnostic]]:
    """The SCPs among the objects, each with the targets attached to it."""
    diagnostics: list[Diagnostic] = []
    policies = [o for o in objects if o.type == POLICY and _is_scp(o)]
    targets: dict[str, list[Value]] = {o.address: [] for o in policies}
    for attachment in (o for o in objects if o.type == ATTACHMENT):
        policy = _policy_of(attachment, policies, references)
        if policy is None:
            source = attachment.view.source
            diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.INFO,
                    message=f"{attachment.address}: its policy is not an SCP of the analysed "
                    "templates; not recorded",
                    file=source.file,
                    line=source.line,
                )
            )
            continue
        targets[policy.address].append(
            _text(attachment.view.get("target_id"), f"{attachment.address}.target_id")
        )
    result = []
    for obj in policies:
        view = obj.view
        document: PolicyDocument | None = None
        if view.has("content"):
            document, problems = read_policy(
                view.get("content"),
                source=view.source_of("content"),
                address=obj.address,
                first_line=view.literal_line("content"),
            )
            diagnostics.extend(problems)
        result.append(
            ServiceControlPolicy(
                name=attributes.iam_name(obj),  # type: ignore[arg-type]
                document=document or PolicyDocument(source=view.source, address=obj.address),
                source=view.source,
                address=obj.address,
                targets=tuple(targets[obj.address]),
                account=obj.ctx.account,
            )
        )
    return result, diagnostics


def _is_scp(obj: PlanObject) -> bool:
    kind = obj.view.get("type")
    return kind is None or kind == SCP_TYPE or isinstance(kind, Unknown)


def _policy_of(
    attachment: PlanObject, policies: Sequence[PlanObject], references: References
) -> PlanObject | None:
    """The policy whose known `id` the attachment names, else the one its expression refers to."""
    policy_id = attachment.view.get("policy_id")
    if isinstance(policy_id, str):
        return next((p for p in policies if p.view.get("id") == policy_id), None)
    target = references.target(attachment.address, "policy_id")
    if target is None and isinstance(policy_id, Unknown) and policy_id.expression.endswith(".id"):
        target = (policy_id.expression[: -len(".id")], "id")  # the HCL parser names the reference
    if target is None:
        return None
    return next((p for p in policies if p.address == target[0]), None)


def _text(value: object, expression: str) -> Value:
    if isinstance(value, (str, Unknown)):
        return value
    return Unknown(expression, "not set" if value is None else "not a string")
