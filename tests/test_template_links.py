"""How the template source links resources to functions: what the rule fixtures cannot show by line alone."""

from __future__ import annotations

from pathlib import Path

from test_template_source import _docs, _write

from lambda_advisor.sources.package import inspect_inline

RULE_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"


def test_sqs_subscription_names_the_queue_sam_creates() -> None:
    doc = _docs(RULE_FIXTURES / "LA202-sns-sqs-subscription.fail.yaml")["OrderFunction"]
    (source,) = doc["event_sources"]
    assert (source["type"], source["invocation"]) == ("sqs", "poll")
    assert source["queue"]["name"] == source["queue"]["logical_id"] == "OrderFunctionOrdersQueue"
    assert "sqs:ReceiveMessage" in {a for st in doc["role"]["statements"] for a in st["actions"]}


def test_connector_policies_land_on_the_role_of_the_side_the_profile_names(tmp_path: Path) -> None:
    docs = _docs(_write(tmp_path, """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Jobs:
    Type: AWS::SQS::Queue
    Connectors:
      ToWorker:
        Properties:
          Destination: {Id: Worker}
          Permissions: [Read, Write]
  Table:
    Type: AWS::DynamoDB::Table
  Worker:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.13, Handler: app.handler, CodeUri: s3://b/k.zip}
  WorkerReadsTable:
    Type: AWS::Serverless::Connector
    Properties:
      Source: {Id: Worker}
      Destination: {Id: Table}
      Permissions: [Read]
"""))
    worker = docs["Worker"]
    by_origin: dict[str, set[str]] = {}
    for st in worker["role"]["statements"]:
        by_origin.setdefault(st["origin"], set()).update(st["actions"])
    # SQS -> function: the destination function's role may poll the queue (SourcePolicy false).
    assert by_origin["SAM connector JobsToWorker"] == {"sqs:ReceiveMessage", "sqs:GetQueueAttributes",
                                                       "sqs:DeleteMessage"}
    # function -> table, Read only: no write actions.
    assert "dynamodb:GetItem" in by_origin["SAM connector WorkerReadsTable"]
    assert "dynamodb:PutItem" not in by_origin["SAM connector WorkerReadsTable"]
    table_stmt = next(st for st in worker["role"]["statements"] if st["origin"] == "SAM connector WorkerReadsTable")
    assert {r["refs"][0]["logical_id"] for r in table_stmt["resources"]} == {"Table"}
    assert worker["role"]["complete"] is True


def test_external_function_document_knows_only_the_mapping() -> None:
    docs = _docs(RULE_FIXTURES / "LA203-external-function.fail.yaml")
    assert set(docs) == {"clicks-consumer", "jobs-worker", "!Ref ConsumerArn"}
    worker = docs["jobs-worker"]  # from arn:...:function:jobs-worker:live
    assert worker["extra"]["external"] is True and worker["source"]["logical_id"] is None
    assert worker["timeout_s"] is None and worker["role"] is None and worker["runtime"] is None
    assert [s["type"] for s in worker["event_sources"]] == ["sqs"]


def test_inline_code_lines_map_into_the_template(tmp_path: Path) -> None:
    docs = _docs(_write(tmp_path, """\
{
  "Resources": {
    "Fn": {
      "Type": "AWS::Lambda::Function",
      "Properties": {
        "Runtime": "nodejs22.x", "Handler": "index.handler", "Role": "arn:aws:iam::1:role/r",
        "Code": {"ZipFile": "const { LambdaClient, InvokeCommand } = require('@aws-sdk/client-lambda');\\nconst c = new LambdaClient();\\nexports.handler = async () => c.send(new InvokeCommand({FunctionName: 'other'}));\\n"}
      }
    }
  }
}
""", "template.json"))
    doc = docs["Fn"]
    assert doc["extra"]["inline_code"]["block"] is False
    assert inspect_inline(doc)
    (call,) = doc["code"]["inspection"]["invoke_calls"]
    assert (call["path"], call["line"], call["target"]) == ("template.json", 7, "other")


def test_websocket_and_iot_authorizer_are_told_apart() -> None:
    docs = _docs(RULE_FIXTURES / "LA206-http-api-v2.fail.yaml")
    assert [s["type"] for s in docs["ChatFunction"]["event_sources"]] == ["websocket_api"]
    assert [s["type"] for s in docs["OrdersFunction"]["event_sources"]] == ["http_api"]
    auth = _docs(RULE_FIXTURES / "LA201-iot-authorizer.pass.yaml")
    assert {(s["type"], s["invocation"]) for s in auth["AuthFunction"]["event_sources"]} == {("iot", "sync")}
    assert {(s["type"], s["invocation"]) for s in auth["LegacyAuthFunction"]["event_sources"]} == {("iot", "sync")}


def test_globals_auto_publish_alias_names_the_generated_alias(tmp_path: Path) -> None:
    docs = _docs(_write(tmp_path, """\
Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {AutoPublishAlias: live_v2}
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.13, Handler: app.handler, CodeUri: s3://b/k.zip}
  Url:
    Type: AWS::Lambda::Url
    Properties: {TargetFunctionArn: !Ref FnAliasliveUv2, AuthType: AWS_IAM}
  Version:
    Type: AWS::Lambda::Permission
    Properties: {FunctionName: !Ref FnVersion0123456789, Action: lambda:InvokeFunction, Principal: "*"}
"""))
    fn = docs["Fn"]
    assert fn["url"]["auth_type"] == "AWS_IAM"
    assert [st["sid"] for st in fn["resource_policy"]] == ["Version"]


def test_one_principal_table_tells_an_iot_authorizer_from_a_rule_for_every_source() -> None:
    from lambda_advisor.sources.account import SERVICE_SOURCES
    from lambda_advisor.sources.principals import INVOKERS, invoker

    assert SERVICE_SOURCES is INVOKERS  # live audits read resource policies with the same table
    assert invoker("iot.amazonaws.com", "arn:aws:iot:eu-west-1:123456789012:authorizer/devices") == ("iot", "sync")
    assert invoker("iot.amazonaws.com", "arn:aws:iot:eu-west-1:123456789012:rule/ingest") == ("iot", "async")
    assert invoker("alexa-appkit.amazon.com") == ("alexa", "sync")
    assert invoker("example.amazonaws.com") is None
