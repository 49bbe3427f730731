"""An emulated AWS account for the demo, the tests and the benchmark (needs moto[server]).

* :func:`start_moto` runs moto's server in this process (a real HTTP endpoint), behind a
  front that serves what moto lacks (Lambda Web, Lambda Core, Lambda MicroVMs: see
  :mod:`lambda_advisor.lambda_next_emulator`);
* :func:`seed_pitfalls` creates a handful of functions showing the pitfalls the
  audit must find, over several regions;
* :class:`AwsProxy` sits in front of the endpoint and can answer like AWS does
  when things go wrong: per-region API quotas answered with HTTP 429
  ``TooManyRequestsException``, AccessDenied on one API, expired tokens.

Never imported by the CLI.
"""

from __future__ import annotations

import http.client
import io
import json
import logging
import os
import re
import threading
import time
import urllib.request
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

ACCOUNT = "123456789012"  # moto's default account

#: Credentials that cannot reach a real account, and no local AWS config.
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


def tiny_zip(body: str = "def handler(event, context):\n    return 'ok'\n") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", body)
    return buf.getvalue()


def start_moto(port: int = 0) -> tuple[Any, str]:
    """moto's threaded server, with Lambda Web, Core and MicroVMs served beside it, on ``port``
    (0: a free one): (server, endpoint URL). Call ``server.stop()``."""
    from moto.server import ThreadedMotoServer

    from lambda_advisor.lambda_next_emulator import LambdaNext, moto_account_of

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    _quiet_unknown_services()
    _answer_what_moto_lacks()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, moto_port = server.get_host_and_port()
    front = AwsProxy(f"http://{host}:{moto_port}", local=LambdaNext(moto_account_of), port=port)
    front.__enter__()
    return _Emulator(server, front), front.endpoint


class _Emulator:
    """moto and the front that serves the newer Lambda services beside it, stopped together."""

    def __init__(self, moto: Any, front: AwsProxy) -> None:
        self.moto = moto
        self.front = front

    def stop(self) -> None:
        self.front.__exit__(None, None, None)
        self.moto.stop()


def _quiet_unknown_services() -> None:
    """moto prints to stdout when asked for a service it lacks (Compute Optimizer, which the audit's
    evidence reads); stdout is where the audit writes its report, so that line goes to the log instead."""
    from moto.moto_server import werkzeug_app

    log = logging.getLogger("moto.server")
    werkzeug_app.print = lambda *args, **_: log.info(" ".join(str(a) for a in args))  # type: ignore[attr-defined]


def _answer_what_moto_lacks() -> None:
    """Read-only APIs the audit calls that moto does not implement (it would answer 500), answered as a
    fresh account would: CloudWatch Logs ``DescribeAccountPolicies`` lists no policy. The server runs in
    this process, so its response classes are extended in place; tests of the API's contents use a Stubber."""
    from moto.logs.responses import LogsResponse

    if not hasattr(LogsResponse, "describe_account_policies"):
        LogsResponse.describe_account_policies = lambda self: json.dumps({"accountPolicies": []})  # type: ignore[attr-defined]


def reset_moto(endpoint: str) -> None:
    req = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=10) as resp:
        resp.read()


