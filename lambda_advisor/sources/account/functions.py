"""Per-function reads: GetFunction, GetPolicy, then only what the function's facts make worth a call."""

from __future__ import annotations

import json
from concurrent.futures import Future
from functools import partial
from typing import TYPE_CHECKING, Any

from lambda_advisor.model import Document, Function, Source
from lambda_advisor.sources.account.apis import ApiReads
from lambda_advisor.sources.account.calls import NOT_FOUND, Calls, Failed, Once
from lambda_advisor.sources.account.core import CoreReads
from lambda_advisor.sources.account.layers import LayerPolicyReads
from lambda_advisor.sources.account.log_retention import AccountRetentionReads
from lambda_advisor.sources.account.options import AuditOptions, FreshUrl
from lambda_advisor.sources.account.progress import Progress
from lambda_advisor.sources.account.qualifiers import QualifiedReads
from lambda_advisor.sources.account.settings import AccountSettingsReads
from lambda_advisor.sources.account.shapes import (
    apply_get_function,
    event_source_from_mapping,
    function_from_configuration,
    unqualified,
)
from lambda_advisor.sources.principals import invoker

if TYPE_CHECKING:
    from lambda_advisor.sources.account.listing import Shared


class FunctionReads(QualifiedReads, ApiReads, AccountSettingsReads, AccountRetentionReads, LayerPolicyReads,
                    CoreReads):
    """The reads of one function; mixed into the region's audit, whose clients and caches it uses."""

    region: str
    shared: Shared
    options: AuditOptions
    calls: Calls
    progress: Progress
    lam: Any
    lam_get: Any
    lam_policy: Any
    layers: Once
    queues: Once
    custom_log_groups: Once
    _mappings_future: Future[tuple[dict[str, list[dict[str, Any]]], Failed | None]] | None
    _log_groups_future: Future[tuple[dict[str, dict[str, Any]], Failed | None]] | None

    def subnet_zones(self) -> tuple[dict[str, str], Failed | None]:
        raise NotImplementedError

    def sqs(self) -> Any:
        raise NotImplementedError

    def logs(self) -> Any:
        raise NotImplementedError

    def _function(self, config: dict[str, Any]) -> list[tuple[Document, list[str]]]:
        """The function's document, then one per aliased version whose configuration differs."""
        missing: list[str] = []
        versions: list[tuple[Document, list[str]]] = []
        try:
            doc, missing = self._read_function(config, missing, versions)
            return [(doc, missing), *versions]
        except Exception as exc:
            missing.append(f"lambda-advisor: {type(exc).__name__}: {exc}")
            arn = unqualified(config.get("FunctionArn", ""))
            fn = Function(id=arn, name=config.get("FunctionName", arn),
                          source=Source(kind="account", arn=arn, account=self.shared.outcome.account,
                                        region=self.region), errors=list(missing))
            return [(fn.to_json(), missing)]
        finally:
            self.progress.advance(self.region)

    def _read_function(self, config: dict[str, Any], missing: list[str],
                       versions: list[tuple[Document, list[str]]]) -> tuple[Document, list[str]]:
        arn = unqualified(config["FunctionArn"])
        account = arn.split(":")[4] if arn.count(":") >= 5 else self.shared.outcome.account
        fn = function_from_configuration(config, region=self.region, account=account)
        missing += fn.errors  # an environment AWS would not decrypt is a gap, named

        got = self.calls.call(self.region, self.lam_get, "GetFunction", FunctionName=arn)
        code_location: str | None = None
        if isinstance(got, Failed):
            missing.append(str(got))
        elif got is NOT_FOUND:
            missing.append("GetFunction: function deleted during the audit")
        else:
            missing += apply_get_function(fn, got)
            code_location = (got.get("Code") or {}).get("Location")

        aliases = self._aliases(fn, arn, missing)
        self._policies(fn, arn, aliases, missing)
        self._event_sources(fn, arn, missing)
        self._recursion(fn, arn, missing)
        self._url(fn, arn, aliases, missing)
        self._event_invoke(fn, arn, aliases, missing)
        self._logging(fn, config, missing)
        self._subnets(fn, missing)
        self._account_concurrency(fn, missing)
        layer_urls = self._layers(fn, missing)
        self.runtime_config(fn, config, missing)
        if isinstance(config.get("Role"), str):
            role, why = self.shared.role(config["Role"], self.shared.outcome.account)
            fn.role = json.loads(json.dumps(role))  # a private copy: documents are mutable
            missing += why
        versions += self._alias_versions(fn, arn, config, missing)
        fn.errors = list(dict.fromkeys(missing))
        doc = fn.to_json()
        if self.options.inspect_code is not None:
            try:
                self.options.inspect_code(doc, FreshUrl(code_location, partial(self._code_location, arn)),
                                          {k: FreshUrl(v, partial(self._layer_location, k))
                                           for k, v in layer_urls.items()})
            except Exception as exc:
                missing.append(f"inspect-code: {type(exc).__name__}: {exc}")
                doc["errors"] = list(missing)
        return doc, missing

    def _alias_versions(self, fn: Function, arn: str, latest: dict[str, Any],
                        missing: list[str]) -> list[tuple[Document, list[str]]]:
        """Documents for the versions aliases route traffic to, where they differ from ``$LATEST``.

        Production runs the alias's version, which may still have an older runtime or a
        secret since removed from ``$LATEST``. One GetFunctionConfiguration per aliased
        version; a version configured as ``$LATEST`` is (and the function document speaks
        for it). Such a document carries the version's own configuration; who may invoke
        it (policy, URL, destinations, triggers) stays on the function's document, which
        reads them for every alias already.
        """
        targets: dict[str, list[str]] = {}
        for alias, info in (fn.extra.get("aliases") or {}).items():
            version = info.get("version")
            if isinstance(version, str) and version.isdigit():
                targets.setdefault(version, []).append(alias)
            for canary, weight in (info.get("weights") or {}).items():  # a weighted alias's second version
                if isinstance(canary, str) and canary.isdigit():
                    targets.setdefault(canary, []).append(f"{alias} ({round(float(weight) * 100)} % canary)")
        out: list[tuple[Document, list[str]]] = []
        for version, names in sorted(targets.items()):
            got = self.calls.call(self.region, self.lam, "GetFunctionConfiguration", FunctionName=arn,
                                  Qualifier=version)
            if isinstance(got, Failed):
                missing.append(f"{got} (version {version} behind alias {', '.join(names)})")
                continue
            if got is NOT_FOUND or same_configuration(got, latest):
                continue
            alias = names[0].split(" ", 1)[0]
            # A canary is reached through its alias but is its own version: named by its number.
            qualifier = alias if names[0] == alias else version
            vfn = function_from_configuration(got, region=self.region, account=fn.source.account)
            vfn.id = vfn.source.arn = f"{arn}:{qualifier}"
            vfn.name = f"{fn.name}:{qualifier}"
            vfn.extra.update({"version": version, "aliases": names, "version_of": arn})
            vfn.tags, vfn.suppressions = fn.tags, list(fn.suppressions)
            vfn.reserved_concurrency, vfn.deployment, vfn.logging = fn.reserved_concurrency, fn.deployment, fn.logging
            own: list[str] = list(vfn.errors)
            self._layers(vfn, own)
            if isinstance(got.get("Role"), str):
                role, why = self.shared.role(got["Role"], self.shared.outcome.account)
                vfn.role = json.loads(json.dumps(role))
                own += why
            self._subnets(vfn, own)
            vfn.errors = list(dict.fromkeys(own))
            out.append((json.loads(json.dumps(vfn.to_json())), own))
        return out

    def _code_location(self, arn: str) -> str | None:
        got = self.calls.call(self.region, self.lam_get, "GetFunction", FunctionName=arn)
        return (got.get("Code") or {}).get("Location") if isinstance(got, dict) else None

    def _layer_location(self, arn: str) -> str | None:
        layer_arn, _, version = arn.rpartition(":")
        if not version.isdigit():
            return None
        got = self.calls.call(self.region, self.lam, "GetLayerVersion", LayerName=layer_arn,
                              VersionNumber=int(version))
        return (got.get("Content") or {}).get("Location") if isinstance(got, dict) else None

    def _recursion(self, fn: Function, arn: str, missing: list[str]) -> None:
        """``RecursiveLoop`` only matters where a loop can form (SQS, SNS, S3 triggers): one call there."""
        if not any(s["type"] in {"sqs", "sns", "s3"} for s in fn.event_sources or []):
            return
        got = self.calls.call(self.region, self.lam, "GetFunctionRecursionConfig", FunctionName=arn,
                              newer_api=True)
        if isinstance(got, Failed) and got.code == "404":
            fn.extra["recursive_loop"] = "not served by this endpoint"  # an emulator: AWS answers it
        elif isinstance(got, Failed):
            missing.append(str(got))
        elif got is not NOT_FOUND and got.get("RecursiveLoop") in {"Allow", "Terminate"}:
            fn.recursive_loop = got["RecursiveLoop"]

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
            source_arn = st.get("source_arn")
            found = invoker(principal, source_arn if isinstance(source_arn, str) else None) \
                if st["effect"] == "Allow" and isinstance(principal, str) else None
            if found is None:
                continue
            kind, invocation = found
            sources.append({"type": kind, "invocation": invocation, "name": st.get("sid"),
                            "arn": st.get("source_arn") or None, "has_permission": True})
        if self.options.read_api_integrations:
            self._api_timeouts(sources, arn, missing)
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
        owner: dict[str, Any] = {"QueueOwnerAWSAccountId": parts[4]} if len(parts) > 5 and parts[4] else {}
        url = self.calls.call(self.region, sqs, "GetQueueUrl", QueueName=name, **owner)
        if url is NOT_FOUND:
            return queue, f"GetQueueUrl: queue {name} does not exist"
        if isinstance(url, Failed):
            return queue, f"{url} (queue {name})"
        attrs = self.calls.call(self.region, sqs, "GetQueueAttributes", QueueUrl=url["QueueUrl"],
                                AttributeNames=["RedrivePolicy", "VisibilityTimeout"])
        if isinstance(attrs, Failed) or attrs is NOT_FOUND:
            return queue, f"{attrs if isinstance(attrs, Failed) else 'GetQueueAttributes: queue gone'} (queue {name})"
        values = attrs.get("Attributes") or {}
        redrive = values.get("RedrivePolicy")
        try:
            queue["redrive_policy"] = json.loads(redrive) if redrive else False
        except ValueError:
            queue["redrive_policy"] = None
        if values.get("VisibilityTimeout") is not None:
            queue["visibility_timeout_s"] = int(values["VisibilityTimeout"])
        return queue, None

    def _logging(self, fn: Function, config: dict[str, Any], missing: list[str]) -> None:
        cfg = config.get("LoggingConfig") or {}
        group = cfg.get("LogGroup") or f"/aws/lambda/{config['FunctionName']}"
        logging: dict[str, Any] = {"log_group": group, "format": cfg.get("LogFormat"), "retention_days": None}
        if group.startswith("/aws/lambda/"):
            assert self._log_groups_future is not None
            log_groups, failed = self._log_groups_future.result()
            why = str(failed) if failed is not None else None
            # A group that does not exist yet is created on first invoke without retention of its
            # own, unless an account-level retention policy will cover it.
            facts = log_groups.get(group) or {"retention_days": False}
            if group not in log_groups and failed is None:
                covered, why = self._future_group_retention(group)
                facts = covered or facts
        else:
            facts, why = self.custom_log_groups.get(group, lambda: self._custom_log_group(group))
        if why:
            missing.append(why)
        else:
            logging.update(facts)
        fn.logging = logging

    def _custom_log_group(self, group: str) -> tuple[dict[str, Any], str | None]:
        groups, failed = self.calls.pages(self.region, self.logs(), "DescribeLogGroups", "logGroups",
                                          logGroupNamePrefix=group)
        if failed:
            return {}, f"{failed} (log group {group})"
        for g in groups:
            if g["logGroupName"] == group:
                return log_group_facts(g), None
        covered, why = self._future_group_retention(group)
        return covered or {"retention_days": False}, why

    def _subnets(self, fn: Function, missing: list[str]) -> None:
        """The Availability Zones of a VPC function's subnets (LA507), from one DescribeSubnets per region."""
        if not isinstance(fn.vpc, dict) or not fn.vpc.get("subnet_ids"):
            return
        zones, failed = self.subnet_zones()
        if failed is not None:
            missing.append(str(failed))
            return
        ids = fn.vpc["subnet_ids"]
        if all(i in zones for i in ids):
            fn.vpc["availability_zones"] = sorted({zones[i] for i in ids})
        else:
            unknown = ", ".join(i for i in ids if i not in zones)
            missing.append(f"DescribeSubnets: subnet {unknown} not found")

    def _layers(self, fn: Function, missing: list[str]) -> dict[str, str | None]:
        urls: dict[str, str | None] = {}
        for layer in fn.layers or []:
            arn = layer["arn"]
            exists, url, why = self.layers.get(arn, partial(self._layer, arn))
            layer["exists"] = exists
            urls[arn] = url
            if why:
                missing.append(why)
            if exists:
                layer["public"] = self._layer_public(arn, missing)
        return urls

    def _layer(self, arn: str) -> tuple[bool | None, str | None, str | None]:
        # GetLayerVersion (layer ARN + version) answers what GetLayerVersionByArn does, and is
        # also served by emulators that lack the ByArn form; both count against the same quota.
        layer_arn, _, version = arn.rpartition(":")
        if not layer_arn or not version.isdigit():
            return None, None, f"GetLayerVersion: cannot parse layer version ARN {arn}"
        got = self.calls.call(self.region, self.lam, "GetLayerVersion", LayerName=layer_arn,
                              VersionNumber=int(version))
        if got is NOT_FOUND:
            return False, None, None
        if isinstance(got, Failed):
            return None, None, f"{got} (layer {arn})"
        return True, (got.get("Content") or {}).get("Location"), None


