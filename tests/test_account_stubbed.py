"""What moto does not serve, with botocore Stubbers (responses validated by the service model).

moto answers ListFunctions in one page and drops DeadLetterConfig and
LoggingConfig; these tests put real Lambda response shapes on the audit's own
clients, while STS, IAM and CloudWatch Logs still go to the emulator.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from botocore.stub import Stubber

from lambda_advisor.sources.account import AuditOptions, audit

REGION = "eu-west-1"
ACCT = "123456789012"


def _config(name: str, **extra: Any) -> dict[str, Any]:
    return {
        "FunctionName": name,
        "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCT}:function:{name}",
        "Runtime": "python3.12",
        "Role": f"arn:aws:iam::{ACCT}:role/stub-role",
        "Handler": "app.handler",
        "CodeSize": 1234,
        "Timeout": 30,
        "MemorySize": 1024,
        "LastModified": "2026-01-01T00:00:00.000+0000",
        "CodeSha256": "abc",
        "Version": "$LATEST",
        "TracingConfig": {"Mode": "PassThrough"},
        "PackageType": "Zip",
        "Architectures": ["arm64"],
        **extra,
    }


def test_paginated_listing_dlq_logging_url_and_event_invoke_config(moto: Any) -> None:
    moto.role("stub-role")
    moto.client("logs", REGION).create_log_group(logGroupName="/custom/alpha")
    moto.client("logs", REGION).put_retention_policy(logGroupName="/custom/alpha", retentionInDays=14)
    ec2 = moto.client("ec2", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone=f"{REGION}a")["Subnet"]["SubnetId"]
    stubbers: list[Stubber] = []
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "url", "Effect": "Allow", "Principal": "*", "Action": "lambda:InvokeFunctionUrl",
         "Resource": f"arn:aws:lambda:{REGION}:{ACCT}:function:alpha",
         "Condition": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}}},
        {"Sid": "rule", "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
         "Action": "lambda:InvokeFunction", "Resource": f"arn:aws:lambda:{REGION}:{ACCT}:function:alpha",
         "Condition": {"ArnLike": {"AWS:SourceArn": f"arn:aws:events:{REGION}:{ACCT}:rule/nightly"}}},
    ]}

    def hook(service: str, region: str, client: Any) -> None:
        if service.split(":")[0] != "lambda":  # the classic Lambda API only (the emulator serves the rest)
            return
        stub = Stubber(client)
        if service == "lambda:ListFunctions":
            stub.add_response("list_functions", {"Functions": [_config(
                "alpha", DeadLetterConfig={"TargetArn": f"arn:aws:sqs:{REGION}:{ACCT}:alpha-dlq"},
                LoggingConfig={"LogFormat": "JSON", "LogGroup": "/custom/alpha"})], "NextMarker": "page2"})
            stub.add_response("list_functions", {"Functions": [_config(
                "beta", VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": ["sg-1"], "VpcId": "vpc-1"},
                SnapStart={"ApplyOn": "PublishedVersions", "OptimizationStatus": "On"})]},
                expected_params={"Marker": "page2", "FunctionVersion": "ALL"})
        elif service == "lambda:ListEventSourceMappings":
            stub.add_response("list_event_source_mappings", {"EventSourceMappings": []})
        elif service == "lambda:GetAccountSettings":  # once per region, whatever the number of functions
            stub.add_response("get_account_settings", {
                "AccountLimit": {"TotalCodeSize": 80530636800, "CodeSizeUnzipped": 262144000,
                                 "CodeSizeZipped": 52428800, "ConcurrentExecutions": 1000,
                                 "UnreservedConcurrentExecutions": 120},
                "AccountUsage": {"TotalCodeSize": 2048, "FunctionCount": 2}})
        elif service == "lambda":
            stub.add_response("list_aliases", {"Aliases": []}, expected_params={"FunctionName": "alpha"})
            stub.add_response("list_function_url_configs", {"FunctionUrlConfigs": [{
                "FunctionUrl": "https://abc.lambda-url.eu-west-1.on.aws/",
                "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCT}:function:alpha", "AuthType": "NONE",
                "Cors": {"AllowOrigins": ["*"]}, "CreationTime": "2026-01-01T00:00:00Z",
                "LastModifiedTime": "2026-01-01T00:00:00Z"}]})
            stub.add_response("list_function_event_invoke_configs", {"FunctionEventInvokeConfigs": [{
                "LastModified": datetime(2026, 1, 1, tzinfo=timezone.utc), "MaximumRetryAttempts": 0,
                "FunctionArn": f"arn:aws:lambda:{REGION}:{ACCT}:function:alpha",
                "DestinationConfig": {"OnFailure": {"Destination": f"arn:aws:sqs:{REGION}:{ACCT}:failed"}}}]})
            stub.add_response("list_aliases", {"Aliases": []}, expected_params={"FunctionName": "beta"})
        elif service == "lambda:GetFunction":
            stub.add_response("get_function", {"Configuration": _config("alpha"),
                                                "Tags": {"lambda-advisor:ignore": "LA502, LA205"},
                                                "Concurrency": {"ReservedConcurrentExecutions": 5}})
            stub.add_response("get_function", {"Configuration": _config("beta")})
        elif service == "lambda:GetPolicy":
            stub.add_response("get_policy", {"Policy": json.dumps(policy), "RevisionId": "1"})
            stub.add_client_error("get_policy", service_error_code="ResourceNotFoundException",
                                  service_message="No policy is associated with the given resource.",
                                  http_status_code=404)
        stub.activate()
        stubbers.append(stub)

    outcome = audit(AuditOptions(endpoint_url=moto.endpoint, regions=[REGION], workers_per_region=1,
                                 client_hook=hook))
    for stub in stubbers:
        stub.assert_no_pending_responses()
    assert outcome.gaps == []
    docs = {d["name"]: d for d in outcome.documents}
    assert set(docs) == {"alpha", "beta"}  # both pages
    alpha, beta = docs["alpha"], docs["beta"]
    assert alpha["dead_letter_target"] == f"arn:aws:sqs:{REGION}:{ACCT}:alpha-dlq"
    assert alpha["logging"] == {"log_group": "/custom/alpha", "format": "JSON", "retention_days": 14,
                                "account_retention": False}
    assert alpha["url"]["auth_type"] == "NONE" and alpha["url"]["cors_allow_origins"] == ["*"]
    assert alpha["event_invoke"]["on_failure"] == f"arn:aws:sqs:{REGION}:{ACCT}:failed"
    assert alpha["reserved_concurrency"] == 5
    assert [s["rule"] for s in alpha["suppressions"]] == ["LA502", "LA205"]
    assert [(s["type"], s["invocation"], s["arn"]) for s in alpha["event_sources"]] == [
        ("eventbridge", "async", f"arn:aws:events:{REGION}:{ACCT}:rule/nightly")]
    assert alpha["memory_explicit"] is True and alpha["architectures"] == ["arm64"]
    assert beta["resource_policy"] == [] and beta["url"] is None and beta["event_invoke"] is None
    assert beta["vpc"]["subnet_ids"] == [subnet] and beta["snap_start"] is True
    assert beta["vpc"]["availability_zones"] == [f"{REGION}a"]  # LA507 reads this live (one DescribeSubnets)
    assert beta["logging"]["retention_days"] is False  # /aws/lambda/beta does not exist yet
    assert alpha["account_concurrency"] == beta["account_concurrency"] == {"limit": 1000, "unreserved": 120}
