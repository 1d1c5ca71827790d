"""IAM resource instances into inventory entities, joined as AWS joins them: by name.

Memberships, attachments and inline policies written as their own resources name their user, group
or role by name (`role = aws_iam_role.deploy.name` or a literal); they are matched to the entities
by that name. One naming an entity the templates do not define is left out with an INFO diagnostic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional

from credmint.analyzer.inventory import (
    AccessKey,
    Attachment,
    Diagnostic,
    DiagnosticLevel,
    Group,
    IdentityProvider,
    InlinePolicy,
    ManagedPolicy,
    Membership,
    PolicyDocument,
    ProviderKind,
    Role,
    Unknown,
    User,
    Value,
    render,
)
from credmint.parsers.terraform import attributes
from credmint.parsers.terraform.blocks import BlockView
from credmint.parsers.terraform.module import Instance
from credmint.parsers.terraform.policy_document import read_policy
from credmint.parsers.terraform.values import EvalError, to_text


MAX_SAME_NAME = 10
"""Entities one membership, attachment or inline policy is joined to when names collide."""


@dataclass
class _Entity:
    """An entity being assembled: its fixed fields and the parts joined to it later."""

    kind: str
    fields: dict
    groups: list[Membership] = field(default_factory=list)
    access_keys: list[AccessKey] = field(default_factory=list)
    inline: list[InlinePolicy] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


@dataclass
class Collected:
    users: list[User] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    roles: list[Role] = field(default_factory=list)
    policies: list[ManagedPolicy] = field(default_factory=list)
    providers: list[IdentityProvider] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)


class _Reader:
    def __init__(self) -> None:
        self.entities: list[_Entity] = []
        self.by_name: dict[tuple[str, Value, Value], list[_Entity]] = {}
        self.duplicates: set[tuple[str, Value, Value]] = set()
        self.joins: list[Instance] = []
        self.out = Collected()

    def policy(self, view: BlockView, argument: str, address: str) -> Optional[PolicyDocument]:
        if not view.has(argument):
            return None
        if view.get(argument) is None:
            source = view.source_of(argument)
            self.out.diagnostics.append(Diagnostic(
                level=DiagnosticLevel.WARNING, message=f"{address}: {argument} is null",
                file=source.file, line=source.line,
            ))
            return None
        document, problems = read_policy(
            view.get(argument),
            source=view.source_of(argument),
            address=address,
            first_line=view.literal_line(argument),
        )
        self.out.diagnostics.extend(problems)
        return document

    def add(self, kind: str, name: Value, fields: dict) -> _Entity:
        entity = _Entity(kind, fields)
        self.entities.append(entity)
        self.by_name.setdefault((kind, fields["account"], name), []).append(entity)
        return entity

    def targets(self, kind: str, name: object, instance: Instance) -> list[_Entity]:
        """The entities of a kind with this name in the account the join resource deploys into.

        None found is an INFO diagnostic. AWS allows one per account; several (an invalid template,
        or one module instance too many) are a warning and only the first few are joined."""
        key = _value(name, f"{instance.address}.{kind}")
        lookup = (kind, instance.object.ctx.account, key)
        found = self.by_name.get(lookup, [])
        if len(found) > 1 and lookup not in self.duplicates:
            self.duplicates.add(lookup)
            source = found[1].fields["source"]
            self.out.diagnostics.append(Diagnostic(
                level=DiagnosticLevel.WARNING,
                message=f"{len(found)} {kind}s are named {render(key)} in one account; AWS allows one",
                file=source.file, line=source.line,
            ))
        if not found:
            source = instance.object.view.source
            self.out.diagnostics.append(
                Diagnostic(
                    level=DiagnosticLevel.INFO,
                    message=(
                        f"{instance.address}: {kind} {render(key)} is not defined in the analysed "
                        "templates; not recorded"
                    ),
                    file=source.file,
                    line=source.line,
                )
            )
        return found[:MAX_SAME_NAME]


def _value(value: object, expression: str) -> Value:
    if value is None:
        return Unknown(expression, "not set")
    try:
        text = to_text(value, expression)
    except EvalError:
        return Unknown(expression, "not a string")
    return text  # type: ignore[return-value]


def _values(value: object, expression: str) -> list[Value]:
    """A list argument's elements; a list not known before apply is one unknown element."""
    if value is None:
        return []
    if isinstance(value, list):
        return [_value(v, f"{expression}[{i}]") for i, v in enumerate(value)]
    return [_value(value, expression)]


