"""What Lambda added in 2024–2026, read from templates and judged by LA106, LA209–LA211, LA305, LA510.

The fixtures in fixtures/rules/ carry the end-to-end cases; these pin down the model fields the
template source fills (so other sources can match them) and the edges a fixture cannot show.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lambda_advisor.checks import Context
from lambda_advisor.checks.access import url_missing_invoke_grant
from lambda_advisor.checks.capacity import roles_share_capacity_provider
from lambda_advisor.checks.cold_starts import snapstart_ineffective
from lambda_advisor.checks.durable import durable_through_latest
from lambda_advisor.model import validate_document
from lambda_advisor.sources.template import load_template

CTX = Context(params={}, today=date(2026, 11, 22))

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.13
    Handler: app.handler
    CodeUri: src/
    RecursiveLoop: Allow
    DurableConfig:
      ExecutionTimeout: 3600
Resources:
  Queue:
    Type: AWS::SQS::Queue
  Capacity:
    Type: AWS::Serverless::CapacityProvider
  Sam:
    Type: AWS::Serverless::Function
    Properties:
      AutoPublishAlias: live
      CapacityProviderConfig:
        Arn: !GetAtt Capacity.Arn
        ExecutionEnvironmentMemoryGiBPerVCpu: 4.0
        PerExecutionEnvironmentMaxConcurrency: 16
      Events:
        Jobs:
          Type: SQS
          Properties:
            Queue: !GetAtt Queue.Arn
            FunctionResponseTypes: [ReportBatchItemFailures]
      FunctionUrlConfig:
        AuthType: NONE
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: []}
  Plain:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: java21
      Handler: a.B::c
      Role: !GetAtt Role.Arn
      Code: {S3Bucket: b, S3Key: k}
      TenancyConfig: {TenantIsolationMode: PER_TENANT}
      DurableConfig:
        ExecutionTimeout: 600
        RetentionPeriodInDays: 30
        AllowInvokeLatest: false
      CapacityProviderConfig:
        LambdaManagedInstancesCapacityProviderConfig:
          CapacityProviderArn: arn:aws:lambda:eu-west-1:123456789012:capacity-provider:batch
      FileSystemConfigs:
        - Arn: arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-1
          LocalMountPath: /mnt/efs
  PlainAlias:
    Type: AWS::Lambda::Alias
    Properties:
      FunctionName: !Ref Plain
      FunctionVersion: "1"
      Name: prod
  Mapping:
    Type: AWS::Lambda::EventSourceMapping
    Properties:
      FunctionName: !Ref PlainAlias
      EventSourceArn: !GetAtt Queue.Arn
  ByArn:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: arn:aws:lambda:eu-west-1:123456789012:function:plain-fn:7
      Action: lambda:InvokeFunction
      Principal: s3.amazonaws.com
      SourceAccount: "123456789012"
  BySub:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Sub "${Plain.Arn}:prod"
      Action: lambda:InvokeFunction
      Principal: sns.amazonaws.com
      SourceArn: arn:aws:sns:eu-west-1:123456789012:t
  Unqualified:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !GetAtt Plain.Arn
      Action: lambda:InvokeFunction
      Principal: events.amazonaws.com
      SourceArn: arn:aws:events:eu-west-1:123456789012:rule/r
  Logs:
    Type: AWS::Logs::LogGroup
    Properties:
      LogGroupName: /aws/lambda/plain-fn
      LogGroupClass: DELIVERY
"""


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    path = Path(tmp_path_factory.mktemp("t")) / "template.yaml"
    path.write_text(TEMPLATE.replace("      Handler: a.B::c\n", "      Handler: a.B::c\n      FunctionName: plain-fn\n"),
                    encoding="utf-8")
    loaded = load_template(path, explicit=True)
    assert not loaded.errors
    for doc in loaded.documents:
        validate_document(doc)  # the new fields are in the function schema
    return {d["source"]["logical_id"]: d for d in loaded.documents}


def test_sam_globals_and_function_features_are_read(docs: dict[str, dict[str, Any]]) -> None:
    sam = docs["Sam"]
    assert sam["recursive_loop"] == "Allow" and sam["inherited"]["/recursive_loop"] == "Globals"
    assert sam["durable"] == {"execution_timeout_s": 3600, "retention_days": None, "allow_invoke_latest": None}
    cp = sam["capacity_provider"]
    assert (cp["logical_id"], cp["memory_gib_per_vcpu"], cp["max_concurrency_per_environment"]) == ("Capacity", 4.0, 16)
    (jobs,) = sam["event_sources"]
    assert jobs["function_response_types"] == ["ReportBatchItemFailures"] and jobs["qualifier"] == "live"
    assert sam["url"]["qualifier"] == "live"
    url_grants = [st for st in sam["resource_policy"] if st.get("origin") == "SAM FunctionUrlConfig"]
    assert [st["actions"] for st in url_grants] == [["lambda:InvokeFunctionUrl"], ["lambda:InvokeFunction"]]
    assert url_grants[1]["invoked_via_function_url"] is True and url_grants[1]["qualifier"] == "live"


