"""Lambda Web, Lambda Core and Lambda MicroVMs for the emulated account (moto serves none of them).

moto answers the classic Lambda API; the services added since (Web Functions and their
endpoints, revisions and resource policies; network connectors and customer-managed
runtimes; MicroVM images) are served here, beside it, in their real wire protocol:

* requests are routed by the HTTP method and URI templates of botocore's service models
  (``lambda-web``, ``lambda-core``, ``lambda-microvms``), their parameters read from the URI,
  query string and JSON body as the model places them, and validated against the input
  shape; an invalid request is answered ``ValidationException`` as AWS would;
* each answer is validated against the operation's output shape before it is sent, so the
  emulator cannot drift from the model, and serialised as rest-json (timestamps as epoch
  seconds, errors with ``x-amzn-ErrorType``);
* what moto's classic Lambda drops of a function's configuration and the model has
  (``RuntimeConfig``: a customer-managed runtime; ``TenancyConfig``) is kept from
  ``CreateFunction`` and given back in ``ListFunctions``, ``GetFunction`` and
  ``GetFunctionConfiguration`` (:meth:`LambdaNext.amend`).

:class:`LambdaNext` holds the state per account (told by the signing access key, through
moto's own mapping) and region. :func:`answer` returns None for any request that is not one
of these services' operations, so the proxy in front of moto forwards it unchanged.

Never imported by the CLI.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from functools import cache
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from lambda_advisor.audit_emulator import _CREDENTIAL  # who signed: access key, region, service

SERVICES = ("lambda-web", "lambda-core", "lambda-microvms")

Answer = tuple[int, dict[str, str], bytes]


class ApiError(Exception):
    """An error the operation declares (its shape name is the code AWS sends)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --------------------------------------------------------------------------- the models

class _Route:
    def __init__(self, service: str, model: Any, op: Any) -> None:
        self.service = service
        self.model = model
        self.op = op
        uri = op.http["requestUri"]
        path, _, query = uri.partition("?")
        self.fixed_query = dict(p.split("=", 1) if "=" in p else (p, "") for p in query.split("&") if p)
        pattern = ""
        for part in re.split(r"(\{[^}]+\})", path):
            if part.startswith("{"):
                name = part[1:-1]
                greedy = name.endswith("+")
                pattern += f"(?P<{name.rstrip('+')}>{'.+' if greedy else '[^/]+'})"
            else:
                pattern += re.escape(part)
        self.regex = re.compile(f"^{pattern}/?$")
        self.method = op.http["method"]
        self.prefix = path.split("/")[1] if path.count("/") > 1 else ""


@cache
def _routes() -> list[_Route]:
    """Every operation of the three services whose URI cannot be mistaken for a classic Lambda one."""
    import botocore.session

    session = botocore.session.get_session()
    classic = session.get_service_model("lambda")
    classic_prefixes = {classic.operation_model(n).http["requestUri"].split("/")[1] for n in classic.operation_names}
    routes: list[_Route] = []
    for service in SERVICES:
        model = session.get_service_model(service)
        for name in model.operation_names:
            route = _Route(service, model, model.operation_model(name))
            if route.prefix not in classic_prefixes:
                routes.append(route)
    # Literal segments first: ``.../list-endpoints`` before ``.../{endpointName}``.
    routes.sort(key=lambda r: -len(r.op.http["requestUri"].replace("{", "").split("/")))
    return routes


def operation_for(method: str, path: str) -> tuple[str, str] | None:
    """(service, operation) of a request to one of these services, or None."""
    clean = urlsplit(path).path
    for route in _routes():
        if route.method == method and route.regex.match(clean):
            return route.service, route.op.name
    return None


def _coerce(shape: Any, text: str) -> Any:
    if shape.type_name in ("integer", "long"):
        return int(text)
    if shape.type_name == "boolean":
        return text.lower() == "true"
    return text


