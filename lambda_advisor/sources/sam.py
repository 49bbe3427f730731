"""What SAM means by its shorthand: Globals, Events, Policies.

Read natively rather than through aws-sam-translator, so each value keeps the
line it was written on (a test checks we agree with the translator).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lambda_advisor.sources.intrinsics import is_intrinsic
from lambda_advisor.sources.yaml_loader import LineDict, LineList

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"


class MergedDict(LineDict):
    """A mapping whose keys may come from ``Globals``; ``inherited`` names them."""

    __slots__ = ("inherited",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.inherited: set[Any] = set()


def is_sam(template: dict[str, Any]) -> bool:
    transform = template.get("Transform")
    items = transform if isinstance(transform, list) else [transform]
    return any(isinstance(t, str) and t == SAM_TRANSFORM for t in items)


def merge_globals(glob: Any, local: Any) -> Any:
    """SAM's rule: maps merge (local wins), lists append (globals first), anything else: local wins."""
    if isinstance(glob, dict) and isinstance(local, dict) and not is_intrinsic(glob) and not is_intrinsic(local):
        out = MergedDict()
        out.line = local.line if isinstance(local, LineDict) else 0
        for key, value in glob.items():
            out[key] = value
            out.key_lines[key] = glob.line_of(key) if isinstance(glob, LineDict) else 0
            out.inherited.add(key)
        for key, value in local.items():
            if key in out:
                out[key] = merge_globals(out[key], value)
                out.inherited.discard(key)
            else:
                out[key] = value
            out.key_lines[key] = local.line_of(key) if isinstance(local, LineDict) else 0
        return out
    if isinstance(glob, list) and isinstance(local, list):
        merged = LineList([*glob, *local])
        merged.line = local.line if isinstance(local, LineList) else 0
        merged.item_lines = [*(glob.item_lines if isinstance(glob, LineList) else [0] * len(glob)),
                             *(local.item_lines if isinstance(local, LineList) else [0] * len(local))]
        return merged
    return local


#: SAM event type -> (our type, invocation, service principal SAM grants, or None)
EVENT_TYPES: dict[str, tuple[str, str, str | None]] = {
    "S3": ("s3", "async", "s3.amazonaws.com"),
    "SNS": ("sns", "async", "sns.amazonaws.com"),
    "Kinesis": ("kinesis", "poll", None),
    "DynamoDB": ("dynamodb", "poll", None),
    "SQS": ("sqs", "poll", None),
    "MSK": ("kafka", "poll", None),
    "SelfManagedKafka": ("kafka", "poll", None),
    "MQ": ("mq", "poll", None),
    "DocumentDB": ("docdb", "poll", None),
    "Api": ("api", "sync", "apigateway.amazonaws.com"),
    "HttpApi": ("http_api", "sync", "apigateway.amazonaws.com"),
    "Schedule": ("schedule", "async", "events.amazonaws.com"),
    "ScheduleV2": ("schedule", "async", None),
    "CloudWatchEvent": ("eventbridge", "async", "events.amazonaws.com"),
    "EventBridgeRule": ("eventbridge", "async", "events.amazonaws.com"),
    "CloudWatchLogs": ("logs", "async", "logs.amazonaws.com"),
    "IoTRule": ("iot", "async", "iot.amazonaws.com"),
    "AlexaSkill": ("alexa", "sync", "alexa-appkit.amazon.com"),
    "Cognito": ("cognito", "sync", "cognito-idp.amazonaws.com"),
}

#: Which property of a SAM event names its source, by event type.
EVENT_SOURCE_PROPERTY = {
    "S3": "Bucket", "SNS": "Topic", "Kinesis": "Stream", "DynamoDB": "Stream", "SQS": "Queue",
    "MSK": "Stream", "MQ": "Broker", "DocumentDB": "Cluster", "Api": "RestApiId", "HttpApi": "ApiId",
    "CloudWatchLogs": "LogGroupName", "Cognito": "UserPool", "EventBridgeRule": "EventBusName",
}

_PART = "arn:${AWS::Partition}"
_REGION_ACCOUNT = "${AWS::Region}:${AWS::AccountId}"

