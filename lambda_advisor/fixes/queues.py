"""LA202: give an SQS queue a dead-letter queue."""

from __future__ import annotations

import yaml

from lambda_advisor.fixes import FixContext
from lambda_advisor.fixes.edit import CannotFix, scalar_value
from lambda_advisor.fixes.resources import add_queue, queue_arn

#: Receives before a message moves to the dead-letter queue; AWS advises at least 5 for Lambda sources.
MAX_RECEIVE_COUNT = 5


def add_dead_letter_queue(ctx: FixContext) -> str | None:
    """A new queue (FIFO when the source is) and ``RedrivePolicy`` with ``maxReceiveCount: 5`` on the source queue."""
    queue_id = str(ctx.finding.subject).removeprefix("sqs:")
    if ctx.template.resource_type(queue_id) != "AWS::SQS::Queue":
        return None
    props = ctx.template.properties(queue_id)
    dlq = add_queue(ctx, f"{queue_id}DeadLetterQueue", fifo=_is_fifo(ctx, props, queue_id),
                    condition=ctx.template.condition(queue_id))
    redrive = {"RedrivePolicy": {"deadLetterTargetArn": queue_arn(dlq), "maxReceiveCount": MAX_RECEIVE_COUNT}}
    if props is None:
        ctx.template.set(ctx.template.resource(queue_id), "Properties", redrive)
    else:
        ctx.template.set(props, "RedrivePolicy", redrive["RedrivePolicy"])
    return f"new queue {dlq}; {queue_id}.RedrivePolicy (maxReceiveCount {MAX_RECEIVE_COUNT})"


def _is_fifo(ctx: FixContext, props: yaml.MappingNode | None, queue_id: str) -> bool:
    """Whether the source queue is FIFO; SQS refuses a dead-letter queue of the other kind, so a
    ``FifoQueue`` that only deploy time decides (an intrinsic) has no fix."""
    node = ctx.template.get(props, "FifoQueue") if props is not None else None
    if node is None:
        return False
    value = scalar_value(node)
    if not isinstance(value, bool | str):
        raise CannotFix(f"{queue_id}.FifoQueue is decided at deploy time (an intrinsic), and the "
                        "dead-letter queue must be of the same kind")
    return str(value).lower() == "true"
