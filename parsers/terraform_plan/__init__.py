"""Terraform plan JSON (`terraform show -json plan.tfplan`) into an inventory.

The plan is the most exact input before apply: values come from it (planned values, with
`after_unknown` made explicit), data sources read at plan time from `prior_state`, and the HCL
parser's join logic turns them into entities. With the configuration's `.tf` files (`--config-dir`,
or the plan's own folder), unknowns are filled by the HCL parser and every address gets its line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from credmint.analyzer.inventory import (
    Diagnostic,
    DiagnosticLevel,
    InputFile,
    Inventory,
    Role,
    Source,
    render,
)
from credmint.parsers.context import ParseContext
from credmint.parsers.terraform.module import Instance
from credmint.parsers.terraform.resources import read_instances
from credmint.parsers.terraform_plan.configuration import Configuration
from credmint.parsers.terraform_plan.document import PlanFile, load_plan
from credmint.parsers.terraform_plan.objects import MIRRORS, PlanObject, PlanView
from credmint.parsers.terraform_plan.records import PlanResource, planned_resources, state_resources
from credmint.parsers.terraform_plan.references import References
from credmint.parsers.terraform_plan.scps import read_scps
from credmint.parsers.terraform_plan.source_config import (
    SourceConfig,
    config_directory,
    load_source_config,
    plan_variables,
)

__all__ = ["FORMAT", "parse_plan", "parse_plan_prior_state"]

FORMAT = "terraform-plan"

_ACCOUNT_IN_ARN = re.compile(r"^arn:[\w-]+:iam::(\d{12}):")


def parse_plan(path: Path, ctx: ParseContext) -> Inventory:
    """The inventory after apply (planned values); never raises on bad input."""
    return _parse(path, ctx, prior=False)


def parse_plan_prior_state(path: Path, ctx: ParseContext) -> Inventory:
    """The inventory before apply (the plan's `prior_state`): the base of `credmint diff --base
    prior-state`. A state file (`terraform show -json` of a state) reads as its `values`."""
    return _parse(path, ctx, prior=True)


def _parse(path: Path, ctx: ParseContext, *, prior: bool) -> Inventory:
    plan, diagnostics = load_plan(path, ctx)
    inputs = (InputFile(path=ctx.relative(path), format=FORMAT),)
    if plan is None:
        return Inventory(inputs=inputs, diagnostics=tuple(diagnostics))
    try:
        return _read(path, plan, ctx, prior, inputs, diagnostics)
    except RecursionError:
        # Hostile nesting deeper than any real plan: one error, the other inputs still analysed.
        problem = Diagnostic(
            level=DiagnosticLevel.ERROR, file=plan.rel, line=0, message="plan is nested too deeply"
        )
        return Inventory(inputs=inputs, diagnostics=(*diagnostics, problem))


def _read(
    path: Path,
    plan: PlanFile,
    ctx: ParseContext,
    prior: bool,
    inputs: tuple[InputFile, ...],
    diagnostics: list[Diagnostic],
) -> Inventory:
    configuration = Configuration(plan.data.get("configuration"))
    records = _records(plan, configuration, prior)
    ctx = _with_account(ctx, records, plan, diagnostics)
    directory = config_directory(path, ctx)
    source = load_source_config(directory, ctx, plan_variables(plan.data)) if directory else None
    references = References(configuration)
    objects = [
        _object(record, plan, ctx, configuration, source, references, prior=prior)
        for record in records
        if record.mode == "managed"
    ]
    # Data sources answer references too (a policy document read at apply: issue 13 §12).
    data = [
        _object(record, plan, ctx, configuration, source, references, prior=prior)
        for record in records
        if record.mode == "data"
    ]
    references.objects = {o.address: o for o in (*data, *objects)}
    instances = (Instance(o.type, o.address, o) for o in objects)  # type: ignore[arg-type]
    collected = read_instances(instances)
    scps, scp_diagnostics = read_scps(objects, references)
    diagnostics += collected.diagnostics + scp_diagnostics
    if source is not None:
        diagnostics += source.diagnostics
    return Inventory(
        users=tuple(collected.users),
        groups=tuple(collected.groups),
        roles=tuple(_without_mirrored(r) for r in collected.roles),
        policies=tuple(collected.policies),
        providers=tuple(collected.providers),
        scps=tuple(scps),
        inputs=inputs,
        diagnostics=tuple(dict.fromkeys(diagnostics)),
    )


def _records(plan: PlanFile, configuration: Configuration, prior: bool) -> list[PlanResource]:
    if plan.is_state:
        return state_resources(plan, "values")
    if prior:
        return state_resources(plan, "prior_state")

    def reason(address: str, attribute: str) -> str:
        refs = configuration.references(address, attribute) if attribute else ()
        return "known after apply" + (f" (from {', '.join(refs)})" if refs else "")

    return planned_resources(plan, reason)


def _object(
    record: PlanResource,
    plan: PlanFile,
    ctx: ParseContext,
    configuration: Configuration,
    source: SourceConfig | None,
    references: References,
    *,
    prior: bool,
) -> PlanObject:
    # The prior state is all known, and its policies may differ from today's `.tf` statements:
    # only the block lines are borrowed from the configuration, never values or statement lines.
    hcl_values = source.values_of(record.address) if source and not prior else None
    hcl_block = source.block_of(record.address) if source else None

    def configured(name: str) -> bool:
        if hcl_block is not None and hcl_block.view.has(name):
            return True
        return configuration.is_configured(record.address, name) is True

    def is_unset(name: str) -> bool:
        if hcl_block is not None:
            return not hcl_block.view.has(name)
        return configuration.is_configured(record.address, name) is False

    view = PlanView(
        record.values,
        address=record.address,
        source=Source(file=plan.rel, line=record.line),
        hcl_values=hcl_values.view if hcl_values is not None else None,
        hcl_block=hcl_block.view if hcl_block is not None else None,
        configured=configured,
        mirrors=MIRRORS.get(record.type, frozenset()),
        resolve=references.value,
    )
    return PlanObject(record.type, record.address, view, ctx, kind=record.mode, is_unset=is_unset)


def _with_account(
    ctx: ParseContext,
    records: Sequence[PlanResource],
    plan: PlanFile,
    diagnostics: list[Diagnostic],
) -> ParseContext:
    """The deploying account the plan shows (DECISIONS.md, "Terraform plan input")."""
    found = _plan_account(records)
    if found is None:
        return ctx
    account, where = found
    if ctx.account_id is None:
        diagnostics.append(
            Diagnostic(
                level=DiagnosticLevel.INFO,
                file=plan.rel,
                line=0,
                message=f"account {account} taken from {where} (no --account-id given)",
            )
        )
        return replace(ctx, account_id=account)
    if ctx.account_id != account:
        diagnostics.append(
            Diagnostic(
                level=DiagnosticLevel.WARNING,
                file=plan.rel,
                line=0,
                message=f"--account-id {ctx.account_id} differs from account {account} in {where}",
            )
        )
    return ctx


def _plan_account(records: Sequence[PlanResource]) -> tuple[str, str] | None:
    for record in records:
        if record.mode == "data" and record.type == "aws_caller_identity":
            account = record.values.get("account_id")
            if isinstance(account, str) and len(account) == 12 and account.isdigit():
                return account, f"{record.address}.account_id"
    for record in records:
        if record.mode == "managed" and record.type in (
            "aws_iam_user",
            "aws_iam_role",
            "aws_iam_group",
        ):
            match = _ACCOUNT_IN_ARN.match(str(record.values.get("arn", "")))
            if match:
                return match.group(1), f"{record.address}.arn"
    return None


def _without_mirrored(role: Role) -> Role:
    """A role's `managed_policy_arns` and `inline_policy` as the state reports them repeat the
    attachments and role policies read from their own resources: keep one of each."""
    attachments = {}
    for attachment in sorted(role.attachments, key=lambda a: a.address == role.address):
        attachments.setdefault(render(attachment.policy_arn), attachment)
    inline = {}
    for policy in sorted(role.inline_policies, key=lambda p: p.address == role.address):
        inline.setdefault(render(policy.name), policy)
    if len(attachments) == len(role.attachments) and len(inline) == len(role.inline_policies):
        return role
    return replace(
        role,
        attachments=tuple(a for a in role.attachments if a in attachments.values()),
        inline_policies=tuple(p for p in role.inline_policies if p in inline.values()),
    )
