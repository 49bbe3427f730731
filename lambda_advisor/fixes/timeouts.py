"""Fixes for the function timeout against its callers: SQS visibility (LA204), API Gateway (LA206)."""

from __future__ import annotations

import math
from typing import Any

from lambda_advisor.checks.timeouts import API_KINDS, DEFAULT_VISIBILITY_RATIO
from lambda_advisor.fixes import Document, FixContext
from lambda_advisor.fixes.edit import CannotFix

#: SQS's longest visibility timeout (12 hours).
MAX_VISIBILITY_S = 43_200


def raise_visibility_timeout(ctx: FixContext) -> str | None:
    """LA204: the queue's ``VisibilityTimeout`` becomes ratio × the longest timeout of the functions it feeds."""
    queue_id = str(ctx.finding.subject).removeprefix("sqs-visibility:")
    if ctx.template.resource_type(queue_id) != "AWS::SQS::Queue":
        return None  # a queue from another stack, or known by name only
    ratio = ctx.params.get("ratio", DEFAULT_VISIBILITY_RATIO)
    timeouts = [d.get("timeout_s") for d in ctx.documents if _reads_queue(d, queue_id)]
    needed = math.ceil(ratio * max(t for t in timeouts if isinstance(t, int)))
    if needed > MAX_VISIBILITY_S:
        raise CannotFix(f"{ratio} × the function timeout is over SQS's 12-hour maximum")
    props = ctx.template.properties(queue_id)
    if props is None:
        ctx.template.set(ctx.template.resource(queue_id), "Properties", {"VisibilityTimeout": needed})
    else:
        ctx.template.set(props, "VisibilityTimeout", needed)
    return f"{queue_id}.VisibilityTimeout: {needed}"


def _reads_queue(doc: Document, queue_id: str) -> bool:
    return any(s.get("type") == "sqs" and (s.get("queue") or {}).get("logical_id") == queue_id
               for s in doc.get("event_sources") or [])


def api_limit_s(doc: Document) -> int | None:
    """The shortest API Gateway integration timeout in front of the function, in whole seconds."""
    limits = [s["api_timeout_ms"] for s in doc.get("event_sources") or []
              if s.get("type") in API_KINDS and isinstance(s.get("api_timeout_ms"), int)]
    return min(limits) // 1000 if limits else None


def lower_timeout_to_api_limit(ctx: FixContext) -> str | None:
    """LA206: the function's ``Timeout`` becomes the integration limit (in Globals only when all sharers agree)."""
    limit = api_limit_s(ctx.doc)
    if limit is None or limit < 1:
        return None
    for doc in ctx.affected_docs:
        others = _other_triggers(doc)
        if others:
            raise CannotFix(f"{doc['source']['logical_id']} is also run by {', '.join(others)}, which may need "
                            f"its {doc.get('timeout_s')} s; split the API handler into its own function")
    where = ctx.set_function_value("Timeout", limit, "/timeout_s", same_fix=_same_limit)
    return f"{where}: {limit}"


def _same_limit(doc: Document) -> Any:
    return None if _other_triggers(doc) else api_limit_s(doc)


def _other_triggers(doc: Document) -> list[str]:
    """The function's callers other than API Gateway (a schedule, a queue, a function URL, which may stream
    for 15 minutes …): they keep the long timeout's reason."""
    out = {f"{s.get('type')} ({s.get('name')})" if s.get("name") else str(s.get("type"))
           for s in doc.get("event_sources") or [] if s.get("type") not in API_KINDS}
    if doc.get("url"):
        out.add("a function URL")
    return sorted(out)