@dataclass
class Account:
    """Seeding helpers bound to one endpoint (writes go straight to moto, not through the audit)."""

    endpoint: str
    credentials: tuple[str, str, str] = ("testing", "testing", "testing")

    def client(self, service: str, region: str = "us-east-1") -> Any:
        import boto3

        key, secret, token = self.credentials
        return boto3.client(service, region_name=region, endpoint_url=self.endpoint,
                            aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token)

    def member(self, account_id: str, role_name: str = "OrganizationAccountAccessRole") -> Account:
        """The same emulator, as another account of the organisation (moto: assumed-role credentials)."""
        creds = self.client("sts").assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/{role_name}",
                                               RoleSessionName="seed")["Credentials"]
        return Account(self.endpoint, (creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"]))

    def role(self, name: str = "fn-role", inline: list[dict[str, Any]] | None = None,
             managed: list[str] | None = None) -> str:
        iam = self.client("iam")
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                          "Principal": {"Service": "lambda.amazonaws.com"}}]}
        try:
            arn = str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"])
        except iam.exceptions.EntityAlreadyExistsException:
            return str(iam.get_role(RoleName=name)["Role"]["Arn"])
        for i, doc in enumerate(inline or []):
            iam.put_role_policy(RoleName=name, PolicyName=f"inline{i}", PolicyDocument=json.dumps(doc))
        for policy_arn in managed or []:
            iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
        return arn

    def function(self, name: str, region: str = "us-east-1", *, role: str | None = None,
                 runtime: str = "python3.12", **kwargs: Any) -> str:
        lam = self.client("lambda", region)
        resp = lam.create_function(FunctionName=name, Runtime=runtime, Role=role or self.role(),
                                   Handler="app.handler", Code={"ZipFile": tiny_zip()}, **kwargs)
        return str(resp["FunctionArn"])

    def web_function(self, name: str, region: str = "us-east-1", *, role: str | None = None,
                     environment: dict[str, str] | None = None, auth: str = "IamAuth",
                     connector: str | None = None, **endpoint: Any) -> str:
        """A Web Function (served beside moto) with one revision and one endpoint named ``live``."""
        service: dict[str, Any] = {"executionRoleArn": role or self.role(), "timeoutSeconds": 60,
                                   "environmentVariables": environment or {}}
        if connector:
            service["egressNetworkConnectorArn"] = connector
        resp = self.client("lambda-web", region).create_web_function(
            functionName=name,
            revisionConfig={"buildConfig": {"codeConfig": {"s3Object": {"bucket": "web-code", "key": f"{name}.zip"}},
                                            "runtimeConfig": {"runtime": "nodejs24.x"}},
                            "serviceConfig": service},
            endpointConfig={"endpointName": "live", "endpointType": "HomeRegion", "authType": auth, **endpoint})
        return str(resp["functionArn"])

    def network_connector(self, name: str, subnets: list[str], region: str = "us-east-1") -> str:
        """A VPC egress network connector for Web Functions; returns its version ARN."""
        resp = self.client("lambda-core", region).create_network_connector(Name=name, Configuration={
            "VpcEgressConfiguration": {"SubnetIds": subnets, "SecurityGroupIds": [],
                                       "AssociatedComputeResourceTypes": ["WebFunction"]}})
        return str(resp["VersionArn"])

    def runtime_alias(self, runtime: str, alias: str, region: str = "us-east-1", **lifecycle: str) -> str:
        """A customer-managed runtime with one version and an alias carrying ``lifecycle``; returns the runtime ARN."""
        core = self.client("lambda-core", region)
        arn = str(core.create_runtime(Name=runtime)["Arn"])
        core.create_runtime_version(RuntimeName=runtime, Name="v1",
                                    ImageUri=f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/{runtime}:v1")
        core.create_runtime_alias(RuntimeName=runtime, Name=alias, RuntimeVersion="v1", ReleaseLifecycle=lifecycle)
        return arn

    def queue(self, name: str, region: str = "us-east-1", **attributes: str) -> str:
        sqs = self.client("sqs", region)
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        return str(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])


#: What :func:`seed_pitfalls` plants: function name -> rule IDs the audit must report on it.
EXPECTED_PITFALLS: dict[str, set[str]] = {
    "public-report": {"LA102"},
    "thumbnailer": {"LA103", "LA201"},
    "open-invoke": {"LA103"},
    "billing-api": {"LA101"},
    "order-worker": {"LA202"},
    "checkout": {"LA301"},
    "nightly-batch": {"LA205", "LA501"},
    "legacy-tools": {"LA407"},
    "click-stream": {"LA203"},
    "quiet-batch": set(),  # LA205 is suppressed by its lambda-advisor:ignore tag
    "healthy": set(),
    "storefront": {"LA101", "LA102", "LA107", "LA507"},  # a Web Function (lambda-web, not ListFunctions)
    "report-builder": {"LA501"},  # a customer-managed runtime whose alias is deprecated
}