def _parse_body(shape: Any, value: Any) -> Any:
    """JSON body -> parameters, following the shape's member names (and ``locationName``)."""
    if value is None:
        return None
    if shape.type_name == "structure" and isinstance(value, dict):
        out = {}
        for name, member in shape.members.items():
            key = member.serialization.get("name", name)
            if key in value:
                out[name] = _parse_body(member, value[key])
        return out
    if shape.type_name == "list" and isinstance(value, list):
        return [_parse_body(shape.member, v) for v in value]
    if shape.type_name == "map" and isinstance(value, dict):
        return {k: _parse_body(shape.value, v) for k, v in value.items()}
    return value


def _to_wire(shape: Any, value: Any) -> Any:
    """Output parameters -> JSON, as botocore's rest-json parser reads them."""
    if value is None:
        return None
    if shape.type_name == "structure":
        return {member.serialization.get("name", name): _to_wire(member, value[name])
                for name, member in shape.members.items()
                if name in value and value[name] is not None and member.serialization.get("location") is None}
    if shape.type_name == "list":
        return [_to_wire(shape.member, v) for v in value]
    if shape.type_name == "map":
        return {k: _to_wire(shape.value, v) for k, v in value.items()}
    if shape.type_name == "timestamp":
        return value.timestamp() if isinstance(value, datetime) else value
    return value


def _validate(params: Any, shape: Any) -> str | None:
    """What botocore's validator finds (types, required members, ranges), and values outside an enum."""
    from botocore.validate import ParamValidator

    report = ParamValidator().validate(params, shape)
    problems = [report.generate_report()] if report.has_errors() else []
    problems += _enum_problems(params, shape, shape.name)
    return "\n".join(problems) or None


def _enum_problems(value: Any, shape: Any, path: str) -> list[str]:
    if shape.type_name == "structure" and isinstance(value, dict):
        return [p for name, member in shape.members.items() if name in value
                for p in _enum_problems(value[name], member, f"{path}.{name}")]
    if shape.type_name == "list" and isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _enum_problems(v, shape.member, f"{path}[{i}]")]
    if shape.type_name == "map" and isinstance(value, dict):
        return [p for k, v in value.items() for p in _enum_problems(v, shape.value, f"{path}.{k}")]
    if getattr(shape, "enum", None) and isinstance(value, str) and value not in shape.enum:
        return [f"Invalid value for parameter {path}: {value!r}, valid values: {', '.join(shape.enum)}"]
    return []


def _error(route: _Route | None, code: str, message: str, status: int | None = None) -> Answer:
    if status is None:
        status = 400
        if route is not None:
            for err in route.op.error_shapes:
                if err.name == code:
                    status = int(err.metadata.get("error", {}).get("httpStatusCode", 400))
    body = json.dumps({"message": message, "Message": message}).encode()
    return status, {"x-amzn-ErrorType": code, "Content-Type": "application/json"}, body


# --------------------------------------------------------------------------- the state

def _now() -> datetime:
    return datetime.now(timezone.utc)


class _Region:
    def __init__(self) -> None:
        self.functions: dict[str, dict[str, Any]] = {}
        self.revisions: dict[str, dict[str, dict[str, Any]]] = {}  # function -> revision id -> revision
        self.endpoints: dict[str, dict[str, dict[str, Any]]] = {}  # function -> endpoint name -> endpoint
        self.policies: dict[str, dict[str, Any]] = {}  # function ARN -> policy
        self.tags: dict[str, dict[str, str]] = {}  # resource ARN -> tags
        self.connectors: dict[str, dict[str, Any]] = {}  # name -> connector (latest version)
        self.runtimes: dict[str, dict[str, Any]] = {}
        self.runtime_versions: dict[tuple[str, str], dict[str, Any]] = {}
        self.runtime_aliases: dict[tuple[str, str], dict[str, Any]] = {}
        self.images: dict[str, dict[str, Any]] = {}


#: FunctionConfiguration members moto does not keep, given back by :meth:`LambdaNext.amend`.
KEPT_CONFIGURATION = ("RuntimeConfig", "TenancyConfig")
_FUNCTIONS = re.compile(r"^/2015-03-31/functions/?$")
_FUNCTION = re.compile(r"^/2015-03-31/functions/([^/]+)(/configuration)?/?$")


