"""The template source: what functions a template defines and what shapes them, with lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lambda_advisor.model import validate_document
from lambda_advisor.sources import collect
from lambda_advisor.sources.template import load_template

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sources"


def _docs(path: Path) -> dict[str, dict[str, Any]]:
    loaded = load_template(path, explicit=True)
    assert loaded.errors == []
    for doc in loaded.documents:
        validate_document(doc)
    # a function made outside the template (a mapping's target) has no logical ID: by name
    return {d["source"]["logical_id"] or d["name"]: d for d in loaded.documents}


def _write(tmp_path: Path, text: str, name: str = "template.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_cfn_resources_are_linked_to_their_functions() -> None:
    docs = _docs(FIXTURES / "cfn" / "linked.yaml")
    worker, helper = docs["Worker"], docs["Helper"]
    assert worker["name"] == "worker-prod"  # !Sub with a parameter default resolves

    sqs = [s for s in worker["event_sources"] if s["type"] == "sqs"]
    assert len(sqs) == 1 and sqs[0]["invocation"] == "poll"
    assert sqs[0]["queue"]["logical_id"] == "Jobs"
    assert sqs[0]["queue"]["visibility_timeout_s"] == 360
    assert sqs[0]["queue"]["redrive_policy"]["maxReceiveCount"] == 5
    assert sqs[0]["maximum_concurrency"] == 5

    kinds = {(s["type"], s["invocation"]) for s in worker["event_sources"]}
    assert kinds == {("sqs", "poll"), ("sns", "async"), ("schedule", "async")}

    assert worker["event_invoke"]["maximum_retry_attempts"] == 0
    assert worker["event_invoke"]["on_failure"]["refs"][0]["logical_id"] == "JobsDlq"
    assert worker["logging"]["retention_days"] == 14
    assert worker["deployment"] == {"aliases": ["live"], "versions_published": True, "gradual": False}

    actions = [a for st in worker["role"]["statements"] for a in st["actions"]]
    assert "lambda:InvokeFunction" in actions  # inline role policy
    assert "sqs:SendMessage" in actions  # AWS::IAM::Policy attached through Roles
    invoke = next(st for st in worker["role"]["statements"] if "lambda:InvokeFunction" in st["actions"])
    assert invoke["resources"][0]["refs"][0]["logical_id"] == "Helper"
    assert worker["role"]["complete"] is True

    stream = next(s for s in helper["event_sources"] if s["type"] == "kinesis")
    assert stream["maximum_retry_attempts"] == 3 and stream["bisect_on_error"] is True
    assert stream["on_failure"] is False
    s3 = next(s for s in helper["event_sources"] if s["type"] == "s3")
    assert s3["invocation"] == "async" and s3["has_permission"] is True
    assert [s["type"] for s in helper["event_sources"]].count("s3") == 1  # bucket + permission: one source
    assert helper["url"] == {"auth_type": "AWS_IAM", "url": None, "cors_allow_origins": ["https://example.com"],
                             "qualifier": None}
    assert helper["resource_policy"][0]["principal"] == "s3.amazonaws.com"
    assert helper["resource_policy"][0]["source_arn"] is False
    assert helper["role"]["complete"] is False  # a role ARN from outside the template
    assert helper["code"]["inline"] is True


def test_lines_point_at_the_value_and_globals_are_marked(tmp_path: Path) -> None:
    path = _write(tmp_path, """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 900
    MemorySize: 512
    Environment:
      Variables:
        SHARED: x
Resources:
  A:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: a.h
      CodeUri: src/
      Environment:
        Variables:
          OWN: y
  B:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: b.h
      CodeUri: src/
      Timeout: 30