def seed_pitfalls(endpoint: str) -> dict[str, str]:
    """Thirteen functions over three regions (one of them a Web Function), each showing pitfalls
    (see EXPECTED_PITFALLS), and a MicroVM image (counted apart, never a function).

    Returns function name -> region.
    """
    acct = Account(endpoint)
    role = acct.role("app-role", inline=[{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]}])
    placed: dict[str, str] = {}

    def fn(name: str, region: str, **kw: Any) -> str:
        placed[name] = region
        return acct.function(name, region, role=role, **kw)

    # us-east-1: access control
    fn("public-report", "us-east-1")
    lam = acct.client("lambda", "us-east-1")
    lam.add_permission(FunctionName="public-report", StatementId="FunctionURLAllowPublicAccess",
                       Action="lambda:InvokeFunctionUrl", Principal="*", FunctionUrlAuthType="NONE")
    lam.create_function_url_config(FunctionName="public-report", AuthType="NONE",
                                   Cors={"AllowOrigins": ["*"], "AllowMethods": ["GET"]})
    fn("thumbnailer", "us-east-1", Timeout=30)
    lam.add_permission(FunctionName="thumbnailer", StatementId="s3-invoke", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com")
    fn("open-invoke", "us-east-1")
    lam.add_permission(FunctionName="open-invoke", StatementId="anyone", Action="lambda:InvokeFunction",
                       Principal="*")
    fn("billing-api", "us-east-1", Environment={"Variables": {
        "DB_PASSWORD": "pr0d-Passw0rd!x", "TABLE_NAME": "billing"}})
    lam.add_permission(FunctionName="billing-api", StatementId="apigw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/*/GET/bills")

    # a Web Function: public endpoint with no caps, a secret in its revision, a connector in one zone
    ec2 = acct.client("ec2", "us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    placed["storefront"] = "us-east-1"
    acct.web_function("storefront", "us-east-1", role=role, auth="ApplicationManaged",
                      environment={"SESSION_SECRET": "s3ss10n-S3cret!x", "CATALOG_TABLE": "catalog"},
                      connector=acct.network_connector("shop-egress", [subnet], "us-east-1"))
    acct.client("lambda-microvms", "us-east-1").create_microvm_image(
        name="sandbox", baseImageArn="arn:aws:lambda:us-east-1:aws:microvm-image/al2023", buildRoleArn=role,
        codeArtifact={"uri": "s3://web-code/sandbox.zip"})

    # eu-west-1: reliability
    queue = acct.queue("orders", "eu-west-1", VisibilityTimeout="60")
    fn("order-worker", "eu-west-1", Timeout=10)
    acct.client("lambda", "eu-west-1").create_event_source_mapping(
        FunctionName="order-worker", EventSourceArn=queue, BatchSize=10)
    invoker = acct.role("checkout-role", inline=[{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction",
         "Resource": f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:order-worker"}]}])
    placed["checkout"] = "eu-west-1"
    acct.function("checkout", "eu-west-1", role=invoker, TracingConfig={"Mode": "Active"})
    fn("nightly-batch", "eu-west-1", Timeout=900, runtime="python3.7")
    runtime = acct.runtime_alias("reports", "stable", "eu-west-1", ReleaseState="DEPRECATED",
                                 DeprecationDate="2026-01-31", FunctionUpdateBlockDate="2026-03-01")
    fn("report-builder", "eu-west-1", runtime="provided.al2023", TracingConfig={"Mode": "Active"},
       RuntimeConfig={"RuntimeArn": runtime, "RuntimeAlias": "stable"})
    fn("quiet-batch", "eu-west-1", Timeout=880,
       Tags={"lambda-advisor:ignore": "LA205", "lambda-advisor:ignore-reason": "batch window agreed"})

    # ap-southeast-2: packaging and streams
    syd = acct.client("lambda", "ap-southeast-2")
    layer = syd.publish_layer_version(LayerName="shared-utils", Content={"ZipFile": tiny_zip()},
                                      CompatibleRuntimes=["python3.12"])
    fn("legacy-tools", "ap-southeast-2", Layers=[layer["LayerVersionArn"]])
    syd.delete_layer_version(LayerName="shared-utils", VersionNumber=layer["Version"])
    kinesis = acct.client("kinesis", "ap-southeast-2")
    kinesis.create_stream(StreamName="clicks", ShardCount=1)
    stream_arn = kinesis.describe_stream(StreamName="clicks")["StreamDescription"]["StreamARN"]
    fn("click-stream", "ap-southeast-2")
    syd.create_event_source_mapping(FunctionName="click-stream", EventSourceArn=stream_arn,
                                    StartingPosition="LATEST", BatchSize=100)
    fn("healthy", "ap-southeast-2", TracingConfig={"Mode": "Active"}, MemorySize=512)
    return placed


def create_organization(endpoint: str, members: int) -> list[str]:
    """An organisation whose management account is moto's default one, with ``members`` member accounts."""
    org = Account(endpoint).client("organizations")
    org.create_organization(FeatureSet="ALL")
    return [org.create_account(AccountName=f"member-{i}", Email=f"member-{i}@example.com")
            ["CreateAccountStatus"]["AccountId"] for i in range(members)]


#: What :func:`seed_organization` plants per account kind: function name -> rule IDs to report.
EXPECTED_ORG_PITFALLS: dict[str, dict[str, set[str]]] = {
    "management": {"mgmt-open": {"LA103"}},
    "member-0": {"m0-public": {"LA102"}, "m0-healthy": set()},
    "member-1": {"m1-batch": {"LA205"}},
}


def seed_organization(endpoint: str, region: str = "us-east-1") -> dict[str, dict[str, set[str]]]:
    """An organisation of three accounts (the management one and two members), each with functions
    showing pitfalls. Returns account ID -> function name -> rule IDs expected (EXPECTED_ORG_PITFALLS)."""
    members = create_organization(endpoint, 2)
    out: dict[str, dict[str, set[str]]] = {}
    for label, acct_id, acct in [("management", ACCOUNT, Account(endpoint)),
                                 *[(f"member-{i}", m, Account(endpoint).member(m)) for i, m in enumerate(members)]]:
        role = acct.role("app-role")
        lam = acct.client("lambda", region)
        for name in EXPECTED_ORG_PITFALLS[label]:
            kwargs: dict[str, Any] = {"TracingConfig": {"Mode": "Active"}, "MemorySize": 256}
            if name == "m1-batch":
                kwargs["Timeout"] = 900
            acct.function(name, region, role=role, **kwargs)
        if label == "management":
            lam.add_permission(FunctionName="mgmt-open", StatementId="anyone", Action="lambda:InvokeFunction",
                               Principal="*")
        if label == "member-0":
            lam.add_permission(FunctionName="m0-public", StatementId="FunctionURLAllowPublicAccess",
                               Action="lambda:InvokeFunctionUrl", Principal="*", FunctionUrlAuthType="NONE")
            lam.create_function_url_config(FunctionName="m0-public", AuthType="NONE")
        out[acct_id] = EXPECTED_ORG_PITFALLS[label]
    return out


# --------------------------------------------------------------------------- the proxy

_LAMBDA_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"^/2015-03-31/functions/?$"), "ListFunctions"),
    ("GET", re.compile(r"^/2015-03-31/functions/[^/]+/policy/?$"), "GetPolicy"),
    ("GET", re.compile(r"^/2017-10-31/functions/[^/]+/concurrency/?$"), "GetFunctionConcurrency"),
    ("GET", re.compile(r"^/2015-03-31/functions/[^/]+/?$"), "GetFunction"),
    ("GET", re.compile(r"^/2015-03-31/event-source-mappings/?$"), "ListEventSourceMappings"),
    ("GET", re.compile(r"^/2021-10-31/functions/[^/]+/url/?$"), "GetFunctionUrlConfig"),
    ("GET", re.compile(r"^/2019-09-25/functions/[^/]+/event-invoke-config/?$"), "GetFunctionEventInvokeConfig"),
    ("GET", re.compile(r"^/2018-10-31/layers/?$"), "GetLayerVersionByArn"),
    ("GET", re.compile(r"^/2018-10-31/layers/[^/]+/versions/\d+/?$"), "GetLayerVersion"),
    ("GET", re.compile(r"^/2015-03-31/functions/[^/]+/aliases/?$"), "ListAliases"),
    ("GET", re.compile(r"^/2015-03-31/functions/[^/]+/configuration/?$"), "GetFunctionConfiguration"),
    ("GET", re.compile(r"^/2021-10-31/functions/[^/]+/urls/?$"), "ListFunctionUrlConfigs"),
    ("GET", re.compile(r"^/2019-09-25/functions/[^/]+/event-invoke-config/list/?$"), "ListFunctionEventInvokeConfigs"),
    ("GET", re.compile(r"^/2024-08-31/functions/[^/]+/recursion-config/?$"), "GetFunctionRecursionConfig"),
]
_CREDENTIAL = re.compile(r"Credential=([^/=]+)/\d+/([^/]+)/([^/]+)/")


@dataclass
class Call:
    service: str
    region: str
    operation: str
    access_key: str = ""  # who signed: one account's credentials (quotas are per account)
    body: str = ""  # the request body (query protocol: the parameters), for faults


def identify(method: str, path: str, headers: Any, body: bytes) -> Call:
    """Which AWS operation a signed request is: service and region from SigV4, the operation from the protocol."""
    m = _CREDENTIAL.search(headers.get("Authorization", ""))
    key, region, service = (m.group(1), m.group(2), m.group(3)) if m else ("", "?", "?")
    op = "?"
    target = headers.get("X-Amz-Target")
    if target:
        op = target.rsplit(".", 1)[-1]
    elif service == "lambda":
        clean = urlsplit(path).path
        for verb, pattern, name in _LAMBDA_ROUTES:
            if verb == method and pattern.match(clean):
                op = name
                break
        else:
            from lambda_advisor.lambda_next_emulator import operation_for

            newer = operation_for(method, path)
            op = newer[1] if newer else f"{method} {clean}"
    else:
        fields = dict(p.split("=", 1) for p in body.decode("utf-8", "replace").split("&") if "=" in p)
        op = fields.get("Action", "?")
    return Call(service=service, region=region, operation=op, access_key=key,
                body=body.decode("utf-8", "replace"))


#: A fault rule: given the call, return (status, headers, body) to answer instead of moto, or None.
Fault = Callable[[Call], "tuple[int, dict[str, str], bytes] | None"]


def lambda_error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"Type": "User", "message": message, "Message": message}).encode()
    return status, {"x-amzn-ErrorType": code, "Content-Type": "application/json"}, body


