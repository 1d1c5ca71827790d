"""What IAM resources are called once deployed: names, ARNs, and what `Ref`/`Fn::GetAtt` return.

Kept apart from the evaluator so that the per-type tables (from the CloudFormation resource
reference, "Return values" of each `AWS::IAM::*` type) are in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from credmint.analyzer.inventory import Text, Unknown, Value, concat

NAME_PROPERTIES = {
    "AWS::IAM::User": "UserName",
    "AWS::IAM::Group": "GroupName",
    "AWS::IAM::Role": "RoleName",
    "AWS::IAM::ManagedPolicy": "ManagedPolicyName",
    "AWS::IAM::SAMLProvider": "Name",
}
"""The property that names each type; without it CloudFormation generates the name."""

ARN_RESOURCE_TYPES = {
    "AWS::IAM::User": "user",
    "AWS::IAM::Group": "group",
    "AWS::IAM::Role": "role",
    "AWS::IAM::ManagedPolicy": "policy",
    "AWS::IAM::SAMLProvider": "saml-provider",
    "AWS::IAM::OIDCProvider": "oidc-provider",
}

_REF_IS_ARN = {"AWS::IAM::ManagedPolicy", "AWS::IAM::OIDCProvider", "AWS::IAM::SAMLProvider"}
"""Types whose `Ref` is the ARN; users, groups and roles return the name."""

_ARN_ATTRIBUTES = {
    "AWS::IAM::User": {"Arn"},
    "AWS::IAM::Group": {"Arn"},
    "AWS::IAM::Role": {"Arn"},
    "AWS::IAM::ManagedPolicy": {"PolicyArn", "Arn"},
    "AWS::IAM::OIDCProvider": {"Arn"},
    "AWS::IAM::SAMLProvider": {"SamlProviderArn", "Arn"},
}


@dataclass(frozen=True, slots=True)
class Identity:
    """An IAM resource of the template as it will exist: its name, path and ARN."""

    logical_id: str
    type: str
    name: Value
    path: Value
    arn: Value

    @property
    def ref(self) -> Value:
        return self.arn if self.type in _REF_IS_ARN else self.name

    def attribute(self, attribute: str) -> Value:
        """`Fn::GetAtt` of this resource: the ARN, or an Unknown naming the attribute."""
        if attribute in _ARN_ATTRIBUTES.get(self.type, ()):
            return self.arn
        return Unknown(f"{self.logical_id}.{attribute}", "attribute known only after deployment")


def generated_name(logical_id: str, stack_name: Value) -> Value:
    """The name CloudFormation gives a resource that names none: `STACK-LogicalId-SUFFIX`.

    The suffix is random, so it stays Unknown; the stack name is known with `--stack-name`.
    (CloudFormation shortens the stack and logical id parts when the whole would be too long
    for the type; that shortening is not modelled.)
    """
    suffix = Unknown(f"{logical_id}.suffix", "random suffix of a name CloudFormation generates",
                     generated=True)
    return concat(stack_name, f"-{logical_id}-", suffix)


def strip_scheme(url: Value) -> Value:
    """An OIDC issuer URL without `https://`, as IAM names the provider."""
    if isinstance(url, str):
        return url.removeprefix("https://")
    if isinstance(url, Text) and isinstance(url.parts[0], str):
        return concat(url.parts[0].removeprefix("https://"), Text(url.parts[1:]))
    return url


def arn(partition: str, account: Value, resource_type: str, path: Value, name: Value) -> Value:
    """`arn:PARTITION:iam::ACCOUNT:TYPE{path}{name}` (DECISIONS.md, Identities)."""
    return concat(f"arn:{partition}:iam::", account, f":{resource_type}", path, name)


def make_identity(
    logical_id: str, resource_type: str, name: Value, path: Value, partition: str, account: Value
) -> Identity:
    kind = ARN_RESOURCE_TYPES[resource_type]
    if resource_type == "AWS::IAM::OIDCProvider":
        path = "/"  # `oidc-provider/{url}`: providers have no path
    resource_arn = arn(partition, account, kind, path, name)
    return Identity(logical_id, resource_type, name, path, resource_arn)
