"""LA207: reserved concurrency on a function that SQS event sources feed.

SQS pollers do not know about the function's reserved concurrency: they read
batches as fast as the queue allows and Lambda throttles the invocations above
the cap. A throttled batch goes back to the queue, counts as a receive, and
after ``maxReceiveCount`` receives lands in the dead-letter queue unprocessed.
``ScalingConfig.MaximumConcurrency`` on the mapping caps the pollers instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.event_sources import queue_label, source_label

#: ScalingConfig.MaximumConcurrency accepts 2 to 1000.
MIN_MAXIMUM_CONCURRENCY = 2


def _queue_named(source: dict[str, Any]) -> str:
    name = queue_label(source)
    event = source_label(source)
    return name if event == name else f"{name} (event {event})"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def reserved_concurrency_with_sqs(doc: Document, ctx: Context) -> Iterator[Hit]:
    """One hit per function with a known reserved concurrency and at least one SQS source it can throttle.

    Silent when every SQS source sets ``maximum_concurrency`` and together they stay within the
    reserved concurrency: the pollers then never invoke more than the function may run.
    """
    reserved = doc.get("reserved_concurrency")
    if not isinstance(reserved, int) or isinstance(reserved, bool):
        return
    sqs = [s for s in doc.get("event_sources") or [] if s.get("type") == "sqs"]
    if not sqs:
        return
    queues = _join([_queue_named(s) for s in sqs])
    plural = "s" if len(sqs) > 1 else ""
    if reserved == 0:
        yield Hit(
            message=(f"{doc['name']} has reserved concurrency 0, which switches it off, yet SQS queue{plural} "
                     f"{queues} feed{'' if plural else 's'} it: no message is processed, and batches the pollers "
                     "receive are throttled, return to the queue and can end in the dead-letter queue or expire"),
            pointer="/reserved_concurrency",
            subject="reserved-concurrency-sqs",
            extra={"reserved_concurrency": 0, "queues": [queue_label(s) for s in sqs]},
        )
        return
    caps = [s.get("maximum_concurrency") for s in sqs]
    if all(isinstance(c, int) and not isinstance(c, bool) for c in caps):
        total = sum(caps)
        if total <= reserved:
            return
        what = (f"its MaximumConcurrency ({total})" if len(sqs) == 1
                else f"the MaximumConcurrency of its SQS event sources adds up to {total}, which")
        cause = f"{what} is above the reserved {reserved}"
    else:
        unset = [_queue_named(s) for s, c in zip(sqs, caps, strict=True) if not isinstance(c, int)]
        cause = ("its event source sets no ScalingConfig.MaximumConcurrency" if len(sqs) == 1
                 else f"no ScalingConfig.MaximumConcurrency caps the pollers of {_join(unset)}")
    floor = MIN_MAXIMUM_CONCURRENCY * len(sqs)
    advice = (f"set MaximumConcurrency on the event source{plural} (at most {reserved} in total)" if reserved >= floor
              else f"MaximumConcurrency cannot go below {MIN_MAXIMUM_CONCURRENCY} per event source, so raise the "
                   f"reserved concurrency to at least {floor} or drop it and cap the pollers instead")
    yield Hit(
        message=(f"{doc['name']} has reserved concurrency {reserved} and reads SQS queue{plural} {queues}, but "
                 f"{cause}: the pollers can run more than {reserved} batches at once, Lambda throttles the extra "
                 f"batches, and they return to the queue and can end in the dead-letter queue unprocessed; {advice}"),
        pointer="/reserved_concurrency",
        subject="reserved-concurrency-sqs",
        extra={"reserved_concurrency": reserved, "queues": [queue_label(s) for s in sqs]},
    )