def log_group_facts(group: dict[str, Any]) -> dict[str, Any]:
    """A DescribeLogGroups entry in the document's ``logging`` shape.

    An account-level retention policy (``retentionPolicyName``) overrides the group's own
    setting, and ``retentionInDays`` then shows the policy's period (absent when the policy
    never expires). A ``DELIVERY``-class group keeps Lambda logs only on their way to S3 or
    Firehose (one day), so retention is not the user's to set there.
    """
    facts: dict[str, Any] = {"retention_days": group.get("retentionInDays") or False,
                             "account_retention": bool(group.get("retentionPolicyName"))}
    if group.get("logGroupClass") in {"STANDARD", "INFREQUENT_ACCESS", "DELIVERY"}:
        facts["log_group_class"] = group["logGroupClass"]
    return facts


#: The FunctionConfiguration fields a version document would differ in (rules read them).
_CONFIGURATION_KEYS = ("CodeSha256", "Runtime", "Handler", "MemorySize", "Timeout", "Environment", "Layers",
                       "Role", "TracingConfig", "EphemeralStorage", "SnapStart", "VpcConfig", "Architectures",
                       "DeadLetterConfig", "KMSKeyArn", "PackageType", "LoggingConfig", "FileSystemConfigs",
                       "DurableConfig", "CapacityProviderConfig", "RuntimeConfig")


def _norm(config: dict[str, Any], key: str) -> Any:
    value = config.get(key)
    if key == "Layers":
        return sorted(la.get("Arn") for la in value or [])
    if key == "VpcConfig":
        return sorted((value or {}).get("SubnetIds") or [])
    if key == "SnapStart":
        # A published version reports OptimizationStatus "On" where $LATEST says "Off": the same setting.
        return (value or {}).get("ApplyOn") or None
    return value or None


def same_configuration(version: dict[str, Any], latest: dict[str, Any]) -> bool:
    """Whether a published version is configured as ``$LATEST`` in every field the rules read."""
    return all(_norm(version, k) == _norm(latest, k) for k in _CONFIGURATION_KEYS)


def configuration_key(config: dict[str, Any]) -> str:
    """The fields the rules read, code aside, as one comparable text: versions that share it are
    judged once (a new version per deployment usually changes the code only)."""
    return json.dumps([_norm(config, k) for k in _CONFIGURATION_KEYS if k != "CodeSha256"],
                      sort_keys=True, default=str)
