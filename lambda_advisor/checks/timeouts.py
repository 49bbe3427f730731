"""The function's timeout against what its callers allow: SQS visibility (LA204), API Gateway (LA206).

Both checks compare two numbers the document must *know*: a ``null`` timeout,
visibility timeout or API limit keeps them silent.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.event_sources import queue_label, source_label

DEFAULT_VISIBILITY_RATIO = 6
#: event_source.type -> how the API is called in a message.
API_KINDS = {"api": "API Gateway REST API", "http_api": "API Gateway HTTP API"}
#: API events named in one LA206 message before "and N more".
MAX_NAMED = 5


def _known_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _seconds(ms: int) -> str:
    return f"{ms // 1000}" if ms % 1000 == 0 else f"{ms / 1000:g}"


def visibility_shorter_than_timeout(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA204: one hit per SQS source whose queue's visibility timeout is under ``ratio`` × the function timeout."""
    timeout = _known_int(doc.get("timeout_s"))
    if timeout is None:
        return
    ratio = ctx.params.get("ratio", DEFAULT_VISIBILITY_RATIO)
    minimum = ratio * timeout
    minimum_text = f"{minimum:g}" if isinstance(minimum, float) else str(minimum)
    for i, source in enumerate(doc.get("event_sources") or []):
        queue = source.get("queue")
        if source.get("type") != "sqs" or not isinstance(queue, dict):
            continue
        visibility = _known_int(queue.get("visibility_timeout_s"))
        if visibility is None or visibility >= minimum:
            continue
        name = queue_label(source)
        event = source_label(source)
        via = "" if event == name else f" (event {event})"
        if visibility < timeout:
            consequence = ("Lambda refuses to create or update an event source mapping on a queue whose "
                           "visibility timeout is shorter than the function timeout")
        else:
            consequence = ("a batch that is throttled or retried can become visible again while it is still "
                           "being processed, and is then received twice")
        yield Hit(
            message=(f"{doc['name']} reads SQS queue {name}{via}, whose visibility timeout is {visibility} s; "
                     f"with a function timeout of {timeout} s it should be at least {minimum_text} s "
                     f"({ratio} × {timeout} s): {consequence}"),
            pointer=f"/event_sources/{i}",
            subject=f"sqs-visibility:{queue.get('logical_id') or name}",
            extra={"queue": name, "visibility_timeout_s": visibility, "timeout_s": timeout,
                   "minimum_s": minimum},
        )


def timeout_beyond_api_limit(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA206: one hit per function whose timeout is longer than an API in front of it waits.

    The fix is the function's timeout, so ten routes make one finding: it points at the
    first API event over its limit, names the others, and quotes the smallest limit.
    """
    timeout = _known_int(doc.get("timeout_s"))
    if timeout is None:
        return
    over: list[tuple[int, dict[str, Any], int]] = []
    for i, source in enumerate(doc.get("event_sources") or []):
        limit = _known_int(source.get("api_timeout_ms"))
        if source.get("type") in API_KINDS and limit is not None and timeout * 1000 > limit:
            over.append((i, source, limit))
    if not over:
        return
    index, first, _ = over[0]
    limit = min(lim for _, _, lim in over)
    kinds = {API_KINDS[s["type"]] for _, s, _ in over}
    kind = kinds.pop() if len(kinds) == 1 else "API Gateway"
    labels = [source_label(s) for _, s, _ in over]
    if len(labels) == 1:
        named = f"event {labels[0]} waits"
    else:
        shown = labels if len(labels) <= MAX_NAMED else [*labels[:MAX_NAMED - 1], f"{len(labels) - MAX_NAMED + 1} more"]
        named = f"events {', '.join(shown[:-1])} and {shown[-1]} wait"
    overshoot = timeout - limit / 1000
    minor = overshoot <= ctx.params.get("minor_overshoot_s", 1)
    yield Hit(
        message=(f"{doc['name']} has a timeout of {timeout} s, but {kind} {named} "
                 f"at most {_seconds(limit)} s for it; past that the caller gets a 504 while the function "
                 f"keeps running, and billing, for up to {overshoot:g} s more"
                 + ("; only requests that take between the two limits are affected" if minor else "")),
        severity="info" if minor else None,
        pointer=f"/event_sources/{index}",
        subject="api-timeout",
        extra={"timeout_s": timeout, "api_timeout_ms": limit, "events": labels, "first": source_label(first)},
    )
