"""APIs and load balancers: the synchronous HTTP front doors that invoke a function.

REST API methods, HTTP API integrations, OpenAPI definitions (``DefinitionBody``/``Body``, a
local ``DefinitionUri``, ``Fn::Transform AWS::Include``) and ALB target groups are linked to
their function, with the integration timeout the caller waits for.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from lambda_advisor.sources import project_roots
from lambda_advisor.sources.files import MAX_TEMPLATE_BYTES, InputProblem, inside, read_text
from lambda_advisor.sources.sam import as_list
from lambda_advisor.sources.template.base import as_props, res_props
from lambda_advisor.sources.yaml_loader import LineDict, TemplateSyntaxError, loads

if TYPE_CHECKING:
    from lambda_advisor.sources.template.reader import TemplateReader


def _link_api_method(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    integration = as_props(props.get("Integration"))
    fn = r.function_for(integration.get("Uri"))
    if fn in r.docs:
        if _invokes_async(r, integration.get("RequestParameters")):
            entry = r._event_source("api", "async", lid, None, r._res_line(lid))
            r.add_event_source(fn, entry, r._res_line(lid))
            return
        entry = r._event_source("api", "sync", lid, None, r._res_line(lid))
        entry["api_timeout_ms"] = r._int(integration.get("TimeoutInMillis")) or (
            None if _streams(r, integration.get("ResponseTransferMode")) else 29000)
        if integration.get("Credentials") is not None:
            entry["has_permission"] = True  # API Gateway invokes with this role, not a resource policy
        r.add_event_source(fn, entry, r._res_line(lid))


#: A streaming route whose timeout is not written: up to 15 minutes, so no limit we can compare with.
_NO_LIMIT = -1


def _streams(r: TemplateReader, mode: Any) -> bool:
    """``responseTransferMode: STREAM`` (REST APIs): the 29 s integration limit does not apply."""
    return (r.resolver.text(mode) or "").upper() == "STREAM"


def _invokes_async(r: TemplateReader, parameters: Any) -> bool:
    """An AWS (non-proxy) integration that sets ``X-Amz-Invocation-Type: 'Event'`` invokes asynchronously.

    API Gateway then answers at once and Lambda queues the event: no integration timeout applies, and
    failed events follow the asynchronous retry rules.
    """
    for key, value in as_props(parameters).items():
        if str(key).lower() == "integration.request.header.x-amz-invocation-type":
            return (r.resolver.text(value) or "").strip("'\" ").lower() == "event"
    return False


def _link_sam_websocket(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    """``AWS::Serverless::WebSocketApi``: each route's function, and a Lambda authorizer, with the
    permissions SAM adds for them (none for an authorizer invoked with its ``InvokeRole``)."""
    from lambda_advisor.sources.template.permissions import add_permission

    line = r._res_line(lid)
    routes = props.get("Routes")
    targets = [(str(key), as_props(spec).get("FunctionArn"), r._int(as_props(spec).get("IntegrationTimeout")), False)
               for key, spec in as_props(routes).items()]
    auth = as_props(props.get("Auth"))
    if (r.resolver.text(auth.get("AuthType")) or "").upper() == "CUSTOM" and auth.get("AuthArn") is not None:
        targets.append(("authorizer", auth["AuthArn"], None, auth.get("InvokeRole") is not None))
    for key, arn, timeout, by_role in targets:
        fn = r.function_for(arn)
        if fn not in r.docs:
            continue
        where = as_props(routes).line_of(key) if isinstance(routes, LineDict) and key in routes else line
        entry = r._event_source("websocket_api", "sync", f"{lid} {key}", {"Ref": lid}, where)
        entry["api_timeout_ms"] = None if key == "authorizer" else timeout or 29000
        entry["has_permission"] = True if by_role else None
        r.add_event_source(fn, entry, where)
        if not by_role:
            grant = {"Action": "lambda:InvokeFunction", "FunctionName": arn, "Principal": "apigateway.amazonaws.com",
                     "SourceArn": {"Fn::Sub": f"arn:${{AWS::Partition}}:execute-api:${{AWS::Region}}:"
                                              f"${{AWS::AccountId}}:${{{lid}.ApiId}}/*"}}
            add_permission(r, fn, grant, f"{lid}{key}Permission", where, f"SAM WebSocketApi {lid} {key}")


# -- OpenAPI definitions --------------------------------------------------------------------------

_INTEGRATION = "x-amazon-apigateway-integration"
_AUTHORIZER = "x-amazon-apigateway-authorizer"
_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "x-amazon-apigateway-any-method")
#: Which property holds the definition, and whether the API is REST (api) or HTTP (http_api).
#: ``BodyS3Location`` may be a local path that ``aws cloudformation package`` uploads.
_DEFINITIONS = {"AWS::Serverless::Api": ("DefinitionBody", "DefinitionUri", "api"),
                "AWS::ApiGateway::RestApi": ("Body", "BodyS3Location", "api"),
                "AWS::Serverless::HttpApi": ("DefinitionBody", "DefinitionUri", "http_api"),
                "AWS::ApiGatewayV2::Api": ("Body", "BodyS3Location", "http_api")}


def _link_openapi(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    """Functions an API's OpenAPI definition integrates (and Lambda authorizers it names).

    Each function gets one event source for the API, the smallest route timeout and the routes'
    names; a function the template also wires by a SAM event on the same API keeps that event.
    """
    body_key, uri_key, kind = _DEFINITIONS[res["Type"]]
    definition = _definition(r, props.get(body_key), props.get(uri_key) if uri_key else None)
    if not isinstance(definition, dict):
        return
    default_ms = 29000 if kind == "api" else 30000
    routes: dict[tuple[str, str], list[tuple[str, int | None, bool]]] = {}
    for route, integration in _integrations(definition):
        fn = r.function_for(integration.get("uri"))
        if fn in r.docs:
            invocation = "async" if _invokes_async(r, integration.get("requestParameters")) else "sync"
            timeout = None if route.startswith("authorizer ") else r._int(integration.get("timeoutInMillis"))
            if timeout is None and _streams(r, integration.get("responseTransferMode")):
                timeout = _NO_LIMIT
            routes.setdefault((fn, invocation), []).append(
                (route, timeout, integration.get("credentials") is not None))
    line = r._res_line(lid)
    for (fn, invocation), found in routes.items():
        named = [route for route, _, _ in found]
        entry = r._event_source(kind, invocation, f"{lid} {named[0]}" + (
            f" and {len(named) - 1} more" if len(named) > 1 else ""), {"Ref": lid}, line)
        limits = [t or default_ms for route, t, _ in found if not route.startswith("authorizer ")]
        limit = min(limits) if limits and invocation == "sync" else None
        entry["api_timeout_ms"] = None if limit == _NO_LIMIT else limit
        if all(credentials for _, _, credentials in found):
            entry["has_permission"] = True  # API Gateway invokes with the integration's role
        for existing in r.docs[fn].event_sources or []:
            if (existing["type"], existing["invocation"], existing.get("source_logical_id")) == (kind, invocation, lid):
                existing["api_timeout_ms"] = entry["api_timeout_ms"]  # the definition is what gets deployed
        r.add_event_source(fn, entry, line)


def _definition(r: TemplateReader, body: Any, uri: Any) -> Any:
    """The OpenAPI document: inline, included with ``AWS::Include``, or a local ``DefinitionUri`` file.

    A local file is read only inside the scanned project (as packages are): a template from a pull
    request cannot make the scan read ``../../etc`` or follow a link out of the repository.
    """
    if isinstance(body, dict) and "Fn::Transform" in body:
        transform = as_props(body["Fn::Transform"])
        if r.resolver.text(transform.get("Name")) == "AWS::Include":
            return _local_file(r, as_props(transform.get("Parameters")).get("Location"))
        return None
    if body is not None:
        return body
    return _local_file(r, uri) if isinstance(uri, str) else None


def _local_file(r: TemplateReader, location: Any) -> Any:
    path = r.resolver.text(location)
    if not path or "://" in path:
        return None  # s3:// and https:// definitions are not on this machine
    full = os.path.normpath(r.base_dir / path)
    if not os.path.isfile(full):
        return None  # not here (built or uploaded elsewhere): the API's functions stay unknown
    if not any(inside(root, full) for root in project_roots([r.base_dir])):
        r.notices.append(f"{r.path}: the OpenAPI definition {path} is outside the scanned project; not read")
        return None
    try:
        text = read_text(full, MAX_TEMPLATE_BYTES, "OpenAPI definition")
        return loads(text, is_json=full.lower().endswith(".json"), duplicates=[])
    except (InputProblem, TemplateSyntaxError) as exc:
        r.problems.append((f"cannot read the OpenAPI definition {path}: {exc}", None))
        return None


def _integrations(definition: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(``GET /orders`` or ``authorizer Name``, integration) for each route and Lambda authorizer."""
    shared = as_props(as_props(definition.get("components")).get("x-amazon-apigateway-integrations"))
    for path, item in as_props(definition.get("paths")).items():
        for method, operation in as_props(item).items():
            if str(method).lower() not in _METHODS:
                continue
            integration = as_props(as_props(operation).get(_INTEGRATION))
            ref = integration.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/x-amazon-apigateway-integrations/"):
                integration = as_props(shared.get(ref.rsplit("/", 1)[-1]))
            if integration:
                verb = "ANY" if str(method).startswith("x-") else str(method).upper()
                yield f"{verb} {path}", integration
    schemes = {**as_props(definition.get("securityDefinitions")),
               **as_props(as_props(definition.get("components")).get("securitySchemes"))}
    for name, scheme in schemes.items():
        authorizer = as_props(as_props(scheme).get(_AUTHORIZER))
        if authorizer.get("authorizerUri") is not None:
            yield f"authorizer {name}", {"uri": authorizer["authorizerUri"],
                                         "credentials": authorizer.get("authorizerCredentials")}


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
    **dict.fromkeys(_DEFINITIONS, _link_openapi),
    "AWS::Serverless::WebSocketApi": _link_sam_websocket,
}
