"""LA201: asynchronously invoked functions that drop failed events silently.

Lambda retries an async event twice and then discards it unless a dead-letter
queue or an on-failure destination is configured. Only *known* absence fires:
``null`` (not known from this source) never does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.event_sources import SERVICE_NAMES, source_label
from lambda_advisor.wildcards import wildcard_match

#: Service principals that invoke Lambda asynchronously -> event_source.type.
ASYNC_PRINCIPALS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^s3\.amazonaws\.com$"), "s3"),
    (re.compile(r"^sns\.amazonaws\.com$"), "sns"),
    (re.compile(r"^events\.amazonaws\.com$"), "eventbridge"),
    (re.compile(r"^scheduler\.amazonaws\.com$"), "schedule"),
    (re.compile(r"^ses\.amazonaws\.com$"), "ses"),
    (re.compile(r"^iot\.amazonaws\.com$"), "iot"),
    (re.compile(r"^logs(\.[a-z0-9-]+)?\.amazonaws\.com(\.cn)?$"), "logs"),
    (re.compile(r"^lambda\.alarms\.cloudwatch\.amazonaws\.com$"), "cloudwatch_alarm"),
    (re.compile(r"^codecommit\.amazonaws\.com$"), "codecommit"),
    (re.compile(r"^config\.amazonaws\.com$"), "config"),
]
#: Event-source types one principal stands for: EventBridge rules carry both patterns and schedules.
SAME_PRINCIPAL = {"eventbridge": {"eventbridge", "schedule"}, "schedule": {"schedule"}}
DEFAULT_RETRIES = 2


def _allows_invoke(statement: dict[str, Any]) -> bool:
    if statement.get("effect") != "Allow":
        return False
    actions = [a for a in statement.get("actions") or [] if isinstance(a, str)]
    return any(wildcard_match("lambda:invokefunction", a.lower()) for a in actions)


def _async_service(principal: Any) -> str | None:
    if not isinstance(principal, str):
        return None
    for pattern, kind in ASYNC_PRINCIPALS:
        if pattern.match(principal.lower()):
            return kind
    return None


def _synchronous_grant(kind: str, statement: dict[str, Any]) -> bool:
    """A grant to an asynchronous service for a part of it that waits for the answer (an IoT custom authorizer)."""
    source = statement.get("source_arn")
    text = source.get("unresolved", "") if isinstance(source, dict) else str(source or "")
    return kind == "iot" and ":authorizer/" in text


def async_invokers(doc: Document) -> dict[str, list[str]]:
    """Service type -> labels of what invokes this function asynchronously, in document order."""
    found: dict[str, list[str]] = {}
    wired: set[str] = set()  # every source type, sync ones too: an SES filter rule is RequestResponse
    for source in doc.get("event_sources") or []:
        wired.add(source["type"])
        if source.get("invocation") == "async":
            found.setdefault(source["type"], []).append(source_label(source))
    for i, statement in enumerate(doc.get("resource_policy") or []):
        kind = _async_service(statement.get("principal"))
        if kind is None or not _allows_invoke(statement) or wired & SAME_PRINCIPAL.get(kind, {kind}):
            continue  # the permission of an event source we already know (and its invocation type)
        if _synchronous_grant(kind, statement):
            continue
        label = statement.get("sid") or statement.get("origin") or f"resource policy statement {i + 1}"
        found.setdefault(kind, []).append(f"permission {label}")
    return found


def failure_handling(doc: Document) -> bool | None:
    """True: a DLQ or on-failure destination exists; False: known to be absent; None: unknown."""
    dlq = doc.get("dead_letter_target")
    invoke = doc.get("event_invoke")
    on_failure = invoke.get("on_failure") if isinstance(invoke, dict) else invoke
    if dlq or (on_failure and on_failure is not True):
        return True
    if dlq is False and on_failure is False:
        return False
    return None


def _retries(doc: Document) -> int:
    invoke = doc.get("event_invoke")
    if isinstance(invoke, dict) and isinstance(invoke.get("maximum_retry_attempts"), int):
        return int(invoke["maximum_retry_attempts"])
    return DEFAULT_RETRIES


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def unhandled_async_failures(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA201: one hit per function that async sources invoke and nothing catches failures of."""
    # A custom resource's failure reaches CloudFormation through its response URL (or its timeout),
    # never through a dead-letter queue: the stack operation fails either way.
    invokers = {k: v for k, v in async_invokers(doc).items() if k != "cloudformation"}
    if not invokers or failure_handling(doc) is not False:
        return
    named = _join([f"{SERVICE_NAMES.get(kind, kind)} ({', '.join(labels)})" for kind, labels in invokers.items()])
    retries = _retries(doc)
    after = "on the first failure" if retries == 0 else f"after {retries} retr{'y' if retries == 1 else 'ies'}"
    yield Hit(
        message=(f"{doc['name']} is invoked asynchronously by {named} and has no dead-letter queue or "
                 f"on-failure destination; failed events are dropped {after}"),
        pointer=None,
        subject="async-failure-handling",
        extra={"invokers": invokers},
    )
