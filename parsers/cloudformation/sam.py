"""The execution roles the SAM transform adds for `AWS::Serverless::Function` and `StateMachine`.

A SAM template (`Transform: AWS::Serverless-2016-10-31`) deploys roles it never writes down:
a function or state machine without `Role` gets an `AWS::IAM::Role` named `{LogicalId}Role`,
trusted by its service, holding the `Policies` given (issue 4 §4). This module writes those roles
into the template before evaluation, as the transform would, so that `Ref`/`Fn::GetAtt` on them
and every later step treat them like any other role. Generated parts take the line of the
function's logical id; parts the author wrote keep their own lines.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from credmint.analyzer.inventory import Unknown
from credmint.parsers.cloudformation.nodes import CfnList, CfnMap, line_of, type_of

_SERVICES = {
    "AWS::Serverless::Function": "lambda.amazonaws.com",
    "AWS::Serverless::StateMachine": "states.amazonaws.com",
}
_GLOBAL_KEYS = ("AssumeRolePolicyDocument", "PermissionsBoundary", "RolePath", "Tracing",
                "VpcConfig", "DurableConfig")
"""Function properties that `Globals` may set and that shape the generated role."""
_XRAY = "AWSXrayWriteOnlyAccess"
_CODEDEPLOY_ROLE = "CodeDeployServiceRole"

POLICY_TEMPLATES = frozenset({
    "AMIDescribePolicy", "AWSSecretsManagerGetSecretValuePolicy", "AWSSecretsManagerRotationPolicy",
    "AcmGetCertificatePolicy", "AthenaQueryPolicy", "CloudFormationDescribeStacksPolicy",
    "CloudWatchDashboardPolicy", "CloudWatchDescribeAlarmHistoryPolicy",
    "CloudWatchPutMetricPolicy", "CodeCommitCrudPolicy", "CodeCommitReadPolicy",
    "CodePipelineLambdaExecutionPolicy", "CodePipelineReadOnlyPolicy",
    "ComprehendBasicAccessPolicy", "CostExplorerReadOnlyPolicy", "DynamoDBBackupFullAccessPolicy",
    "DynamoDBCrudPolicy", "DynamoDBReadPolicy", "DynamoDBReconfigurePolicy",
    "DynamoDBRestoreFromBackupPolicy", "DynamoDBStreamReadPolicy", "DynamoDBWritePolicy",
    "EC2CopyImagePolicy", "EC2DescribePolicy", "EFSWriteAccessPolicy", "EKSDescribePolicy",
    "EcsRunTaskPolicy", "ElasticMapReduceAddJobFlowStepsPolicy",
    "ElasticMapReduceCancelStepsPolicy", "ElasticMapReduceModifyInstanceFleetPolicy",
    "ElasticMapReduceModifyInstanceGroupsPolicy", "ElasticMapReduceSetTerminationProtectionPolicy",
    "ElasticMapReduceTerminateJobFlowsPolicy", "ElasticsearchHttpPostPolicy",
    "EventBridgePutEventsPolicy", "FilterLogEventsPolicy", "FirehoseCrudPolicy",
    "FirehoseWritePolicy", "KMSDecryptPolicy", "KMSEncryptPolicy", "KMSEncryptPolicy_v2",
    "KinesisCrudPolicy", "KinesisStreamReadPolicy", "LambdaInvokePolicy",
    "MobileAnalyticsWriteOnlyAccessPolicy", "OrganizationsListAccountsPolicy",
    "PinpointEndpointAccessPolicy", "PollyFullAccessPolicy", "RekognitionDetectOnlyPolicy",
    "RekognitionFacesManagementPolicy", "RekognitionFacesPolicy", "RekognitionLabelsPolicy",
    "RekognitionNoDataAccessPolicy", "RekognitionReadPolicy", "RekognitionWriteOnlyAccessPolicy",
    "Route53ChangeResourceRecordSetsPolicy", "S3CrudPolicy", "S3FullAccessPolicy", "S3ReadPolicy",
    "S3WritePolicy", "SESBulkTemplatedCrudPolicy", "SESBulkTemplatedCrudPolicy_v2", "SESCrudPolicy",
    "SESEmailTemplateCrudPolicy", "SESSendBouncePolicy", "SNSCrudPolicy", "SNSPublishMessagePolicy",
    "SQSPollerPolicy", "SQSSendMessagePolicy", "SSMParameterReadPolicy",
    "SSMParameterWithSlashPrefixReadPolicy", "SageMakerCreateEndpointConfigPolicy",
    "SageMakerCreateEndpointPolicy", "ServerlessRepoReadWriteAccessPolicy",
    "StepFunctionsCallbackPolicy", "StepFunctionsExecutionPolicy",
    "StepFunctionsExecutionPolicy_v2", "TextractDetectAnalyzePolicy", "TextractGetResultPolicy",
    "TextractPolicy", "VPCAccessPolicy",
})
"""SAM's policy templates (aws-sam-translator 1.110). None has an `sts:`, `iam:` or `*` action
or a NotAction, so each is read as a policy granting nothing this tool reports; a name not in
this list is a policy whose content is unknown."""


PolicyArns = Callable[[str], "str | None"]
"""The ARN of the AWS managed policy of a name (`ParseContext.managed_policy_arn`)."""


def with_sam_roles(template: Mapping, policy_arns: PolicyArns = lambda name: None) -> Mapping:
    """`template` with the roles SAM would generate added after their functions.

    Applied whether or not `Transform` names SAM: `AWS::Serverless::*` types deploy only
    through it (and SAM's own test inputs leave the line out). `policy_arns` resolves the
    managed policy names `Policies` lists, as the transform does.
    """
    resources = template.get("Resources")
    if not isinstance(resources, CfnMap) or not any(
        type_of(r) in _SERVICES for r in resources.values()
    ):
        return template
    globals_ = _mapping(_mapping(template.get("Globals")).get("Function"))
    conditions = template.get("Conditions")
    conditions = (conditions.derive(conditions.items()) if isinstance(conditions, CfnMap)
                  else CfnMap())
    expanded = resources.derive(())
    for logical_id, resource in resources.items():
        expanded[logical_id] = resource
        expanded.key_lines[logical_id] = resources.line_of(logical_id)
        role_id = f"{logical_id}Role"
        if type_of(resource) not in _SERVICES or role_id in resources:
            continue
        role = _role(logical_id, resource, globals_, resources.line_of(logical_id), conditions,
                     policy_arns)
        if role is not None:
            expanded[role_id] = role
            expanded.key_lines[role_id] = resources.line_of(logical_id)
    deploying = _first_deployment_preference(resources, globals_)
    if deploying is not None and _CODEDEPLOY_ROLE not in expanded:
        expanded[_CODEDEPLOY_ROLE] = _codedeploy_role(deploying)
        expanded.key_lines[_CODEDEPLOY_ROLE] = deploying
    result = template.derive(template.items()) if isinstance(template, CfnMap) else CfnMap()
    result["Resources"] = expanded
    result["Conditions"] = conditions
    return result


def _role(
    logical_id: str, resource: Mapping, globals_: Mapping, line: int, conditions: CfnMap,
    policy_arns: PolicyArns,
) -> CfnMap | None:
    """The `AWS::IAM::Role` SAM generates, or None when the resource names its own role."""
    kind = type_of(resource)
    properties = _with_globals(_mapping(resource.get("Properties")), globals_, kind, line)
    gate = _role_gate(properties.get("Role"), conditions)
    if gate is False:
        return None
    role_properties = _map(line, {
        "AssumeRolePolicyDocument": properties.get("AssumeRolePolicyDocument")
        or _trust(_SERVICES[kind], line),
        "ManagedPolicyArns": CfnList(line),
        "Policies": CfnList(line),
    })
    if kind == "AWS::Serverless::Function":
        for name in _function_managed_policies(properties):
            _append(role_properties["ManagedPolicyArns"], _aws_policy(name, line), line)
    elif str(_mapping(properties.get("Tracing")).get("Enabled")).lower() == "true":
        _append(role_properties["ManagedPolicyArns"], _aws_policy(_XRAY, line), line)
    for key, target in (("RolePath", "Path"), ("PermissionsBoundary", "PermissionsBoundary")):
        if properties.get(key) is not None:
            role_properties[target] = properties[key]
            role_properties.key_lines[target] = _key_line(properties, key, line)
    _add_policies(f"{logical_id}Role", properties.get("Policies"), role_properties, line,
                  policy_arns)
    role = _map(line, {"Type": "AWS::IAM::Role", "Properties": role_properties})
    condition = resource.get("Condition") if gate is True else gate
    if condition is not None:
        role["Condition"] = condition
    return role


def _first_deployment_preference(resources: CfnMap, globals_: Mapping) -> int | None:
    """The line of the first function whose `DeploymentPreference` needs SAM's CodeDeploy role
    (enabled, without its own `Role`), or None."""
    for logical_id, resource in resources.items():
        if type_of(resource) != "AWS::Serverless::Function":
            continue
        properties = _mapping(resource.get("Properties"))
        preference = properties.get("DeploymentPreference", globals_.get("DeploymentPreference"))
        if (isinstance(preference, Mapping) and "Role" not in preference
                and str(preference.get("Enabled", "true")).lower() != "false"):
            return resources.line_of(logical_id)
    return None


def _codedeploy_role(line: int) -> CfnMap:
    properties = _map(line, {
        "AssumeRolePolicyDocument": _trust("codedeploy.amazonaws.com", line),
        "ManagedPolicyArns": CfnList(
            line, [_aws_policy("service-role/AWSCodeDeployRoleForLambda", line)], [line]),
    })
    return _map(line, {"Type": "AWS::IAM::Role", "Properties": properties})


def _with_globals(properties: Mapping, globals_: Mapping, kind: str, line: int) -> CfnMap:
    """A function's properties completed by `Globals.Function` (the function's own win)."""
    result = properties.derive(properties.items()) if isinstance(properties, CfnMap) else _map(
        line, properties)
    if kind != "AWS::Serverless::Function":
        return result
    for key in _GLOBAL_KEYS:
        if key not in result and key in globals_:
            result[key] = globals_[key]
            result.key_lines[key] = _key_line(globals_, key, line)
    return result


def _role_gate(role: Any, conditions: CfnMap) -> bool | str:
    """Whether SAM generates a role: `Role: !If [C, arn, !Ref AWS::NoValue]` makes it
    generate one only when C is false (it adds the condition `NOTC`)."""
    if role is None:
        return True
    branches = role.get("Fn::If") if isinstance(role, Mapping) and len(role) == 1 else None
    if not (isinstance(branches, list) and len(branches) == 3 and isinstance(branches[0], str)):
        return False
    name = branches[0]
    if _is_no_value(branches[2]):
        negated = f"NOT{name}"
        conditions[negated] = _map(line_of(role), {"Fn::Not": [_map(line_of(role),
                                                                   {"Condition": name})]})
        return negated
    return name if _is_no_value(branches[1]) else False


def _function_managed_policies(properties: Mapping) -> list[str]:
    basic = ("service-role/AWSLambdaBasicDurableExecutionRolePolicy"
             if properties.get("DurableConfig") else "service-role/AWSLambdaBasicExecutionRole")
    names = [basic]
    if properties.get("Tracing") not in (None, "Disabled"):
        names.append(_XRAY)
    if properties.get("VpcConfig"):
        names.append("service-role/AWSLambdaVPCAccessExecutionRole")
    return names


def _add_policies(
    role_id: str, policies: Any, role_properties: CfnMap, line: int, policy_arns: PolicyArns
) -> None:
    """SAM `Policies`: managed names or ARNs, inline documents, and policy templates."""
    if policies is None:
        return
    items = policies if isinstance(policies, list) else [policies]
    for index, policy in enumerate(items):
        item_line = policies.line_at(index) if isinstance(policies, CfnList) else line
        name = f"{role_id}Policy{index}"
        if isinstance(policy, str):
            _append(role_properties["ManagedPolicyArns"],
                    _aws_policy(policy, item_line, policy_arns), item_line)
        elif _is_document(policy):
            _append(role_properties["Policies"], _inline(name, policy, item_line), item_line)
        elif _is_if(policy) and any(_is_document(b) for b in policy["Fn::If"][1:]):
            _append(role_properties["Policies"], _inline(name, policy, item_line), item_line)
        elif isinstance(policy, Mapping) and len(policy) == 1 and _is_intrinsic(policy):
            _append(role_properties["ManagedPolicyArns"], policy, item_line)
        elif isinstance(policy, Mapping) and len(policy) == 1:
            (template,) = policy
            document = (_map(item_line, {"Statement": CfnList(item_line)})
                        if template in POLICY_TEMPLATES
                        else Unknown(f"SAM policy template {template}", "not a known template"))
            _append(role_properties["Policies"], _inline(name, document, item_line), item_line)
        else:
            _append(role_properties["Policies"], _inline(
                name, Unknown(f"{role_id} Policies[{index}]", "not a policy SAM accepts"),
                item_line), item_line)


def _aws_policy(name: str, line: int, policy_arns: PolicyArns = lambda name: None) -> Any:
    """A managed policy named in `Policies`: an ARN as written, else AWS's policy by name, with
    the path the snapshot gives it (`AWSLambdaDynamoDBExecutionRole` is under `service-role/`:
    SAM looks names up among AWS's managed policies, issue 13 §13)."""
    if name.startswith("arn:"):
        return name
    found = policy_arns(name)
    path_and_name = found.split(":policy/", 1)[1] if found else name
    return _map(line, {"Fn::Sub": f"arn:${{AWS::Partition}}:iam::aws:policy/{path_and_name}"})


def _trust(service: str, line: int) -> CfnMap:
    statement = _map(line, {"Action": CfnList(line, ["sts:AssumeRole"], [line]), "Effect": "Allow",
                            "Principal": _map(line, {"Service": CfnList(line, [service], [line])})})
    return _map(line, {"Version": "2012-10-17",
                       "Statement": CfnList(line, [statement], [line])})


def _inline(name: str, document: Any, line: int) -> CfnMap:
    return _map(line, {"PolicyName": name, "PolicyDocument": document})


def _map(line: int, items: Mapping[str, Any]) -> CfnMap:
    result = CfnMap(line)
    for key, value in items.items():
        result[key] = value
        result.key_lines[key] = line
    return result


def _append(items: CfnList, value: Any, line: int) -> None:
    items.append(value)
    items.item_lines.append(line)


def _key_line(properties: Mapping, key: str, default: int) -> int:
    return properties.line_of(key) if isinstance(properties, CfnMap) else default


def _is_document(value: Any) -> bool:
    return isinstance(value, Mapping) and "Statement" in value


def _is_if(value: Any) -> bool:
    return (isinstance(value, Mapping) and len(value) == 1 and isinstance(value.get("Fn::If"), list)
            and len(value["Fn::If"]) == 3)


def _is_intrinsic(value: Mapping) -> bool:
    (key,) = value
    return key == "Ref" or (isinstance(key, str) and key.startswith("Fn::"))


def _is_no_value(value: Any) -> bool:
    return isinstance(value, Mapping) and value.get("Ref") == "AWS::NoValue"


def _mapping(value: object) -> Mapping:
    return value if isinstance(value, Mapping) else {}
