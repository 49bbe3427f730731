"""API Gateway integration timeouts for LA206, read live only when that rule is selected.

A resource policy shows that API Gateway may invoke a function (``SourceArn``
``arn:aws:execute-api:<region>:<account>:<api id>/…``), not how long the API
waits for it. With LA206 selected (it is opt-in for live audits), each API is
read once per region: ``apigatewayv2:GetApi`` tells an HTTP API (then
``GetIntegrations``) from a WebSocket API (not reported by LA206) or a REST API
(then ``apigateway:GetResources`` with the methods embedded, which carry their
integrations). The smallest timeout of the integrations that invoke the
function becomes the event source's ``api_timeout_ms``. An ID that is neither
kind of API any more marks the source ``exists: false``: the permission outlived
its API, a fact about the account rather than something the audit missed.
"""

from __future__ import annotations

import re
from functools import partial
from typing import Any

from lambda_advisor.sources.account.calls import NOT_FOUND, Calls, Failed, Once
from lambda_advisor.sources.account.gaps import NOT_FOUND_CODES

_EXECUTE_API = re.compile(r"^arn:[^:]+:execute-api:[^:]*:[^:]*:([A-Za-z0-9]+)(?:/|$)")


def api_id(source_arn: Any) -> str | None:
    m = _EXECUTE_API.match(source_arn) if isinstance(source_arn, str) else None
    return m.group(1) if m else None


def invokes(uri: Any, function_arn: str) -> bool:
    """Whether an integration URI (the function ARN, or API Gateway's invocation path) names the function."""
    if not isinstance(uri, str):
        return False
    at = uri.find(function_arn)
    if at < 0:
        return False
    rest = uri[at + len(function_arn):]
    return rest == "" or rest[0] in ":/"


#: API id -> (kind: "api" | "http_api" | "websocket", [(integration URI, timeout ms)]), or a failure.
ApiFacts = tuple[str, list[tuple[str, int | None]]]


class ApiReads:
    """Mixed into the region's audit: ``calls``, ``region`` and the shared client factory."""

    region: str
    calls: Calls
    apis: Once

    def client_for(self, service: str) -> Any:
        raise NotImplementedError

    def _api_timeouts(self, sources: list[dict[str, Any]], function_arn: str, missing: list[str]) -> None:
        for source in sources:
            ident = api_id(source.get("arn")) if source.get("type") == "api" else None
            if ident is None:
                continue
            facts, why = self.apis.get(ident, partial(self._read_api, ident))
            if why:
                missing.append(why)
                continue
            kind, integrations = facts
            if kind == "deleted":
                source["exists"] = False  # a fact about the permission, not something left unread
                continue
            if kind == "websocket":
                source["type"] = "other"  # a WebSocket route: no request waits on the function
                continue
            source["type"] = kind
            timeouts = [t for uri, t in integrations if invokes(uri, function_arn) and t is not None]
            if timeouts:
                source["api_timeout_ms"] = min(timeouts)

    def _read_api(self, ident: str) -> tuple[ApiFacts, str | None]:
        v2 = self.client_for("apigatewayv2")
        api = self.calls.call(self.region, v2, "GetApi", ApiId=ident)
        if isinstance(api, Failed):
            return ("api", []), f"{api} (API {ident})"
        if api is not NOT_FOUND:
            if api.get("ProtocolType") == "WEBSOCKET":
                return ("websocket", []), None
            items, failed = self.calls.pages(self.region, v2, "GetIntegrations", "Items", ApiId=ident)
            if failed:
                return ("http_api", []), f"{failed} (API {ident})"
            return ("http_api", [(str(i.get("IntegrationUri") or ""), i.get("TimeoutInMillis")) for i in items]), None
        rest = self.client_for("apigateway")
        resources, failed = self.calls.pages(self.region, rest, "GetResources", "items", count_failure=False,
                                             restApiId=ident, embed=["methods"])
        if failed and failed.code in NOT_FOUND_CODES:
            # Neither an HTTP/WebSocket API nor a REST API by that ID: the permission outlived its API.
            return ("deleted", []), None
        if failed:
            return ("api", []), f"{failed} (API {ident})"
        out: list[tuple[str, int | None]] = []
        for resource in resources:
            for method in (resource.get("resourceMethods") or {}).values():
                integration = method.get("methodIntegration") or {}
                if integration.get("uri"):
                    out.append((str(integration["uri"]), integration.get("timeoutInMillis")))
        return ("api", out), None
