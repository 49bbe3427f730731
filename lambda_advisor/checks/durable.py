"""LA305: a durable function reached through its unqualified ARN (``$LATEST``).

A durable execution checkpoints and replays its code; AWS asks callers to invoke a version
or an alias so that a replay after a deployment resumes on the code that started it.
Reads the qualifier of each event source, permission and URL, and the other functions that
carry this one's unqualified name or ARN and may invoke it; an unknown qualifier keeps the
rule silent. ``DurableConfig.AllowInvokeLatest`` is read where present (the Lambda guide
documents it, the API model does not): it changes the message, never the verdict.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.event_sources import SERVICE_NAMES, source_label

LATEST = "$LATEST"
#: Named in one message before "and N more".
MAX_NAMED = 4


def _unqualified_reference(value: Any, doc: Document) -> bool:
    """Does an environment value name this function itself (its name or unqualified ARN)?"""
    lid = (doc.get("source") or {}).get("logical_id")
    if isinstance(value, dict):
        return bool(lid) and value.get("unresolved") in (f"!Ref {lid}", f"!GetAtt {lid}.Arn")
    name = doc.get("name")
    return isinstance(value, str) and bool(name) and name != lid and \
        (value == name or value.endswith(f":function:{name}"))


def _function_callers(doc: Document, ctx: Context) -> list[str]:
    """Other functions of the same file that carry this one's unqualified name or ARN and whose role
    may invoke it (or is not completely known): they call $LATEST."""
    from lambda_advisor.checks.lambda_calls import caller_may_invoke

    file = (doc.get("source") or {}).get("file")
    found = []
    for fn in ctx.functions:
        if fn["id"] == doc["id"] or (fn.get("source") or {}).get("file") != file:
            continue
        for name, value in (fn.get("environment") or {}).items():
            if _unqualified_reference(value, doc) and caller_may_invoke(fn, doc, ctx):
                found.append(f"function {fn['name']} (environment variable {name})")
                break
    return found


def _callers(doc: Document) -> list[tuple[str, str]]:
    """(pointer, how it is named) of everything that reaches the function through $LATEST."""
    found: list[tuple[str, str]] = []
    for i, source in enumerate(doc.get("event_sources") or []):
        if source.get("qualifier") == LATEST:
            kind = SERVICE_NAMES.get(str(source.get("type")), str(source.get("type")))
            found.append((f"/event_sources/{i}", f"{kind} {source_label(source)}"))
    for i, st in enumerate(doc.get("resource_policy") or []):
        if st.get("qualifier") == LATEST and st.get("effect") == "Allow" and not st.get("invoked_via_function_url") \
                and not st.get("function_url_auth_type"):
            label = st.get("sid") or st.get("origin") or f"statement {i}"
            principal = st.get("principal")
            who = f" ({principal})" if isinstance(principal, str) else ""
            found.append((f"/resource_policy/{i}", f"permission {label}{who}"))
    url = doc.get("url")
    if isinstance(url, dict) and "qualifier" in url and url.get("qualifier") is None:
        found.append(("/url", "its function URL"))
    return found


def _named(items: list[str]) -> str:
    shown = items if len(items) <= MAX_NAMED else [*items[:MAX_NAMED - 1], f"{len(items) - MAX_NAMED + 1} more"]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def durable_through_latest(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA305: one hit per durable function, naming every caller that uses $LATEST."""
    durable: Any = doc.get("durable")
    if not isinstance(durable, dict):
        return
    callers = _callers(doc) + [("/durable", who) for who in _function_callers(doc, ctx)]
    if not callers:
        return
    allow = durable.get("allow_invoke_latest")
    if allow is False:
        consequence = "DurableConfig sets AllowInvokeLatest: false, so these invocations are refused"
    elif allow is True:
        consequence = ("AllowInvokeLatest: true lets them run, but an execution that replays after a deployment "
                       "resumes on code it did not start with")
    else:
        consequence = "an execution that replays after a deployment resumes on code it did not start with"
    yield Hit(
        message=(f"{doc['name']} is a durable function, but {_named([c[1] for c in callers])} "
                 f"invoke{'s' if len(callers) == 1 else ''} its unqualified ARN ($LATEST): {consequence}; "
                 f"point them at a version or an alias (AutoPublishAlias)"),
        pointer=callers[0][0],
        subject="durable:latest",
        extra={"callers": [c[1] for c in callers], "allow_invoke_latest": allow},
    )