def read_instances(instances: Iterable[Instance]) -> Collected:
    """Entities of every IAM resource instance, with their memberships, policies and attachments."""
    reader = _Reader()
    for instance in instances:
        entity_reader = _ENTITIES.get(instance.type)
        if entity_reader is not None:
            entity_reader(reader, instance)
        elif instance.type in _JOINS:
            reader.joins.append(instance)
    for instance in reader.joins:
        _JOINS[instance.type](reader, instance)
    for entity in reader.entities:
        _finish(reader.out, entity)
    return reader.out


def _common(instance: Instance) -> dict:
    obj = instance.object
    return {
        "source": obj.view.source,
        "address": instance.address,
        "account": obj.ctx.account,
    }


def _path(instance: Instance) -> str:
    return render(attributes.iam_path(instance.object))


def _boundary(instance: Instance) -> Optional[Attachment]:
    view = instance.object.view
    if view.get("permissions_boundary") in (None, ""):
        return None  # the AWS provider reads an empty boundary as none (modules default it to "")
    return Attachment(
        policy_arn=_value(view.get("permissions_boundary"), f"{instance.address}.permissions_boundary"),
        source=view.source_of("permissions_boundary"),
        address=instance.address,
    )


def _user(reader: _Reader, instance: Instance) -> None:
    obj = instance.object
    name = attributes.iam_name(obj)
    reader.add("user", name, {
        **_common(instance), "name": name, "arn": obj.attr("arn"), "path": _path(instance),
        "permissions_boundary": _boundary(instance),
    })


def _group(reader: _Reader, instance: Instance) -> None:
    obj = instance.object
    name = attributes.iam_name(obj)
    reader.add("group", name, {
        **_common(instance), "name": name, "arn": obj.attr("arn"), "path": _path(instance),
    })


def _role(reader: _Reader, instance: Instance) -> None:
    obj, view = instance.object, instance.object.view
    name = attributes.iam_name(obj)
    entity = reader.add("role", name, {
        **_common(instance), "name": name, "arn": obj.attr("arn"), "path": _path(instance),
        "permissions_boundary": _boundary(instance),
        "trust_policy": reader.policy(view, "assume_role_policy", instance.address),
    })
    for block in view.blocks("inline_policy"):
        document = reader.policy(block, "policy", instance.address)
        if document is not None:
            entity.inline.append(InlinePolicy(
                name=_value(block.get("name"), f"{instance.address}.inline_policy.name"),
                document=document, source=block.source, address=instance.address,
            ))
    arns = view.get("managed_policy_arns")
    for arn in _values(arns, f"{instance.address}.managed_policy_arns"):
        entity.attachments.append(Attachment(
            policy_arn=arn, source=view.source_of("managed_policy_arns"), address=instance.address,
        ))


def _managed_policy(reader: _Reader, instance: Instance) -> None:
    obj, view = instance.object, instance.object.view
    document = reader.policy(view, "policy", instance.address)
    reader.out.policies.append(ManagedPolicy(
        name=attributes.iam_name(obj), arn=obj.attr("arn"), path=_path(instance),
        document=document or PolicyDocument(source=view.source, address=instance.address),
        source=view.source, address=instance.address,
    ))


def _provider(reader: _Reader, instance: Instance) -> None:
    obj, view = instance.object, instance.object.view
    is_saml = instance.type == "aws_iam_saml_provider"
    reader.out.providers.append(IdentityProvider(
        kind=ProviderKind.SAML if is_saml else ProviderKind.OIDC,
        arn=attributes.provider_arn(obj),
        url=None if is_saml else attributes.oidc_url(obj),
        client_ids=tuple(_values(view.get("client_id_list"), f"{instance.address}.client_id_list")),
        source=view.source, address=instance.address,
    ))


