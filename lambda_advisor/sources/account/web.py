"""Web Functions of a region, read live through ``lambda-web`` (ListFunctions never returns them).

Per region: ``ListWebFunctions`` (paginated); per Web Function ``ListWebFunctionEndpoints``
(paginated), ``GetWebFunctionRevision`` for each revision an endpoint serves (not the whole
history: the others receive no traffic), ``GetResourcePolicy`` and ``ListTags``; once per
region ``GetWebAccountSettings`` (the vCPU and request quotas every Web Function of the
Region shares), read only when the region has Web Functions. A revision's execution role is
read through the audit's shared role cache, its network connector once per region through
``lambda-core`` ``GetNetworkConnector`` (subnets, security groups, compute types) and the
connector's subnets' Availability Zones from the region's one ``DescribeSubnets``.

Every call goes through the same pacing (the "other" control-plane bucket), read-only guard
and gap bookkeeping as the Event Function reads. An endpoint that does not serve
``lambda-web`` at all (HTTP 404, as an emulator without it answers) means no Web Functions
there, not a gap.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from lambda_advisor.model import Document, Function, Source
from lambda_advisor.sources.account.calls import NOT_FOUND, Calls, Failed, Once, once_for
from lambda_advisor.sources.account.options import AuditOptions, FreshUrl
from lambda_advisor.sources.account.policies import parse_policy
from lambda_advisor.sources.account.progress import Progress
from lambda_advisor.sources.account.shapes import suppressions_from_tags

if TYPE_CHECKING:
    from lambda_advisor.sources.account.listing import Shared

#: ``timeoutSeconds`` when a revision sets none (Lambda developer guide, "Request timeout").
WEB_DEFAULT_TIMEOUT_S = 30


def web_log_group(name: str) -> str:
    """The log group Lambda writes a Web Function's logs to when the revision names none."""
    return f"/aws/lambda/web/{name}"


def web_document(summary: dict[str, Any], *, region: str, account: str | None) -> Function:
    """The Web Function's document before its endpoints and revisions are read (one ListWebFunctions entry)."""
    arn = summary["functionArn"]
    fn = Function(id=arn, name=summary["functionName"], kind="web",
                  source=Source(kind="account", arn=arn, account=account, region=region))
    fn.architectures = ["arm64"]  # Web Functions run on arm64 only; there is no setting
    fn.package_type = "Zip"
    fn.event_sources = []
    fn.layers = []
    fn.url = False
    fn.runtime_config = False
    fn.extra = {"state": summary.get("state"), "state_reason": summary.get("stateReason") or None,
                "last_modified": _iso(summary.get("updatedAt"))}
    return fn


def endpoint_entry(ep: dict[str, Any]) -> dict[str, Any]:
    """One ListWebFunctionEndpoints entry in the document's endpoint shape."""
    throttle = ep.get("throttleConfig") or {}
    scaling = ep.get("scalingConfig") or {}
    auth, kind, auto = ep.get("authType"), ep.get("endpointType"), ep.get("autoDeploymentMode")
    return {
        "name": ep["endpointName"], "arn": ep.get("endpointArn"), "logical_id": None, "line": None,
        "auth_type": auth if auth in ("ApplicationManaged", "IamAuth") else None,
        "type": kind if kind in ("HomeRegion", "MultiRegion", "PerRegion") else None,
        "regions": list(ep.get("regions") or []),
        "auto_deployment": auto if auto in ("LatestRevision", "Disabled") else None,
        "weights": [{"revision": w.get("revisionId"), "revision_index": None, "weight": w.get("weight")}
                    for w in ep.get("revisionWeights") or []],
        "rate_limit": throttle["rateLimit"] if isinstance(throttle.get("rateLimit"), int) else False,
        "max_environments": scaling["maxEnvironments"] if isinstance(scaling.get("maxEnvironments"), int) else False,
        "function_reference": None, "depends_on_function": None,
    }


