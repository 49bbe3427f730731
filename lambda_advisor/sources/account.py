"""Live account source: every Lambda function of an account, read through boto3.

What it answers: which functions does this account have, in which regions, and
how is each configured? It returns function documents (the same shape the
template source produces) plus the gaps: functions or regions it could not
fully read, with the calls that failed and why. Nothing ListFunctions returned
is dropped.

Design, because Lambda's control plane is rate limited per account and region
(GetFunction 100/s, GetPolicy 15/s, every other control-plane call 15/s
together):

* ListFunctions already carries most of the configuration; per function we add
  only GetFunction (tags, reserved concurrency, code location) and GetPolicy
  (resource policy). Event invoke configs are read only for functions that are
  invoked asynchronously, URL configs only where the policy grants
  ``lambda:InvokeFunctionUrl``.
* Region-wide facts are read once per region (ListEventSourceMappings,
  DescribeLogGroups by prefix), shared facts once per audit (IAM roles and
  managed policies, layer versions, SQS queues), whatever number of functions
  use them.
* Regions run in parallel, each with a bounded pool, a client-side token bucket
  per quota (kept a little under the quota) and botocore adaptive retries.
* Read-only is enforced by a ``before-call`` hook on the session: any
  operation that is not Get*/List*/Describe* (or STS AssumeRole) is refused
  before it is signed or sent.

Permissions the audit uses (all read-only; AWS's ``ReadOnlyAccess`` or
``SecurityAudit`` + ``AWSLambda_ReadOnlyAccess`` cover them); a missing one is a
gap, never a crash: ``sts:GetCallerIdentity``, ``ec2:DescribeRegions``
(``--all-regions``), ``lambda:ListFunctions``, ``lambda:GetFunction``,
``lambda:GetPolicy``, ``lambda:ListEventSourceMappings``,
``lambda:GetFunctionUrlConfig``, ``lambda:GetFunctionEventInvokeConfig``,
``lambda:GetLayerVersion``, ``sqs:GetQueueUrl``, ``sqs:GetQueueAttributes``,
``logs:DescribeLogGroups``, ``iam:ListRolePolicies``, ``iam:GetRolePolicy``,
``iam:ListAttachedRolePolicies``, ``iam:GetPolicy``, ``iam:GetPolicyVersion``
(and ``sts:AssumeRole`` with ``--role-arn``).

boto3 is imported inside functions only: ``scan`` never pays for it.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from lambda_advisor.model import Document, Function, Source
from lambda_advisor.result import Gap

READ_ONLY_PREFIXES = ("Get", "List", "Describe")
#: Operations that are neither Get, List nor Describe but change nothing in the account.
ALLOWED_OPERATIONS = frozenset({"AssumeRole"})

#: Per region and second, as documented in the Lambda quotas page.
LAMBDA_QUOTAS = {"GetFunction": 100.0, "GetPolicy": 15.0, "other": 15.0}
#: Share of a quota the client-side limiter uses (leave room for other tools in the account).
DEFAULT_HEADROOM = 0.95

IGNORE_TAG = "lambda-advisor:ignore"
IGNORE_REASON_TAG = "lambda-advisor:ignore-reason"

_CREDENTIAL_CODES = {
    "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
    "SignatureDoesNotMatch", "InvalidAccessKeyId", "AuthFailure", "RequestExpired",
}
_NOT_FOUND_CODES = {"ResourceNotFoundException", "NoSuchEntity", "AWS.SimpleQueueService.NonExistentQueue",
                    "QueueDoesNotExist", "ResourceNotFound"}

#: Service principal -> (event source type, invocation) for resource policy statements.
SERVICE_SOURCES: dict[str, tuple[str, str]] = {
    "s3.amazonaws.com": ("s3", "async"),
    "sns.amazonaws.com": ("sns", "async"),
    "events.amazonaws.com": ("eventbridge", "async"),
    "ses.amazonaws.com": ("ses", "async"),
    "iot.amazonaws.com": ("iot", "async"),
    "logs.amazonaws.com": ("logs", "async"),
    "lambda.alarms.cloudwatch.amazonaws.com": ("cloudwatch_alarm", "async"),
    "codecommit.amazonaws.com": ("codecommit", "async"),
    "config.amazonaws.com": ("config", "async"),
    "apigateway.amazonaws.com": ("api", "sync"),
    "elasticloadbalancing.amazonaws.com": ("alb", "sync"),
    "cognito-idp.amazonaws.com": ("cognito", "sync"),
    "alexa-appkit.amazonaws.com": ("alexa", "sync"),
    "alexa-connectedhome.amazonaws.com": ("alexa", "sync"),
    "lex.amazonaws.com": ("lex", "sync"),
    "secretsmanager.amazonaws.com": ("secretsmanager", "sync"),
}


class AuditError(Exception):
    """The audit cannot start (credentials, profile, no region): one clear message, exit 2."""


class ReadOnlyViolation(Exception):
    """Raised by the before-call hook when something tries to change the account."""


# --------------------------------------------------------------------------- options and outcome

#: ``inspect_code(document, code_location_url, layers)``: ``layers`` maps each layer version
#: ARN to its content URL (None when unknown). Called once per function from a worker thread;
#: it may add ``code.inspection`` to the document. An exception becomes a gap for that function.
InspectCode = Callable[[Document, "str | None", "dict[str, str | None]"], None]


@dataclass
class AuditOptions:
    profile: str | None = None
    regions: list[str] = field(default_factory=list)
    all_regions: bool = False
    role_arn: str | None = None
    external_id: str | None = None
    endpoint_url: str | None = None  # falls back to AWS_ENDPOINT_URL (botocore reads it too)
    #: Region -> endpoint, overriding ``endpoint_url`` (tests: one unreachable region).
    region_endpoints: dict[str, str] = field(default_factory=dict)
    workers_per_region: int = 10
    max_regions_in_parallel: int = 8
    quotas: dict[str, float] = field(default_factory=lambda: dict(LAMBDA_QUOTAS))
    headroom: float = DEFAULT_HEADROOM
    max_attempts: int = 8  # in all, the first attempt included
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    inspect_code: InspectCode | None = None
    progress: Progress | None = None
    #: Called with (service, region, client) for every client the audit creates (tests attach
    #: botocore Stubbers here). The Lambda clients are "lambda:GetFunction", "lambda:GetPolicy"
    #: (one per quota), "lambda:ListFunctions" (the listing thread) and "lambda" (every other call).
    client_hook: Callable[[str, str, Any], None] | None = None


@dataclass
class AuditOutcome:
    documents: list[Document]
    gaps: list[Gap]
    account: str | None
    regions: list[str]
    calls: Counter[str] = field(default_factory=Counter)  # "region service Operation" -> attempts
    failed_calls: Counter[str] = field(default_factory=Counter)  # same keys: calls given up on
    seconds: float = 0.0


class Progress:
    """Functions done / total per region. The base class is silent; see :class:`TerminalProgress`."""

    def region_total(self, region: str, total: int) -> None:
        """``total`` functions were listed in ``region``."""

    def advance(self, region: str, n: int = 1) -> None:
        """``n`` more functions of ``region`` are done."""

    def close(self) -> None:
        """The audit is over."""


class TerminalProgress(Progress):
    """One status line on stderr, redrawn at most ten times a second."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._total: dict[str, int] = {}
        self._done: Counter[str] = Counter()
        self._last = 0.0

    def region_total(self, region: str, total: int) -> None:
        with self._lock:
            self._total[region] = total
        self._draw(force=True)

    def advance(self, region: str, n: int = 1) -> None:
        with self._lock:
            self._done[region] += n
        self._draw()

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last < 0.1:
                return
            self._last = now
            done, total = sum(self._done.values()), sum(self._total.values())
            parts = [f"{r} {self._done[r]}/{t}" for r, t in sorted(self._total.items())]
        width = 24
        filled = int(width * done / total) if total else 0
        line = f"\rauditing [{'#' * filled}{'-' * (width - filled)}] {done}/{total}  " + "  ".join(parts)
        self._stream.write(line[:200] + "\x1b[K")
        self._stream.flush()

    def close(self) -> None:
        if self._total:
            self._draw(force=True)
            self._stream.write("\n")
            self._stream.flush()