#: SAM policy template -> (actions, resource pattern using {Param}); see the SAM policy templates table.
POLICY_TEMPLATES: dict[str, tuple[list[str], list[str]]] = {
    "LambdaInvokePolicy": (["lambda:InvokeFunction"],
                           [f"{_PART}:lambda:{_REGION_ACCOUNT}:function:{{FunctionName}}*"]),
    "SQSPollerPolicy": (["sqs:ChangeMessageVisibility", "sqs:ChangeMessageVisibilityBatch", "sqs:DeleteMessage",
                         "sqs:DeleteMessageBatch", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"],
                        [f"{_PART}:sqs:{_REGION_ACCOUNT}:{{QueueName}}"]),
    "SQSSendMessagePolicy": (["sqs:SendMessage*"], [f"{_PART}:sqs:{_REGION_ACCOUNT}:{{QueueName}}"]),
    "SNSPublishMessagePolicy": (["sns:Publish"], [f"{_PART}:sns:{_REGION_ACCOUNT}:{{TopicName}}"]),
    "AWSSecretsManagerGetSecretValuePolicy": (["secretsmanager:GetSecretValue"], ["{SecretArn}"]),
    "AWSSecretsManagerRotationPolicy": (["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue",
                                         "secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage"],
                                        [f"{_PART}:secretsmanager:{_REGION_ACCOUNT}:secret:*"]),
    "SSMParameterReadPolicy": (["ssm:DescribeParameters", "ssm:GetParameters", "ssm:GetParameter",
                                "ssm:GetParametersByPath"],
                               [f"{_PART}:ssm:{_REGION_ACCOUNT}:parameter/{{ParameterName}}"]),
    "DynamoDBCrudPolicy": (["dynamodb:GetItem", "dynamodb:DeleteItem", "dynamodb:PutItem", "dynamodb:Scan",
                            "dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem",
                            "dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:ConditionCheckItem"],
                           [f"{_PART}:dynamodb:{_REGION_ACCOUNT}:table/{{TableName}}"]),
    "DynamoDBReadPolicy": (["dynamodb:GetItem", "dynamodb:Scan", "dynamodb:Query", "dynamodb:BatchGetItem",
                            "dynamodb:DescribeTable"],
                           [f"{_PART}:dynamodb:{_REGION_ACCOUNT}:table/{{TableName}}"]),
    "DynamoDBWritePolicy": (["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"],
                            [f"{_PART}:dynamodb:{_REGION_ACCOUNT}:table/{{TableName}}"]),
    "S3ReadPolicy": (["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion",
                      "s3:GetLifecycleConfiguration"],
                     [f"{_PART}:s3:::{{BucketName}}", f"{_PART}:s3:::{{BucketName}}/*"]),
    "S3WritePolicy": (["s3:PutObject", "s3:PutObjectAcl", "s3:PutLifecycleConfiguration"],
                      [f"{_PART}:s3:::{{BucketName}}", f"{_PART}:s3:::{{BucketName}}/*"]),
    "S3CrudPolicy": (["s3:GetObject", "s3:ListBucket", "s3:GetBucketLocation", "s3:GetObjectVersion",
                      "s3:PutObject", "s3:PutObjectAcl", "s3:GetLifecycleConfiguration",
                      "s3:PutLifecycleConfiguration", "s3:DeleteObject"],
                     [f"{_PART}:s3:::{{BucketName}}", f"{_PART}:s3:::{{BucketName}}/*"]),
    "KMSDecryptPolicy": (["kms:Decrypt"], [f"{_PART}:kms:{_REGION_ACCOUNT}:key/{{KeyId}}"]),
    "StepFunctionsExecutionPolicy": (["states:StartExecution"],
                                     [f"{_PART}:states:{_REGION_ACCOUNT}:stateMachine:{{StateMachineName}}"]),
    "EventBridgePutEventsPolicy": (["events:PutEvents"],
                                   [f"{_PART}:events:{_REGION_ACCOUNT}:event-bus/{{EventBusName}}"]),
    "KinesisStreamReadPolicy": (["kinesis:ListStreams", "kinesis:DescribeLimits", "kinesis:DescribeStream",
                                 "kinesis:DescribeStreamSummary", "kinesis:GetRecords", "kinesis:GetShardIterator"],
                                [f"{_PART}:kinesis:{_REGION_ACCOUNT}:stream/{{StreamName}}"]),
    "VPCAccessPolicy": (["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
                         "ec2:DescribeNetworkInterfaces", "ec2:DetachNetworkInterface"], ["*"]),
    "CloudWatchPutMetricPolicy": (["cloudwatch:PutMetricData"], ["*"]),
}

#: AWS managed policies whose content matters to our rules (the rest are 'not known').
KNOWN_MANAGED_POLICIES: dict[str, list[tuple[list[str], list[str]]]] = {
    "AWSLambdaBasicExecutionRole": [(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"], ["*"])],
    "AWSLambdaBasicDurableExecutionRolePolicy": [(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents",
                                                   "lambda:CheckpointDurableExecution",
                                                   "lambda:GetDurableExecutionState"], ["*"])],
    "AWSLambdaRole": [(["lambda:InvokeFunction"], ["*"])],
    "AWSLambda_FullAccess": [(["lambda:*"], ["*"])],
    "AdministratorAccess": [(["*"], ["*"])],
    "AWSXrayWriteOnlyAccess": [(["xray:PutTraceSegments", "xray:PutTelemetryRecords"], ["*"])],
    "AWSLambdaSQSQueueExecutionRole": [(["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], ["*"])],
    "AWSLambdaKinesisExecutionRole": [(["kinesis:DescribeStream", "kinesis:GetRecords", "kinesis:GetShardIterator",
                                        "kinesis:ListStreams"], ["*"])],
    "AWSLambdaDynamoDBExecutionRole": [(["dynamodb:DescribeStream", "dynamodb:GetRecords",
                                         "dynamodb:GetShardIterator", "dynamodb:ListStreams"], ["*"])],
    "AWSLambdaVPCAccessExecutionRole": [(["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces",
                                          "ec2:DeleteNetworkInterface"], ["*"])],
}

#: Managed policies SAM attaches by itself to the role it creates, by event type.
IMPLICIT_EVENT_POLICIES = {
    "SQS": "AWSLambdaSQSQueueExecutionRole",
    "Kinesis": "AWSLambdaKinesisExecutionRole",
    "DynamoDB": "AWSLambdaDynamoDBExecutionRole",
}


def generated_names(template: dict[str, Any]) -> Callable[[str], tuple[str, str] | None]:
    """What SAM's own names for a function's alias and version stand for.

    ``!Ref Fn.Alias`` / ``!Ref Fn.Version`` (AutoPublishAlias) and the logical IDs SAM gives them,
    ``FnAlias<name>`` (``-`` as ``D``, ``_`` as ``U``) and ``FnVersion<10 hex>``, name function ``Fn``.
    """
    resources = template.get("Resources")
    known: dict[str, tuple[str, str]] = {}
    prefixes: list[str] = []
    glob = template.get("Globals")
    glob_fn = glob.get("Function") if isinstance(glob, dict) else None
    default_alias = glob_fn.get("AutoPublishAlias") if isinstance(glob_fn, dict) else None
    if is_sam(template) and isinstance(resources, dict):
        for lid, res in resources.items():
            if not (isinstance(res, dict) and res.get("Type") == "AWS::Serverless::Function"):
                continue
            props = res.get("Properties")
            known[f"{lid}.Alias"] = (lid, "Alias")
            known[f"{lid}.Version"] = (lid, "Version")
            alias = props.get("AutoPublishAlias", default_alias) if isinstance(props, dict) else default_alias
            if isinstance(alias, str):
                known[f"{lid}Alias{alias.replace('-', 'D').replace('_', 'U')}"] = (lid, "Alias")
            prefixes.append(re.escape(lid))
    versions = re.compile(rf"({'|'.join(prefixes)})Version[0-9a-f]{{10}}") if prefixes else None

    def lookup(name: str) -> tuple[str, str] | None:
        if name in known:
            return known[name]
        m = versions.fullmatch(name) if versions is not None else None
        return (m.group(1), "Version") if m else None

    return lookup


def managed_policy_name(value: Any) -> str | None:
    """``arn:aws:iam::aws:policy/service-role/AWSLambdaRole`` → ``AWSLambdaRole``."""
    if not isinstance(value, str):
        return None
    if value.startswith("arn:"):
        if ":iam::aws:policy/" not in value:
            return None
        return value.rsplit("/", 1)[-1]
    return value


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def list_lines(container: Any, fallback: int) -> list[int]:
    if isinstance(container, LineList):
        return [container.line_of(i) for i in range(len(container))]
    return [fallback] * len(as_list(container))