""")
    docs = _docs(path)
    a, b = docs["A"], docs["B"]
    assert a["timeout_s"] == 900 and a["lines"]["/timeout_s"] == 4 and a["inherited"]["/timeout_s"] == "Globals"
    assert b["timeout_s"] == 30 and b["lines"]["/timeout_s"] == 25 and "/timeout_s" not in b["inherited"]
    assert a["environment"] == {"SHARED": "x", "OWN": "y"}
    assert a["lines"]["/environment/SHARED"] == 8 and a["lines"]["/environment/OWN"] == 18
    assert a["inherited"]["/environment/SHARED"] == "Globals" and "/environment/OWN" not in a["inherited"]
    assert b["environment"] == {"SHARED": "x"}
    assert a["memory_mb"] == 512 and a["memory_explicit"] is True
    assert a["code"]["local_path"] == str(tmp_path / "src")


def test_intrinsics_resolve_or_stay_marked(tmp_path: Path) -> None:
    path = _write(tmp_path, """\
AWSTemplateFormatVersion: 2010-09-09
Parameters:
  Secret: {Type: String, NoEcho: true}
  Plain: {Type: String, Default: hello}
  NoDefault: {Type: String}
Mappings:
  Env: {prod: {Size: "1024"}}
Resources:
  Other:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.h, Role: r, Code: {ZipFile: x}}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: a.h
      Role: r
      Code: {ZipFile: x}
      Environment:
        Variables:
          A: !Ref Secret
          B: !Ref Plain
          C: !Sub "${Plain}-${AWS::Partition}"
          D: !Join ["-", [a, !Ref Plain]]
          E: !GetAtt Other.Arn
          F: {"Fn::Sub": "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${Other}"}
          G: !FindInMap [Env, prod, Size]
          H: !Ref NoDefault
          I: !If [Cond, a, b]
          J: 42
          K: true
          L: !Select [1, [x, y]]
""")
    env = _docs(path)["Fn"]["environment"]
    assert env["A"]["refs"] == [{"logical_id": "Secret", "type": "Parameter", "attribute": None, "no_echo": True,
                                 "parameter_type": "String"}]
    assert env["B"] == "hello" and env["C"] == "hello-aws" and env["D"] == "a-hello"
    assert env["E"]["unresolved"] == "!GetAtt Other.Arn"
    assert env["E"]["refs"][0] == {"logical_id": "Other", "type": "AWS::Lambda::Function", "attribute": "Arn"}
    assert [r["logical_id"] for r in env["F"]["refs"]] == ["Other"]
    assert env["G"] == "1024"
    assert env["H"]["unresolved"] == "!Ref NoDefault"
    assert env["I"]["unresolved"].startswith("!If")
    assert env["J"] == "42" and env["K"] == "true" and env["L"] == "y"


def test_sam_events_policies_and_options(tmp_path: Path) -> None:
    path = _write(tmp_path, """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Q: {Type: AWS::SQS::Queue}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: java21
      Handler: a.h
      CodeUri: s3://bucket/key.zip
      ReservedConcurrentExecutions: 5
      AutoPublishAlias: live
      DeploymentPreference: {Type: Canary10Percent5Minutes}
      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Q.Arn}
      EventInvokeConfig:
        MaximumRetryAttempts: 1
        DestinationConfig:
          OnFailure: {Type: SQS}
      FunctionUrlConfig:
        AuthType: NONE
        Cors: {AllowOrigins: ["*"]}
      Policies:
        - AWSSecretsManagerGetSecretValuePolicy: {SecretArn: !Ref Sec}
        - SQSPollerPolicy: {QueueName: !GetAtt Q.QueueName}
        - AmazonS3ReadOnlyAccess
        - SomeFuturePolicyTemplate: {}
      Events:
        Api: {Type: Api, Properties: {Path: /, Method: get}}
        Http: {Type: HttpApi}
        Sched: {Type: Schedule, Properties: {Schedule: rate(1 hour)}}
        Bus: {Type: EventBridgeRule, Properties: {Pattern: {source: [x]}}}
        Logs: {Type: CloudWatchLogs, Properties: {LogGroupName: g, FilterPattern: ""}}
        Stream: {Type: Kinesis, Properties: {Stream: arn:aws:kinesis:us-east-1:1:stream/s, StartingPosition: LATEST}}
        Ddb: {Type: DynamoDB, Properties: {Stream: arn:aws:dynamodb:us-east-1:1:table/t/stream/x, StartingPosition: LATEST, MaximumRetryAttempts: -1, DestinationConfig: {OnFailure: {Destination: arn:aws:sqs:us-east-1:1:dlq}}}}
        Topic: {Type: SNS, Properties: {Topic: arn:aws:sns:us-east-1:1:t}}
  Sec: {Type: AWS::SecretsManager::Secret}
