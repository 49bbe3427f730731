"""Function features of 2024–2026: durable functions, recursion, tenant isolation, Managed Instances, EFS, qualifiers.

Property names as the CloudFormation and SAM references spell them:
``DurableConfig`` (``ExecutionTimeout``, ``RetentionPeriodInDays``, and ``AllowInvokeLatest``
where the Lambda guide shows it), ``RecursiveLoop`` (``Allow``/``Terminate``),
``TenancyConfig`` (``TenantIsolationMode: PER_TENANT``),
``CapacityProviderConfig`` (CloudFormation: ``LambdaManagedInstancesCapacityProviderConfig``
with ``CapacityProviderArn``; SAM: ``Arn``), ``FileSystemConfigs``. All may come from SAM
``Globals``. :meth:`FeatureParts.qualifier_for` tells through which version or alias an
expression reaches a function, for event sources, permissions and URLs.
"""

from __future__ import annotations

import re
from typing import Any

from lambda_advisor.model import Function, is_unresolved
from lambda_advisor.sources.intrinsics import short_text
from lambda_advisor.sources.sam import as_list
from lambda_advisor.sources.template.base import FUNCTION_TYPES, ReaderBase, as_props, res_props

#: The unqualified function: invocations run ``$LATEST``.
LATEST = "$LATEST"
_ARN_QUALIFIER = re.compile(r":function:[^:]+:([^:/]+)$")
_SUB_SUFFIX = re.compile(r"^!Sub\s+\$\{[\w.]+\}:([\w$-]+)$")


class FeatureParts(ReaderBase):
    def _features(self, doc: Function, props: dict[str, Any]) -> None:
        """Durable execution, recursion control, capacity provider and EFS mounts of one function."""
        for key, pointer in (("SnapStart", "/snap_start"), ("EphemeralStorage", "/ephemeral_storage_mb")):
            if key in props:
                self._set(doc, pointer, props, key)
        self._durable(doc, props)
        loop = self.resolver.text(props.get("RecursiveLoop")) if "RecursiveLoop" in props else "Terminate"
        doc.recursive_loop = loop if loop in ("Allow", "Terminate") else None
        if "RecursiveLoop" in props:
            self._set(doc, "/recursive_loop", props, "RecursiveLoop")
        self._capacity_provider(doc, props)
        tenancy = as_props(props.get("TenancyConfig"))
        mode = self.resolver.text(tenancy.get("TenantIsolationMode")) if tenancy else None
        doc.tenant_isolation = mode or (False if "TenancyConfig" not in props else None)
        if "TenancyConfig" in props:
            self._set(doc, "/tenant_isolation", props, "TenancyConfig")
        mounts = props.get("FileSystemConfigs")
        doc.file_systems = [{"arn": self._value(as_props(m).get("Arn")) if as_props(m).get("Arn") is not None
                             else None, "mount_path": self.resolver.text(as_props(m).get("LocalMountPath"))}
                            for m in as_list(mounts)] if mounts is not None else []
        if mounts is not None:
            self._set(doc, "/file_systems", props, "FileSystemConfigs")

    def _durable(self, doc: Function, props: dict[str, Any]) -> None:
        if "DurableConfig" not in props:
            doc.durable = False
            return
        cfg = as_props(props["DurableConfig"])

        def number(key: str) -> Any:
            if key not in cfg:
                return None
            known = self._int(cfg[key])
            if known is not None:
                return known
            value = self._value(cfg[key])
            return value if is_unresolved(value) else None

        doc.durable = {
            "execution_timeout_s": number("ExecutionTimeout"),
            "retention_days": number("RetentionPeriodInDays"),
            "allow_invoke_latest": self._bool(cfg.get("AllowInvokeLatest")) if "AllowInvokeLatest" in cfg else None,
        }
        self._set(doc, "/durable", props, "DurableConfig")

    def _capacity_provider(self, doc: Function, props: dict[str, Any]) -> None:
        if "CapacityProviderConfig" not in props:
            doc.capacity_provider = False
            return
        cfg = as_props(props["CapacityProviderConfig"])
        inner = as_props(cfg.get("LambdaManagedInstancesCapacityProviderConfig"))
        if inner:  # AWS::Lambda::Function
            arn, settings = inner.get("CapacityProviderArn"), inner
        else:  # AWS::Serverless::Function
            arn, settings = cfg.get("Arn"), cfg
        ratio = self.resolver.value(settings.get("ExecutionEnvironmentMemoryGiBPerVCpu"))
        doc.capacity_provider = {
            "arn": self._value(arn) if arn is not None else None,
            "logical_id": self.resolver.logical_target(arn) if arn is not None else None,
            "memory_gib_per_vcpu": float(ratio) if isinstance(ratio, int | float) and not isinstance(ratio, bool)
            else None,
            "max_concurrency_per_environment": self._int(settings.get("PerExecutionEnvironmentMaxConcurrency")),
            "line": props.line_of("CapacityProviderConfig") if hasattr(props, "line_of") else None,
        }
        self._set(doc, "/capacity_provider", props, "CapacityProviderConfig")

    def auto_publish_alias(self, lid: str) -> str | None:
        """The alias SAM publishes for a function (``AutoPublishAlias``, Globals included), if any."""
        res = self.resources.get(lid)
        if not isinstance(res, dict) or res.get("Type") != "AWS::Serverless::Function":
            return None
        props = res_props(res)
        node = props.get("AutoPublishAlias", self.globals.get("AutoPublishAlias") if self.globals else None)
        return self.resolver.text(node) if node is not None else None

    def qualifier_for(self, node: Any) -> str | None:
        """The version or alias through which ``node`` reaches a function: ``$LATEST`` when it
        names the function itself, an alias name, ``version`` for a published version, or
        None when the expression does not say."""
        text = short_text(node) if node is not None else ""
        if isinstance(node, dict):
            ref = node.get("Ref")
            if isinstance(ref, str) and "." in ref:  # SAM: !Ref Fn.Alias / !Ref Fn.Version
                fn, _, attr = ref.partition(".")
                if attr == "Alias":
                    return self.auto_publish_alias(fn)
                return "version" if attr == "Version" else None
            m = _SUB_SUFFIX.match(text)
            if m:  # !Sub "${Fn.Arn}:live"
                return m.group(1)
        target = self.resolver.logical_target(node) if node is not None else None
        if target is not None:
            rtype = self.resolver.resource_type(target)
            generated = {r.get("attribute") for r in self.resolver.refs(node) if r["logical_id"] == target}
            if rtype in FUNCTION_TYPES and generated == {"Alias"}:  # SAM's alias by its logical ID: FnAliaslive
                return self.auto_publish_alias(target)
            if rtype in FUNCTION_TYPES and generated == {"Version"}:  # FnVersion<hash>
                return "version"
            if rtype in FUNCTION_TYPES:
                return LATEST if not text.startswith("!Sub") else None
            if rtype == "AWS::Lambda::Alias":
                return self.resolver.text(res_props(self.resources[target]).get("Name"))
            if rtype == "AWS::Lambda::Version":
                return "version"
            return None
        literal = self.resolver.text(node)
        if not literal:
            return None
        if ":function:" in literal:
            m = _ARN_QUALIFIER.search(literal)
            return m.group(1) if m else LATEST
        if literal.count(":") == 1:  # name:qualifier
            return literal.split(":", 1)[1]
        return LATEST if ":" not in literal else None