def revision_entry(rev: dict[str, Any], *, function_name: str, served_by: list[str]) -> dict[str, Any]:
    """One GetWebFunctionRevision answer in the document's revision shape (role and connector filled later)."""
    build = rev.get("buildConfig") or {}
    service = rev.get("serviceConfig") or {}
    s3 = (build.get("codeConfig") or {}).get("s3Object") or {}
    logging_cfg = (service.get("telemetryConfig") or {}).get("loggingConfig") or {}
    connector = service.get("egressNetworkConnectorArn")
    timeout = service.get("timeoutSeconds")
    return {
        "id": rev.get("revisionId"), "arn": rev.get("revisionArn"), "logical_id": None, "line": None,
        "state": rev.get("state"),
        "runtime": (build.get("runtimeConfig") or {}).get("runtime"),
        "timeout_s": timeout if isinstance(timeout, int) else WEB_DEFAULT_TIMEOUT_S,
        "environment": dict(service.get("environmentVariables") or {}),
        "role": None,
        "kms_key_arn": rev.get("kmsKeyArn") or False,
        "max_concurrency_per_environment": service.get("maxConcurrencyPerEnvironment"),
        "logging": {"log_group": logging_cfg.get("logGroup") or web_log_group(function_name),
                    "log_group_logical_id": None, "retention_days": None, "format": None},
        "network_connector": {"arn": connector, "logical_id": None, "line": None,
                              "versioned": _versioned(connector), "compute_types": None,
                              "subnet_ids": [], "security_group_ids": [], "availability_zones": None}
        if isinstance(connector, str) and connector else False,
        "code": {"s3_bucket": s3.get("bucket"), "s3_key": s3.get("key"), "s3_version_id": s3.get("versionId"),
                 "zipped_bytes": None, "unzipped_bytes": None, "sha256": None, "inspection": None,
                 "bucket": None} if s3 else None,
        "served_by": list(served_by), "function_reference": None, "depends_on_function": None,
    }


def _versioned(arn: Any) -> bool | None:
    if not isinstance(arn, str):
        return None
    tail = arn.rsplit(":network-connector:", 1)[-1]
    return ":" in tail and tail.rsplit(":", 1)[-1].isdigit()


def _iso(value: Any) -> str | None:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return str(value) if value is not None else None