""")
    fn = _docs(path)["Fn"]
    got = {(s["name"], s["type"], s["invocation"]) for s in fn["event_sources"]}
    assert got == {("Api", "api", "sync"), ("Http", "http_api", "sync"), ("Sched", "schedule", "async"),
                   ("Bus", "eventbridge", "async"), ("Logs", "logs", "async"), ("Stream", "kinesis", "poll"),
                   ("Ddb", "dynamodb", "poll"), ("Topic", "sns", "async")}
    ddb = next(s for s in fn["event_sources"] if s["name"] == "Ddb")
    assert ddb["maximum_retry_attempts"] == -1 and ddb["on_failure"] == "arn:aws:sqs:us-east-1:1:dlq"
    assert fn["reserved_concurrency"] == 5
    assert fn["deployment"] == {"aliases": ["live"], "versions_published": True, "gradual": True}
    assert fn["dead_letter_target"]["refs"][0]["logical_id"] == "Q"
    assert fn["event_invoke"]["on_failure"] == "(queue or topic created by SAM: SQS)"
    assert fn["url"]["auth_type"] == "NONE" and fn["url"]["cors_allow_origins"] == ["*"]
    origins = {st["origin"] for st in fn["role"]["statements"]}
    assert {"SAM AWSSecretsManagerGetSecretValuePolicy", "SAM SQSPollerPolicy"} <= origins
    assert "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" in fn["role"]["managed_policies"]
    assert fn["role"]["complete"] is False  # unknown managed policy and unknown policy template
    principals = {st["principal"] for st in fn["resource_policy"]}
    assert principals == {"apigateway.amazonaws.com", "events.amazonaws.com", "logs.amazonaws.com",
                          "sns.amazonaws.com", "*"}
    assert fn["code"]["s3_uri"] == "s3://bucket/key.zip" and fn["code"]["local_path"] is None


def test_metadata_suppressions(tmp_path: Path) -> None:
    path = _write(tmp_path, """\
Metadata:
  lambda-advisor:
    ignore: [LA502]
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Metadata:
      lambda-advisor:
        ignore:
          - {id: LA205, reason: "batch job, reviewed"}
      cfn-lint:
        config:
          ignore_checks: [W3005, LA101, W9501]
    Properties: {Runtime: python3.12, Handler: a.h, Role: r, Code: {ZipFile: x}}
""")
    sup = _docs(path)["Fn"]["suppressions"]
    assert {(s["rule"], s["reason"]) for s in sup} == {("LA502", None), ("LA205", "batch job, reviewed"),
                                                      ("LA101", None), ("LA501", None)}  # W9501: the plugin's ID


def test_folder_walk_skips_non_templates_and_reports_broken_files() -> None:
    out = collect([FIXTURES / "mixed"])
    names = sorted(d["name"] for d in out.documents)
    assert names == ["JsonFn", "LongFn", "Slow"]
    assert len(out.errors) == 1
    err = out.errors[0]
    assert err.where.endswith("broken.yaml") and err.line == 7 and "cannot parse" in err.message
    assert any(s.endswith("docker-compose.yml") for s in out.skipped)
    assert out.notices == []  # nothing named explicitly: silent


def test_explicit_non_template_is_a_notice_not_an_error() -> None:
    out = collect([FIXTURES / "mixed" / "docker-compose.yml"])
    assert out.errors == [] and out.documents == []
    assert len(out.notices) == 1 and "not a CloudFormation" in out.notices[0]


def test_missing_path_is_an_error(tmp_path: Path) -> None:
    out = collect([tmp_path / "nope.yaml"])
    assert out.errors[0].message == "no such file or directory"


@pytest.mark.parametrize("text", [
    "Resources: [1, 2]",
    "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: [x]\n",
    "Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Environment: 3\n      Events: x\n",
    "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events: {E: {Type: SQS}}\n"
    "      Policies: [{Statement: 3}]\n      Layers: !Ref X\n      VpcConfig: {SubnetIds: !Ref S}\n",
])
def test_half_written_templates_never_crash(tmp_path: Path, text: str) -> None:
    loaded = load_template(_write(tmp_path, text), explicit=True)
    for doc in loaded.documents:
        validate_document(doc)


def test_json_templates_have_lines() -> None:
    docs = _docs(FIXTURES / "mixed" / "plain.json")
    assert docs["JsonFn"]["lines"]["/timeout_s"] == 10
    assert docs["JsonFn"]["role"]["logical_id"] == "Role"


def test_push_source_permissions_are_true_false_or_unknown(tmp_path: Path) -> None:
    head = """\
