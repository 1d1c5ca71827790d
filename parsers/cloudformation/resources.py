"""Turn a template's `AWS::IAM::*` resources into inventory entities.

Principals (users, groups, roles), managed policies and providers are read first; then the
resources that attach to them (`AWS::IAM::Policy`, `ManagedPolicy` lists, `*Policy`,
`UserToGroupAddition`) are applied to the principals they name. Every entity's `source` is the
line of its logical id and its `address` the logical id.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from credmint.analyzer.inventory import (
    AccessKey,
    Attachment,
    Diagnostic,
    DiagnosticLevel,
    Group,
    IdentityProvider,
    InlinePolicy,
    Inventory,
    ManagedPolicy,
    Membership,
    PolicyDocument,
    ProviderKind,
    Role,
    ServiceControlPolicy,
    Source,
    Unknown,
    User,
    Value,
    render,
)
from credmint.parsers.cloudformation.branches import alternatives, merged
from credmint.parsers.cloudformation.documents import read_document
from credmint.parsers.cloudformation.functions import NO_VALUE, describe, is_scalar
from credmint.parsers.cloudformation.intrinsics import Evaluator
from credmint.parsers.cloudformation.nodes import CfnList, CfnMap, line_of, type_of

PRINCIPAL_TYPES = {"AWS::IAM::User": "user", "AWS::IAM::Group": "group", "AWS::IAM::Role": "role"}
_ATTACHING_TYPES = {
    "AWS::IAM::Policy",
    "AWS::IAM::ManagedPolicy",
    "AWS::IAM::UserToGroupAddition",
    "AWS::IAM::RolePolicy",
    "AWS::IAM::UserPolicy",
    "AWS::IAM::GroupPolicy",
    "AWS::IAM::AccessKey",
}
_IAM_TYPES = {*PRINCIPAL_TYPES, *_ATTACHING_TYPES, "AWS::IAM::OIDCProvider",
              "AWS::IAM::SAMLProvider", "AWS::Organizations::Policy"}
_TARGET_LISTS = (("Users", "user"), ("Groups", "group"), ("Roles", "role"))
_SINGLE_TARGETS = {
    "AWS::IAM::RolePolicy": ("RoleName", "role"),
    "AWS::IAM::UserPolicy": ("UserName", "user"),
    "AWS::IAM::GroupPolicy": ("GroupName", "group"),
}


@dataclass
class _Draft:
    """A principal being assembled; frozen entities are made from it at the end."""

    kind: str
    fields: dict[str, Any]
    groups: list[Membership] = field(default_factory=list)
    inline_policies: list[InlinePolicy] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    access_keys: list[AccessKey] = field(default_factory=list)


class InventoryBuilder:
    """Reads the IAM resources of one template, evaluated by one `Evaluator`."""

    def __init__(self, evaluator: Evaluator, file: str, prefix: str = "",
                 gate: tuple[Unknown, ...] = ()) -> None:
        """`prefix` goes before logical ids in addresses (`Nested.Role` in a nested stack);
        `gate` is the unknown condition a whole nested stack exists under."""
        self.evaluator = evaluator
        self.file = file
        self.prefix = prefix
        self.gate = gate
        self.construct_paths: dict[str, str] = {}
        self.diagnostics: list[Diagnostic] = []
        self.drafts: dict[str, _Draft] = {}
        self.policies: list[ManagedPolicy] = []
        self.providers: list[IdentityProvider] = []
        self.scps: list[ServiceControlPolicy] = []
        self.gates: dict[str, tuple[Unknown, ...]] = {}
        """Resources that exist only under a condition unknown before deployment."""

    def build(self, resources: Mapping[str, Any]) -> Inventory:
        items = [(logical_id, r) for logical_id, r in resources.items()
                 if self._is_resource(logical_id, r, resources)
                 and self._exists(logical_id, r, resources)]
        for logical_id, resource in items:
            metadata = resource.get("Metadata")
            path = metadata.get("aws:cdk:path") if isinstance(metadata, Mapping) else None
            if isinstance(path, str):
                self.construct_paths[logical_id] = path
            self._read_entity(logical_id, resource, resources)
        for logical_id, resource in items:
            if type_of(resource) in _ATTACHING_TYPES:
                self._read_attaching(logical_id, resource, resources)
        return Inventory(
            users=tuple(self._finish(d, User) for d in self.drafts.values() if d.kind == "user"),
            groups=tuple(self._finish(d, Group) for d in self.drafts.values() if d.kind == "group"),
            roles=tuple(self._finish(d, Role) for d in self.drafts.values() if d.kind == "role"),
            policies=tuple(self.policies),
            providers=tuple(self.providers),
            scps=tuple(self.scps),
            diagnostics=tuple(self.evaluator.diagnostics + self.diagnostics),
        )

    def _is_resource(self, logical_id: str, resource: object, resources: Mapping) -> bool:
        if type_of(resource):
            return True
        # An unknown tag (`Type: !Rain::Module ...`) was warned of once, while loading.
        if not (isinstance(resource, Mapping) and isinstance(resource.get("Type"), Unknown)):
            self.warn(_line_in(resources, logical_id), f"{logical_id} has no resource Type "
                      "(a module or a loop this tool does not expand); not analysed")
        return False

    def _exists(self, logical_id: str, resource: Mapping, resources: Mapping) -> bool:
        """False for a resource whose `Condition` is false; notes one that is unknown."""
        if "Condition" not in resource:
            return True
        truth = self.evaluator.truth(resource["Condition"], resource)
        if isinstance(truth, bool):
            return truth
        self.gates[logical_id] = (truth,)
        if type_of(resource) in _IAM_TYPES:
            self.diagnostics.append(Diagnostic(
                level=DiagnosticLevel.INFO, file=self.file, line=_line_in(resources, logical_id),
                message=f"{logical_id} exists only when {truth} holds, which is unknown before "
                        "deployment: what its statements grant is uncertain"))
        return True

    # -- helpers --------------------------------------------------------------------------

    def source(self, line: int) -> Source:
        return Source(file=self.file, line=line)

    def properties(self, resource: Mapping) -> CfnMap:
        evaluated = self.evaluator.evaluate(resource.get("Properties", CfnMap(line_of(resource))))
        if not isinstance(evaluated, CfnMap):
            evaluated, _ = merged(evaluated, NO_VALUE)  # `Properties: !If [...]`
        return evaluated if isinstance(evaluated, CfnMap) else CfnMap(line_of(resource))

    def warn(self, line: int, message: str) -> None:
        self.diagnostics.append(
            Diagnostic(level=DiagnosticLevel.WARNING, message=message, file=self.file, line=line)
        )

    def address(self, logical_id: str) -> str:
        return self.prefix + logical_id

    def document(self, raw: Any, line: int, logical_id: str) -> PolicyDocument:
        """A policy document property, gated by its resource's unknown condition if any."""
        document, problems = read_document(raw, self.source(line), self.address(logical_id),
                                           (*self.gates.get(logical_id, ()), *self.gate))
        self.diagnostics.extend(problems)
        return document

    def scalars(self, properties: CfnMap, key: str) -> list[tuple[Value, int]]:
        """A list property's string items with their lines (a wholly unknown list is one item)."""
        value = properties.get(key)
        if value is None:
            return []
        value, _ = merged(value, NO_VALUE)  # every item either branch of an `Fn::If` may give
        if not isinstance(value, list):
            return [(value if is_scalar(value) else Unknown(describe(value), "not a string"),
                     properties.line_of(key))]
        lines = value if isinstance(value, CfnList) else CfnList(properties.line_of(key))
        return [
            (item if is_scalar(item) else Unknown(describe(item), "not a single string"),
             lines.line_at(index))
            for index, item in enumerate(value)
        ]

    # -- entities -------------------------------------------------------------------------

    def _read_entity(self, logical_id: str, resource: Mapping, resources: Mapping) -> None:
        resource_type = type_of(resource)
        line = _line_in(resources, logical_id)
        if resource_type == "AWS::Organizations::Policy":
            self._read_scp(logical_id, resource, line)
            return
        identity = self.evaluator.identity(logical_id)
        if identity is None:
            return
        if resource_type in PRINCIPAL_TYPES:
            self._read_principal(logical_id, resource, line)
        elif resource_type == "AWS::IAM::ManagedPolicy":
            properties = self.properties(resource)
            self.policies.append(ManagedPolicy(
                name=identity.name, arn=identity.arn, path=render(identity.path),
                document=self.document(properties.get("PolicyDocument"),
                                       properties.line_of("PolicyDocument"), logical_id),
                source=self.source(line), address=self.address(logical_id),
                construct_path=self.construct_paths.get(logical_id),
            ))
        elif resource_type == "AWS::IAM::OIDCProvider":
            properties = self.properties(resource)
            self.providers.append(IdentityProvider(
                kind=ProviderKind.OIDC, arn=identity.arn, url=identity.name,
                client_ids=tuple(v for v, _ in self.scalars(properties, "ClientIdList")),
                source=self.source(line), address=self.address(logical_id),
                construct_path=self.construct_paths.get(logical_id),
            ))
        elif resource_type == "AWS::IAM::SAMLProvider":
            self.providers.append(IdentityProvider(
                kind=ProviderKind.SAML, arn=identity.arn, source=self.source(line),
                address=self.address(logical_id),
                construct_path=self.construct_paths.get(logical_id),
            ))

    def _read_scp(self, logical_id: str, resource: Mapping, line: int) -> None:
        """An organisation policy of type SERVICE_CONTROL_POLICY and the targets it names."""
        properties = self.properties(resource)
        if properties.get("Type") != "SERVICE_CONTROL_POLICY":
            return
        self.scps.append(ServiceControlPolicy(
            name=self.evaluator.scalar(properties.get("Name")) or logical_id,
            document=self.document(properties.get("Content"), properties.line_of("Content"),
                                   logical_id),
            targets=tuple(value for value, _ in self.scalars(properties, "TargetIds")),
            account=self.evaluator.account, source=self.source(line),
            address=self.address(logical_id),
        ))

    def _read_principal(self, logical_id: str, resource: Mapping, line: int) -> None:
        identity = self.evaluator.identity(logical_id)
        assert identity is not None
        kind = PRINCIPAL_TYPES[identity.type]
        properties = self.properties(resource)
        address = self.address(logical_id)
        fields: dict[str, Any] = {
            "name": identity.name, "arn": identity.arn, "path": render(identity.path),
            "account": self.evaluator.account, "source": self.source(line), "address": address,
            "construct_path": self.construct_paths.get(logical_id),
        }
        if kind == "role":
            trust = properties.get("AssumeRolePolicyDocument")
            fields["trust_policy"] = None if trust is None else self.document(
                trust, properties.line_of("AssumeRolePolicyDocument"), logical_id)
        if kind != "group" and properties.get("PermissionsBoundary") is not None:
            fields["permissions_boundary"] = Attachment(
                policy_arn=self.evaluator.scalar(properties["PermissionsBoundary"]) or "",
                source=self.source(properties.line_of("PermissionsBoundary")), address=address,
            )
        draft = _Draft(kind, fields)
        for group, group_line in self.scalars(properties, "Groups") if kind == "user" else []:
            draft.groups.append(
                Membership(group=group, source=self.source(group_line), address=address))
        for arn, arn_line in self.scalars(properties, "ManagedPolicyArns"):
            draft.attachments.append(
                Attachment(policy_arn=arn, source=self.source(arn_line), address=address))
        draft.inline_policies.extend(self._embedded_policies(properties, logical_id))
        self.drafts[logical_id] = draft

    def _embedded_policies(self, properties: CfnMap, logical_id: str) -> list[InlinePolicy]:
        result = []
        for policies, tags in alternatives(properties.get("Policies", []), NO_VALUE):
            for index, policy in enumerate(policies if isinstance(policies, list) else []):
                line = policies.line_at(index) if isinstance(policies, CfnList) else 0
                if not isinstance(policy, CfnMap):
                    self.warn(line, f"{logical_id}: Policies item is not a mapping; ignored")
                    continue
                document = self.document(policy.get("PolicyDocument"),
                                         policy.line_of("PolicyDocument"), logical_id)
                if tags:  # the whole policy is chosen by `Fn::If` on an unknown condition
                    document = replace(document, statements=tuple(
                        replace(s, unknown=tags[0]) for s in document.statements))
                inline = InlinePolicy(
                    name=self.evaluator.scalar(policy.get("PolicyName")) or "",
                    document=document, source=self.source(policy.line or line),
                    address=self.address(logical_id),
                )
                if inline not in result:
                    result.append(inline)
        return result

    # -- resources that attach to principals ----------------------------------------------

    def _read_attaching(self, logical_id: str, resource: Mapping, resources: Mapping) -> None:
        resource_type = type_of(resource)
        line = _line_in(resources, logical_id)
        source = self.source(line)
        address = self.address(logical_id)
        properties = self.properties(resource)
        if resource_type == "AWS::IAM::UserToGroupAddition":
            group = self.evaluator.scalar(properties.get("GroupName")) or ""
            for user, _ in self.scalars(properties, "Users"):
                for draft in self._targets("user", user, logical_id, line):
                    draft.groups.append(Membership(group=group, source=source, address=address))
            return
        if resource_type == "AWS::IAM::AccessKey":
            status = self.evaluator.scalar(properties.get("Status")) or "Active"
            key = AccessKey(status=status, source=source, address=address)
            name = self.evaluator.scalar(properties.get("UserName")) or ""
            for draft in self._targets("user", name, logical_id, line):
                draft.access_keys.append(key)
            return
        if resource_type == "AWS::IAM::ManagedPolicy":
            identity = self.evaluator.identity(logical_id)
            assert identity is not None
            for draft in self._listed_targets(properties, logical_id, line):
                draft.attachments.append(
                    Attachment(policy_arn=identity.arn, source=source, address=address))
            return
        policy = InlinePolicy(
            name=self.evaluator.scalar(properties.get("PolicyName")) or "",
            document=self.document(properties.get("PolicyDocument"),
                                   properties.line_of("PolicyDocument"), logical_id),
            source=source, address=address, construct_path=self.construct_paths.get(logical_id),
        )
        if resource_type in _SINGLE_TARGETS:
            key, kind = _SINGLE_TARGETS[resource_type]
            name = self.evaluator.scalar(properties.get(key)) or ""
            drafts = self._targets(kind, name, logical_id, line)
        else:
            drafts = self._listed_targets(properties, logical_id, line)
        for draft in drafts:
            draft.inline_policies.append(policy)

    def _listed_targets(self, properties: CfnMap, logical_id: str, line: int) -> list[_Draft]:
        return [
            draft
            for key, kind in _TARGET_LISTS
            for name, _ in self.scalars(properties, key)
            for draft in self._targets(kind, name, logical_id, line)
        ]

    def _targets(self, kind: str, name: Value, logical_id: str, line: int) -> list[_Draft]:
        """The principals of this template a resource names; an INFO when it names none."""
        drafts = [d for d in self.drafts.values() if d.kind == kind and d.fields["name"] == name]
        if not drafts:  # as the Terraform parser says it: an INFO, the entity is elsewhere
            self.diagnostics.append(Diagnostic(
                level=DiagnosticLevel.INFO, file=self.file, line=line,
                message=f"{self.address(logical_id)}: {kind} {render(name)} is not defined in "
                        "the analysed template; not recorded"))
        return drafts

    def _finish(self, draft: _Draft, entity: type) -> Any:
        extra: dict[str, Any] = {
            "inline_policies": tuple(draft.inline_policies),
            "attachments": tuple(draft.attachments),
        }
        if draft.kind == "user":
            extra["groups"] = tuple(draft.groups)
            extra["access_keys"] = tuple(draft.access_keys)
        return entity(**draft.fields, **extra)


def _line_in(resources: Mapping, logical_id: str) -> int:
    return resources.line_of(logical_id) if isinstance(resources, CfnMap) else 0
