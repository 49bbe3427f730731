"""LA202: give an SQS queue a dead-letter queue."""

from __future__ import annotations

from lambda_advisor.fixes import FixContext
from lambda_advisor.fixes.resources import add_queue, queue_arn

#: Receives before a message moves to the dead-letter queue; AWS advises at least 5 for Lambda sources.
MAX_RECEIVE_COUNT = 5


def add_dead_letter_queue(ctx: FixContext) -> str | None:
    """A new queue (FIFO when the source is) and ``RedrivePolicy`` with ``maxReceiveCount: 5`` on the source queue."""
    queue_id = str(ctx.finding.subject).removeprefix("sqs:")
    if ctx.template.resource_type(queue_id) != "AWS::SQS::Queue":
        return None
    props = ctx.template.properties(queue_id)
    fifo = props is not None and ctx.template.get(props, "FifoQueue") is not None and \
        str(getattr(ctx.template.get(props, "FifoQueue"), "value", "")).lower() == "true"
    dlq = add_queue(ctx, f"{queue_id}DeadLetterQueue", fifo=fifo)
    redrive = {"RedrivePolicy": {"deadLetterTargetArn": queue_arn(dlq), "maxReceiveCount": MAX_RECEIVE_COUNT}}
    if props is None:
        ctx.template.set(ctx.template.resource(queue_id), "Properties", redrive)
    else:
        ctx.template.set(props, "RedrivePolicy", redrive["RedrivePolicy"])
    return f"new queue {dlq}; {queue_id}.RedrivePolicy (maxReceiveCount {MAX_RECEIVE_COUNT})"
