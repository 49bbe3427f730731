"""LA706: a Lambda Managed Instances function whose timeout only some of its callers get.

On Managed Instances a function may be configured with a timeout up to 5,400 seconds, but
only asynchronous invocations and event source mappings (other than Amazon MQ and Amazon
DocumentDB) may run that long. A synchronous caller (API Gateway, a load balancer, a function
URL, Cognito …) or an MQ or DocumentDB mapping is held to Lambda's 900-second maximum, so work
that needs the longer timeout fails at run time on those paths. The function is judged by
how its configuration says it is invoked; a direct ``Invoke`` (sync or async) cannot be told
from the configuration and is not judged.
"""

from __future__ import annotations

from collections.abc import Iterator

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.event_sources import SERVICE_NAMES, source_label

#: Lambda's maximum for every invocation that is not asynchronous or a (non-MQ, non-DocumentDB) mapping.
SYNC_MAXIMUM_S = 900
#: Event source mappings that keep the 900-second maximum on Managed Instances.
SHORT_POLLERS = frozenset({"mq", "docdb"})


def long_timeout_invoked_synchronously(doc: Document, ctx: Context) -> Iterator[Hit]:
    timeout = doc.get("timeout_s")
    if (not isinstance(doc.get("capacity_provider"), dict) or doc.get("kind") == "web"
            or not isinstance(timeout, int) or isinstance(timeout, bool)):
        return
    limit = SYNC_MAXIMUM_S
    if timeout <= limit:
        return
    head = f"{doc['name']} runs on Lambda Managed Instances with a timeout of {timeout} s"
    tail = f"these invocations are held to {limit} s, so work that needs longer fails at run time"
    if isinstance(doc.get("url"), dict):
        yield Hit(message=f"{head} and has a function URL (invoked synchronously): {tail}",
                  pointer="/url", subject="managed-timeout:url", extra={"timeout_s": timeout})
    for i, source in enumerate(doc.get("event_sources") or []):
        kind = source.get("type")
        if source.get("enabled") is False:
            continue
        if source.get("invocation") == "sync":
            how = "synchronously"
        elif kind in SHORT_POLLERS:
            how = "through an event source mapping that keeps the 900-second maximum"
        else:
            continue
        service = SERVICE_NAMES.get(kind, str(kind))
        label = source_label(source)
        yield Hit(message=f"{head} and is invoked {how} by {service} ({label}): {tail}",
                  pointer=f"/event_sources/{i}", subject=f"managed-timeout:{kind}:{label}",
                  extra={"timeout_s": timeout})
