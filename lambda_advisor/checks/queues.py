"""LA202: SQS event sources whose queue has no redrive policy (no DLQ, no maxReceiveCount)."""

from __future__ import annotations

from collections.abc import Iterator

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.event_sources import queue_label, source_label


def sqs_without_redrive(doc: Document, ctx: Context) -> Iterator[Hit]:
    """One hit per SQS source whose queue is known (same template) and known to lack a redrive policy."""
    for i, source in enumerate(doc.get("event_sources") or []):
        queue = source.get("queue")
        if source.get("type") != "sqs" or not isinstance(queue, dict) or queue.get("redrive_policy") is not False:
            continue
        name = queue_label(source)
        event = source_label(source)
        via = "" if event == name else f" (event {event})"
        yield Hit(
            message=(f"{doc['name']} reads SQS queue {name}{via}, which has no redrive policy; a message "
                     "that keeps failing is received again and again until its retention period ends, "
                     "then lost"),
            pointer=f"/event_sources/{i}",
            subject=f"sqs:{queue.get('logical_id') or name}",
            extra={"queue": name},
        )