def _inline_policy(reader: _Reader, instance: Instance) -> None:
    """`aws_iam_role_policy` and friends: an inline policy of the entity they name."""
    kind = instance.type.split("_")[2]
    obj, view = instance.object, instance.object.view
    document = reader.policy(view, "policy", instance.address)
    if document is None:
        return
    policy = InlinePolicy(
        name=attributes.iam_name(obj), document=document, source=view.source, address=instance.address
    )
    for entity in reader.targets(kind, view.get(kind), instance):
        entity.inline.append(policy)


def _attachment(reader: _Reader, instance: Instance) -> None:
    """`aws_iam_role_policy_attachment` and friends: a managed policy attached by ARN."""
    kind = instance.type.split("_")[2]
    view = instance.object.view
    attachment = Attachment(
        policy_arn=_value(view.get("policy_arn"), f"{instance.address}.policy_arn"),
        source=view.source, address=instance.address,
    )
    for entity in reader.targets(kind, view.get(kind), instance):
        entity.attachments.append(attachment)


def _exclusive_attachment(reader: _Reader, instance: Instance) -> None:
    """`aws_iam_policy_attachment`: one policy to lists of users, roles and groups."""
    view = instance.object.view
    attachment = Attachment(
        policy_arn=_value(view.get("policy_arn"), f"{instance.address}.policy_arn"),
        source=view.source, address=instance.address,
    )
    for kind in ("user", "role", "group"):
        for name in _values(view.get(kind + "s"), f"{instance.address}.{kind}s"):
            for entity in reader.targets(kind, name, instance):
                entity.attachments.append(attachment)


def _group_membership(reader: _Reader, instance: Instance) -> None:
    """`aws_iam_group_membership`: one group, a list of users."""
    view = instance.object.view
    group = _value(view.get("group"), f"{instance.address}.group")
    membership = Membership(group=group, source=view.source, address=instance.address)
    for name in _values(view.get("users"), f"{instance.address}.users"):
        for entity in reader.targets("user", name, instance):
            entity.groups.append(membership)


def _user_group_membership(reader: _Reader, instance: Instance) -> None:
    """`aws_iam_user_group_membership`: one user, a list of groups."""
    view = instance.object.view
    users = reader.targets("user", view.get("user"), instance)
    for group in _values(view.get("groups"), f"{instance.address}.groups"):
        membership = Membership(group=group, source=view.source, address=instance.address)
        for entity in users:
            entity.groups.append(membership)


def _access_key(reader: _Reader, instance: Instance) -> None:
    """`aws_iam_access_key`: a long-term key of the user it names (status `Active` by default)."""
    view = instance.object.view
    status = view.get("status") if view.has("status") else "Active"
    key = AccessKey(status=_value(status, f"{instance.address}.status"), source=view.source,
                    address=instance.address)
    for entity in reader.targets("user", view.get("user"), instance):
        entity.access_keys.append(key)


def _finish(out: Collected, entity: _Entity) -> None:
    fields = dict(entity.fields)
    if entity.kind == "user":
        out.users.append(User(**fields, groups=tuple(entity.groups), inline_policies=tuple(entity.inline),
                              attachments=tuple(entity.attachments), access_keys=tuple(entity.access_keys)))
    elif entity.kind == "group":
        out.groups.append(Group(**fields, inline_policies=tuple(entity.inline),
                                attachments=tuple(entity.attachments)))
    else:
        out.roles.append(Role(**fields, inline_policies=tuple(entity.inline),
                              attachments=tuple(entity.attachments)))


_ENTITIES = {
    "aws_iam_user": _user,
    "aws_iam_group": _group,
    "aws_iam_role": _role,
    "aws_iam_policy": _managed_policy,
    "aws_iam_openid_connect_provider": _provider,
    "aws_iam_saml_provider": _provider,
}

_JOINS = {
    "aws_iam_role_policy": _inline_policy,
    "aws_iam_user_policy": _inline_policy,
    "aws_iam_group_policy": _inline_policy,
    "aws_iam_role_policy_attachment": _attachment,
    "aws_iam_user_policy_attachment": _attachment,
    "aws_iam_group_policy_attachment": _attachment,
    "aws_iam_policy_attachment": _exclusive_attachment,
    "aws_iam_group_membership": _group_membership,
    "aws_iam_user_group_membership": _user_group_membership,
    "aws_iam_access_key": _access_key,
}