class WebReads:
    """Mixed into the region's audit: its clients, caches, log groups and subnets."""

    region: str
    shared: Shared
    options: AuditOptions
    calls: Calls
    progress: Progress

    def subnet_zones(self) -> tuple[dict[str, str], Failed | None]:
        raise NotImplementedError

    def log_groups(self) -> tuple[dict[str, dict[str, Any]], Failed | None]:
        raise NotImplementedError

    def lambda_client(self, service: str) -> Any:
        raise NotImplementedError

    def list_web_functions(self) -> tuple[list[dict[str, Any]], str | None]:
        """The region's Web Functions (summaries) and why the list is incomplete, if it is."""
        web = self.lambda_client("lambda-web")
        items, failed = self.calls.pages(self.region, web, "ListWebFunctions", "functions", count_failure=False)
        if failed is None:
            return items, None
        if failed.code in {"404", "UnknownOperationException"} and not items:
            return [], None  # this endpoint does not serve lambda-web: no Web Functions here
        self.calls.count_failure(self.region, web, "ListWebFunctions")
        return items, str(failed)

    def web_function(self, summary: dict[str, Any]) -> tuple[Document, list[str]]:
        missing: list[str] = []
        arn = summary["functionArn"]
        account = arn.split(":")[4] if arn.count(":") >= 5 else self.shared.outcome.account
        fn = web_document(summary, region=self.region, account=account)
        try:
            self._web_read(fn, arn, missing)
        except Exception as exc:  # one broken function must not end the region unreported
            missing.append(f"lambda-advisor: {type(exc).__name__}: {exc}")
        finally:
            self.progress.advance(self.region)
        fn.errors = list(dict.fromkeys(missing))
        doc = fn.to_json()
        if self.options.inspect_code is not None:
            self._inspect_revisions(doc, missing)
        return doc, missing

    def _web_read(self, fn: Function, arn: str, missing: list[str]) -> None:
        web = self.lambda_client("lambda-web")
        endpoints, failed = self.calls.pages(self.region, web, "ListWebFunctionEndpoints", "endpoints",
                                             functionName=arn)
        if failed is not None:
            missing.append(f"{failed} (Web Function {fn.name})")
            fn.endpoints = None
        else:
            fn.endpoints = [endpoint_entry(ep) for ep in endpoints]
        served: dict[str, list[str]] = {}
        for ep in fn.endpoints or []:
            for w in ep["weights"] or []:
                if isinstance(w.get("revision"), str):
                    served.setdefault(w["revision"], []).append(ep["name"])
        revisions: list[dict[str, Any]] = []
        for rev_id, names in served.items():
            got = self.calls.call(self.region, web, "GetWebFunctionRevision", functionName=arn, revisionId=rev_id)
            if isinstance(got, Failed):
                missing.append(f"{got} (revision {rev_id} of {fn.name})")
                continue
            if got is NOT_FOUND:
                missing.append(f"GetWebFunctionRevision: revision {rev_id} of {fn.name} not found")
                continue
            rev = revision_entry(got, function_name=fn.name, served_by=sorted(set(names)))
            self._revision_role(rev, got, missing)
            self._revision_connector(rev, missing)
            self._revision_logging(rev, missing)
            revisions.append(rev)
        index = {r["id"]: i for i, r in enumerate(revisions)}
        for ep in fn.endpoints or []:
            for w in ep["weights"] or []:
                w["revision_index"] = index.get(w.get("revision"))
        fn.revisions = revisions if fn.endpoints is not None else (revisions or None)
        self._web_policy(fn, arn, missing)
        self._web_tags(fn, arn, missing)
        quotas, why = self._web_account_settings()
        if why:
            missing.append(why)
        elif quotas:
            fn.extra["web_account_quotas"] = quotas

    def _revision_role(self, rev: dict[str, Any], got: dict[str, Any], missing: list[str]) -> None:
        role_arn = (got.get("serviceConfig") or {}).get("executionRoleArn")
        if isinstance(role_arn, str):
            role, why = self.shared.role(role_arn, self.shared.outcome.account)
            rev["role"] = json.loads(json.dumps(role))  # a private copy: documents are mutable
            missing += why

    def _revision_connector(self, rev: dict[str, Any], missing: list[str]) -> None:
        connector = rev.get("network_connector")
        if not isinstance(connector, dict) or not isinstance(connector.get("arn"), str):
            return
        facts, why = self._connectors.get(connector["arn"], partial(self._read_connector, connector["arn"]))
        if why:
            missing.append(why)
            return
        connector.update(facts)
        ids = connector["subnet_ids"]
        if not ids:
            return
        zones, failed = self.subnet_zones()
        if failed is not None:
            missing.append(str(failed))
        elif all(i in zones for i in ids):
            connector["availability_zones"] = sorted({zones[i] for i in ids})
        else:
            missing.append(f"DescribeSubnets: subnet {', '.join(i for i in ids if i not in zones)} not found")

    @property
    def _connectors(self) -> Once:
        return once_for(self, "_connector_cache")

    def _read_connector(self, arn: str) -> tuple[dict[str, Any], str | None]:
        got = self.calls.call(self.region, self.lambda_client("lambda-core"), "GetNetworkConnector", Identifier=arn)
        if isinstance(got, Failed):
            return {}, f"{got} (network connector {arn})"
        if got is NOT_FOUND:
            return {}, f"GetNetworkConnector: network connector {arn} not found"
        egress = (got.get("Configuration") or {}).get("VpcEgressConfiguration") or {}
        return {"subnet_ids": list(egress.get("SubnetIds") or []),
                "security_group_ids": list(egress.get("SecurityGroupIds") or []),
                "compute_types": list(egress.get("AssociatedComputeResourceTypes") or []) or None}, None

    def _revision_logging(self, rev: dict[str, Any], missing: list[str]) -> None:
        logging = rev["logging"]
        group = logging["log_group"]
        if not group.startswith("/aws/lambda/"):
            return  # a group of the user's naming: its retention is read with the Event Functions' custom groups
        groups, failed = self.log_groups()
        if failed is not None:
            missing.append(str(failed))
            return
        facts = groups.get(group) or {"retention_days": False}  # created on first request, without retention
        logging.update(facts)

    def _web_policy(self, fn: Function, arn: str, missing: list[str]) -> None:
        got = self.calls.call(self.region, self.lambda_client("lambda-web"), "GetResourcePolicy", resourceArn=arn)
        if got is NOT_FOUND:
            fn.resource_policy = []
        elif isinstance(got, Failed):
            missing.append(f"{got} (Web Function {fn.name})")
            fn.resource_policy = None
        else:
            try:
                fn.resource_policy = parse_policy(got.get("policy") or "{}", origin="resource policy")
            except (ValueError, TypeError) as exc:
                missing.append(f"GetResourcePolicy: unreadable policy of {fn.name}: {exc}")
                fn.resource_policy = None

    def _web_tags(self, fn: Function, arn: str, missing: list[str]) -> None:
        got = self.calls.call(self.region, self.lambda_client("lambda-web"), "ListTags", resource=arn)
        if isinstance(got, Failed) or got is NOT_FOUND:
            fn.tags = None
            missing.append(f"{got if isinstance(got, Failed) else 'ListTags: function gone'} "
                           "(lambda-advisor:ignore tags cannot apply)")
            return
        fn.tags = dict(got.get("tags") or {})
        fn.suppressions = suppressions_from_tags(fn.tags)

    def _web_account_settings(self) -> tuple[dict[str, Any] | None, str | None]:
        result: tuple[dict[str, Any] | None, str | None] = once_for(self, "_settings_cache").get(
            "settings", self._read_web_account_settings)
        return result

    def _read_web_account_settings(self) -> tuple[dict[str, Any] | None, str | None]:
        got = self.calls.call(self.region, self.lambda_client("lambda-web"), "GetWebAccountSettings")
        if isinstance(got, Failed):
            return None, str(got)
        if not isinstance(got, dict):
            return None, None
        quotas = got.get("accountQuotas") or {}
        return {"max_total_arm_vcpus": quotas.get("maxTotalArmVCpus"),
                "max_total_rate_limit": quotas.get("maxTotalRateLimit")}, None

    def _inspect_revisions(self, doc: Document, missing: list[str]) -> None:
        """``--inspect-code``: each served revision's S3 package, read through a presigned GET."""
        assert self.options.inspect_code is not None
        for rev in doc.get("revisions") or []:
            code = rev.get("code")
            if not isinstance(code, dict) or not isinstance(code.get("s3_bucket"), str) \
                    or not isinstance(code.get("s3_key"), str):
                continue
            view = {**doc, "runtime": rev.get("runtime"), "code": code, "name": f"{doc['name']} revision {rev['id']}"}
            url = FreshUrl(self._revision_package_url(code), partial(self._revision_package_url, code))
            try:
                self.options.inspect_code(view, url, {})
            except Exception as exc:
                missing.append(f"inspect-code (revision {rev.get('id')}): {type(exc).__name__}: {exc}")
        if missing:
            doc["errors"] = list(dict.fromkeys(missing))

    def _revision_package_url(self, code: dict[str, Any]) -> str | None:
        """A presigned S3 GET for the revision's package (signed locally; the download reads the object)."""
        params = {"Bucket": code["s3_bucket"], "Key": code["s3_key"]}
        if isinstance(code.get("s3_version_id"), str):
            params["VersionId"] = code["s3_version_id"]
        try:
            url: str = self.lambda_client("s3").generate_presigned_url("get_object", Params=params, ExpiresIn=600)
        except Exception:
            return None
        return url

