"""APIs and load balancers: the synchronous HTTP front doors that invoke a function.

REST API methods, HTTP API integrations and ALB target groups are linked to their function,
with the integration timeout the caller waits for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambda_advisor.sources.sam import as_list
from lambda_advisor.sources.template.base import as_props, res_props

if TYPE_CHECKING:
    from lambda_advisor.sources.template.reader import TemplateReader


def _link_api_method(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    integration = as_props(props.get("Integration"))
    fn = r.function_for(integration.get("Uri"))
    if fn in r.docs:
        entry = r._event_source("api", "sync", lid, None, r._res_line(lid))
        entry["api_timeout_ms"] = r._int(integration.get("TimeoutInMillis")) or 29000
        r.add_event_source(fn, entry, r._res_line(lid))


#: Properties only a WebSocket API's integration has (AWS::ApiGatewayV2::Integration reference).
_WEBSOCKET_ONLY = ("ContentHandlingStrategy", "PassthroughBehavior", "TemplateSelectionExpression",
                   "RequestTemplates")


def apiv2_kind(r: TemplateReader, api: Any, props: dict[str, Any] | None = None) -> str:
    """``websocket_api`` or ``http_api``: an ``AWS::ApiGatewayV2::Api``'s ProtocolType, else the integration's shape.

    A WebSocket integration stops at 29 s, but the route's caller holds a connection, not a request
    waiting for a 504: the two kinds are different event sources.
    """
    target = r.resolver.logical_target(api) if api is not None else None
    if target and r.resolver.resource_type(target) == "AWS::ApiGatewayV2::Api":
        protocol = r.resolver.text(res_props(r.resources[target]).get("ProtocolType"))
        if protocol is not None:
            return "websocket_api" if protocol.upper() == "WEBSOCKET" else "http_api"
    if target and r.resolver.resource_type(target) == "AWS::Serverless::WebSocketApi":
        return "websocket_api"
    if props is not None and any(key in props for key in _WEBSOCKET_ONLY):
        return "websocket_api"
    return "http_api"


def _link_apiv2_integration(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(props.get("IntegrationUri"))
    if fn in r.docs:
        kind = apiv2_kind(r, props.get("ApiId"), props)
        entry = r._event_source(kind, "sync", lid, props.get("ApiId"), r._res_line(lid))
        # HTTP APIs: 30 s; WebSocket APIs: 29 s (API Gateway quotas).
        entry["api_timeout_ms"] = r._int(props.get("TimeoutInMillis")) or (29000 if kind == "websocket_api" else 30000)
        r.add_event_source(fn, entry, r._res_line(lid))


def _link_target_group(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    if (r.resolver.text(props.get("TargetType")) or "").lower() != "lambda":
        return
    for target in as_list(props.get("Targets")):
        fn = r.function_for(as_props(target).get("Id"))
        if fn in r.docs:
            r.add_event_source(fn, r._event_source("alb", "sync", lid, {"Ref": lid}, r._res_line(lid)),
                               r._res_line(lid))



LINKERS: dict[str, Callable[[TemplateReader, str, dict[str, Any], dict[str, Any]], None]] = {
    "AWS::ApiGateway::Method": _link_api_method,
    "AWS::ApiGatewayV2::Integration": _link_apiv2_integration,
    "AWS::ElasticLoadBalancingV2::TargetGroup": _link_target_group,
}
