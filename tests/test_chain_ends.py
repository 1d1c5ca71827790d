"""`*` as a target ends a chain (docs/DECISIONS.md, Paths: "federated-user targets and patterns
(e.g. `*`) end it").

`*` names two things: the public principal of a trust (`"AWS": "*"`), which starts chains, and the
pattern "any role outside the templates" that an identity allow on `Resource: "*"` reaches. They
shared one graph node, so a role allowed `sts:AssumeRole` on `*` "reached" every role trusting `*`
through it — even one whose `*` trust only a service can meet (`aws:SourceArn`, absent from a
principal's own AssumeRole: reference_policies_condition-keys) — and CM301 reported those chains.
"""

from tests.iam_scan import allow, arn, chains, scan, trust, role

DEPLOY, SERVICE_ONLY = arn("role", "deploy"), arn("role", "service-only")
SOURCE = {"ArnLike": {"aws:SourceArn": "arn:aws:cloudformation:*:111111111111:stack/*"}}
ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def test_a_role_allowed_on_star_does_not_chain_through_the_public_principal(tmp_path):
    resources = {
        "Deploy": role("deploy", [trust({"Service": "ec2.amazonaws.com"})], [allow("sts:AssumeRole")]),
        "ServiceOnly": role("service-only", [trust({"AWS": "*"}, Condition=SOURCE)]),
        "Next": role("next", [trust({"AWS": SERVICE_ONLY})]),
    }
    resources["ServiceOnly"]["Properties"]["ManagedPolicyArns"] = [ADMIN]
    report = scan(tmp_path, resources)
    found = chains(report)
    assert ("ec2.amazonaws.com", DEPLOY, "*") in found
    assert not [c for c in found if "*" in c[1:-1]]
    assert not [f for f in report["findings"] if f["rule"] == "CM301" and f["target"] == SERVICE_ONLY]
    # The public principal still starts its chains.
    assert ("*", SERVICE_ONLY, arn("role", "next")) in found