class LambdaNext:
    """The state of the three services, per (account, region), and their operations."""

    def __init__(self, account_of: Callable[[str], str]) -> None:
        self._account_of = account_of
        self._lock = threading.Lock()
        self._regions: dict[tuple[str, str], _Region] = {}
        self._kept: dict[tuple[str, ...], dict[str, Any]] = {}  # (account, region, function) -> members

    def reset(self) -> None:
        with self._lock:
            self._regions.clear()
            self._kept.clear()

    def amend(self, method: str, path: str, headers: Any, body: bytes, answer: Answer) -> Answer:
        """moto's answer to a classic Lambda call, with the configuration members moto dropped."""
        m = _CREDENTIAL.search(headers.get("Authorization", ""))
        status, out_headers, payload = answer
        if m is None or m.group(3) != "lambda" or status >= 300:
            return answer
        clean = urlsplit(path).path
        where = (self._account_of(m.group(1)), m.group(2))
        if method == "POST" and _FUNCTIONS.match(clean):
            try:
                request = json.loads(body or b"{}")
            except ValueError:
                return answer
            kept = {k: request[k] for k in KEPT_CONFIGURATION if isinstance(request.get(k), dict)}
            if kept and isinstance(request.get("FunctionName"), str):
                with self._lock:
                    key = (*where, request["FunctionName"])
                    self._kept[key] = kept
            return answer
        if method != "GET" or not self._kept:
            return answer
        try:
            data = json.loads(payload)
        except ValueError:
            return answer
        if _FUNCTIONS.match(clean):
            configs = data.get("Functions") or []
        elif (fm := _FUNCTION.match(clean)) is not None:
            configs = [data] if fm.group(2) else [data.get("Configuration") or {}]
        else:
            return answer
        with self._lock:
            for config in configs:
                key = (*where, str(config.get("FunctionName")))
                config.update(self._kept.get(key, {}))
        return status, out_headers, json.dumps(data).encode()

    def answer(self, method: str, path: str, headers: Any, body: bytes) -> Answer | None:
        """The answer to a request of one of the three services, or None (not one of theirs)."""
        m = _CREDENTIAL.search(headers.get("Authorization", ""))
        if m is None or m.group(3) != "lambda":
            return None
        split = urlsplit(path)
        route = match = None
        for candidate in _routes():
            if candidate.method == method:
                match = candidate.regex.match(split.path)
                if match:
                    route = candidate
                    break
        if route is None or match is None:
            return None
        try:
            params = self._input(route, match, split.query, headers, body)
        except (ValueError, KeyError) as exc:
            return _error(route, "ValidationException", f"malformed request: {exc}", 400)
        if route.op.input_shape is not None:
            problem = _validate(params, route.op.input_shape)
            if problem:
                return _error(route, "ValidationException", problem, 400)
        handler = getattr(self, f"_{route.op.name}", None)
        if handler is None:
            return _error(route, "ValidationException",
                          f"{route.op.name} is not served by the emulator", 400)
        account = self._account_of(m.group(1))
        with self._lock:
            region = self._regions.setdefault((account, m.group(2)), _Region())
            try:
                out = handler(region, account, m.group(2), params)
            except ApiError as exc:
                return _error(route, exc.code, exc.message)
        shape = route.op.output_shape
        if shape is None:
            return int(route.op.http.get("responseCode", 200)), {"Content-Type": "application/json"}, b"{}"
        problem = _validate(out, shape)
        if problem:  # the emulator's own mistake: answered as a server fault, never off-model
            return _error(route, "InternalServerException",
                          f"emulator: {route.op.name} answer does not match the model: {problem}", 500)
        payload = json.dumps(_to_wire(shape, out)).encode()
        return int(route.op.http.get("responseCode", 200)), {"Content-Type": "application/json"}, payload

    @staticmethod
    def _input(route: _Route, match: re.Match[str], query: str, headers: Any, body: bytes) -> dict[str, Any]:
        shape = route.op.input_shape
        if shape is None:
            return {}
        data = json.loads(body) if body.strip() else {}
        params: dict[str, Any] = _parse_body(shape, data) if isinstance(data, dict) else {}
        qs = parse_qs(query, keep_blank_values=True)
        for name, member in shape.members.items():
            where = member.serialization.get("location")
            key = member.serialization.get("name", name)
            if where == "uri":
                params[name] = _coerce(member, unquote(match.group(key.rstrip("+"))))
            elif where == "querystring" and key in qs:
                params[name] = _coerce(member, qs[key][0])
            elif where == "header" and headers.get(key) is not None:
                params[name] = _coerce(member, headers[key])
            elif where is not None:
                params.pop(name, None)
        return params

    # ----------------------------------------------------------------- lambda-web

    @staticmethod
    def _arn(region: str, account: str, resource: str) -> str:
        return f"arn:aws:lambda:{region}:{account}:{resource}"

    def _function(self, r: _Region, name_or_arn: str) -> dict[str, Any]:
        name = name_or_arn.rsplit("web-function/", 1)[-1].split("/")[0] if "web-function/" in name_or_arn \
            else name_or_arn
        fn = r.functions.get(name)
        if fn is None:
            raise ApiError("ResourceNotFoundException", f"web function {name} not found")
        return fn

    def _CreateWebFunction(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p["functionName"]
        if name in r.functions:
            raise ApiError("ConflictException", f"web function {name} exists")
        now = _now()
        fn = {"functionName": name, "functionArn": self._arn(region, account, f"web-function/{name}"),
              "state": "Active", "stateReason": "", "createdAt": now, "updatedAt": now}
        r.functions[name] = fn
        r.revisions[name], r.endpoints[name] = {}, {}
        if p.get("tags"):
            r.tags[fn["functionArn"]] = dict(p["tags"])
        out = dict(fn)
        if p.get("revisionConfig"):
            rev = self._CreateWebFunctionRevision(r, account, region, {"functionName": name, **p["revisionConfig"]})
            out["revision"] = {k: rev[k] for k in ("revisionArn", "revisionId", "description", "state",
                                                     "stateReason", "createdAt") if k in rev}
        if p.get("endpointConfig"):
            ep = self._CreateWebFunctionEndpoint(r, account, region, {"functionName": name, **p["endpointConfig"]})
            out["endpoint"] = {k: v for k, v in ep.items() if k not in ("functionArn", "regionalEndpoints")}
        if p.get("tags"):
            out["tags"] = dict(p["tags"])
        return out

    def _CreateWebFunctionRevision(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        fn = self._function(r, p["functionName"])
        name = fn["functionName"]
        rev_id = str(len(r.revisions[name]) + 1)
        rev = {"functionArn": fn["functionArn"], "revisionArn": f"{fn['functionArn']}/revision/{rev_id}",
               "revisionId": rev_id, "buildConfig": p["buildConfig"], "serviceConfig": p["serviceConfig"],
               "state": "Active", "stateReason": "", "createdAt": _now()}
        for key in ("description", "kmsKeyArn"):
            if p.get(key) is not None:
                rev[key] = p[key]
        r.revisions[name][rev_id] = rev
        for ep in r.endpoints[name].values():  # LatestRevision endpoints move to the new revision at once
            if ep["autoDeploymentMode"] == "LatestRevision":
                ep["revisionWeights"] = [{"revisionId": rev_id, "weight": 100}]
        return dict(rev)

    def _CreateWebFunctionEndpoint(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        fn = self._function(r, p["functionName"])
        name, ep_name = fn["functionName"], p["endpointName"]
        if ep_name in r.endpoints[name]:
            raise ApiError("ConflictException", f"endpoint {ep_name} exists")
        latest = max(r.revisions[name], key=int) if r.revisions[name] else None
        weights = p.get("revisionWeights") or ([{"revisionId": latest, "weight": 100}] if latest else [])
        for w in weights:
            if w["revisionId"] not in r.revisions[name]:
                raise ApiError("ValidationException", f"revision {w['revisionId']} not found")
        now = _now()
        ep: dict[str, Any] = {
            "endpointArn": f"{fn['functionArn']}/endpoint/{ep_name}", "endpointName": ep_name,
            "endpointType": p["endpointType"], "authType": p["authType"],
            "domainName": f"{ep_name}-{name}-{uuid.uuid4().hex[:8]}.lambda-url.{region}.on.aws",
            "autoDeploymentMode": p.get("autoDeploymentMode") or "LatestRevision",
            "revisionWeights": [dict(w) for w in weights], "regions": list(p.get("regions") or [region]),
            "state": "Active", "stateReason": "", "createdAt": now, "updatedAt": now}
        for key in ("description", "scalingConfig", "throttleConfig"):
            if p.get(key) is not None:
                ep[key] = p[key]
        r.endpoints[name][ep_name] = ep
        out = {"functionArn": fn["functionArn"], **ep, "regionalEndpoints": {}}
        return out

    def _ListWebFunctions(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        return _page([dict(f) for f in r.functions.values()], "functions", p)

    def _GetWebFunction(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        return dict(self._function(r, p["functionName"]))

    def _ListWebFunctionEndpoints(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        fn = self._function(r, p["functionName"])
        return _page([dict(e) for e in r.endpoints[fn["functionName"]].values()], "endpoints", p)

    def _ListWebFunctionRevisions(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        fn = self._function(r, p["functionName"])
        keys = ("revisionArn", "revisionId", "description", "state", "stateReason", "createdAt")
        return _page([{k: v[k] for k in keys if k in v} for v in r.revisions[fn["functionName"]].values()],
                     "revisions", p)

    def _GetWebFunctionRevision(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        fn = self._function(r, p["functionName"])
        rev = r.revisions[fn["functionName"]].get(p["revisionId"])
        if rev is None:
            raise ApiError("ResourceNotFoundException", f"revision {p['revisionId']} not found")
        return dict(rev)

    def _PutResourcePolicy(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        self._function(r, p["resourceArn"])
        entry = {"policy": p["policy"], "revisionId": uuid.uuid4().hex}
        r.policies[p["resourceArn"]] = entry
        return dict(entry)

    def _GetResourcePolicy(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        self._function(r, p["resourceArn"])
        entry = r.policies.get(p["resourceArn"])
        if entry is None:
            raise ApiError("ResourceNotFoundException", "the web function has no resource policy")
        return dict(entry)

    def _TagResource(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        self._function(r, p["resource"])
        r.tags.setdefault(p["resource"], {}).update(p["tags"])
        return {}

    def _ListTags(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        self._function(r, p["resource"])
        return {"tags": dict(r.tags.get(p["resource"]) or {})}

    def _GetWebAccountSettings(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        return {"accountQuotas": {"maxTotalArmVCpus": 400, "maxTotalRateLimit": 10000,
                                  "maxRevisionsPerFunction": 100, "maxEndpointsPerFunction": 10},
                "accountUsage": {"functionCount": len(r.functions)}}

    # ----------------------------------------------------------------- lambda-core

    def _CreateNetworkConnector(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p["Name"]
        if name in r.connectors:
            raise ApiError("ResourceConflictException", f"network connector {name} exists")
        ident = uuid.uuid4().hex[:12]
        arn = self._arn(region, account, f"network-connector:{name}")
        connector = {"Arn": arn, "Name": name, "Id": ident, "Version": 1, "VersionArn": f"{arn}:1",
                     "LatestVersion": 1, "LatestVersionArn": f"{arn}:1", "Configuration": p["Configuration"],
                     "State": "ACTIVE", "LastModified": _now()}
        if p.get("OperatorRole"):
            connector["OperatorRole"] = p["OperatorRole"]
        r.connectors[name] = connector
        return _subset(connector, "CreateNetworkConnector")

    def _connector(self, r: _Region, ident: str) -> dict[str, Any]:
        for c in r.connectors.values():
            if ident in (c["Name"], c["Id"], c["Arn"], c["VersionArn"]):
                return c
        raise ApiError("ResourceNotFoundException", f"network connector {ident} not found")

    def _GetNetworkConnector(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        return dict(self._connector(r, p["Identifier"]))

    def _CreateRuntime(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p["Name"]
        runtime = {"Name": name, "Arn": self._arn(region, account, f"runtime/{name}"), "State": "ACTIVE",
                   "Created": _now().isoformat(), "LastModified": _now().isoformat()}
        for key in ("Description", "ReleaseLifecycle"):
            if p.get(key) is not None:
                runtime[key] = p[key]
        r.runtimes[name] = runtime
        return _subset(runtime, "CreateRuntime")

    def _runtime(self, r: _Region, ident: str) -> dict[str, Any]:
        name = ident.rsplit("runtime/", 1)[-1]
        if name not in r.runtimes:
            raise ApiError("ResourceNotFoundException", f"runtime {name} not found")
        return r.runtimes[name]

    def _CreateRuntimeVersion(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        runtime = self._runtime(r, p["RuntimeName"])
        version = {"Name": p["Name"], "Arn": f"{runtime['Arn']}/version/{p['Name']}", "ResolvedUri": p["ImageUri"],
                   "State": "ACTIVE", "Created": _now().isoformat(), "LastModified": _now().isoformat()}
        r.runtime_versions[(runtime["Name"], p["Name"])] = version
        return _subset(version, "CreateRuntimeVersion")

    def _CreateRuntimeAlias(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        runtime = self._runtime(r, p["RuntimeName"])
        version = r.runtime_versions.get((runtime["Name"], p["RuntimeVersion"]))
        if version is None:
            raise ApiError("ResourceNotFoundException", f"runtime version {p['RuntimeVersion']} not found")
        alias = {"Name": p["Name"], "Arn": f"{runtime['Arn']}/alias/{p['Name']}", "RuntimeVersion": version["Name"],
                 "RuntimeVersionArn": version["Arn"], "State": "ACTIVE", "Created": _now().isoformat(),
                 "LastModified": _now().isoformat()}
        for key in ("Description", "ReleaseLifecycle"):
            if p.get(key) is not None:
                alias[key] = p[key]
        r.runtime_aliases[(runtime["Name"], p["Name"])] = alias
        return _subset(alias, "CreateRuntimeAlias")

    def _GetRuntimeAlias(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        runtime = self._runtime(r, p["RuntimeName"])
        alias = r.runtime_aliases.get((runtime["Name"], p["Name"]))
        if alias is None:
            raise ApiError("ResourceNotFoundException", f"runtime alias {p['Name']} not found")
        return dict(alias)

    # ----------------------------------------------------------------- lambda-microvms

    def _CreateMicrovmImage(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p["name"]
        image = {"imageArn": self._arn(region, account, f"microvm-image/{name}"), "name": name,
                 "state": "CREATED", "createdAt": _now()}
        r.images[name] = image
        return {**{k: v for k, v in p.items() if k != "clientToken"}, **image, "imageVersion": "1"}

    def _ListMicrovmImages(self, r: _Region, account: str, region: str, p: dict[str, Any]) -> dict[str, Any]:
        return _page([dict(i) for i in r.images.values()], "items", p)


def _page(items: list[dict[str, Any]], key: str, p: dict[str, Any]) -> dict[str, Any]:
    """One page of ``items`` (``maxResults``, default 2 so paging is exercised), with ``nextToken``."""
    start = int(p.get("nextToken") or 0)
    size = int(p.get("maxResults") or 2)
    out: dict[str, Any] = {key: items[start:start + size]}
    if start + size < len(items):
        out["nextToken"] = str(start + size)
    return out


def _subset(item: dict[str, Any], op: str) -> dict[str, Any]:
    """``item`` restricted to the members of ``op``'s output shape (Create* answers are summaries)."""
    for route in _routes():
        if route.op.name == op and route.op.output_shape is not None:
            return {k: v for k, v in item.items() if k in route.op.output_shape.members}
    return dict(item)


def moto_account_of(access_key: str) -> str:
    """The account moto assigns to an access key (assumed-role credentials belong to their account)."""
    from moto.iam.models import get_account_id_from

    return str(get_account_id_from(access_key))
