"""How event-source checks name things: a queue, a stream, an invoker, as a user would say it."""

from __future__ import annotations

from typing import Any

#: event_source.type -> how AWS calls the service.
SERVICE_NAMES = {
    "s3": "S3", "sns": "SNS", "eventbridge": "EventBridge", "schedule": "EventBridge schedule",
    "ses": "SES", "iot": "IoT", "logs": "CloudWatch Logs", "cloudwatch_alarm": "CloudWatch alarm",
    "codecommit": "CodeCommit", "config": "AWS Config", "sqs": "SQS", "kinesis": "Kinesis",
    "dynamodb": "DynamoDB Streams", "cognito": "Cognito", "alexa": "Alexa", "lex": "Lex",
    "secretsmanager": "Secrets Manager", "api": "API Gateway", "http_api": "API Gateway HTTP API",
    "websocket_api": "API Gateway WebSocket API",
    "cloudformation": "CloudFormation custom resource",
    "alb": "ALB", "url": "function URL", "kafka": "Kafka", "mq": "Amazon MQ", "docdb": "DocumentDB",
}


def value_name(value: Any) -> str | None:
    """A readable name for an ARN, a literal, or an unresolved reference (its logical ID)."""
    if isinstance(value, dict):
        refs = value.get("refs") or []
        if refs:
            return str(refs[0]["logical_id"])
        text = value.get("unresolved")
        return str(text) if text else None
    if isinstance(value, str) and value:
        if value.startswith("arn:"):
            resource = value.split(":", 5)[-1]
            # kinesis stream/name, dynamodb table/Name/stream/2024-…, kafka cluster/name/uuid, sqs name, sns topic name
            parts = resource.split("/")
            if len(parts) >= 2 and parts[0] in ("stream", "table", "cluster"):
                return parts[1]
            return parts[-1]
        return value
    return None


def source_label(source: dict[str, Any]) -> str:
    """``UploadEvent`` for a SAM event, else the source's logical ID or ARN name."""
    return (source.get("name") or source.get("source_logical_id") or value_name(source.get("arn"))
            or source.get("type") or "event source")


def queue_label(source: dict[str, Any]) -> str:
    queue = source.get("queue") or {}
    return str(queue.get("name") or queue.get("logical_id") or value_name(source.get("arn")) or "queue")


def stream_label(source: dict[str, Any]) -> str:
    return str(source.get("source_logical_id") or value_name(source.get("arn")) or source.get("name")
               or "stream")
