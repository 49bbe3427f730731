"""LA705: tenant isolation combined with what it cannot work with.

A function in tenant isolation mode (``TenancyConfig: {TenantIsolationMode: PER_TENANT}``)
must receive a tenant ID with every invocation, and Lambda keeps each tenant's execution
environments apart. SnapStart, provisioned concurrency and function URLs are refused with
it, and of the event sources only API Gateway can pass a tenant ID: an event source mapping,
S3, SNS or EventBridge cannot, so their invocations fail. Each conflicting feature is one
hit at its own line.
"""

from __future__ import annotations

from collections.abc import Iterator

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.event_sources import SERVICE_NAMES, source_label

#: Event sources that can pass a tenant ID with the invocation (API Gateway).
TENANT_AWARE_SOURCES = frozenset({"api", "http_api", "websocket_api"})


def tenancy_conflicts(doc: Document, ctx: Context) -> Iterator[Hit]:
    mode = doc.get("tenant_isolation")
    if not isinstance(mode, str) or doc.get("kind") == "web":
        return
    head = f"{doc['name']} runs in tenant isolation mode ({mode})"
    if doc.get("snap_start") is True:
        yield Hit(message=f"{head} and turns SnapStart on: Lambda does not offer SnapStart with tenant isolation",
                  pointer="/snap_start", subject="tenancy:snap_start")
    provisioned = doc.get("provisioned_concurrency")
    if provisioned is True or (isinstance(provisioned, int) and not isinstance(provisioned, bool) and provisioned > 0):
        amount = f" ({provisioned})" if not isinstance(provisioned, bool) else ""
        yield Hit(message=(f"{head} and configures provisioned concurrency{amount}: Lambda does not offer "
                           "provisioned concurrency with tenant isolation"),
                  pointer="/provisioned_concurrency", subject="tenancy:provisioned_concurrency")
    if isinstance(doc.get("url"), dict):
        yield Hit(message=(f"{head} and has a function URL: Lambda does not offer function URLs with tenant "
                           "isolation (a URL request carries no tenant ID)"),
                  pointer="/url", subject="tenancy:url")
    for i, source in enumerate(doc.get("event_sources") or []):
        kind = source.get("type")
        if kind in TENANT_AWARE_SOURCES or kind in (None, "other") or source.get("enabled") is False:
            continue
        service = SERVICE_NAMES.get(kind, str(kind))
        label = source_label(source)
        via = "an event source mapping" if source.get("invocation") == "poll" else service
        yield Hit(message=(f"{head} and is invoked by {service} ({label}): only API Gateway can pass the "
                           f"tenant ID every invocation needs, so {via} cannot invoke it"),
                  pointer=f"/event_sources/{i}", subject=f"tenancy:source:{kind}:{label}")