# --------------------------------------------------------------------------- read-only and rate limits

def refuse_mutating_calls(model: Any, **_: Any) -> None:
    """botocore ``before-call`` handler: only Get*, List*, Describe* and the allow-list pass."""
    name: str = model.name
    if name.startswith(READ_ONLY_PREFIXES) or name in ALLOWED_OPERATIONS:
        return
    service = model.service_model.service_name
    raise ReadOnlyViolation(f"lambda-advisor is read-only: refused {service}:{name}")


def install_read_only(session: Any) -> None:
    """Register the read-only guard on a boto3 session (before any client is created)."""
    session.events.register("before-call", refuse_mutating_calls, unique_id="lambda-advisor-read-only")


class TokenBucket:
    """A thread-safe token bucket: ``take()`` blocks until a call may be sent."""

    def __init__(self, rate: float, burst: float = 1.0) -> None:
        self.rate = rate
        self.capacity = max(burst, 1.0)
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                wait = (1.0 - self._tokens) / self.rate
            time.sleep(wait)


class LambdaRateLimiter:
    """One region's Lambda quotas on the client side, applied to every HTTP attempt (retries too)."""

    def __init__(self, quotas: dict[str, float], headroom: float) -> None:
        self.buckets = {k: TokenBucket(v * headroom) for k, v in quotas.items()}

    def __call__(self, event_name: str = "", **_: Any) -> None:
        op = event_name.rsplit(".", 1)[-1]
        self.buckets.get(op, self.buckets["other"]).take()


# --------------------------------------------------------------------------- session

def _botocore_errors() -> Any:
    import botocore.exceptions

    return botocore.exceptions


def is_credentials_error(exc: BaseException) -> bool:
    errors = _botocore_errors()
    if isinstance(exc, (errors.NoCredentialsError, errors.PartialCredentialsError,
                        errors.ProfileNotFound, errors.CredentialRetrievalError)):
        return True
    for name in ("TokenRetrievalError", "SSOTokenLoadError", "UnauthorizedSSOTokenError", "SSOError"):
        cls = getattr(errors, name, None)
        if cls is not None and isinstance(exc, cls):
            return True
    return isinstance(exc, errors.ClientError) and _code(exc) in _CREDENTIAL_CODES


def _code(exc: Any) -> str:
    return str(exc.response.get("Error", {}).get("Code", "")) if hasattr(exc, "response") else type(exc).__name__


def describe_error(exc: BaseException) -> str:
    """A short reason for a gap: the error code and AWS's message, or the network failure."""
    errors = _botocore_errors()
    if isinstance(exc, errors.ClientError):
        err = exc.response.get("Error", {})
        code, msg = err.get("Code", "Error"), err.get("Message") or ""
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        out = f"{code}" + (f" (HTTP {status})" if status else "") + (f": {msg}" if msg else "")
        if code in {"TooManyRequestsException", "Throttling", "ThrottlingException", "RequestLimitExceeded"}:
            out += " — throttled past retries"
        return out[:300]
    if isinstance(exc, errors.EndpointConnectionError):
        return f"endpoint unreachable: {exc}"
    if isinstance(exc, (errors.ConnectTimeoutError, errors.ReadTimeoutError)):
        return f"timeout: {exc}"
    return f"{type(exc).__name__}: {exc}"[:300]