Parameters:
  Caller: {Type: String}
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.h, Role: r, Code: {ZipFile: x}}
  Api:
    Type: AWS::ApiGatewayV2::Integration
    Properties: {ApiId: x, IntegrationType: AWS_PROXY, IntegrationUri: !GetAtt Fn.Arn}
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      Subscription: [{Protocol: lambda, Endpoint: !GetAtt Fn.Arn}]
"""
    granted = head + """\
  ApiPermission:
    Type: AWS::Lambda::Permission
    Properties: {FunctionName: !Ref Fn, Action: lambda:InvokeFunction, Principal: apigateway.amazonaws.com}
"""
    sources = {s["type"]: s["has_permission"] for s in _docs(_write(tmp_path, granted))["Fn"]["event_sources"]}
    assert sources == {"http_api": True, "sns": False}  # HTTP APIs are granted to apigateway too
    unknown = granted + """\
  Other:
    Type: AWS::Lambda::Permission
    Properties: {FunctionName: !Ref Fn, Action: lambda:InvokeFunction, Principal: !Ref Caller}
"""
    sources = {s["type"]: s["has_permission"] for s in _docs(_write(tmp_path, unknown))["Fn"]["event_sources"]}
    assert sources == {"http_api": True, "sns": None}  # a principal we cannot read might be SNS


def test_log_group_retention_known_absent_or_unknown(tmp_path: Path) -> None:
    path = _write(tmp_path, """\
Resources:
  Plain:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: a.h, Role: r, Code: {ZipFile: x}}
  Shared:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: a.h
      Role: r
      Code: {ZipFile: x}
      LoggingConfig: {LogGroup: /org/shared-logs}
  Own:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: a.h
      Role: r
      Code: {ZipFile: x}
      LoggingConfig: {LogGroup: !Ref OwnLogs}
  OwnLogs:
    Type: AWS::Logs::LogGroup
    Properties: {RetentionInDays: 30}
""")
    docs = _docs(path)
    assert docs["Plain"]["logging"]["retention_days"] is False  # Lambda will create it, never expiring
    assert docs["Shared"]["logging"]["retention_days"] is None  # created outside this template
    assert docs["Own"]["logging"]["retention_days"] == 30


def test_an_inline_policy_named_with_sub_is_named_as_written(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("""\
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: !Sub snapshots-${AWS::StackName}
          PolicyDocument:
            Statement: [{Effect: Allow, Action: fsx:CreateSnapshot, Resource: "*"}]
  Fn:
    Type: AWS::Lambda::Function
    Properties: {Role: !GetAtt Role.Arn, Runtime: python3.13, Handler: a.h, Code: {ZipFile: x}}
""", encoding="utf-8")
    (doc,) = load_template(path, explicit=True).documents
    assert [st["origin"] for st in doc["role"]["statements"]] == ["inline policy !Sub snapshots-${AWS::StackName}"]