def query_error(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    body = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message>"
            f"</Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>").encode()
    return status, {"Content-Type": "text/xml"}, body


def throttled() -> tuple[int, dict[str, str], bytes]:
    return lambda_error(429, "TooManyRequestsException", "Rate exceeded")


class _Bucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.capacity = rate, burst
        self.tokens, self.stamp = burst, time.monotonic()
        self.lock = threading.Lock()

    def try_take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return True
            return False


@dataclass
class ProxyStats:
    calls: Counter[str] = field(default_factory=Counter)  # "region service Operation" -> answered by moto
    #: "access-key region service Operation" -> answered by moto (one access key per account)
    calls_by_caller: Counter[str] = field(default_factory=Counter)
    faults: Counter[str] = field(default_factory=Counter)  # same keys -> answered by a fault
    throttled: Counter[str] = field(default_factory=Counter)  # same keys -> 429 for exceeding a quota


class AwsProxy:
    """A local HTTP proxy in front of moto: counts calls, enforces quotas, injects faults.

    ``quotas`` maps a Lambda quota bucket (``GetFunction``, ``GetPolicy``,
    ``other``) to calls per second per account and region; beyond it the proxy
    answers 429 TooManyRequestsException as Lambda does. The account is told by
    the signing access key (each account's assumed-role credentials have their
    own). Each bucket holds ``burst_s`` seconds of its quota (at least 2 calls).
    ``faults`` are tried in order. ``local`` answers what the upstream does not serve
    (:meth:`LambdaNext.answer`: Lambda Web, Core and MicroVMs beside moto).
    """

    def __init__(self, upstream: str, *, quotas: dict[str, float] | None = None, burst_s: float = 0.1,
                 faults: list[Fault] | None = None, local: Any = None, port: int = 0) -> None:
        self.upstream = urlsplit(upstream)
        #: Answers requests the upstream does not serve (a :class:`LambdaNext`), else None.
        self.local = local
        self.quotas = quotas
        self.burst_s = burst_s
        self.faults = list(faults or [])
        self.stats = ProxyStats()
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                proxy._handle(self)

            do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_GET

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> AwsProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _bucket(self, call: Call) -> _Bucket | None:
        if self.quotas is None or call.service != "lambda":
            return None
        name = call.operation if call.operation in self.quotas else "other"
        key = (call.access_key, call.region, name)
        with self._lock:
            if key not in self._buckets:
                rate = self.quotas[name]
                self._buckets[key] = _Bucket(rate, max(2.0, rate * self.burst_s))
            return self._buckets[key]

    def _upstream(self) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.upstream.hostname or "127.0.0.1", self.upstream.port, timeout=60)
            self._local.conn = conn
        return conn

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        call = identify(h.command, h.path, h.headers, body)
        key = f"{call.region} {call.service} {call.operation}"
        answer = None
        for fault in self.faults:
            answer = fault(call)
            if answer is not None:
                with self._lock:
                    self.stats.faults[key] += 1
                break
        bucket = self._bucket(call) if answer is None else None
        if bucket is not None and not bucket.try_take():
            answer = throttled()
            with self._lock:
                self.stats.throttled[key] += 1
        if answer is None:
            with self._lock:
                self.stats.calls[key] += 1
                self.stats.calls_by_caller[f"{call.access_key} {key}"] += 1
            if self.local is not None:
                if h.path.startswith("/moto-api/reset"):
                    self.local.reset()
                answer = self.local.answer(h.command, h.path, h.headers, body)
            if answer is None:
                answer = self._forward(h, body)
                if self.local is not None:
                    answer = self.local.amend(h.command, h.path, h.headers, body, answer)
        status, headers, payload = answer
        h.send_response(status)
        for k, v in headers.items():
            if k.lower() not in {"content-length", "transfer-encoding", "connection", "server", "date"}:
                h.send_header(k, v)
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        if h.command != "HEAD":
            h.wfile.write(payload)

    def _forward(self, h: BaseHTTPRequestHandler, body: bytes) -> tuple[int, dict[str, str], bytes]:
        headers = {k: v for k, v in h.headers.items() if k.lower() not in {"host", "connection"}}
        headers["Host"] = self.upstream.netloc
        for attempt in (1, 2):
            conn = self._upstream()
            try:
                conn.request(h.command, h.path, body=body, headers=headers)
                resp = conn.getresponse()
                return resp.status, dict(resp.getheaders()), resp.read()
            except (OSError, http.client.HTTPException):
                conn.close()
                self._local.conn = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")
