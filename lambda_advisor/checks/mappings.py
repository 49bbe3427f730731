"""LA212, LA214: event source mappings that lose records by design, or do not deliver at all."""

from __future__ import annotations

from collections.abc import Iterator

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.event_sources import (
    SERVICE_NAMES,
    queue_label,
    source_label,
    stream_label,
)

#: Mapping states in which nothing is polled (ListEventSourceMappings State).
_STOPPED = {"Disabled", "Disabling"}


def sqs_filters_discard(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA212: an SQS mapping with FilterCriteria deletes every message that matches no pattern."""
    for i, source in enumerate(doc.get("event_sources") or []):
        if source.get("type") != "sqs" or not source.get("filters"):
            continue
        n = len(source["filters"])
        yield Hit(message=(f"{doc['name']} reads SQS queue {queue_label(source)} (event {source_label(source)}) "
                           f"through {n} filter pattern{'s' if n > 1 else ''}: Lambda deletes every message that "
                           "matches none of them, without invoking the function and without the dead-letter "
                           "queue"),
                  pointer=f"/event_sources/{i}", subject=f"sqs-filter:{source_label(source)}",
                  extra={"queue": queue_label(source), "filters": n})


#: What a mapping reads, as its message names it: "SQS queue orders", "Kinesis stream clicks".
_READS = {"sqs": "SQS queue", "kinesis": "Kinesis stream", "dynamodb": "DynamoDB stream"}


def _mapped_source(source: dict[str, object]) -> str:
    kind = str(source.get("type"))
    if kind == "sqs":
        return f"SQS queue {queue_label(source)}"
    if kind in _READS:
        return f"{_READS[kind]} {stream_label(source)}"
    return f"{SERVICE_NAMES.get(kind, 'event source')} {source_label(source)}"


def mapping_stopped_or_failing(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA214: a disabled mapping (records pile up and expire), or one whose last poll failed."""
    for i, source in enumerate(doc.get("event_sources") or []):
        if source.get("invocation") != "poll":
            continue
        label = source_label(source)
        what = f"event source mapping from {_mapped_source(source)}"
        result = source.get("last_processing_result")
        state = source.get("state")
        if isinstance(result, str) and result.upper().startswith("PROBLEM"):
            yield Hit(message=(f"{doc['name']}'s {what} is failing: Lambda reports \"{result}\"; records are not "
                               "delivered until it is fixed"),
                      pointer=f"/event_sources/{i}", subject=f"mapping-failing:{label}", severity="high",
                      extra={"last_processing_result": result})
        elif state in _STOPPED or (state is None and source.get("enabled") is False):
            reason = source.get("state_reason")
            why = f" ({reason})" if isinstance(reason, str) and reason and reason != "USER_INITIATED" else ""
            yield Hit(message=(f"{doc['name']}'s {what} is disabled{why}: nothing is polled, so records pile up "
                               "and expire at the source's retention"),
                      pointer=f"/event_sources/{i}", subject=f"mapping-disabled:{label}",
                      extra={"state": state or "Disabled"})