def test_cloudformation_function_features_and_qualifiers(docs: dict[str, dict[str, Any]]) -> None:
    plain = docs["Plain"]
    assert plain["durable"] == {"execution_timeout_s": 600, "retention_days": 30, "allow_invoke_latest": False}
    assert plain["capacity_provider"]["arn"] == "arn:aws:lambda:eu-west-1:123456789012:capacity-provider:batch"
    assert plain["file_systems"] == [{"arn": "arn:aws:elasticfilesystem:eu-west-1:123456789012:access-point/fsap-1",
                                      "mount_path": "/mnt/efs"}]
    assert plain["recursive_loop"] == "Terminate"  # Lambda's default
    assert plain["tenant_isolation"] == "PER_TENANT" and docs["Sam"]["tenant_isolation"] is False
    assert plain["logging"]["log_group_class"] == "DELIVERY"
    (mapping,) = plain["event_sources"][:1]
    assert mapping["qualifier"] == "prod" and mapping["function_response_types"] == []
    qualifiers = {st["sid"]: st["qualifier"] for st in plain["resource_policy"]}
    assert qualifiers == {"ByArn": "7", "BySub": "prod", "Unqualified": "$LATEST"}
    assert docs["Sam"]["file_systems"] == [] and docs["Sam"]["logging"].get("log_group_class") is None


def _doc(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "t#F", "name": "F", "source": {"kind": "template", "file": "t", "logical_id": "F"},
                            "event_sources": [], "resource_policy": [], "url": False}
    base.update(fields)
    return base


def test_la305_reads_allow_invoke_latest_but_never_relies_on_it() -> None:
    source = {"type": "sqs", "invocation": "poll", "name": "Jobs", "qualifier": "$LATEST"}
    (refused,) = durable_through_latest(_doc(durable={"allow_invoke_latest": False}, event_sources=[source]), CTX)
    assert "refused" in refused.message
    (allowed,) = durable_through_latest(_doc(durable={"allow_invoke_latest": True}, event_sources=[source]), CTX)
    assert "replays after a deployment" in allowed.message
    unknown = {**source, "qualifier": None}
    assert list(durable_through_latest(_doc(durable={}, event_sources=[unknown]), CTX)) == []
    assert list(durable_through_latest(_doc(durable=False, event_sources=[source]), CTX)) == []


def test_la211_is_silent_when_a_statement_cannot_be_read() -> None:
    url = {"auth_type": "NONE", "qualifier": None}
    only_url = {"effect": "Allow", "actions": ["lambda:InvokeFunctionUrl"], "resources": [], "principal": "*"}
    assert len(list(url_missing_invoke_grant(_doc(url=url, resource_policy=[only_url]), CTX))) == 1
    unreadable = {"effect": "Allow", "actions": [{"unresolved": "!Ref Action"}], "resources": [], "principal": "*"}
    assert list(url_missing_invoke_grant(_doc(url=url, resource_policy=[only_url, unreadable]), CTX)) == []
    assert list(url_missing_invoke_grant(_doc(url=url, resource_policy=None), CTX)) == []
    live = {**url, "invoke_function_granted": True}  # a source that read the grant itself
    assert list(url_missing_invoke_grant(_doc(url=live, resource_policy=[only_url]), CTX)) == []


def test_la510_names_every_reason_in_one_finding() -> None:
    doc = _doc(snap_start=True, runtime="java21", file_systems=[{"arn": "a"}], ephemeral_storage_mb=1024,
               provisioned_concurrency=5, deployment={"aliases": ["live"], "versions_published": True})
    (hit,) = snapstart_ineffective(doc, CTX)
    assert hit.pointer == "/file_systems" and hit.message.count(";") == 2
    assert list(snapstart_ineffective({**doc, "snap_start": False}, CTX)) == []
    unknown_runtime = _doc(snap_start=True, runtime="provided.al2023", deployment={"aliases": ["a"]})
    assert "not supported" in next(iter(snapstart_ineffective(unknown_runtime, CTX))).message


def test_la106_needs_two_known_roles_that_grant_differently() -> None:
    def fn(name: str, role: dict[str, Any] | None) -> dict[str, Any]:
        return _doc(id=f"t#{name}", name=name, role=role,
                    capacity_provider={"arn": "arn:aws:lambda:r:1:capacity-provider:cp", "logical_id": None})
    a = fn("A", {"logical_id": "RoleA", "complete": False})
    b = fn("B", {"logical_id": "RoleB", "complete": False})
    unknown = fn("C", None)
    ctx = Context(params={}, today=CTX.today, functions=[a, b, unknown])
    (hit,) = roles_share_capacity_provider(a, ctx)
    assert hit.group and "A (role RoleA)" in hit.message and "B (role RoleB)" in hit.message
    assert list(roles_share_capacity_provider(unknown, ctx)) == []
    same = {"statements": [{"effect": "Allow", "actions": ["s3:GetObject"], "resources": ["*"]}], "complete": True}
    twins = [fn("D", {**same, "logical_id": "RoleD"}), fn("E", {**same, "logical_id": "RoleE"})]
    assert list(roles_share_capacity_provider(twins[0], Context(params={}, today=CTX.today, functions=twins))) == []
