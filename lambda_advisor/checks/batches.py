"""LA210: SQS, Kinesis and DynamoDB sources without partial batch responses.

Without ``FunctionResponseTypes: [ReportBatchItemFailures]`` a batch succeeds or fails as a
whole: one bad record makes Lambda retry every record of the batch (SQS: the whole batch
becomes visible again; streams: the batch is retried from its start). Speaks only when the
source's response types are known and its batch can hold more than one record.
"""

from __future__ import annotations

from collections.abc import Iterator

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.event_sources import SERVICE_NAMES, queue_label, stream_label

#: Lambda's default batch size when ``BatchSize`` is not set (SQS 10; Kinesis and DynamoDB 100).
DEFAULT_BATCH = {"sqs": 10, "kinesis": 100, "dynamodb": 100}
REPORT = "ReportBatchItemFailures"


def no_partial_batch_response(doc: Document, ctx: Context) -> Iterator[Hit]:
    """One hit per batch source whose FunctionResponseTypes is known and lacks ReportBatchItemFailures."""
    for i, source in enumerate(doc.get("event_sources") or []):
        kind = source.get("type")
        if kind not in DEFAULT_BATCH or source.get("invocation") != "poll" or source.get("enabled") is False:
            continue
        types = source.get("function_response_types")
        if types is None or REPORT in types:
            continue
        batch = source.get("batch_size")
        size = batch if isinstance(batch, int) and not isinstance(batch, bool) else DEFAULT_BATCH[kind]
        if size <= 1:
            continue  # a batch of one: the record is the batch
        if kind == "sqs":
            name = queue_label(source)
            what = (f"reads SQS queue {name} in batches of up to {size} without ReportBatchItemFailures: "
                    f"when one message fails, every message of its batch becomes visible again and is "
                    f"processed again")
        else:
            name = stream_label(source)
            what = (f"reads {SERVICE_NAMES[kind]} stream {name} in batches of up to {size} without "
                    f"ReportBatchItemFailures: when one record fails, the whole batch is retried from its "
                    f"first record, and the shard waits")
        yield Hit(
            message=f"{doc['name']} {what}; report the failed records (batchItemFailures) instead",
            pointer=f"/event_sources/{i}",
            subject=f"batch:{kind}:{name}",
            extra={"source": name, "batch_size": size},
        )
