"""Event sources: which services deliver events to a function, and how.

Event source mappings (pollers), S3 notifications, SNS subscriptions, EventBridge rules
and schedules, SES receipt rules, log subscription filters, IoT topic rules and Cognito
triggers are linked to the function they invoke.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambda_advisor.sources.sam import as_list, list_lines
from lambda_advisor.sources.template.base import as_props, res_props
from lambda_advisor.sources.template.features import FeatureParts

if TYPE_CHECKING:
    from lambda_advisor.sources.template.reader import TemplateReader

_ARN_SERVICE_TYPES = {"sqs": "sqs", "kinesis": "kinesis", "dynamodb": "dynamodb", "kafka": "kafka", "mq": "mq",
                      "rds": "docdb"}
_RESOURCE_TYPE_SOURCES = {"AWS::SQS::Queue": "sqs", "AWS::Kinesis::Stream": "kinesis",
                          "AWS::DynamoDB::Table": "dynamodb", "AWS::MSK::Cluster": "kafka",
                          "AWS::AmazonMQ::Broker": "mq", "AWS::DocDB::DBCluster": "docdb"}


class EventParts(FeatureParts):
    def _event_source(self, kind: str, invocation: str, name: str, source_node: Any,
                      line: int | None) -> dict[str, Any]:
        target = self.resolver.logical_target(source_node) if source_node is not None else None
        entry: dict[str, Any] = {
            "type": kind, "invocation": invocation, "name": name,
            "arn": self._value(source_node) if source_node is not None else None,
            "source_logical_id": target, "line": line, "enabled": True, "has_permission": None,
        }
        if kind == "sqs":
            entry["queue"] = self._queue_info(source_node)
        return entry

    def _poller_settings(self, entry: dict[str, Any], props: dict[str, Any]) -> None:
        if entry["invocation"] != "poll":
            return
        enabled = self._bool(props.get("Enabled"))
        entry["enabled"] = enabled is not False
        entry["batch_size"] = self._int(props.get("BatchSize"))
        types = props.get("FunctionResponseTypes")
        entry["function_response_types"] = [str(self.resolver.text(t)) for t in as_list(types)] \
            if types is not None else []
        entry["maximum_concurrency"] = self._int(as_props(props.get("ScalingConfig")).get("MaximumConcurrency"))
        entry["filters"] = [self._value(as_props(f).get("Pattern"))
                            for f in as_list(as_props(props.get("FilterCriteria")).get("Filters"))]
        if entry["type"] in ("kinesis", "dynamodb", "kafka", "docdb"):
            retries = self._int(props.get("MaximumRetryAttempts"))
            entry["maximum_retry_attempts"] = retries
            entry["bisect_on_error"] = bool(self._bool(props.get("BisectBatchOnFunctionError")))
            dest = as_props(as_props(props.get("DestinationConfig")).get("OnFailure")).get("Destination")
            entry["on_failure"] = self._value(dest) if dest is not None else False
        if entry["type"] == "kafka" and props.get("Topics") is not None:
            entry["topics"] = [self.resolver.text(t) for t in as_list(props.get("Topics"))]

    def _queue_info(self, node: Any) -> dict[str, Any]:
        target = self.resolver.logical_target(node)
        if target and self.resolver.resource_type(target) == "AWS::SQS::Queue":
            qprops = res_props(self.resources[target])
            redrive = qprops.get("RedrivePolicy")
            return {
                "name": self.resolver.text(qprops.get("QueueName")) or target,
                "logical_id": target,
                "redrive_policy": _redrive(self.resolver.value(redrive)) if redrive is not None else False,
                "visibility_timeout_s": self._int(qprops.get("VisibilityTimeout"))
                if "VisibilityTimeout" in qprops else 30,
                "line": self._res_line(target),
            }
        text = self.resolver.text(node)
        return {"name": text.rsplit(":", 1)[-1] if text else None, "logical_id": None, "redrive_policy": None,
                "visibility_timeout_s": None, "line": None}

    def add_event_source(self, fn: str, entry: dict[str, Any], line: int | None) -> None:
        """Add a source unless the same one is already wired (a SAM event and its API's OpenAPI route)."""
        doc = self.docs[fn]
        assert doc.event_sources is not None
        for existing in doc.event_sources:
            if (existing["type"] == entry["type"] and existing["invocation"] == entry["invocation"]
                    and existing.get("source_logical_id") is not None
                    and existing.get("source_logical_id") == entry.get("source_logical_id")):
                return
        doc.event_sources.append(entry)
        if line:
            doc.lines[f"/event_sources/{len(doc.event_sources) - 1}"] = line


def _link_esm(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(props.get("FunctionName"))
    if fn not in r.docs:
        # A mapping to a function made elsewhere still polls with these settings: evaluate what it says.
        fn = r.external_function(props.get("FunctionName"), lid, res)
    if fn is None:
        return
    source = props.get("EventSourceArn")
    kind = _mapping_kind(r, props, source)
    entry = r._event_source(kind, "poll", lid, source, r._res_line(lid))
    entry["qualifier"] = r.qualifier_for(props.get("FunctionName"))
    r._poller_settings(entry, props)
    r.add_event_source(fn, entry, r._res_line(lid))


def _mapping_kind(r: TemplateReader, props: dict[str, Any], source: Any) -> str:
    """What an event source mapping polls: from the source resource, its ARN, or its own settings."""
    target = r.resolver.logical_target(source) if source is not None else None
    if target and r.resolver.resource_type(target) in _RESOURCE_TYPE_SOURCES:
        return _RESOURCE_TYPE_SOURCES[r.resolver.resource_type(target) or ""]
    value = r.resolver.value(source) if source is not None else None
    text = value.get("unresolved", "") if isinstance(value, dict) else str(value or "")
    parts = text.split(":")
    if len(parts) > 2 and parts[2] in _ARN_SERVICE_TYPES:
        return _ARN_SERVICE_TYPES[parts[2]]
    if "SelfManagedEventSource" in props or "AmazonManagedKafkaEventSourceConfig" in props or "Topics" in props:
        return "kafka"
    if "Queues" in props:
        return "mq"
    if "DocumentDBEventSourceConfig" in props:
        return "docdb"
    if "StartingPosition" not in props:
        return "sqs"  # every other poller needs a starting position
    return "other"


def _link_bucket(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    configs = as_props(props.get("NotificationConfiguration")).get("LambdaConfigurations")
    lines = list_lines(configs, r._res_line(lid))
    for i, cfg in enumerate(as_list(configs)):
        fn = r.function_for(as_props(cfg).get("Function"))
        if fn in r.docs:
            entry = r._event_source("s3", "async", lid, {"Ref": lid}, lines[i])
            entry["qualifier"] = r.qualifier_for(as_props(cfg).get("Function"))
            r.add_event_source(fn, entry, lines[i])


def _link_sns(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    if res["Type"] == "AWS::SNS::Subscription":
        subs = [(props, r._res_line(lid), props.get("TopicArn"))]
    else:
        items = props.get("Subscription")
        lines = list_lines(items, r._res_line(lid))
        subs = [(as_props(s), lines[i], {"Ref": lid}) for i, s in enumerate(as_list(items))]
    for sub, line, topic in subs:
        if (r.resolver.text(sub.get("Protocol")) or "").lower() != "lambda":
            continue
        fn = r.function_for(sub.get("Endpoint"))
        if fn in r.docs:
            entry = r._event_source("sns", "async", lid, topic, line)
            entry["qualifier"] = r.qualifier_for(sub.get("Endpoint"))
            r.add_event_source(fn, entry, line)


def _link_rule(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    targets = props.get("Targets")
    lines = list_lines(targets, r._res_line(lid))
    kind = "schedule" if "ScheduleExpression" in props else "eventbridge"
    for i, target in enumerate(as_list(targets)):
        fn = r.function_for(as_props(target).get("Arn"))
        if fn in r.docs:
            entry = r._event_source(kind, "async", lid, {"Ref": lid}, lines[i])
            entry["qualifier"] = r.qualifier_for(as_props(target).get("Arn"))
            r.add_event_source(fn, entry, lines[i])


def _link_scheduler(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(as_props(props.get("Target")).get("Arn"))
    if fn in r.docs:
        entry = r._event_source("schedule", "async", lid, {"Ref": lid}, r._res_line(lid))
        entry["qualifier"] = r.qualifier_for(as_props(props.get("Target")).get("Arn"))
        entry["has_permission"] = True  # EventBridge Scheduler invokes through its own role
        r.add_event_source(fn, entry, r._res_line(lid))


def _link_ses(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    actions = as_props(props.get("Rule")).get("Actions")
    stored_first = False
    lines = list_lines(actions, r._res_line(lid))
    for i, action in enumerate(as_list(actions)):
        action = as_props(action)
        if "S3Action" in action:
            stored_first = True
        lam = as_props(action.get("LambdaAction"))
        fn = r.function_for(lam.get("FunctionArn")) if lam else None
        if fn in r.docs:
            invocation = "sync" if r.resolver.text(lam.get("InvocationType")) == "RequestResponse" else "async"
            entry = r._event_source("ses", invocation, lid, None, lines[i])
            entry["qualifier"] = r.qualifier_for(lam.get("FunctionArn"))
            r.add_event_source(fn, entry, lines[i])
            r.docs[fn].extra.setdefault("ses_stores_to_s3_first", {})[lid] = stored_first


def _link_subscription_filter(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(props.get("DestinationArn"))
    if fn in r.docs:
        r.add_event_source(fn, r._event_source("logs", "async", lid, props.get("LogGroupName"), r._res_line(lid)),
                           r._res_line(lid))


def _link_iot(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    actions = as_props(props.get("TopicRulePayload")).get("Actions")
    for action in as_list(actions):
        fn = r.function_for(as_props(as_props(action).get("Lambda")).get("FunctionArn"))
        if fn in r.docs:
            r.add_event_source(fn, r._event_source("iot", "async", lid, {"Ref": lid}, r._res_line(lid)),
                               r._res_line(lid))


def _link_iot_authorizer(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    """An IoT custom authorizer: IoT waits for its answer before it lets a device connect (synchronous)."""
    fn = r.function_for(props.get("AuthorizerFunctionArn"))
    if fn in r.docs:
        r.add_event_source(fn, r._event_source("iot", "sync", lid, {"Ref": lid}, r._res_line(lid)),
                           r._res_line(lid))


def link_custom_resource(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    """A custom resource (``Custom::*``, ``AWS::CloudFormation::CustomResource``): CloudFormation invokes
    its ServiceToken function asynchronously on each create, update and delete of the stack."""
    fn = r.function_for(props.get("ServiceToken"))
    if fn in r.docs:
        r.add_event_source(fn, r._event_source("cloudformation", "async", lid, {"Ref": lid}, r._res_line(lid)),
                           r._res_line(lid))


def _link_user_pool(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    for trigger, value in as_props(props.get("LambdaConfig")).items():
        fn = r.function_for(value)
        if fn in r.docs:
            r.add_event_source(fn, r._event_source("cognito", "sync", f"{lid}.{trigger}", {"Ref": lid},
                                                   r._res_line(lid)), r._res_line(lid))



LINKERS: dict[str, Callable[[TemplateReader, str, dict[str, Any], dict[str, Any]], None]] = {
    "AWS::Lambda::EventSourceMapping": _link_esm,
    "AWS::S3::Bucket": _link_bucket,
    "AWS::SNS::Subscription": _link_sns,
    "AWS::SNS::Topic": _link_sns,
    "AWS::Events::Rule": _link_rule,
    "AWS::Scheduler::Schedule": _link_scheduler,
    "AWS::SES::ReceiptRule": _link_ses,
    "AWS::Logs::SubscriptionFilter": _link_subscription_filter,
    "AWS::IoT::TopicRule": _link_iot,
    "AWS::IoT::Authorizer": _link_iot_authorizer,
    "AWS::Cognito::UserPool": _link_user_pool,
    "AWS::CloudFormation::CustomResource": link_custom_resource,
}


def _redrive(value: Any) -> dict[str, Any] | bool | None:
    """A queue's RedrivePolicy: a mapping, or the JSON text CloudFormation also accepts; unknown otherwise."""
    if isinstance(value, dict):
        return value
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return None
        return parsed if isinstance(parsed, dict) else None
    return None