def credentials_message(exc: BaseException, options: AuditOptions) -> str:
    who = f"profile {options.profile!r}" if options.profile else "the default credential chain"
    errors = _botocore_errors()
    if isinstance(exc, errors.ProfileNotFound):
        return f"AWS profile {options.profile!r} not found in ~/.aws/config or ~/.aws/credentials"
    if isinstance(exc, errors.NoCredentialsError):
        return (f"no AWS credentials found ({who}); set AWS_PROFILE, pass --profile, "
                "or log in with `aws sso login`")
    if isinstance(exc, errors.ClientError) and _code(exc) in {"ExpiredToken", "ExpiredTokenException", "RequestExpired"}:
        return f"AWS credentials from {who} have expired; refresh them (for example `aws sso login`) and retry"
    return f"AWS credentials from {who} were refused: {describe_error(exc)}"


def _config(options: AuditOptions, pool: int) -> Any:
    from botocore.config import Config

    return Config(
        retries={"mode": "adaptive", "total_max_attempts": options.max_attempts},
        max_pool_connections=pool,
        connect_timeout=options.connect_timeout,
        read_timeout=options.read_timeout,
        user_agent_extra="lambda-advisor",
    )


def _endpoint(options: AuditOptions, region: str | None = None) -> str | None:
    if region and region in options.region_endpoints:
        return options.region_endpoints[region]
    return options.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None


def open_session(options: AuditOptions) -> tuple[Any, str | None]:
    """A read-only boto3 session (assuming ``role_arn`` when given) and the account ID.

    Raises :class:`AuditError` with one clear sentence when the credentials are
    missing, expired or refused.
    """
    import boto3

    errors = _botocore_errors()
    try:
        session = boto3.Session(profile_name=options.profile)
        install_read_only(session)
        home = session.region_name or (options.regions[0] if options.regions else "us-east-1")
        if options.role_arn:
            sts = session.client("sts", region_name=home, endpoint_url=_endpoint(options),
                                 config=_config(options, 2))
            params: dict[str, Any] = {"RoleArn": options.role_arn, "RoleSessionName": "lambda-advisor"}
            if options.external_id:
                params["ExternalId"] = options.external_id
            creds = sts.assume_role(**params)["Credentials"]
            session = boto3.Session(aws_access_key_id=creds["AccessKeyId"],
                                    aws_secret_access_key=creds["SecretAccessKey"],
                                    aws_session_token=creds["SessionToken"], region_name=home)
            install_read_only(session)
        sts = session.client("sts", region_name=home, endpoint_url=_endpoint(options), config=_config(options, 2))
        identity = sts.get_caller_identity()
    except errors.BotoCoreError as exc:
        if is_credentials_error(exc):
            raise AuditError(credentials_message(exc, options)) from exc
        raise AuditError(f"cannot reach AWS STS to check the credentials: {describe_error(exc)}") from exc
    except errors.ClientError as exc:
        if is_credentials_error(exc):
            raise AuditError(credentials_message(exc, options)) from exc
        if options.role_arn and _code(exc) in {"AccessDenied", "AccessDeniedException"}:
            raise AuditError(f"cannot assume role {options.role_arn}: {describe_error(exc)}") from exc
        raise AuditError(f"STS refused the credentials check: {describe_error(exc)}") from exc
    return session, identity.get("Account")


def resolve_regions(session: Any, options: AuditOptions) -> list[str]:
    """``--region`` values, the regions enabled for the account (``--all-regions``) or the default."""
    if options.all_regions:
        errors = _botocore_errors()
        home = session.region_name or "us-east-1"
        ec2 = session.client("ec2", region_name=home, endpoint_url=_endpoint(options, home),
                             config=_config(options, 2))
        try:
            regions = ec2.describe_regions(AllRegions=False)["Regions"]
        except (errors.BotoCoreError, errors.ClientError) as exc:
            if is_credentials_error(exc):
                raise AuditError(credentials_message(exc, options)) from exc
            raise AuditError(f"cannot list the account's enabled regions (EC2 DescribeRegions): "
                             f"{describe_error(exc)}; pass --region instead") from exc
        return sorted(r["RegionName"] for r in regions
                      if r.get("OptInStatus") in (None, "opt-in-not-required", "opted-in"))
    if options.regions:
        return list(dict.fromkeys(options.regions))
    if session.region_name:
        return [session.region_name]
    raise AuditError("no region: pass --region REGION (repeatable) or --all-regions, "
                     "or set a default region in the profile or AWS_DEFAULT_REGION")


# --------------------------------------------------------------------------- shared caches

