"""LA203: Kinesis, DynamoDB and Kafka event sources that lose records or block a shard.

A failing batch is retried until it succeeds or the record expires (24 hours
to 365 days). Without an on-failure destination the records are then lost;
with unbounded retries and no bisect, one bad record stops its shard for that
whole time. Amazon MSK and self-managed Kafka sources take an on-failure
destination too (SQS, SNS, S3 or a Kafka topic); their retry controls exist
only in provisioned mode, so for Kafka only the missing destination is judged.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.event_sources import SERVICE_NAMES, stream_label

STREAM_TYPES = ("kinesis", "dynamodb")
#: Kafka sources (Amazon MSK, self-managed): an on-failure destination, retry controls only when provisioned.
KAFKA_TYPES = ("kafka",)


def stream_failures(doc: Document, ctx: Context) -> Iterator[Hit]:
    """One hit per stream source with a known gap; the message lists every gap of that source."""
    for i, source in enumerate(doc.get("event_sources") or []):
        if source.get("type") in KAFKA_TYPES:
            yield from _kafka_failures(doc, i, source)
            continue
        if source.get("type") not in STREAM_TYPES:
            continue
        problems = []
        if source.get("on_failure") is False:
            problems.append("no on-failure destination (records that keep failing are dropped when they expire)")
        retries = source.get("maximum_retry_attempts")
        if retries in (None, -1) and source.get("bisect_on_error") is not True:
            problems.append("unbounded retries without BisectBatchOnFunctionError (one bad record blocks "
                            "its shard until the record expires)")
        if not problems:
            continue
        stream = stream_label(source)
        kind = SERVICE_NAMES[source["type"]]
        yield Hit(
            message=f"{doc['name']} reads {kind} stream {stream} with " + " and ".join(problems),
            pointer=f"/event_sources/{i}",
            subject=f"stream:{stream}",
            extra={"stream": stream, "problems": len(problems)},
        )


def _kafka_failures(doc: Document, i: int, source: dict[str, Any]) -> Iterator[Hit]:
    if source.get("on_failure") is not False:
        return
    label = stream_label(source)
    topics = [t for t in source.get("topics") or [] if isinstance(t, str)]
    where = f"Kafka {label}" + (f" (topic {', '.join(topics)})" if topics else "")
    yield Hit(
        message=(f"{doc['name']} reads {where} with no on-failure destination: a batch that keeps "
                 "failing is retried until its records expire, then dropped with no record of which"),
        pointer=f"/event_sources/{i}",
        subject=f"kafka:{label}",
        extra={"stream": label, "problems": 1},
    )
