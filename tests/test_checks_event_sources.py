"""LA201, LA202, LA203 and LA205 on hand-built documents."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lambda_advisor.checks import Context
from lambda_advisor.checks.async_errors import (
    async_invokers,
    failure_handling,
    unhandled_async_failures,
)
from lambda_advisor.checks.event_sources import value_name
from lambda_advisor.checks.queues import sqs_without_redrive
from lambda_advisor.checks.streams import stream_failures
from lambda_advisor.engine import Engine, load_rules, select_rules

CTX = Context(params={}, today=date(2026, 11, 22))


def doc(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "t.yaml#Fn", "name": "Fn", "event_sources": [], "resource_policy": [],
                            "dead_letter_target": False, "event_invoke": False, "lines": {},
                            "source": {"kind": "template", "file": "t.yaml", "line": 5, "logical_id": "Fn"},
                            "suppressions": []}
    base.update(fields)
    return base


S3 = {"type": "s3", "invocation": "async", "name": "UploadEvent"}
SNS = {"type": "sns", "invocation": "async", "name": "Alerts"}
API = {"type": "api", "invocation": "sync", "name": "GetItem"}
SQS = {"type": "sqs", "invocation": "poll", "name": "Jobs",
       "queue": {"logical_id": "JobsQueue", "name": None, "redrive_policy": False}}


# LA201 ----------------------------------------------------------------------------------------

def test_async_without_handling_names_the_invokers() -> None:
    hits = list(unhandled_async_failures(doc(event_sources=[S3, SNS, API]), CTX))
    assert len(hits) == 1
    assert "invoked asynchronously by S3 (UploadEvent) and SNS (Alerts)" in hits[0].message
    assert "after 2 retries" in hits[0].message
    assert hits[0].pointer is None


@pytest.mark.parametrize("sources", [[API], [SQS], [API, SQS], []])
def test_sync_and_poll_only_functions_never_fire(sources: list[dict[str, Any]]) -> None:
    assert list(unhandled_async_failures(doc(event_sources=sources), CTX)) == []


@pytest.mark.parametrize(("dlq", "invoke"), [
    ("arn:aws:sqs:us-east-1:1:dlq", False),
    ({"unresolved": "!GetAtt Dlq.Arn"}, False),
    (False, {"on_failure": {"unresolved": "!GetAtt Failures.Arn"}, "maximum_retry_attempts": 1}),
    (None, False),  # DLQ not known: no finding
    (False, None),  # event invoke config not known
    (False, {"maximum_retry_attempts": 0}),  # on_failure not stated: unknown
])
def test_handled_or_unknown_does_not_fire(dlq: Any, invoke: Any) -> None:
    d = doc(event_sources=[S3], dead_letter_target=dlq, event_invoke=invoke)
    assert list(unhandled_async_failures(d, CTX)) == []


def test_known_absent_on_failure_in_event_invoke_fires_with_retries() -> None:
    d = doc(event_sources=[S3], event_invoke={"on_failure": False, "maximum_retry_attempts": 0})
    assert failure_handling(d) is False
    (hit,) = unhandled_async_failures(d, CTX)
    assert "on the first failure" in hit.message


def test_permission_for_an_async_service_counts() -> None:
    stmt = {"effect": "Allow", "actions": ["lambda:InvokeFunction"], "resources": ["*"],
            "principal": "events.amazonaws.com", "sid": "NightlyPermission"}
    (hit,) = unhandled_async_failures(doc(resource_policy=[stmt]), CTX)
    assert "EventBridge (permission NightlyPermission)" in hit.message


def test_permission_of_a_known_event_is_not_named_twice() -> None:
    stmt = {"effect": "Allow", "actions": ["lambda:InvokeFunction"], "resources": ["*"],
            "principal": "s3.amazonaws.com", "sid": "UploadPermission"}
    assert async_invokers(doc(event_sources=[S3], resource_policy=[stmt])) == {"s3": ["UploadEvent"]}


def test_permission_for_sync_service_does_not_count() -> None:
    stmt = {"effect": "Allow", "actions": ["lambda:InvokeFunction"], "resources": ["*"],
            "principal": "apigateway.amazonaws.com"}
    assert async_invokers(doc(resource_policy=[stmt])) == {}


# LA202 ----------------------------------------------------------------------------------------

def test_sqs_without_redrive_points_at_the_event_source() -> None:
    (hit,) = sqs_without_redrive(doc(event_sources=[API, SQS]), CTX)
    assert hit.pointer == "/event_sources/1"
    assert "SQS queue JobsQueue (event Jobs)" in hit.message
    assert hit.subject == "sqs:JobsQueue"


@pytest.mark.parametrize("queue", [
    None,
    {"logical_id": "Q", "redrive_policy": None},
    {"logical_id": "Q", "redrive_policy": {"maxReceiveCount": 5, "deadLetterTargetArn": "arn:x"}},
])
def test_sqs_with_redrive_or_unknown_queue_passes(queue: Any) -> None:
    source = {**SQS, "queue": queue}
    assert list(sqs_without_redrive(doc(event_sources=[source]), CTX)) == []


# LA203 ----------------------------------------------------------------------------------------

KINESIS = {"type": "kinesis", "invocation": "poll", "name": "Clicks",
           "arn": {"unresolved": "!GetAtt ClickStream.Arn",
                   "refs": [{"logical_id": "ClickStream", "type": "AWS::Kinesis::Stream", "attribute": "Arn"}]},
           "source_logical_id": None, "on_failure": False, "maximum_retry_attempts": None,
           "bisect_on_error": False}


def test_stream_without_anything_lists_both_problems() -> None:
    (hit,) = stream_failures(doc(event_sources=[KINESIS]), CTX)
    assert "Kinesis stream ClickStream" in hit.message
    assert "no on-failure destination" in hit.message and "unbounded retries" in hit.message
    assert hit.pointer == "/event_sources/0"


def test_stream_with_destination_but_unbounded_retries_fires() -> None:
    source = {**KINESIS, "on_failure": "arn:aws:sqs:us-east-1:1:f", "maximum_retry_attempts": -1}
    (hit,) = stream_failures(doc(event_sources=[source]), CTX)
    assert "no on-failure" not in hit.message and "unbounded retries" in hit.message


@pytest.mark.parametrize("change", [
    {"on_failure": "arn:aws:sqs:us-east-1:1:f", "maximum_retry_attempts": 3},
    {"on_failure": "arn:aws:sqs:us-east-1:1:f", "bisect_on_error": True},
    {"on_failure": None, "maximum_retry_attempts": 3},
])
def test_bounded_stream_with_destination_passes(change: dict[str, Any]) -> None:
    assert list(stream_failures(doc(event_sources=[{**KINESIS, **change}]), CTX)) == []


def test_dynamodb_stream_named_from_arn() -> None:
    source = {**KINESIS, "type": "dynamodb",
              "arn": "arn:aws:dynamodb:us-east-1:1:table/Orders/stream/2024-01-01T00:00:00.000"}
    (hit,) = stream_failures(doc(event_sources=[source]), CTX)
    assert "DynamoDB Streams stream Orders" in hit.message


def test_value_name() -> None:
    assert value_name("arn:aws:sqs:us-east-1:1:jobs") == "jobs"
    assert value_name("arn:aws:kinesis:us-east-1:1:stream/clicks") == "clicks"
    assert value_name(None) is None


# LA205 ----------------------------------------------------------------------------------------

def _la205(d: dict[str, Any], threshold: int | None = None) -> list[Any]:
    from lambda_advisor.engine import RunOptions

    params = {"LA205": {"threshold_s": threshold}} if threshold else {}
    return Engine(select_rules(load_rules(), ["LA205"]), RunOptions(params=params)).run([d])


def test_timeout_at_threshold_fires_and_points_at_globals_when_inherited() -> None:
    d = doc(timeout_s=900, lines={"/timeout_s": 7}, inherited={"/timeout_s": "Globals"})
    (f,) = _la205(d)
    assert f.location.line == 7 and f.location.inherited_from == "Globals"
    assert "timeout of 900 s" in f.message and "840 s" in f.message
    assert "Step Functions" in f.fix and "Fargate" in f.fix


@pytest.mark.parametrize("timeout", [None, 3, 839])
def test_timeout_below_threshold_or_unknown_passes(timeout: Any) -> None:
    assert _la205(doc(timeout_s=timeout)) == []


def test_timeout_threshold_is_a_param() -> None:
    assert len(_la205(doc(timeout_s=600), threshold=300)) == 1


def test_events_permission_of_a_schedule_is_not_named_twice() -> None:
    schedule = {"type": "schedule", "invocation": "async", "name": "Nightly"}
    stmt = {"effect": "Allow", "actions": ["lambda:InvokeFunction"], "resources": ["*"],
            "principal": "events.amazonaws.com", "origin": "SAM event Nightly"}
    assert async_invokers(doc(event_sources=[schedule], resource_policy=[stmt])) == {"schedule": ["Nightly"]}
