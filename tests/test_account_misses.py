"""What the audit used to read and leave unused, or miss: a function's state, an environment Lambda cannot
decrypt, the account's unreserved concurrency, account-level log retention, SQS filters and failing mappings,
an alias URL without its second grant, a permission naming a deleted API. moto's server where it serves the
API, botocore Stubbers (checked against the service models) where it does not."""

from __future__ import annotations

import json
from typing import Any

from botocore.stub import Stubber
from test_account_real_shapes import ACCT, ARN, REGION, Stubs, _config, _hooked

from lambda_advisor.audit import run_audit
from lambda_advisor.pipeline import Settings
from lambda_advisor.sources.account import AuditOptions, audit
from lambda_advisor.sources.account.log_retention import parse_policies, retention_for

KMS_ERROR = {"ErrorCode": "KMSDisabledException",
             "Message": "Lambda was unable to decrypt the environment variables because the KMS key used is disabled."}


def _rules(result: Any) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in result.findings:
        for fn in f.functions or [f.location.function_name]:
            out.setdefault(fn if isinstance(fn, str) else f.location.function_name, set()).add(f.rule_id)
    return out


def test_state_environment_error_and_account_concurrency_become_findings(moto: Any) -> None:
    moto.role("stub-role")
    failed = _config("failed", Environment={"Error": KMS_ERROR})
    stubs: Stubs = {
        "lambda:ListFunctions": lambda s: s.add_response("list_functions", {"Functions": [failed, _config("idle")]}),
        "lambda:ListEventSourceMappings": lambda s: s.add_response("list_event_source_mappings",
                                                                   {"EventSourceMappings": []}),
        "lambda:GetAccountSettings": lambda s: s.add_response("get_account_settings", {
            "AccountLimit": {"ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 100},
            "AccountUsage": {"FunctionCount": 2}}),
        "lambda:GetFunction": lambda s: (
            s.add_response("get_function", {"Configuration": {
                **failed, "State": "Failed", "StateReasonCode": "InvalidSubnet", "LastUpdateStatus": "Failed",
                "LastUpdateStatusReasonCode": "InvalidSubnet"}, "Tags": {}}),
            s.add_response("get_function", {"Configuration": {**_config("idle"), "State": "Inactive",
                                                              "StateReasonCode": "Idle"}, "Tags": {}})),
    }
    result = run_audit(AuditOptions(endpoint_url=moto.endpoint, regions=[REGION], workers_per_region=1,
                                    client_hook=_hooked(stubs, [])), Settings(quiet=True))
    found: dict[str, set[str]] = {}
    for f in result.findings:
        found.setdefault(f.location.function_name, set()).add(f.rule_id)
    assert {"LA512", "LA213"} <= found["failed"], found
    assert "LA512" in found["idle"]
    la513 = [f for f in result.findings if f.rule_id == "LA513"]
    assert len(la513) == 1 and "100 of the account's 1000" in la513[0].message  # one fact for the region
    # the environment AWS would not decrypt is still named as what LA101 could not look at
    assert any("environment unreadable" in m for g in result.gaps for m in g.missing)


def test_account_retention_covers_log_groups_not_created_yet(moto: Any) -> None:
    moto.role("stub-role")
    policies = [
        {"policyName": "baseline", "policyType": "RETENTION_POLICY", "accountId": ACCT,
         "policyDocument": json.dumps({"retentionInDays": 90, "enforcementMode": "NEW_ONLY"})},
        {"policyName": "lambda-longer", "policyType": "RETENTION_POLICY", "accountId": ACCT,
         "selectionCriteria": 'LogGroupNamePrefix IN ["/aws/lambda/orders"]',
         "policyDocument": json.dumps({"retentionInDays": 365, "enforcementMode": "RETROACTIVE"})},
    ]
    moto.function("orders", REGION)
    moto.function("billing", REGION)
    stubs: Stubs = {
        "logs": lambda s: (
            s.add_response("describe_log_groups", {"logGroups": []}),
            s.add_response("describe_account_policies", {"accountPolicies": policies},
                           expected_params={"policyType": "RETENTION_POLICY"})),
    }
    stubbers: list[Stubber] = []
    outcome = audit(AuditOptions(endpoint_url=moto.endpoint, regions=[REGION], workers_per_region=1,
                                 client_hook=_hooked(stubs, stubbers)))
    for stub in stubbers:
        stub.assert_no_pending_responses()  # one DescribeAccountPolicies for the region
    assert outcome.gaps == []
    docs = {d["name"]: d for d in outcome.documents}
    assert docs["orders"]["logging"]["retention_days"] == 365 and docs["orders"]["logging"]["account_retention"]
    assert docs["billing"]["logging"]["retention_days"] == 90


def test_retention_policy_parsing_is_conservative() -> None:
    never = parse_policies([{"policyType": "RETENTION_POLICY",
                             "policyDocument": json.dumps({"retentionInDays": "NEVER_EXPIRE"})}])
    assert retention_for("/aws/lambda/a", never) == {"retention_days": False, "account_retention": True}
    other = parse_policies([{"policyType": "RETENTION_POLICY", "selectionCriteria": 'LogGroupNamePrefix IN ["/ecs/"]',
                             "policyDocument": json.dumps({"retentionInDays": 30})}])
    assert retention_for("/aws/lambda/a", other) is None  # covers other groups only
    excluded = parse_policies([{"policyType": "RETENTION_POLICY",
                                "selectionCriteria": 'LogGroupNamePrefix NOT IN ["/aws/lambda/"]',
                                "policyDocument": json.dumps({"retentionInDays": 30})}])
    assert retention_for("/aws/lambda/a", excluded) is None
    assert retention_for("/ecs/x", excluded) == {"retention_days": 30, "account_retention": True}
    unreadable = parse_policies([{"policyType": "RETENTION_POLICY", "selectionCriteria": "SomethingNew = 1",
                                  "policyDocument": "{}"}])
    assert retention_for("/aws/lambda/a", unreadable) is None  # never claimed


def test_sqs_filters_and_failing_mappings_are_read_live(moto: Any) -> None:
    moto.function("consumer", TracingConfig={"Mode": "Active"}, MemorySize=256)
    queue = moto.queue("orders", VisibilityTimeout="300")
    lam = moto.client("lambda")
    lam.create_event_source_mapping(FunctionName="consumer", EventSourceArn=queue, BatchSize=10,
                                    FilterCriteria={"Filters": [{"Pattern": '{"body": {"t": ["order"]}}'}]})
    outcome = audit(AuditOptions(endpoint_url=moto.endpoint, regions=["us-east-1"]))
    [doc] = outcome.documents
    [source] = doc["event_sources"]
    assert source["type"] == "sqs" and source["filters"] == ['{"body": {"t": ["order"]}}']
    assert source["state"] is not None


def test_alias_url_without_the_second_grant_is_found(moto: Any) -> None:
    """moto keeps one URL and one policy per function whatever the qualifier: AWS's shapes, stubbed."""
    moto.role("stub-role")
    live = f"{ARN}:live"

    def url(resource: str) -> dict[str, Any]:
        return {"Sid": f"url-{resource[-4:]}", "Effect": "Allow", "Principal": "*",
                "Action": "lambda:InvokeFunctionUrl", "Resource": resource,
                "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}}

    invoke = {"Sid": "invoke-latest", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunction",
              "Resource": ARN, "Condition": {"Bool": {"lambda:InvokedViaFunctionUrl": "true"}}}

    def policy(*statements: dict[str, Any]) -> dict[str, Any]:
        return {"Policy": json.dumps({"Version": "2012-10-17", "Statement": list(statements)}), "RevisionId": "1"}

    def urls(resource: str) -> dict[str, Any]:
        return {"FunctionUrl": f"https://{len(resource)}abcdefgh.lambda-url.{REGION}.on.aws/", "FunctionArn": resource,
                "AuthType": "NONE", "CreationTime": "2026-01-01T00:00:00Z", "LastModifiedTime": "2026-01-01T00:00:00Z"}

    stubs: Stubs = {
        "lambda:ListFunctions": lambda s: s.add_response("list_functions", {"Functions": [_config()]}),
        "lambda:ListEventSourceMappings": lambda s: s.add_response("list_event_source_mappings",
                                                                   {"EventSourceMappings": []}),
        "lambda:GetFunction": lambda s: s.add_response("get_function", {"Configuration": _config(), "Tags": {}}),
        "lambda:GetPolicy": lambda s: (
            s.add_response("get_policy", policy(url(ARN), invoke), expected_params={"FunctionName": ARN}),
            s.add_response("get_policy", policy(url(live)), expected_params={"FunctionName": ARN, "Qualifier": "live"})),
        "lambda": lambda s: (
            s.add_response("list_aliases", {"Aliases": [{"AliasArn": live, "Name": "live", "FunctionVersion": "1",
                                                         "Description": "", "RevisionId": "r"}]}),
            s.add_response("list_function_url_configs", {"FunctionUrlConfigs": [urls(ARN), urls(live)]}),
            s.add_response("get_function_configuration", _config(FunctionArn=f"{ARN}:1", Version="1"),
                           expected_params={"FunctionName": ARN, "Qualifier": "1"})),
    }
    result = run_audit(AuditOptions(endpoint_url=moto.endpoint, regions=[REGION], workers_per_region=1,
                                    client_hook=_hooked(stubs, [])), Settings(quiet=True))
    assert result.gaps == []
    # LA102 states LA211's fact when both run (one finding for one URL)
    la211 = [f for f in result.findings if f.rule_id == "LA211" or (f.rule_id == "LA102" and "403" in f.message)]
    assert len(la211) == 1 and "(alias live)" in la211[0].message, [f.message for f in la211]
    assert "November 1, 2026" in la211[0].message


def test_a_permission_for_a_deleted_api_is_a_fact_not_a_gap(moto: Any) -> None:
    moto.function("old-api", Timeout=60)
    moto.client("lambda").add_permission(
        FunctionName="old-api", StatementId="apigw", Action="lambda:InvokeFunction",
        Principal="apigateway.amazonaws.com", SourceArn=f"arn:aws:execute-api:us-east-1:{ACCT}:gone12345/*/GET/")
    result = run_audit(AuditOptions(endpoint_url=moto.endpoint, regions=["us-east-1"]),
                       Settings(quiet=True, select=["LA206"]))
    assert result.gaps == []
    [doc] = result.documents
    [source] = [s for s in doc["event_sources"] if s.get("arn", "").startswith("arn:aws:execute-api")]
    assert source["exists"] is False


def test_a_layer_shared_with_every_account_is_found_once(moto: Any) -> None:
    from lambda_advisor.audit_emulator import tiny_zip

    lam = moto.client("lambda")
    public = lam.publish_layer_version(LayerName="shared", Content={"ZipFile": tiny_zip()},
                                       CompatibleRuntimes=["python3.12"])
    private = lam.publish_layer_version(LayerName="private", Content={"ZipFile": tiny_zip()},
                                        CompatibleRuntimes=["python3.12"])
    lam.add_layer_version_permission(LayerName="shared", VersionNumber=public["Version"], StatementId="all",
                                     Action="lambda:GetLayerVersion", Principal="*")
    for name in ("api", "worker"):
        moto.function(name, Layers=[public["LayerVersionArn"], private["LayerVersionArn"]])
    result = run_audit(AuditOptions(endpoint_url=moto.endpoint, regions=["us-east-1"]), Settings(quiet=True))
    la109 = [f for f in result.findings if f.rule_id == "LA109"]
    assert len(la109) == 1 and "shared:1" in la109[0].message  # one fact, naming both functions
    assert sorted(la109[0].function_names) == ["api", "worker"]
    assert result.meta["calls"]["us-east-1 lambda GetLayerVersionPolicy"] == 2  # once per layer version
