"""LA203: a Kinesis or DynamoDB stream source that keeps its failures and cannot block its shard."""

from __future__ import annotations

from typing import Any

from lambda_advisor.checks.event_sources import stream_label
from lambda_advisor.checks.streams import STREAM_TYPES
from lambda_advisor.fixes import FixContext
from lambda_advisor.fixes.resources import add_queue, grant, queue_arn

#: Retries of a failing batch before it goes to the on-failure destination (AWS's default is unbounded).
MAX_RETRY_ATTEMPTS = 5
#: Records older than a day go to the on-failure destination instead of being retried (a stream's default retention).
MAX_RECORD_AGE_S = 86_400


def bound_stream_failures(ctx: FixContext) -> str | None:
    """Bisect, bounded retries and record age, and a new queue as the on-failure destination."""
    label = str(ctx.finding.subject).removeprefix("stream:")
    source = next((s for s in ctx.doc.get("event_sources") or []
                   if s.get("type") in STREAM_TYPES and stream_label(s) == label), None)
    if source is None:
        return None
    props = ctx.event_properties(source)
    if props is None:
        return None
    changes: dict[str, Any] = {}
    if source.get("bisect_on_error") is not True:
        changes["BisectBatchOnFunctionError"] = True
    if source.get("maximum_retry_attempts") in (None, -1):
        changes["MaximumRetryAttempts"] = MAX_RETRY_ATTEMPTS
    if ctx.template.get(props, "MaximumRecordAgeInSeconds") is None:
        changes["MaximumRecordAgeInSeconds"] = MAX_RECORD_AGE_S
    granted = None
    if source.get("on_failure") is False:
        name = str(source.get("name") or ctx.logical_id)
        # A SAM event is the function's own (its name may equal another resource's); otherwise a mapping.
        sam_event = ctx.is_sam and ctx.template.path(
            "Properties", "Events", name, start=ctx.template.resource(ctx.logical_id)) is not None
        condition = ctx.condition if sam_event else ctx.template.condition(name)
        queue = add_queue(ctx, f"{name}FailureQueue", condition=condition)
        on_failure: dict[str, Any] = {"Destination": queue_arn(queue)}
        if sam_event:
            on_failure["Type"] = "SQS"  # SAM then grants the send right to the role it makes
        # SAM adds the right only for its own events; a standalone mapping's queue needs it written.
        granted = grant(ctx, "FailureQueueSend", ["sqs:SendMessage"], queue_arn(queue), sam_adds=sam_event)
        changes["DestinationConfig"] = {"OnFailure": on_failure}
    for key, value in changes.items():
        ctx.template.set(props, key, value)
    what = ", ".join(k for k in changes if k != "DestinationConfig")
    if "DestinationConfig" in changes:
        what += (", " if what else "") + "an on-failure queue"
    return f"{source.get('name')}: {what}" + (f"; {granted}" if granted else "")