class _Once:
    """Compute each key once, even when many threads ask for it at the same time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[Any, Future[Any]] = {}

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        with self._lock:
            fut = self._futures.get(key)
            owner = fut is None
            if fut is None:
                fut = Future()
                self._futures[key] = fut
        if owner:
            try:
                fut.set_result(compute())
            except BaseException as exc:
                fut.set_exception(exc)
        return fut.result()


class _Failed:
    """A call that failed; ``reason`` goes into the gap."""

    def __init__(self, op: str, reason: str) -> None:
        self.op = op
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.op}: {self.reason}"


_NOT_FOUND = object()


class _Calls:
    """Calls through boto3 that never raise: a result, ``_NOT_FOUND`` or ``_Failed``."""

    def __init__(self, outcome: AuditOutcome, lock: threading.Lock) -> None:
        self.outcome = outcome
        self.lock = lock

    def count_attempt(self, region: str) -> Callable[..., None]:
        def hook(event_name: str = "", **_: Any) -> None:
            service, op = event_name.split(".", 2)[1:]
            with self.lock:
                self.outcome.calls[f"{region} {service} {op}"] += 1
        return hook

    def call(self, region: str, client: Any, op: str, **params: Any) -> Any:
        errors = _botocore_errors()
        try:
            return getattr(client, _snake(op))(**params)
        except errors.ClientError as exc:
            if _code(exc) in _NOT_FOUND_CODES:
                return _NOT_FOUND
            return self._failed(region, client, op, exc)
        except (errors.BotoCoreError, OSError) as exc:
            return self._failed(region, client, op, exc)

    def pages(self, region: str, client: Any, op: str, key: str, **params: Any) -> tuple[list[Any], _Failed | None]:
        """All items of a paginated call; on failure, the items read so far and the failure."""
        errors = _botocore_errors()
        items: list[Any] = []
        try:
            for page in client.get_paginator(_snake(op)).paginate(**params):
                items.extend(page.get(key) or [])
        except (errors.ClientError, errors.BotoCoreError, OSError) as exc:
            return items, self._failed(region, client, op, exc)
        return items, None

    def _failed(self, region: str, client: Any, op: str, exc: BaseException) -> _Failed:
        service = client.meta.service_model.service_name
        with self.lock:
            self.outcome.failed_calls[f"{region} {service} {op}"] += 1
        return _Failed(op, describe_error(exc))


def _snake(op: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower()


# --------------------------------------------------------------------------- the audit

def audit(options: AuditOptions) -> AuditOutcome:
    """Read every function of the account in the chosen regions.

    Raises :class:`AuditError` when it cannot start; everything that fails
    after that is a gap in the outcome.
    """
    started = time.monotonic()
    session, account = open_session(options)
    regions = resolve_regions(session, options)
    outcome = AuditOutcome(documents=[], gaps=[], account=account, regions=regions)
    shared = _Shared(session, options, outcome)
    progress = options.progress or Progress()
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(len(regions), options.max_regions_in_parallel)),
                                thread_name_prefix="la-region") as pool:
            results = list(pool.map(lambda r: _audit_region(r, shared, progress), regions))
    finally:
        progress.close()
    for docs, gaps in results:
        outcome.documents.extend(docs)
        outcome.gaps.extend(gaps)
    outcome.seconds = time.monotonic() - started
    return outcome


def _audit_region(region: str, shared: _Shared, progress: Progress) -> tuple[list[Document], list[Gap]]:
    try:
        return _RegionAudit(region, shared, progress).run()
    except Exception as exc:  # one broken region must not end the audit unreported
        return [], [Gap(where=region, region=region, missing=[f"lambda-advisor: {type(exc).__name__}: {exc}"])]


class _Shared:
    """What all regions share: the session, IAM (global) and its caches, the call counters."""

    def __init__(self, session: Any, options: AuditOptions, outcome: AuditOutcome) -> None:
        self.session = session
        self.options = options
        self.outcome = outcome
        self.lock = threading.Lock()
        self.calls = _Calls(outcome, self.lock)
        self.roles = _Once()
        self.managed = _Once()
        self._iam: Any = None
        self._iam_lock = threading.Lock()
        self._create_lock = threading.Lock()  # a boto3 Session is not thread-safe; its clients are

    def client(self, service: str, region: str, pool: int, limiter: Any = None, purpose: str = "") -> Any:
        with self._create_lock:
            client = self.session.client(service, region_name=region,
                                         endpoint_url=_endpoint(self.options, region),
                                         config=_config(self.options, pool))
        if limiter is not None:
            client.meta.events.register(f"before-send.{service}", limiter)
        client.meta.events.register(f"before-send.{client.meta.service_model.service_id.hyphenize()}",
                                    self.calls.count_attempt(region))
        if self.options.client_hook is not None:
            self.options.client_hook(f"{service}:{purpose}" if purpose else service, region, client)
        return client

    def iam(self) -> Any:
        with self._iam_lock:
            if self._iam is None:
                home = self.session.region_name or "us-east-1"
                self._iam = self.client("iam", home, self.options.workers_per_region)
            return self._iam

    # ---- execution roles, once per role; managed policies once per policy

    def role(self, role_arn: str, account: str | None) -> tuple[dict[str, Any], list[str]]:
        result: tuple[dict[str, Any], list[str]] = self.roles.get(role_arn, lambda: self._read_role(role_arn, account))
        return result

    def _read_role(self, role_arn: str, account: str | None) -> tuple[dict[str, Any], list[str]]:
        role: dict[str, Any] = {"arn": role_arn, "statements": [], "managed_policies": [], "complete": True}
        missing: list[str] = []
        m = re.match(r"arn:[^:]+:iam::(\d+):role/(?:.*/)?([^/]+)$", role_arn)
        if not m:
            role["complete"] = False
            return role, [f"IAM: cannot parse role ARN {role_arn}"]
        role_account, name = m.groups()
        if account and role_account != account:
            role["complete"] = False
            return role, [f"IAM: role {name} belongs to account {role_account}, not readable from {account}"]
        iam, calls = self.iam(), self.calls
        names, failed = calls.pages("global", iam, "ListRolePolicies", "PolicyNames", RoleName=name)
        if failed:
            missing.append(f"{failed} (role {name})")
        for policy_name in names:
            got = calls.call("global", iam, "GetRolePolicy", RoleName=name, PolicyName=policy_name)
            if isinstance(got, _Failed) or got is _NOT_FOUND:
                missing.append(f"{got if isinstance(got, _Failed) else 'GetRolePolicy: gone'} (role {name}, policy {policy_name})")
                continue
            role["statements"] += parse_policy(got["PolicyDocument"], origin=f"inline {policy_name}")
        attached, failed = calls.pages("global", iam, "ListAttachedRolePolicies", "AttachedPolicies", RoleName=name)
        if failed:
            missing.append(f"{failed} (role {name})")
        for pol in attached:
            arn = pol["PolicyArn"]
            role["managed_policies"].append(arn)
            statements, why = self.managed.get(arn, partial(self._read_managed, arn))
            if why:
                missing.append(f"{why} (role {name})")
            role["statements"] += statements
        if missing:
            role["complete"] = False
        return role, missing

    def _read_managed(self, arn: str) -> tuple[list[dict[str, Any]], str | None]:
        iam, calls = self.iam(), self.calls
        got = calls.call("global", iam, "GetPolicy", PolicyArn=arn)
        if isinstance(got, _Failed) or got is _NOT_FOUND:
            return [], f"{got if isinstance(got, _Failed) else 'GetPolicy: gone'} (policy {arn})"
        version = calls.call("global", iam, "GetPolicyVersion", PolicyArn=arn,
                             VersionId=got["Policy"]["DefaultVersionId"])
        if isinstance(version, _Failed) or version is _NOT_FOUND:
            return [], f"{version if isinstance(version, _Failed) else 'GetPolicyVersion: gone'} (policy {arn})"
        return parse_policy(version["PolicyVersion"]["Document"], origin=arn), None


class _RegionAudit:
    def __init__(self, region: str, shared: _Shared, progress: Progress) -> None:
        self.region = region
        self.shared = shared
        self.options = shared.options
        self.calls = shared.calls
        self.progress = progress
        workers = self.options.workers_per_region
        limiter = LambdaRateLimiter(self.options.quotas, self.options.headroom)
        # One client per quota bucket: botocore's adaptive retry mode keeps its throttling state
        # per client, so a 429 on GetPolicy must not slow GetFunction or the other calls down.
        self.lam = shared.client("lambda", region, workers, limiter)
        self.lam_get = shared.client("lambda", region, workers, limiter, purpose="GetFunction")
        self.lam_policy = shared.client("lambda", region, workers, limiter, purpose="GetPolicy")
        self.lam_list = shared.client("lambda", region, 2, limiter, purpose="ListFunctions")
        self._sqs: Any = None
        self._logs: Any = None
        self._lazy = threading.Lock()
        self.layers = _Once()
        self.queues = _Once()
        self._facts_started = False
        self._mappings_future: Future[tuple[dict[str, list[dict[str, Any]]], _Failed | None]] | None = None
        self._log_groups_future: Future[tuple[dict[str, int | None], _Failed | None]] | None = None
        self.custom_log_groups = _Once()

    def sqs(self) -> Any:
        with self._lazy:
            if self._sqs is None:
                self._sqs = self.shared.client("sqs", self.region, self.options.workers_per_region)
            return self._sqs

    def logs(self) -> Any:
        with self._lazy:
            if self._logs is None:
                self._logs = self.shared.client("logs", self.region, self.options.workers_per_region)
            return self._logs

    def run(self) -> tuple[list[Document], list[Gap]]:
        """List the region page by page; each function starts while the next page is read.

        The region-wide facts (event source mappings, log groups) are read alongside, once the
        region turns out to have functions; a function waits for them only after its own calls.
        """
        gaps: list[Gap] = []
        errors = _botocore_errors()
        futures: list[Future[tuple[Document, list[str]]]] = []
        listed = 0
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix=f"la-{self.region}-facts") as side, \
                ThreadPoolExecutor(max_workers=self.options.workers_per_region,
                                   thread_name_prefix=f"la-{self.region}") as pool:
            try:
                for page in self.lam_list.get_paginator("list_functions").paginate():
                    configs = page.get("Functions") or []
                    if configs and not self._facts_started:
                        self._facts_started = True
                        self._mappings_future = side.submit(self._list_mappings)
                        self._log_groups_future = side.submit(self._list_log_groups)
                    listed += len(configs)
                    self.progress.region_total(self.region, listed)
                    futures += [pool.submit(self._function, config) for config in configs]
            except (errors.ClientError, errors.BotoCoreError, OSError) as exc:
                failed = self.calls._failed(self.region, self.lam_list, "ListFunctions", exc)
                what = "region could not be listed" if not listed else f"listing stopped after {listed} functions"
                gaps.append(Gap(where=self.region, region=self.region, missing=[f"{failed} ({what})"]))
            if not listed:
                self.progress.region_total(self.region, 0)
            docs: list[Document] = []
            for future in futures:
                doc, missing = future.result()
                docs.append(doc)
                if missing:
                    gaps.append(Gap(where=doc["id"], region=self.region, missing=missing))
        return docs, gaps

    def _list_mappings(self) -> tuple[dict[str, list[dict[str, Any]]], _Failed | None]:
        items, failed = self.calls.pages(self.region, self.lam, "ListEventSourceMappings", "EventSourceMappings")
        mappings: dict[str, list[dict[str, Any]]] = {}
        for m in items:
            mappings.setdefault(_unqualified(m.get("FunctionArn", "")), []).append(m)
        return mappings, failed

    def _list_log_groups(self) -> tuple[dict[str, int | None], _Failed | None]:
        groups, failed = self.calls.pages(self.region, self.logs(), "DescribeLogGroups", "logGroups",
                                          logGroupNamePrefix="/aws/lambda/")
        return {g["logGroupName"]: g.get("retentionInDays") for g in groups}, failed

    # ---- one function

    def _function(self, config: dict[str, Any]) -> tuple[Document, list[str]]:
        missing: list[str] = []
        try:
            return self._read_function(config, missing)
        except Exception as exc:
            missing.append(f"lambda-advisor: {type(exc).__name__}: {exc}")
            arn = _unqualified(config.get("FunctionArn", ""))
            fn = Function(id=arn, name=config.get("FunctionName", arn),
                          source=Source(kind="account", arn=arn, account=self.shared.outcome.account,
                                        region=self.region), errors=list(missing))
            return fn.to_json(), missing
        finally:
            self.progress.advance(self.region)

    def _read_function(self, config: dict[str, Any], missing: list[str]) -> tuple[Document, list[str]]:
        arn = _unqualified(config["FunctionArn"])
        account = arn.split(":")[4] if arn.count(":") >= 5 else self.shared.outcome.account
        fn = function_from_configuration(config, region=self.region, account=account)

        got = self.calls.call(self.region, self.lam_get, "GetFunction", FunctionName=arn)
        code_location: str | None = None
        if isinstance(got, _Failed):
            missing.append(str(got))
        elif got is _NOT_FOUND:
            missing.append("GetFunction: function deleted during the audit")
        else:
            apply_get_function(fn, got)
            code_location = (got.get("Code") or {}).get("Location")

        policy = self.calls.call(self.region, self.lam_policy, "GetPolicy", FunctionName=arn)
        if isinstance(policy, _Failed):
            missing.append(str(policy))
        elif policy is _NOT_FOUND:
            fn.resource_policy = []
        else:
            fn.resource_policy = parse_policy(policy.get("Policy") or "{}", origin="resource policy")

        self._event_sources(fn, arn, missing)
        self._url(fn, arn, missing)
        self._event_invoke(fn, arn, missing)
        self._logging(fn, config, missing)
        layer_urls = self._layers(fn, missing)
        if isinstance(config.get("Role"), str):
            role, why = self.shared.role(config["Role"], self.shared.outcome.account)
            fn.role = json.loads(json.dumps(role))  # a private copy: documents are mutable
            missing += why
        fn.errors = list(missing)
        doc = fn.to_json()
        if self.options.inspect_code is not None:
            try:
                self.options.inspect_code(doc, code_location, layer_urls)
            except Exception as exc:
                missing.append(f"inspect-code: {type(exc).__name__}: {exc}")
                doc["errors"] = list(missing)
        return doc, missing

    def _event_sources(self, fn: Function, arn: str, missing: list[str]) -> None:
        sources: list[dict[str, Any]] = []
        assert self._mappings_future is not None
        all_mappings, mappings_failed = self._mappings_future.result()
        for m in all_mappings.get(arn, []):
            source = event_source_from_mapping(m)
            if source["type"] == "sqs" and isinstance(source.get("arn"), str):
                queue, why = self.queues.get(source["arn"], partial(self._queue, source["arn"]))
                source["queue"] = queue
                if why:
                    missing.append(why)
            sources.append(source)
        for st in fn.resource_policy or []:
            principal = st.get("principal")
            if st["effect"] != "Allow" or not isinstance(principal, str) or principal not in SERVICE_SOURCES:
                continue
            kind, invocation = SERVICE_SOURCES[principal]
            sources.append({"type": kind, "invocation": invocation, "name": st.get("sid"),
                            "arn": st.get("source_arn") or None, "has_permission": True})
        if mappings_failed is not None:
            missing.append(str(mappings_failed))
            fn.event_sources = sources or None
        elif fn.resource_policy is None:
            fn.event_sources = sources or None  # the policy-driven sources are unknown
        else:
            fn.event_sources = sources

    def _queue(self, queue_arn: str) -> tuple[dict[str, Any], str | None]:
        parts = queue_arn.split(":")
        name = parts[5] if len(parts) > 5 else queue_arn
        queue: dict[str, Any] = {"name": name, "redrive_policy": None, "visibility_timeout_s": None}
        sqs = self.sqs()
        owner = {"QueueOwnerAWSAccountId": parts[4]} if len(parts) > 5 and parts[4] else {}
        url = self.calls.call(self.region, sqs, "GetQueueUrl", QueueName=name, **owner)
        if url is _NOT_FOUND:
            return queue, f"GetQueueUrl: queue {name} does not exist"
        if isinstance(url, _Failed):
            return queue, f"{url} (queue {name})"
        attrs = self.calls.call(self.region, sqs, "GetQueueAttributes", QueueUrl=url["QueueUrl"],
                                AttributeNames=["RedrivePolicy", "VisibilityTimeout"])
        if isinstance(attrs, _Failed) or attrs is _NOT_FOUND:
            return queue, f"{attrs if isinstance(attrs, _Failed) else 'GetQueueAttributes: queue gone'} (queue {name})"
        values = attrs.get("Attributes") or {}
        redrive = values.get("RedrivePolicy")
        try:
            queue["redrive_policy"] = json.loads(redrive) if redrive else False
        except ValueError:
            queue["redrive_policy"] = None
        if values.get("VisibilityTimeout") is not None:
            queue["visibility_timeout_s"] = int(values["VisibilityTimeout"])
        return queue, None

    def _url(self, fn: Function, arn: str, missing: list[str]) -> None:
        if fn.resource_policy is None:
            return
        grants = any(st["effect"] == "Allow" and _grants(st, "lambda:InvokeFunctionUrl") for st in fn.resource_policy)
        if not grants:
            fn.extra["url"] = "not read: the resource policy grants no lambda:InvokeFunctionUrl"
            return
        got = self.calls.call(self.region, self.lam, "GetFunctionUrlConfig", FunctionName=arn)
        if isinstance(got, _Failed):
            missing.append(str(got))
        elif got is _NOT_FOUND:
            fn.url = False
        else:
            fn.url = {"auth_type": got.get("AuthType"), "url": got.get("FunctionUrl"),
                      "cors_allow_origins": (got.get("Cors") or {}).get("AllowOrigins")}

    def _event_invoke(self, fn: Function, arn: str, missing: list[str]) -> None:
        if not any(s["invocation"] == "async" for s in fn.event_sources or []):
            return
        got = self.calls.call(self.region, self.lam, "GetFunctionEventInvokeConfig", FunctionName=arn)
        if isinstance(got, _Failed):
            missing.append(str(got))
        elif got is _NOT_FOUND:
            fn.event_invoke = False
        else:
            dest = got.get("DestinationConfig") or {}
            fn.event_invoke = {
                "maximum_retry_attempts": got.get("MaximumRetryAttempts"),
                "maximum_event_age_s": got.get("MaximumEventAgeInSeconds"),
                "on_failure": (dest.get("OnFailure") or {}).get("Destination") or False,
                "on_success": (dest.get("OnSuccess") or {}).get("Destination") or False,
            }

    def _logging(self, fn: Function, config: dict[str, Any], missing: list[str]) -> None:
        cfg = config.get("LoggingConfig") or {}
        group = cfg.get("LogGroup") or f"/aws/lambda/{config['FunctionName']}"
        logging: dict[str, Any] = {"log_group": group, "format": cfg.get("LogFormat"), "retention_days": None}
        if group.startswith("/aws/lambda/"):
            assert self._log_groups_future is not None
            log_groups, log_groups_failed = self._log_groups_future.result()
            if log_groups_failed is not None:
                missing.append(str(log_groups_failed))
            else:
                # A group that does not exist yet is created on first invoke without retention.
                logging["retention_days"] = log_groups.get(group) or False
        else:
            retention, why = self.custom_log_groups.get(group, lambda: self._custom_log_group(group))
            if why:
                missing.append(why)
            else:
                logging["retention_days"] = retention
        fn.logging = logging

    def _custom_log_group(self, group: str) -> tuple[int | bool | None, str | None]:
        groups, failed = self.calls.pages(self.region, self.logs(), "DescribeLogGroups", "logGroups",
                                          logGroupNamePrefix=group)
        if failed:
            return None, f"{failed} (log group {group})"
        for g in groups:
            if g["logGroupName"] == group:
                return g.get("retentionInDays") or False, None
        return False, None

    def _layers(self, fn: Function, missing: list[str]) -> dict[str, str | None]:
        urls: dict[str, str | None] = {}
        for layer in fn.layers or []:
            arn = layer["arn"]
            exists, url, why = self.layers.get(arn, partial(self._layer, arn))
            layer["exists"] = exists
            urls[arn] = url
            if why:
                missing.append(why)
        return urls

    def _layer(self, arn: str) -> tuple[bool | None, str | None, str | None]:
        # GetLayerVersion (layer ARN + version) answers what GetLayerVersionByArn does, and is
        # also served by emulators that lack the ByArn form; both count against the same quota.
        layer_arn, _, version = arn.rpartition(":")
        if not layer_arn or not version.isdigit():
            return None, None, f"GetLayerVersion: cannot parse layer version ARN {arn}"
        got = self.calls.call(self.region, self.lam, "GetLayerVersion", LayerName=layer_arn,
                              VersionNumber=int(version))
        if got is _NOT_FOUND:
            return False, None, None
        if isinstance(got, _Failed):
            return None, None, f"{got} (layer {arn})"
        return True, (got.get("Content") or {}).get("Location"), None


# --------------------------------------------------------------------------- API shapes -> document

def _unqualified(arn: str) -> str:
    """``arn:aws:lambda:r:a:function:name[:qualifier]`` without the qualifier."""
    parts = arn.split(":")
    return ":".join(parts[:7]) if len(parts) > 7 else arn


def function_from_configuration(config: dict[str, Any], *, region: str, account: str | None) -> Function:
    """A document from one ListFunctions entry (FunctionConfiguration)."""
    arn = _unqualified(config["FunctionArn"])
    env = config.get("Environment")
    errors: list[str] = []
    environment: dict[str, Any] | None
    if env and env.get("Error"):
        environment = None
        errors.append(f"environment unreadable: {env['Error'].get('ErrorCode')}: {env['Error'].get('Message')}")
    else:
        environment = dict((env or {}).get("Variables") or {})
    vpc_cfg = config.get("VpcConfig") or {}
    vpc: Any = False
    if vpc_cfg.get("SubnetIds"):
        vpc = {"subnet_ids": list(vpc_cfg["SubnetIds"]), "security_group_ids": list(vpc_cfg.get("SecurityGroupIds") or []),
               "availability_zones": None}
    memory = config.get("MemorySize")
    snap = (config.get("SnapStart") or {}).get("ApplyOn")
    return Function(
        id=arn,
        name=config["FunctionName"],
        source=Source(kind="account", arn=arn, account=account, region=region),
        runtime=config.get("Runtime"),
        handler=config.get("Handler"),
        package_type=config.get("PackageType") or "Zip",
        architectures=list(config.get("Architectures") or ["x86_64"]),
        memory_mb=memory,
        memory_explicit=True if memory is not None and memory != 128 else None,
        timeout_s=config.get("Timeout"),
        ephemeral_storage_mb=(config.get("EphemeralStorage") or {}).get("Size"),
        snap_start=(snap == "PublishedVersions") if snap else False,
        environment=environment,
        kms_key_arn=config.get("KMSKeyArn") or False,
        layers=[{"arn": la["Arn"], "code_size": la.get("CodeSize"), "exists": None} for la in config.get("Layers") or []],
        vpc=vpc,
        tracing=(config.get("TracingConfig") or {}).get("Mode"),
        dead_letter_target=(config.get("DeadLetterConfig") or {}).get("TargetArn") or False,
        code={"zipped_bytes": config.get("CodeSize"), "sha256": config.get("CodeSha256"),
              "s3_uri": None, "image_uri": None, "inline": None, "unzipped_bytes": None,
              "image_bytes": None, "local_path": None, "inspection": None},
        errors=errors,
        extra={"last_modified": config.get("LastModified"), "state": config.get("State")},
    )


def apply_get_function(fn: Function, got: dict[str, Any]) -> None:
    """Tags, reserved concurrency and the code location from GetFunction."""
    tags = dict(got.get("Tags") or {})
    fn.tags = tags
    concurrency = (got.get("Concurrency") or {}).get("ReservedConcurrentExecutions")
    fn.reserved_concurrency = concurrency if concurrency is not None else False
    code = got.get("Code") or {}
    if fn.code is not None and code.get("ImageUri"):
        fn.code["image_uri"] = code.get("ResolvedImageUri") or code["ImageUri"]
    fn.suppressions = suppressions_from_tags(tags)


def suppressions_from_tags(tags: dict[str, Any]) -> list[dict[str, Any]]:
    """``lambda-advisor:ignore=LA205,LA502`` (``+``, ``/`` or spaces also separate; tag values allow no commas in some tools)."""
    value = tags.get(IGNORE_TAG)
    if not isinstance(value, str):
        return []
    reason = tags.get(IGNORE_REASON_TAG)
    return [{"rule": r.upper(), "reason": reason if isinstance(reason, str) else None,
             "origin": f"tag {IGNORE_TAG}"} for r in re.split(r"[\s,+/:;]+", value) if r]


def event_source_from_mapping(m: dict[str, Any]) -> dict[str, Any]:
    arn = m.get("EventSourceArn")
    kind = "other"
    if isinstance(arn, str):
        service = arn.split(":")[2] if arn.count(":") >= 2 else ""
        kind = {"sqs": "sqs", "kinesis": "kinesis", "kafka": "kafka", "mq": "mq", "rds": "docdb"}.get(service, "other")
        if service == "dynamodb":
            kind = "dynamodb"
    elif m.get("SelfManagedEventSource"):
        kind = "kafka"
    retries = m.get("MaximumRetryAttempts")
    dest = ((m.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    source: dict[str, Any] = {
        "type": kind,
        "invocation": "poll",
        "name": m.get("UUID"),
        "arn": arn,
        "enabled": m.get("State") in {"Enabled", "Enabling", "Updating", "Creating"} if m.get("State") else None,
        "batch_size": m.get("BatchSize"),
        "maximum_concurrency": (m.get("ScalingConfig") or {}).get("MaximumConcurrency"),
    }
    if kind in {"kinesis", "dynamodb", "kafka", "docdb"}:
        source["maximum_retry_attempts"] = None if retries in (None, -1) else retries
        source["bisect_on_error"] = m.get("BisectBatchOnFunctionError")
        source["on_failure"] = dest or False
    elif kind == "sqs":
        source["on_failure"] = dest or None
    return source


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _condition_value(conditions: dict[str, Any], key: str) -> str | None:
    for block in conditions.values():
        if not isinstance(block, dict):
            continue
        for k, v in block.items():
            if k.lower() == key.lower():
                values = _as_list(v)
                return str(values[0]) if values else None
    return None


def _principals(principal: Any) -> list[str]:
    if principal is None:
        return []
    if principal == "*":
        return ["*"]
    if isinstance(principal, dict):
        out: list[str] = []
        for value in principal.values():
            out += [str(v) for v in _as_list(value)]
        return out
    return [str(p) for p in _as_list(principal)]


def parse_policy(policy: str | dict[str, Any], *, origin: str) -> list[dict[str, Any]]:
    """IAM / resource policy JSON -> statements in the document's shape (one per principal)."""
    doc = json.loads(policy) if isinstance(policy, str) else policy
    out: list[dict[str, Any]] = []
    for st in _as_list((doc or {}).get("Statement")):
        if not isinstance(st, dict):
            continue
        conditions = st.get("Condition") or None
        base: dict[str, Any] = {
            "sid": st.get("Sid"),
            "effect": st.get("Effect", "Allow"),
            "actions": [str(a) for a in _as_list(st.get("Action"))],
            "resources": [str(r) for r in _as_list(st.get("Resource"))],
            "conditions": conditions,
            "origin": origin,
        }
        if st.get("NotAction") is not None:
            base["not_actions"] = [str(a) for a in _as_list(st.get("NotAction"))]
        if "Principal" not in st and "NotPrincipal" not in st:
            out.append(base)  # identity policy
            continue
        source_arn = _condition_value(conditions or {}, "aws:SourceArn")
        source_account = (_condition_value(conditions or {}, "aws:SourceAccount")
                          or _condition_value(conditions or {}, "aws:SourceOwner"))
        principals: list[str | None] = [*_principals(st.get("Principal"))] or [None]
        for principal in principals:
            out.append({**base, "principal": principal, "source_arn": source_arn or False,
                        "source_account": source_account or False})
    return out


def _grants(statement: dict[str, Any], action: str) -> bool:
    import fnmatch

    return any(isinstance(a, str) and fnmatch.fnmatchcase(action.lower(), a.lower()) for a in statement["actions"])


def iter_function_arns(docs: Iterable[Document]) -> list[str]:
    """ARNs of audited documents (used by tests and reports to account for every function)."""
    return [d["id"] for d in docs]
