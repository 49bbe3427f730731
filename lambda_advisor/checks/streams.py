"""LA203: Kinesis and DynamoDB stream sources that lose records or block a shard.

A failing batch is retried until it succeeds or the record expires (24 hours
to 365 days). Without an on-failure destination the records are then lost;
with unbounded retries and no bisect, one bad record stops its shard for that
whole time.
"""

from __future__ import annotations

from collections.abc import Iterator

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.event_sources import SERVICE_NAMES, stream_label

STREAM_TYPES = ("kinesis", "dynamodb")


def stream_failures(doc: Document, ctx: Context) -> Iterator[Hit]:
    """One hit per stream source with a known gap; the message lists every gap of that source."""
    for i, source in enumerate(doc.get("event_sources") or []):
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
