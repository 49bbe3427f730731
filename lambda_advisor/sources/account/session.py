"""The read-only boto3 session, the client settings and the regions an audit covers."""

from __future__ import annotations

import os
from typing import Any

from lambda_advisor.sources.account.gaps import (
    botocore_errors,
    credentials_message,
    describe_error,
    error_code,
    is_credentials_error,
)
from lambda_advisor.sources.account.options import AuditError, AuditOptions, ReadOnlyViolation

READ_ONLY_PREFIXES = ("Get", "List", "Describe")
#: Operations that are neither Get, List nor Describe but change nothing in the account.
ALLOWED_OPERATIONS = frozenset({"AssumeRole"})


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


def client_config(options: AuditOptions, pool: int) -> Any:
    from botocore.config import Config

    return Config(
        retries={"mode": "adaptive", "total_max_attempts": options.max_attempts},
        max_pool_connections=pool,
        connect_timeout=options.connect_timeout,
        read_timeout=options.read_timeout,
        user_agent_extra="lambda-advisor",
    )


def endpoint_for(options: AuditOptions, region: str | None = None) -> str | None:
    if region and region in options.region_endpoints:
        return options.region_endpoints[region]
    return options.endpoint_url or os.environ.get("AWS_ENDPOINT_URL") or None


def home_region(session: Any, options: AuditOptions) -> str:
    """Where to reach STS, IAM and Organizations from: a region of the audit's own partition.

    IAM and Organizations are global per partition and botocore routes any region of a
    partition to its endpoint, so the profile's region or the first audited region serves
    China and GovCloud as well; ``us-east-1`` is the last resort when neither is known.
    """
    region = session.region_name
    if options.regions:
        first = options.regions[0]
        if not region or _partition(session, region) != _partition(session, first):
            return first  # a profile in aws, an audit of cn-north-1: reach China's STS and IAM
    return str(region or "us-east-1")


def _partition(session: Any, region: str) -> str:
    try:
        return str(session.get_partition_for_region(region))
    except Exception:  # an unknown region name: botocore cannot tell, assume the commercial partition
        return "aws"


def assumed_session(base: Any, role_arn: str, options: AuditOptions, home: str, *,
                    external_id: str | None = None) -> Any:
    """A read-only session whose credentials come from ``AssumeRole`` on ``base``, refreshed before expiry.

    Assumed-role credentials last an hour by default; botocore's refreshable credentials
    assume the role again ahead of expiry, so a long audit never turns into ``ExpiredToken``.
    """
    import boto3
    import botocore.session
    from botocore.credentials import AssumeRoleCredentialFetcher, DeferredRefreshableCredentials

    def sts_client(service: str, **kwargs: Any) -> Any:
        client = base.client(service, region_name=home, endpoint_url=endpoint_for(options, home),
                             config=client_config(options, 2), **kwargs)
        if options.client_hook is not None:
            options.client_hook("sts:AssumeRole", home, client)
        return client

    extra: dict[str, Any] = {"RoleSessionName": "lambda-advisor"}
    if external_id:
        extra["ExternalId"] = external_id
    fetcher = AssumeRoleCredentialFetcher(client_creator=sts_client, source_credentials=base.get_credentials(),
                                          role_arn=role_arn, extra_args=extra)
    core = botocore.session.Session()
    # One loader for every account's session: the service models are parsed once per audit,
    # not once per account (an organisation audit opens a session per account).
    core.register_component("data_loader", base._session.get_component("data_loader"))
    core._credentials = DeferredRefreshableCredentials(
        refresh_using=fetcher.fetch_credentials, method="assume-role")
    session = boto3.Session(botocore_session=core, region_name=home)
    install_read_only(session)
    return session


def caller_identity(session: Any, options: AuditOptions, home: str) -> dict[str, Any]:
    """STS ``GetCallerIdentity``: raises :class:`AuditError` with one clear sentence on failure."""
    errors = botocore_errors()
    try:
        sts = session.client("sts", region_name=home, endpoint_url=endpoint_for(options, home),
                             config=client_config(options, 2))
        identity: dict[str, Any] = sts.get_caller_identity()
    except errors.BotoCoreError as exc:
        if is_credentials_error(exc):
            raise AuditError(credentials_message(exc, options)) from exc
        raise AuditError(f"cannot reach AWS STS to check the credentials: {describe_error(exc)}") from exc
    except errors.ClientError as exc:
        if is_credentials_error(exc):
            raise AuditError(credentials_message(exc, options)) from exc
        if options.role_arn and error_code(exc) in {"AccessDenied", "AccessDeniedException"}:
            raise AuditError(f"cannot assume role {options.role_arn}: {describe_error(exc)}") from exc
        raise AuditError(f"STS refused the credentials check: {describe_error(exc)}") from exc
    return identity


def base_session(options: AuditOptions) -> Any:
    """The profile's (or the default chain's) read-only session."""
    import boto3

    errors = botocore_errors()
    try:
        session = boto3.Session(profile_name=options.profile)
    except errors.BotoCoreError as exc:
        raise AuditError(credentials_message(exc, options)) from exc
    install_read_only(session)
    return session


def open_session(options: AuditOptions) -> tuple[Any, str | None]:
    """A read-only boto3 session (assuming ``role_arn`` when given) and the account ID.

    Raises :class:`AuditError` with one clear sentence when the credentials are
    missing, expired or refused.
    """
    session = base_session(options)
    home = home_region(session, options)
    if options.role_arn:
        session = assumed_session(session, options.role_arn, options, home, external_id=options.external_id)
    identity = caller_identity(session, options, home)
    return session, identity.get("Account")


def resolve_regions(session: Any, options: AuditOptions) -> list[str]:
    """``--region`` values, the regions enabled for the account (``--all-regions``) or the default;
    never one of ``exclude_regions``."""
    excluded = set(options.exclude_regions)
    return [r for r in _regions(session, options) if r not in excluded]


def _regions(session: Any, options: AuditOptions) -> list[str]:
    if options.all_regions:
        errors = botocore_errors()
        home = home_region(session, options)
        ec2 = session.client("ec2", region_name=home, endpoint_url=endpoint_for(options, home),
                             config=client_config(options, 2))
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
