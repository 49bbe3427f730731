"""APIs and load balancers: the synchronous HTTP front doors that invoke a function.

REST API methods, HTTP API integrations and ALB target groups are linked to their function,
with the integration timeout the caller waits for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambda_advisor.sources.sam import as_list
from lambda_advisor.sources.template.base import as_props

if TYPE_CHECKING:
    from lambda_advisor.sources.template.reader import TemplateReader


def _link_api_method(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    integration = as_props(props.get("Integration"))
    fn = r.function_for(integration.get("Uri"))
    if fn in r.docs:
        entry = r._event_source("api", "sync", lid, None, r._res_line(lid))
        entry["api_timeout_ms"] = r._int(integration.get("TimeoutInMillis")) or 29000
        r.add_event_source(fn, entry, r._res_line(lid))


def _link_apiv2_integration(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(props.get("IntegrationUri"))
    if fn in r.docs:
        entry = r._event_source("http_api", "sync", lid, props.get("ApiId"), r._res_line(lid))
        entry["api_timeout_ms"] = r._int(props.get("TimeoutInMillis")) or 30000
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
