"""Functions: one document per function resource, and the resources that configure it.

Reads ``AWS::Lambda::Function`` / ``AWS::Serverless::Function`` (with SAM Globals) and links
event invoke configs, URLs, versions, aliases and log groups to the function they shape.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lambda_advisor.model import (
    LAMBDA_DEFAULT_MEMORY_MB,
    LAMBDA_DEFAULT_TIMEOUT_S,
    Function,
    Source,
    unresolved,
)
from lambda_advisor.sources import sam as samlib
from lambda_advisor.sources.intrinsics import is_intrinsic, short_text
from lambda_advisor.sources.sam import as_list, list_lines
from lambda_advisor.sources.template.base import as_props, escape, res_props
from lambda_advisor.sources.template.custom_runtimes import runtime_config
from lambda_advisor.sources.template.features import FeatureParts
from lambda_advisor.sources.template.permissions import PermissionParts
from lambda_advisor.sources.template.sam_expansion import SAM_DESTINATION_ACTIONS, SamParts
from lambda_advisor.sources.yaml_loader import LineDict

if TYPE_CHECKING:
    from lambda_advisor.sources.template.reader import TemplateReader


class FunctionParts(SamParts, PermissionParts, FeatureParts):
    def _function(self, lid: str, res: dict[str, Any]) -> Function:
        is_sam_fn = res["Type"] == "AWS::Serverless::Function"
        props = res_props(res)
        if is_sam_fn and self.globals:
            props = samlib.merge_globals(self.globals, props)
        name_value = self.resolver.text(props.get("FunctionName"))
        if name_value:
            self.names[name_value] = lid
        doc = Function(
            id=f"{self.path}#{lid}",
            name=name_value or lid,
            source=Source(kind="template", format=self.fmt, file=self.path, logical_id=lid, line=self._res_line(lid)),
        )
        doc.extra["resource_type"] = res["Type"]
        package_type = self.resolver.text(props.get("PackageType"))
        if package_type is None:
            package_type = "Image" if props.get("ImageUri") or as_props(props.get("Code")).get("ImageUri") else "Zip"
        # Anything but Zip or Image cannot deploy: unknown, not a value no rule expects.
        doc.package_type = package_type if package_type in ("Zip", "Image") else None
        doc.runtime = self.resolver.text(props.get("Runtime"))
        doc.runtime_config = runtime_config(self, doc, props)
        doc.handler = self.resolver.text(props.get("Handler"))
        for key, pointer in (("Runtime", "/runtime"), ("Handler", "/handler"), ("PackageType", "/package_type")):
            if key in props:
                self._set(doc, pointer, props, key)
        scalars: list[tuple[str, str, Callable[[Any], Any], Any]] = [
            ("MemorySize", "/memory_mb", self._int, LAMBDA_DEFAULT_MEMORY_MB),
            ("Timeout", "/timeout_s", self._int, LAMBDA_DEFAULT_TIMEOUT_S),
        ]
        for key, pointer, conv, default in scalars:
            attr = pointer[1:]
            if key in props:
                setattr(doc, attr, conv(props[key]))
                self._set(doc, pointer, props, key)
            else:
                setattr(doc, attr, default)
        doc.memory_explicit = "MemorySize" in props
        archs = props.get("Architectures")
        if archs is None:
            doc.architectures = ["x86_64"]
        else:
            values = [self.resolver.text(a) for a in as_list(archs)]
            doc.architectures = [a for a in values if a in ("x86_64", "arm64")] or None
            self._set(doc, "/architectures", props, "Architectures")
        storage = as_props(props.get("EphemeralStorage"))
        doc.ephemeral_storage_mb = self._int(storage.get("Size")) if storage else 512
        snap = as_props(props.get("SnapStart"))
        doc.snap_start = self.resolver.text(snap.get("ApplyOn")) == "PublishedVersions" if snap else False
        self._features(doc, props)
        self._environment(doc, props)
        doc.kms_key_arn = self._value(props["KmsKeyArn"]) if "KmsKeyArn" in props else False
        self._layers(doc, props)
        self._vpc(doc, props)
        self._tracing(doc, props, is_sam_fn)
        self._concurrency(doc, props)
        self._tags(doc, props)
        self._dead_letter(doc, props, is_sam_fn)
        self._code(doc, lid, res, props)
        doc.event_sources = []
        doc.resource_policy = []
        doc.url = False
        doc.event_invoke = False
        doc.deployment = {"aliases": [], "versions_published": False, "gradual": False}
        log_group = None if doc.name == lid and not name_value else f"/aws/lambda/{doc.name}"
        doc.logging = {"log_group": log_group, "log_group_logical_id": None, "retention_days": False,
                       "format": None}
        logging_config = as_props(props.get("LoggingConfig"))
        if logging_config:
            doc.logging["format"] = self.resolver.text(logging_config.get("LogFormat"))
            if "LogGroup" in logging_config:
                lg = logging_config["LogGroup"]
                doc.logging["log_group"] = self.resolver.text(lg)
                doc.logging["log_group_logical_id"] = self.resolver.logical_target(lg)
                if doc.logging["log_group_logical_id"] is None:
                    doc.logging["retention_days"] = None  # a log group made elsewhere: its retention is unknown
        self._role(doc, props, is_sam_fn)
        if is_sam_fn:
            self._sam_events(doc, lid, props)
            self._sam_event_invoke(doc, props)
            self._sam_deployment(doc, props)
            self._sam_url(doc, lid, props)
        self._suppressions(doc, res)
        if is_sam_fn and "Role" not in props and doc.role is not None:
            for actions, target, origin in doc.extra.pop("sam_role_grants", []):
                if actions:
                    doc.role["statements"].append({"sid": None, "effect": "Allow", "actions": list(actions),
                                                   "resources": [target], "origin": origin, "line": None})
        doc.extra.pop("sam_role_grants", None)
        return doc

    def _environment(self, doc: Function, props: dict[str, Any]) -> None:
        env = as_props(as_props(props.get("Environment")).get("Variables"))
        doc.environment = self._variables(doc, env, "/environment")
        if env:
            environment = props.get("Environment")
            self._set(doc, "/environment", props, "Environment")
            if isinstance(environment, LineDict):
                doc.lines["/environment"] = environment.line_of("Variables")

    def _variables(self, doc: Function, env: Any, pointer: str) -> dict[str, Any]:
        """Environment variables by name (unresolved markers for intrinsics), their lines under ``pointer``."""
        variables: dict[str, Any] = {}
        for key, raw in as_props(env).items():
            value = self.resolver.value(raw)
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, int | float):
                value = str(value)
            elif value is None:
                continue  # AWS::NoValue
            elif not isinstance(value, str) and not (isinstance(value, dict) and "unresolved" in value):
                value = unresolved(short_text(raw), self.resolver.refs(raw))
            variables[str(key)] = value
            self._set(doc, f"{pointer}/{escape(str(key))}", env, key)
        return variables

    def _layers(self, doc: Function, props: dict[str, Any]) -> None:
        layers = props.get("Layers")
        doc.layers = []
        lines = list_lines(layers, doc.source.line or 0)
        for i, raw in enumerate(as_list(layers)):
            if raw is None:
                continue
            entry: dict[str, Any] = {"arn": self._value(raw), "logical_id": None, "local_path": None,
                                     "exists": None, "code_size": None}
            target = self.resolver.logical_target(raw)
            if target and self.resolver.resource_type(target) in ("AWS::Serverless::LayerVersion",
                                                                  "AWS::Lambda::LayerVersion"):
                entry["logical_id"] = target
                entry["exists"] = True
                entry["public"] = False  # until an AWS::Lambda::LayerVersionPermission shares it (layers.py)
                lprops = res_props(self.resources[target])
                content = lprops.get("ContentUri", as_props(lprops.get("Content")))
                entry["local_path"] = self._local_path(content, self.resources[target])
            doc.layers.append(entry)
            doc.lines[f"/layers/{i}"] = lines[i]
        if layers is not None:
            self._set(doc, "/layers", props, "Layers")

    def _vpc(self, doc: Function, props: dict[str, Any]) -> None:
        vpc = as_props(props.get("VpcConfig"))
        if not vpc:
            doc.vpc = False
            return
        subnets = self.resolver.value(vpc.get("SubnetIds"))
        groups = self.resolver.value(vpc.get("SecurityGroupIds"))
        doc.vpc = {
            "subnet_ids": [self._value(s) for s in as_list(vpc.get("SubnetIds"))] if isinstance(subnets, list)
            else [self._value(vpc.get("SubnetIds"))] if vpc.get("SubnetIds") is not None else [],
            "security_group_ids": [self._value(s) for s in as_list(vpc.get("SecurityGroupIds"))]
            if isinstance(groups, list) else [],
            "availability_zones": self._subnet_azs(vpc.get("SubnetIds")),
        }
        self._set(doc, "/vpc", props, "VpcConfig")

    def _subnet_azs(self, subnets: Any) -> list[str] | None:
        azs = []
        for s in as_list(subnets):
            target = self.resolver.logical_target(s)
            if not target or self.resolver.resource_type(target) != "AWS::EC2::Subnet":
                return None
            az = self.resolver.text(res_props(self.resources[target]).get("AvailabilityZone"))
            if az is None:
                sel = res_props(self.resources[target]).get("AvailabilityZone")
                az = short_text(sel) if sel is not None else None
            if az is None:
                return None
            azs.append(az)
        return sorted(set(azs)) if azs else None

    def _tracing(self, doc: Function, props: dict[str, Any], is_sam_fn: bool) -> None:
        """PassThrough when no mode is written (Lambda's default); None when one is written but not resolvable."""
        key = "Tracing" if is_sam_fn else "TracingConfig"
        node = props.get(key)
        if not is_sam_fn and isinstance(node, dict) and not is_intrinsic(node):
            node = node.get("Mode")
        if key in props:
            self._set(doc, "/tracing", props, key)
        if node is None:
            doc.tracing = "PassThrough"
            return
        mode = self.resolver.text(node)
        if is_sam_fn and mode == "Disabled":
            mode = "PassThrough"  # SAM: the same as leaving Tracing out
        doc.tracing = mode if mode in ("Active", "PassThrough") else None

    def _concurrency(self, doc: Function, props: dict[str, Any]) -> None:
        if "ReservedConcurrentExecutions" in props:
            doc.reserved_concurrency = self._int(props["ReservedConcurrentExecutions"])
            self._set(doc, "/reserved_concurrency", props, "ReservedConcurrentExecutions")
        else:
            doc.reserved_concurrency = False
        pc = as_props(props.get("ProvisionedConcurrencyConfig"))
        if pc:
            doc.provisioned_concurrency = self._int(pc.get("ProvisionedConcurrentExecutions"))
            self._set(doc, "/provisioned_concurrency", props, "ProvisionedConcurrencyConfig")
        else:
            doc.provisioned_concurrency = False

    def _tags(self, doc: Function, props: dict[str, Any]) -> None:
        tags = props.get("Tags")
        doc.tags = {}
        if isinstance(tags, dict):
            doc.tags = {str(k): self._value(v) for k, v in tags.items()}
        elif isinstance(tags, list):
            for t in tags:
                if isinstance(t, dict) and "Key" in t:
                    doc.tags[str(self.resolver.text(t["Key"]))] = self._value(t.get("Value"))

    def _dead_letter(self, doc: Function, props: dict[str, Any], is_sam_fn: bool) -> None:
        if is_sam_fn and "DeadLetterQueue" in props:
            dlq = as_props(props["DeadLetterQueue"])
            doc.dead_letter_target = self._value(dlq.get("TargetArn"))
            self._set(doc, "/dead_letter_target", props, "DeadLetterQueue")
            if doc.dead_letter_target is not None:
                doc.extra["sam_role_grants"] = [(SAM_DESTINATION_ACTIONS.get(str(dlq.get("Type")), []),
                                                doc.dead_letter_target, "SAM DeadLetterQueue")]
        elif "DeadLetterConfig" in props and as_props(props["DeadLetterConfig"]).get("TargetArn") is not None:
            doc.dead_letter_target = self._value(as_props(props["DeadLetterConfig"])["TargetArn"])
            self._set(doc, "/dead_letter_target", props, "DeadLetterConfig")
        else:
            doc.dead_letter_target = False

    def _inline_code(self, doc: Function, container: Any, key: str) -> None:
        """Keep inline source (``ZipFile``, ``InlineCode``) and where its first line sits, for code inspection.

        A literal block (``|``) keeps its lines: code line n is template line ``line + n - 1``. Any other
        form (quoted, folded, JSON) maps every code line to the key's line.
        """
        node = container.get(key)
        text = node if isinstance(node, str) else self.resolver.text(node)
        if not text or not text.strip():
            return
        key_line = container.line_of(key) if isinstance(container, LineDict) else 0
        raw = self.text_lines[key_line - 1] if 0 < key_line <= len(self.text_lines) else ""
        after = raw.split(":", 1)[1].strip() if ":" in raw else ""
        block = isinstance(node, str) and after.startswith("|")
        doc.extra["inline_code"] = {"text": text, "line": key_line + 1 if block else key_line, "block": block}

    def _local_path(self, code: Any, res: dict[str, Any]) -> str | None:
        meta = as_props(res.get("Metadata"))
        asset = meta.get("aws:asset:path")
        if isinstance(asset, str):
            return os.path.normpath(self.base_dir / asset)
        if isinstance(code, str) and not code.startswith("s3://") and "://" not in code:
            return os.path.normpath(self.base_dir / code)
        return None

    def _code(self, doc: Function, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
        code: dict[str, Any] = {"local_path": None, "s3_uri": None, "image_uri": None, "inline": False,
                                "zipped_bytes": None, "unzipped_bytes": None, "image_bytes": None, "sha256": None,
                                "inspection": None}
        raw: Any
        if "InlineCode" in props:
            code["inline"] = True
            self._set(doc, "/code", props, "InlineCode")
            self._inline_code(doc, props, "InlineCode")
        elif "CodeUri" in props:
            raw = props["CodeUri"]
            self._set(doc, "/code", props, "CodeUri")
            if isinstance(raw, dict) and "Bucket" in raw:
                code["s3_uri"] = f"s3://{self.resolver.text(raw.get('Bucket'))}/{self.resolver.text(raw.get('Key'))}"
            elif isinstance(raw, str) and raw.startswith("s3://"):
                code["s3_uri"] = raw
            else:
                code["local_path"] = self._local_path(self.resolver.text(raw), res)
        elif "ImageUri" in props:
            code["image_uri"] = self.resolver.text(props["ImageUri"])
            self._set(doc, "/code", props, "ImageUri")
        elif "Code" in props:
            self._set(doc, "/code", props, "Code")
            raw = props["Code"]
            if isinstance(raw, dict):
                if "ZipFile" in raw:
                    code["inline"] = True
                    self._inline_code(doc, raw, "ZipFile")
                elif "ImageUri" in raw:
                    code["image_uri"] = self.resolver.text(raw["ImageUri"])
                elif "S3Bucket" in raw:
                    bucket, key = self.resolver.text(raw.get("S3Bucket")), self.resolver.text(raw.get("S3Key"))
                    code["s3_uri"] = f"s3://{bucket}/{key}" if bucket and key else None
                    code["local_path"] = self._local_path(None, res)
            elif isinstance(raw, str):
                code["local_path"] = self._local_path(raw, res)
        if code["local_path"] is None and doc.source.format == "sam":
            built = self.base_dir / ".aws-sam" / "build" / lid
            if built.is_dir():
                code["local_path"] = str(built)
        if isinstance(as_props(res.get("Metadata")).get("aws:asset:path"), str) and "/code" not in doc.lines:
            doc.lines["/code"] = self._res_line(lid)
        doc.code = code

    def external_function(self, node: Any, lid: str, res: dict[str, Any]) -> str | None:
        """A function made outside the template (``FunctionName: my-function``) that a resource here configures.

        Its document knows only what this template says about it (``extra.external``); everything the
        function's own configuration decides stays ``null``, so rules that need it stay silent.
        """
        if node is None or self.resolver.logical_target(node) is not None:
            return None  # a resource of this template (a function we could not read, or not a function)
        text = self.resolver.text(node)
        name = text.split(":function:", 1)[-1].split(":", 1)[0] if text else short_text(node)
        key = f"external:{name}"
        if key not in self.docs:
            doc = Function(id=f"{self.path}#{key}", name=name,
                           source=Source(kind="template", format=self.fmt, file=self.path, line=self._res_line(lid)))
            doc.event_sources = []
            doc.extra["external"] = True
            self._suppressions(doc, res)
            self.docs[key] = doc
        return key

    def _suppressions(self, doc: Function, res: dict[str, Any]) -> None:
        for meta, origin in ((as_props(self.data.get("Metadata")), "template Metadata"),
                             (as_props(res.get("Metadata")), "resource Metadata")):
            ours = as_props(meta.get("lambda-advisor"))
            for item in as_list(ours.get("ignore")):
                if isinstance(item, dict) and item.get("id"):
                    doc.suppressions.append({"rule": str(item["id"]), "reason": item.get("reason"),
                                             "origin": str(item.get("origin") or f"{origin} lambda-advisor")})
                elif isinstance(item, str):
                    doc.suppressions.append({"rule": item, "reason": None, "origin": f"{origin} lambda-advisor"})
            cfn = as_props(as_props(meta.get("cfn-lint")).get("config"))
            for item in as_list(cfn.get("ignore_checks")):
                rule = _our_rule_id(item)
                if rule is not None:
                    doc.suppressions.append({"rule": rule, "reason": None, "origin": f"{origin} cfn-lint ignore_checks"})


def _link_event_invoke(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(props.get("FunctionName"))
    if fn not in r.docs:
        return
    doc = r.docs[fn]
    dest = as_props(props.get("DestinationConfig"))
    doc.event_invoke = {
        "maximum_retry_attempts": r._int(props.get("MaximumRetryAttempts")),
        "maximum_event_age_s": r._int(props.get("MaximumEventAgeInSeconds")),
        "on_failure": r._value(as_props(dest.get("OnFailure"))["Destination"])
        if as_props(dest.get("OnFailure")).get("Destination") is not None else False,
        "on_success": r._value(as_props(dest.get("OnSuccess"))["Destination"])
        if as_props(dest.get("OnSuccess")).get("Destination") is not None else False,
    }
    doc.lines["/event_invoke"] = r._res_line(lid)


def _link_url(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(props.get("TargetFunctionArn"))
    if fn not in r.docs:
        return
    origins = as_props(props.get("Cors")).get("AllowOrigins")
    doc = r.docs[fn]
    doc.url = {"auth_type": r.resolver.text(props.get("AuthType")), "url": None,
               "cors_allow_origins": [str(r.resolver.text(o)) for o in as_list(origins)] if origins else None,
               "qualifier": r.resolver.text(props.get("Qualifier")) if "Qualifier" in props
               else _alias_of(r.qualifier_for(props.get("TargetFunctionArn")))}
    doc.lines["/url"] = r._res_line(lid)


def _link_version(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(props.get("FunctionName"))
    if fn in r.docs and r.docs[fn].deployment is not None:
        r.docs[fn].deployment["versions_published"] = True  # type: ignore[index]


def _link_alias(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(props.get("FunctionName"))
    if fn not in r.docs or r.docs[fn].deployment is None:
        return
    deployment: dict[str, Any] = r.docs[fn].deployment  # type: ignore[assignment]
    deployment["aliases"].append(r.resolver.text(props.get("Name")) or lid)
    if props.get("RoutingConfig") or as_props(res.get("UpdatePolicy")).get("CodeDeployLambdaAliasUpdate"):
        deployment["gradual"] = True
    pc = as_props(props.get("ProvisionedConcurrencyConfig"))
    if pc:
        r.docs[fn].provisioned_concurrency = r._int(pc.get("ProvisionedConcurrentExecutions"))


def _link_log_group(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    name_node = props.get("LogGroupName")
    name = r.resolver.text(name_node)
    retention = r._int(props.get("RetentionInDays")) if "RetentionInDays" in props else False
    index = _log_group_index(r)  # the functions each log group could belong to: linear, not docs x groups
    candidates = {*index.get(("ref", lid), ()), *index.get(("name", name), ())}
    if name is None and name_node is not None:
        candidates.add(r.resolver.logical_target(name_node) or "")
    for fn in sorted(fn for fn in candidates if fn in r.docs):
        doc = r.docs[fn]
        logging = doc.logging
        if logging is None:
            continue
        by_ref = logging.get("log_group_logical_id") == lid
        by_name = name is not None and name == logging.get("log_group")
        by_sub = name is None and name_node is not None and "/aws/lambda/" in short_text(name_node) and \
            r.resolver.logical_target(name_node) == fn
        if by_ref or by_name or by_sub:
            logging["retention_days"] = retention
            group_class = r.resolver.text(props.get("LogGroupClass")) if "LogGroupClass" in props else "STANDARD"
            logging["log_group_class"] = group_class if group_class in ("STANDARD", "INFREQUENT_ACCESS", "DELIVERY") \
                else None
            logging["log_group_logical_id"] = lid
            doc.lines["/logging"] = r._res_line(lid)


def _alias_of(qualifier: str | None) -> str | None:
    """A URL is on an alias, or on the function itself (None)."""
    return None if qualifier in (None, "$LATEST") else qualifier


def _log_group_index(r: TemplateReader) -> dict[tuple[str, Any], list[str]]:
    index: dict[tuple[str, Any], list[str]] | None = getattr(r, "_log_group_index", None)
    if index is None:
        index = {}
        for fn, doc in r.docs.items():
            logging = doc.logging or {}
            for key in (("ref", logging.get("log_group_logical_id")), ("name", logging.get("log_group"))):
                if isinstance(key[1], str):
                    index.setdefault(key, []).append(fn)
        setattr(r, "_log_group_index", index)  # noqa: B010 - built once per template
    return index


def _our_rule_id(item: Any) -> str | None:
    """``LA205`` as is, and our cfn-lint plugin's ``W9205`` (E/W/I + 9 + number) back to ``LA205``."""
    if not isinstance(item, str):
        return None
    if item.startswith("LA"):
        return item
    m = re.fullmatch(r"[EWI]9(\d{3})", item)
    return f"LA{m.group(1)}" if m else None



LINKERS: dict[str, Callable[[TemplateReader, str, dict[str, Any], dict[str, Any]], None]] = {
    "AWS::Lambda::EventInvokeConfig": _link_event_invoke,
    "AWS::Lambda::Url": _link_url,
    "AWS::Lambda::Version": _link_version,
    "AWS::Lambda::Alias": _link_alias,
    "AWS::Logs::LogGroup": _link_log_group,
}
