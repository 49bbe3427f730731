"""What functions does this template define, and what shapes them?

Reads CloudFormation (YAML or JSON) and SAM natively, and returns one function
document per ``AWS::Lambda::Function`` / ``AWS::Serverless::Function`` with the
line of every value. Resources that shape a function elsewhere in the template
(event source mappings, permissions, queues, roles, rules, log groups …) are
linked to it in a second pass.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lambda_advisor.model import (
    LAMBDA_DEFAULT_MEMORY_MB,
    LAMBDA_DEFAULT_TIMEOUT_S,
    Function,
    Source,
    unresolved,
)
from lambda_advisor.result import InputError
from lambda_advisor.sources import Loaded
from lambda_advisor.sources import sam as samlib
from lambda_advisor.sources.intrinsics import Resolver, is_intrinsic, short_text
from lambda_advisor.sources.sam import MergedDict, as_list, list_lines
from lambda_advisor.sources.yaml_loader import LineDict, LineList, TemplateSyntaxError, loads

FUNCTION_TYPES = {"AWS::Lambda::Function", "AWS::Serverless::Function"}
_MARKERS = (b"AWSTemplateFormatVersion", b"Resources", b"Transform")
_SUFFIXES = {".yaml", ".yml", ".json", ".template"}

#: Service principal -> (event source type, invocation) for functions wired by a Permission.
PRINCIPALS: dict[str, tuple[str, str]] = {
    "s3.amazonaws.com": ("s3", "async"),
    "sns.amazonaws.com": ("sns", "async"),
    "events.amazonaws.com": ("eventbridge", "async"),
    "scheduler.amazonaws.com": ("schedule", "async"),
    "ses.amazonaws.com": ("ses", "async"),
    "iot.amazonaws.com": ("iot", "async"),
    "logs.amazonaws.com": ("logs", "async"),
    "codecommit.amazonaws.com": ("codecommit", "async"),
    "config.amazonaws.com": ("config", "async"),
    "lambda.alarms.cloudwatch.amazonaws.com": ("cloudwatch_alarm", "async"),
    "secretsmanager.amazonaws.com": ("secretsmanager", "sync"),
    "apigateway.amazonaws.com": ("api", "sync"),
    "elasticloadbalancing.amazonaws.com": ("alb", "sync"),
    "cognito-idp.amazonaws.com": ("cognito", "sync"),
    "alexa-appkit.amazon.com": ("alexa", "sync"),
    "lex.amazonaws.com": ("lex", "sync"),
}

#: What SAM grants the role it creates so Lambda can deliver to a DLQ or destination, by Type.
_SAM_DESTINATION_ACTIONS = {"SQS": ["sqs:SendMessage"], "SNS": ["sns:Publish"], "Lambda": ["lambda:InvokeFunction"],
                            "EventBridge": ["events:PutEvents"], "S3Bucket": ["s3:PutObject", "s3:ListBucket"]}
#: Event source types one service principal stands for (EventBridge invokes both rules and schedules).
_FAMILY = {"schedule": "eventbridge", "http_api": "api"}
_ARN_SERVICE_TYPES = {"sqs": "sqs", "kinesis": "kinesis", "dynamodb": "dynamodb", "kafka": "kafka", "mq": "mq",
                      "rds": "docdb"}
_RESOURCE_TYPE_SOURCES = {"AWS::SQS::Queue": "sqs", "AWS::Kinesis::Stream": "kinesis",
                          "AWS::DynamoDB::Table": "dynamodb", "AWS::MSK::Cluster": "kafka",
                          "AWS::AmazonMQ::Broker": "mq", "AWS::DocDB::DBCluster": "docdb"}


# -- loader protocol ----------------------------------------------------------------


def claims_file(path: Path, head: bytes) -> bool:
    if path.suffix.lower() not in _SUFFIXES:
        return False
    if any(m in head for m in _MARKERS):
        return True
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return b"Resources" in data


def load(path: Path, *, explicit: bool) -> Loaded:
    return load_template(path, explicit=explicit)


def load_template(path: Path, *, explicit: bool, fmt: str | None = None, asset_root: Path | None = None,
                  display_path: str | None = None) -> Loaded:
    """Read one template file. ``fmt`` names the producer (``cdk``, ``serverless``) when known."""
    out = Loaded()
    shown = display_path or str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        out.errors.append(InputError(shown, f"cannot read: {exc}"))
        return out
    try:
        data = loads(text, is_json=path.suffix.lower() == ".json" or text.lstrip().startswith("{"))
    except TemplateSyntaxError as exc:
        out.errors.append(InputError(shown, f"cannot parse: {exc}", exc.line))
        return out
    if not is_template(data):
        out.skipped.append(shown)
        if explicit:
            out.notices.append(f"{shown}: skipped, not a CloudFormation/SAM template")
        return out
    reader = TemplateReader(shown, data, base_dir=asset_root or path.parent, fmt=fmt)
    out.documents.extend(doc.to_json() for doc in reader.read())
    out.errors.extend(InputError(shown, msg, line) for msg, line in reader.problems)
    return out


def is_template(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    resources = data.get("Resources")
    if not isinstance(resources, dict) or not resources:
        return False
    return any(isinstance(r, dict) and isinstance(r.get("Type"), str) and "::" in r["Type"]
               for r in resources.values())


# -- the reader -----------------------------------------------------------------------


class TemplateReader:
    def __init__(self, path: str, data: dict[str, Any], *, base_dir: Path, fmt: str | None = None) -> None:
        self.path = path
        self.data = data
        self.base_dir = base_dir
        self.resolver = Resolver(data)
        self.resources: dict[str, Any] = {k: v for k, v in data["Resources"].items() if isinstance(v, dict)}
        self.sam = samlib.is_sam(data)
        self.fmt = fmt or ("sam" if self.sam else "cloudformation")
        glob = data.get("Globals")
        self.globals: dict[str, Any] = glob.get("Function", {}) if isinstance(glob, dict) else {}
        self.docs: dict[str, Function] = {}
        self.names: dict[str, str] = {}  # literal FunctionName -> logical ID
        self.problems: list[tuple[str, int | None]] = []
        # Sources known only from a Permission; added last, when nothing else wires that service.
        self.permission_sources: list[tuple[str, dict[str, Any], int]] = []

    # public

    def read(self) -> list[Function]:
        for lid, res in self.resources.items():
            if res.get("Type") in FUNCTION_TYPES:
                try:
                    self.docs[lid] = self._function(lid, res)
                except (TypeError, ValueError, AttributeError, KeyError) as exc:
                    self.problems.append((f"cannot read function {lid}: {exc!r}", self._res_line(lid)))
        for lid, res in self.resources.items():
            linker = _LINKERS.get(res.get("Type", ""))
            if linker is not None:
                try:
                    linker(self, lid, res, _res_props(res))
                except (TypeError, ValueError, AttributeError, KeyError) as exc:
                    self.problems.append((f"cannot read {res.get('Type')} {lid}: {exc!r}", self._res_line(lid)))
        for fn, entry, line in self.permission_sources:
            self._add_permission_source(fn, entry, line)
        for doc in self.docs.values():
            self._finish(doc)
        return list(self.docs.values())

    # helpers

    def _res_line(self, lid: str) -> int:
        res_map = self.data["Resources"]
        return res_map.line_of(lid) if isinstance(res_map, LineDict) else 0

    def _set(self, doc: Function, pointer: str, container: Any, key: Any) -> None:
        """Record the line of ``container[key]`` for ``pointer``, and whether Globals gave it."""
        if isinstance(container, LineDict):
            doc.lines[pointer] = container.line_of(key)
            if isinstance(container, MergedDict) and key in container.inherited:
                doc.inherited[pointer] = "Globals"
        elif isinstance(container, LineList) and isinstance(key, int):
            doc.lines[pointer] = container.line_of(key)

    def function_for(self, node: Any) -> str | None:
        """The function (logical ID) an expression designates: Ref, GetAtt, alias/version, or name."""
        target = self.resolver.logical_target(node)
        if target is not None:
            rtype = self.resolver.resource_type(target)
            if rtype in FUNCTION_TYPES:
                return target
            if rtype in ("AWS::Lambda::Alias", "AWS::Lambda::Version"):
                return self.function_for(_res_props(self.resources[target]).get("FunctionName"))
            return None
        text = self.resolver.text(node)
        if text:
            name = text.split(":function:", 1)[-1].split(":", 1)[0]
            return self.names.get(name)
        return None

    def _value(self, node: Any) -> Any:
        v = self.resolver.value(node)
        if isinstance(v, dict | list) and not (isinstance(v, dict) and "unresolved" in v):
            return unresolved(short_text(node), self.resolver.refs(node))
        return v

    def _int(self, node: Any) -> int | None:
        v = self.resolver.value(node)
        try:
            return int(v) if isinstance(v, str | int | float) and not isinstance(v, bool) else None
        except ValueError:
            return None

    def _bool(self, node: Any) -> bool | None:
        v = self.resolver.value(node)
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and v.lower() in ("true", "false"):
            return v.lower() == "true"
        return None

    # the function itself

    def _function(self, lid: str, res: dict[str, Any]) -> Function:
        is_sam_fn = res["Type"] == "AWS::Serverless::Function"
        props = _res_props(res)
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
            package_type = "Image" if props.get("ImageUri") or _props(props.get("Code")).get("ImageUri") else "Zip"
        doc.package_type = package_type
        doc.runtime = self.resolver.text(props.get("Runtime"))
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
        storage = _props(props.get("EphemeralStorage"))
        doc.ephemeral_storage_mb = self._int(storage.get("Size")) if storage else 512
        snap = _props(props.get("SnapStart"))
        doc.snap_start = self.resolver.text(snap.get("ApplyOn")) == "PublishedVersions" if snap else False
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
        logging_config = _props(props.get("LoggingConfig"))
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
        env = _props(_props(props.get("Environment")).get("Variables"))
        doc.environment = {}
        for key, raw in env.items():
            value = self.resolver.value(raw)
            if isinstance(value, bool):
                value = "true" if value else "false"
            elif isinstance(value, int | float):
                value = str(value)
            elif value is None:
                continue  # AWS::NoValue
            elif not isinstance(value, str) and not (isinstance(value, dict) and "unresolved" in value):
                value = unresolved(short_text(raw), self.resolver.refs(raw))
            doc.environment[str(key)] = value
            self._set(doc, f"/environment/{_escape(str(key))}", env, key)
        if env:
            environment = props.get("Environment")
            self._set(doc, "/environment", props, "Environment")
            if isinstance(environment, LineDict):
                doc.lines["/environment"] = environment.line_of("Variables")

    def _layers(self, doc: Function, props: dict[str, Any]) -> None:
        layers = props.get("Layers")
        doc.layers = []
        lines = list_lines(layers, doc.source.line or 0)
        for i, raw in enumerate(as_list(layers)):
            entry: dict[str, Any] = {"arn": self._value(raw), "logical_id": None, "local_path": None,
                                     "exists": None, "code_size": None}
            target = self.resolver.logical_target(raw)
            if target and self.resolver.resource_type(target) in ("AWS::Serverless::LayerVersion",
                                                                  "AWS::Lambda::LayerVersion"):
                entry["logical_id"] = target
                entry["exists"] = True
                lprops = _res_props(self.resources[target])
                content = lprops.get("ContentUri", _props(lprops.get("Content")))
                entry["local_path"] = self._local_path(content, self.resources[target])
            doc.layers.append(entry)
            doc.lines[f"/layers/{i}"] = lines[i]
        if layers is not None:
            self._set(doc, "/layers", props, "Layers")

    def _vpc(self, doc: Function, props: dict[str, Any]) -> None:
        vpc = _props(props.get("VpcConfig"))
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
            az = self.resolver.text(_res_props(self.resources[target]).get("AvailabilityZone"))
            if az is None:
                sel = _res_props(self.resources[target]).get("AvailabilityZone")
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
        pc = _props(props.get("ProvisionedConcurrencyConfig"))
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
            dlq = _props(props["DeadLetterQueue"])
            doc.dead_letter_target = self._value(dlq.get("TargetArn"))
            self._set(doc, "/dead_letter_target", props, "DeadLetterQueue")
            doc.extra["sam_role_grants"] = [(_SAM_DESTINATION_ACTIONS.get(str(dlq.get("Type")), []),
                                            doc.dead_letter_target, "SAM DeadLetterQueue")]
        elif "DeadLetterConfig" in props and _props(props["DeadLetterConfig"]).get("TargetArn") is not None:
            doc.dead_letter_target = self._value(_props(props["DeadLetterConfig"])["TargetArn"])
            self._set(doc, "/dead_letter_target", props, "DeadLetterConfig")
        else:
            doc.dead_letter_target = False

    def _local_path(self, code: Any, res: dict[str, Any]) -> str | None:
        meta = _props(res.get("Metadata"))
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
        if isinstance(_props(res.get("Metadata")).get("aws:asset:path"), str) and "/code" not in doc.lines:
            doc.lines["/code"] = self._res_line(lid)
        doc.code = code

    def _role(self, doc: Function, props: dict[str, Any], is_sam_fn: bool) -> None:
        role: dict[str, Any] = {"arn": None, "logical_id": None, "statements": [], "managed_policies": [],
                                "complete": True}
        if "Role" in props:
            raw = props["Role"]
            role["arn"] = self._value(raw)
            self._set(doc, "/role", props, "Role")
            target = self.resolver.logical_target(raw)
            if target and self.resolver.resource_type(target) == "AWS::IAM::Role":
                role["logical_id"] = target
                rprops = _res_props(self.resources[target])
                for pol in as_list(rprops.get("Policies")):
                    self._statements(role, _props(pol).get("PolicyDocument"),
                                     f"inline policy {self.resolver.text(_props(pol).get('PolicyName'))}")
                for arn in as_list(rprops.get("ManagedPolicyArns")):
                    self._managed(role, arn)
            else:
                role["complete"] = False
        elif is_sam_fn:
            role["arn"] = unresolved(f"!GetAtt {doc.source.logical_id}Role.Arn")
            role["logical_id"] = f"{doc.source.logical_id}Role"
            self._managed(role, "AWSLambdaBasicExecutionRole")
            policies = props.get("Policies")
            plines = list_lines(policies, props.line_of("Policies") if isinstance(props, LineDict) else 0)
            for i, pol in enumerate(as_list(policies)):
                self._sam_policy(role, pol, plines[i])
            for ev in _props(props.get("Events")).values():
                implicit = samlib.IMPLICIT_EVENT_POLICIES.get(str(_props(ev).get("Type")))
                if implicit:
                    self._managed(role, implicit)
            if "VpcConfig" in props:
                self._managed(role, "AWSLambdaVPCAccessExecutionRole")
            if props.get("Tracing") and self.resolver.text(props.get("Tracing")) != "Disabled":
                self._managed(role, "AWSXrayWriteOnlyAccess")  # as SAM does for any Tracing but Disabled
        else:
            role["complete"] = False
        doc.role = role

    def _managed(self, role: dict[str, Any], raw: Any) -> None:
        value = self._value(raw) if not isinstance(raw, str) else raw
        target = self.resolver.logical_target(raw) if not isinstance(raw, str) else None
        if target and self.resolver.resource_type(target) == "AWS::IAM::ManagedPolicy":
            role["managed_policies"].append(value)
            self._statements(role, _res_props(self.resources[target]).get("PolicyDocument"),
                             f"AWS::IAM::ManagedPolicy {target}")
            return
        name = samlib.managed_policy_name(value)
        arn = value if not name or (isinstance(value, str) and value.startswith("arn:")) else \
            f"arn:aws:iam::aws:policy/{name}"
        role["managed_policies"].append(arn)
        known = samlib.KNOWN_MANAGED_POLICIES.get(name or "")
        if known is None:
            role["complete"] = False
            return
        for actions, resources in known:
            role["statements"].append({"sid": None, "effect": "Allow", "actions": list(actions),
                                       "resources": list(resources), "origin": f"managed policy {name}",
                                       "line": None})

    def _sam_policy(self, role: dict[str, Any], pol: Any, line: int) -> None:
        if isinstance(pol, str) or (isinstance(pol, dict) and ("Ref" in pol or "Fn::GetAtt" in pol or
                                                              "Fn::Sub" in pol or "Fn::If" in pol)):
            self._managed(role, pol)
            return
        if not isinstance(pol, dict):
            return
        if "Statement" in pol:
            self._statements(role, pol, "SAM Policies (inline)")
            return
        for name, params in pol.items():
            template = samlib.POLICY_TEMPLATES.get(name)
            if template is None:
                role["complete"] = False
                continue
            actions, patterns = template
            resources: list[Any] = []
            for pattern in patterns:
                resources.append(self._template_resource(pattern, _props(params)))
            role["statements"].append({"sid": None, "effect": "Allow", "actions": list(actions),
                                       "resources": resources, "origin": f"SAM {name}",
                                       "line": pol.line_of(name) if isinstance(pol, LineDict) else line})

    def _template_resource(self, pattern: str, params: dict[str, Any]) -> Any:
        """Fill a policy template's ``{Param}`` placeholders; keep refs when they do not resolve."""
        refs: list[dict[str, Any]] = []
        literal = True

        def fill(m: re.Match[str]) -> str:
            nonlocal literal
            raw = params.get(m.group(1))
            text = self.resolver.text(raw)
            if text is not None:
                return text
            literal = False
            refs.extend(self.resolver.refs(raw))
            if isinstance(raw, dict) and "Ref" in raw and isinstance(raw["Ref"], str):
                return "${" + raw["Ref"] + "}"
            if isinstance(raw, dict) and isinstance(raw.get("Fn::GetAtt"), list):
                return "${" + ".".join(map(str, raw["Fn::GetAtt"])) + "}"
            return short_text(raw) if raw is not None else "*"

        text = re.sub(r"\{(\w+)\}", fill, pattern)
        if literal and "${" not in text:
            return text
        return unresolved(text, refs)

    def _statements(self, role: dict[str, Any], document: Any, origin: str) -> None:
        stmts = _props(document).get("Statement")
        lines = list_lines(stmts, 0)
        for i, st in enumerate(as_list(stmts)):
            if not isinstance(st, dict):
                continue
            entry: dict[str, Any] = {
                "sid": self.resolver.text(st.get("Sid")),
                "effect": "Deny" if self.resolver.text(st.get("Effect")) == "Deny" else "Allow",
                "actions": [self._value(a) for a in as_list(st.get("Action"))],
                "resources": [self._value(r) for r in as_list(st.get("Resource"))],
                "origin": origin,
                "line": st.line if isinstance(st, LineDict) else (lines[i] or None),
            }
            if "NotAction" in st:
                entry["not_actions"] = [self._value(a) for a in as_list(st.get("NotAction"))]
            if "Condition" in st:
                entry["conditions"] = self.resolver.value(st["Condition"])
            role["statements"].append(entry)

    # SAM-only parts

    def _sam_events(self, doc: Function, lid: str, props: dict[str, Any]) -> None:
        events = _props(props.get("Events"))
        for name, ev in events.items():
            ev = _props(ev)
            etype = self.resolver.text(ev.get("Type")) or ""
            kind = samlib.EVENT_TYPES.get(etype)
            if kind is None:
                continue
            eprops = _props(ev.get("Properties"))
            our_type, invocation, principal = kind
            if etype == "SNS" and eprops.get("SqsSubscription"):
                our_type, invocation, principal = "sqs", "poll", None
            source_node = eprops.get(samlib.EVENT_SOURCE_PROPERTY.get(etype, ""))
            entry = self._event_source(our_type, invocation, str(name), source_node,
                                       events.line_of(name) if isinstance(events, LineDict) else None)
            entry["has_permission"] = True
            if our_type == "sqs" and etype == "SNS":
                sub = eprops.get("SqsSubscription")
                queue_arn = _props(sub).get("QueueArn") if isinstance(sub, dict) else None
                entry["queue"] = self._queue_info(queue_arn) if queue_arn is not None else {
                    "name": None, "logical_id": None, "redrive_policy": False, "visibility_timeout_s": 30,
                    "line": None}
            self._poller_settings(entry, eprops)
            if etype == "Api":
                entry["api_timeout_ms"] = self._int(eprops.get("TimeoutInMillis")) or 29000
            if etype == "HttpApi":
                entry["api_timeout_ms"] = self._int(eprops.get("TimeoutInMillis")) or 30000
            index = len(doc.event_sources or [])
            assert doc.event_sources is not None and doc.resource_policy is not None
            doc.event_sources.append(entry)
            self._set(doc, f"/event_sources/{index}", events, name)
            if principal:
                statement: dict[str, Any] = {
                    "sid": None, "effect": "Allow", "actions": ["lambda:InvokeFunction"],
                    "resources": [unresolved(f"!GetAtt {lid}.Arn")], "principal": principal,
                    "source_arn": unresolved(f"(set by SAM for event {name})"),
                    "source_account": unresolved("!Ref AWS::AccountId") if etype in ("S3", "IoTRule") else False,
                    "origin": f"SAM event {name}", "line": entry["line"]}
                if etype == "AlexaSkill" and eprops.get("SkillId") is None:
                    statement["source_arn"] = False
                doc.resource_policy.append(statement)
                self._set(doc, f"/resource_policy/{len(doc.resource_policy) - 1}", events, name)

    def _sam_event_invoke(self, doc: Function, props: dict[str, Any]) -> None:
        cfg = _props(props.get("EventInvokeConfig"))
        if not cfg:
            return
        dest = _props(cfg.get("DestinationConfig"))
        doc.event_invoke = {
            "maximum_retry_attempts": self._int(cfg.get("MaximumRetryAttempts")),
            "maximum_event_age_s": self._int(cfg.get("MaximumEventAgeInSeconds")),
            "on_failure": self._sam_destination(dest.get("OnFailure")),
            "on_success": self._sam_destination(dest.get("OnSuccess")),
        }
        self._set(doc, "/event_invoke", props, "EventInvokeConfig")
        grants = doc.extra.setdefault("sam_role_grants", [])
        for when in ("OnFailure", "OnSuccess"):
            node = _props(dest.get(when))
            if "Destination" in node:
                actions = _SAM_DESTINATION_ACTIONS.get(str(self.resolver.text(node.get("Type"))), [])
                grants.append((actions, self._value(node["Destination"]), f"SAM EventInvokeConfig {when} destination"))

    def _sam_destination(self, node: Any) -> Any:
        node = _props(node)
        if not node:
            return False
        if "Destination" in node:
            return self._value(node["Destination"])
        kind = self.resolver.text(node.get("Type"))
        return f"(queue or topic created by SAM: {kind})" if kind in ("SQS", "SNS") else unresolved(short_text(node))

    def _sam_deployment(self, doc: Function, props: dict[str, Any]) -> None:
        assert doc.deployment is not None
        alias = self.resolver.text(props.get("AutoPublishAlias"))
        if "AutoPublishAlias" in props:
            doc.deployment["aliases"].append(alias or short_text(props["AutoPublishAlias"]))
            doc.deployment["versions_published"] = True
            self._set(doc, "/deployment", props, "AutoPublishAlias")
        if "DeploymentPreference" in props:
            pref = _props(props["DeploymentPreference"])
            kind = self.resolver.text(pref.get("Type")) or ""
            enabled = self._bool(pref.get("Enabled"))
            doc.deployment["gradual"] = enabled is not False and kind != "AllAtOnce"

    def _sam_url(self, doc: Function, lid: str, props: dict[str, Any]) -> None:
        cfg = _props(props.get("FunctionUrlConfig"))
        if not cfg:
            return
        auth = self.resolver.text(cfg.get("AuthType"))
        origins = _props(cfg.get("Cors")).get("AllowOrigins")
        doc.url = {"auth_type": auth, "url": None,
                   "cors_allow_origins": [str(self.resolver.text(o)) for o in as_list(origins)] if origins else None}
        self._set(doc, "/url", props, "FunctionUrlConfig")
        if auth == "NONE":
            assert doc.resource_policy is not None
            doc.resource_policy.append({
                "sid": None, "effect": "Allow", "actions": ["lambda:InvokeFunctionUrl"],
                "resources": [unresolved(f"!Ref {lid}")], "principal": "*", "source_arn": False,
                "source_account": False, "conditions": {"StringEquals": {"lambda:FunctionUrlAuthType": "NONE"}},
                "origin": "SAM FunctionUrlConfig", "line": doc.lines.get("/url")})
            doc.lines[f"/resource_policy/{len(doc.resource_policy) - 1}"] = doc.lines.get("/url", 0)

    def _suppressions(self, doc: Function, res: dict[str, Any]) -> None:
        for meta, origin in ((_props(self.data.get("Metadata")), "template Metadata"),
                             (_props(res.get("Metadata")), "resource Metadata")):
            ours = _props(meta.get("lambda-advisor"))
            for item in as_list(ours.get("ignore")):
                if isinstance(item, dict) and item.get("id"):
                    doc.suppressions.append({"rule": str(item["id"]), "reason": item.get("reason"),
                                             "origin": f"{origin} lambda-advisor"})
                elif isinstance(item, str):
                    doc.suppressions.append({"rule": item, "reason": None, "origin": f"{origin} lambda-advisor"})
            cfn = _props(_props(meta.get("cfn-lint")).get("config"))
            for item in as_list(cfn.get("ignore_checks")):
                rule = _our_rule_id(item)
                if rule is not None:
                    doc.suppressions.append({"rule": rule, "reason": None, "origin": f"{origin} cfn-lint ignore_checks"})

    # shared by SAM events and CloudFormation linking

    def _event_source(self, kind: str, invocation: str, name: str, source_node: Any,
                      line: int | None) -> dict[str, Any]:
        target = self.resolver.logical_target(source_node) if source_node is not None else None
        entry: dict[str, Any] = {
            "type": kind, "invocation": invocation, "name": name,
            "arn": self._value(source_node) if source_node is not None else None,
            "source_logical_id": target, "line": line, "enabled": True, "has_permission": None,
        }
        if kind == "sqs":
            entry["queue"] = self._queue_info(source_node)
        return entry

    def _poller_settings(self, entry: dict[str, Any], props: dict[str, Any]) -> None:
        if entry["invocation"] != "poll":
            return
        enabled = self._bool(props.get("Enabled"))
        entry["enabled"] = enabled is not False
        entry["batch_size"] = self._int(props.get("BatchSize"))
        entry["maximum_concurrency"] = self._int(_props(props.get("ScalingConfig")).get("MaximumConcurrency"))
        if entry["type"] in ("kinesis", "dynamodb", "kafka", "docdb"):
            retries = self._int(props.get("MaximumRetryAttempts"))
            entry["maximum_retry_attempts"] = retries
            entry["bisect_on_error"] = bool(self._bool(props.get("BisectBatchOnFunctionError")))
            dest = _props(_props(props.get("DestinationConfig")).get("OnFailure")).get("Destination")
            entry["on_failure"] = self._value(dest) if dest is not None else False

    def _queue_info(self, node: Any) -> dict[str, Any]:
        target = self.resolver.logical_target(node)
        if target and self.resolver.resource_type(target) == "AWS::SQS::Queue":
            qprops = _res_props(self.resources[target])
            redrive = qprops.get("RedrivePolicy")
            return {
                "name": self.resolver.text(qprops.get("QueueName")) or target,
                "logical_id": target,
                "redrive_policy": self.resolver.value(redrive) if redrive is not None else False,
                "visibility_timeout_s": self._int(qprops.get("VisibilityTimeout"))
                if "VisibilityTimeout" in qprops else 30,
                "line": self._res_line(target),
            }
        text = self.resolver.text(node)
        return {"name": text.rsplit(":", 1)[-1] if text else None, "logical_id": None, "redrive_policy": None,
                "visibility_timeout_s": None, "line": None}

    def add_event_source(self, fn: str, entry: dict[str, Any], line: int | None) -> None:
        doc = self.docs[fn]
        assert doc.event_sources is not None
        for existing in doc.event_sources:
            if (existing["type"] == entry["type"] and existing.get("source_logical_id") is not None
                    and existing.get("source_logical_id") == entry.get("source_logical_id")):
                return
        doc.event_sources.append(entry)
        if line:
            doc.lines[f"/event_sources/{len(doc.event_sources) - 1}"] = line

    def _add_permission_source(self, fn: str, entry: dict[str, Any], line: int) -> None:
        assert self.docs[fn].event_sources is not None
        for existing in self.docs[fn].event_sources or []:
            if _FAMILY.get(existing["type"], existing["type"]) != _FAMILY.get(entry["type"], entry["type"]):
                continue
            ours, theirs = entry.get("source_logical_id"), existing.get("source_logical_id")
            if ours is None or theirs is None or ours == theirs:
                return
        self.add_event_source(fn, entry, line)

    def _finish(self, doc: Function) -> None:
        """Does a permission let each push source invoke? True, False, or None when we cannot tell."""
        statements = doc.resource_policy or []
        principals = {service_principal(st.get("principal")) for st in statements}
        # A principal we cannot read (a parameter, an intrinsic) or "*" might be the one.
        open_or_unknown = any(not isinstance(st.get("principal"), str) or st.get("principal") == "*"
                              for st in statements)
        for src in doc.event_sources or []:
            if src["has_permission"] is not None or src["invocation"] == "poll":
                continue
            family = _FAMILY.get(src["type"], src["type"])
            wanted = [p for p, (kind, _) in PRINCIPALS.items() if _FAMILY.get(kind, kind) == family]
            if not wanted:
                continue  # no service principal we know of: stays unknown
            if any(p in principals or p.replace(".amazonaws.com", "") in principals for p in wanted):
                src["has_permission"] = True
            elif not open_or_unknown:
                src["has_permission"] = False


# -- linkers: resources that shape a function from elsewhere in the template ---------------


def _link_esm(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(props.get("FunctionName"))
    if fn not in r.docs:
        return
    source = props.get("EventSourceArn")
    kind = _mapping_kind(r, props, source)
    entry = r._event_source(kind, "poll", lid, source, r._res_line(lid))
    r._poller_settings(entry, props)
    r.add_event_source(fn, entry, r._res_line(lid))


def _mapping_kind(r: TemplateReader, props: dict[str, Any], source: Any) -> str:
    """What an event source mapping polls: from the source resource, its ARN, or its own settings."""
    target = r.resolver.logical_target(source) if source is not None else None
    if target and r.resolver.resource_type(target) in _RESOURCE_TYPE_SOURCES:
        return _RESOURCE_TYPE_SOURCES[r.resolver.resource_type(target) or ""]
    value = r.resolver.value(source) if source is not None else None
    text = value.get("unresolved", "") if isinstance(value, dict) else str(value or "")
    parts = text.split(":")
    if len(parts) > 2 and parts[2] in _ARN_SERVICE_TYPES:
        return _ARN_SERVICE_TYPES[parts[2]]
    if "SelfManagedEventSource" in props or "AmazonManagedKafkaEventSourceConfig" in props or "Topics" in props:
        return "kafka"
    if "Queues" in props:
        return "mq"
    if "DocumentDBEventSourceConfig" in props:
        return "docdb"
    if "StartingPosition" not in props:
        return "sqs"  # every other poller needs a starting position
    return "other"


def _link_permission(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(props.get("FunctionName"))
    if fn not in r.docs:
        return
    doc = r.docs[fn]
    principal = r._value(props.get("Principal"))
    statement: dict[str, Any] = {
        "sid": lid, "effect": "Allow", "actions": [r._value(props.get("Action"))],
        "resources": [r._value(props.get("FunctionName"))], "principal": principal,
        "source_arn": r._value(props["SourceArn"]) if "SourceArn" in props else False,
        "source_account": r._value(props["SourceAccount"]) if "SourceAccount" in props else False,
        "origin": f"AWS::Lambda::Permission {lid}", "line": r._res_line(lid),
    }
    if "FunctionUrlAuthType" in props:
        statement["conditions"] = {"StringEquals": {"lambda:FunctionUrlAuthType": r._value(props["FunctionUrlAuthType"])}}
    if "PrincipalOrgID" in props:
        statement["conditions"] = {"StringEquals": {"aws:PrincipalOrgID": r._value(props["PrincipalOrgID"])}}
    assert doc.resource_policy is not None
    doc.resource_policy.append(statement)
    doc.lines[f"/resource_policy/{len(doc.resource_policy) - 1}"] = r._res_line(lid)
    kind = PRINCIPALS.get(service_principal(principal))
    if kind is None:
        return
    source = props.get("SourceArn")
    entry = r._event_source(kind[0], kind[1], lid, source, r._res_line(lid))
    entry["has_permission"] = True
    # A permission says the service may invoke; when a bucket or rule also wires it, that one counts.
    r.permission_sources.append((fn, entry, r._res_line(lid)))


def service_principal(principal: Any) -> str:
    """``logs.${AWS::Region}.amazonaws.com`` and ``logs.eu-west-1.amazonaws.com`` → ``logs.amazonaws.com``."""
    text = principal.get("unresolved", "") if isinstance(principal, dict) else str(principal)
    text = text.removeprefix("!Sub ").replace("${AWS::URLSuffix}", "amazonaws.com")
    text = re.sub(r"\.(\$\{AWS::Region\}|[a-z]{2}(-gov)?-[a-z]+-\d)\.", ".", text)
    return text


def _link_event_invoke(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(props.get("FunctionName"))
    if fn not in r.docs:
        return
    doc = r.docs[fn]
    dest = _props(props.get("DestinationConfig"))
    doc.event_invoke = {
        "maximum_retry_attempts": r._int(props.get("MaximumRetryAttempts")),
        "maximum_event_age_s": r._int(props.get("MaximumEventAgeInSeconds")),
        "on_failure": r._value(_props(dest.get("OnFailure"))["Destination"])
        if _props(dest.get("OnFailure")).get("Destination") is not None else False,
        "on_success": r._value(_props(dest.get("OnSuccess"))["Destination"])
        if _props(dest.get("OnSuccess")).get("Destination") is not None else False,
    }
    doc.lines["/event_invoke"] = r._res_line(lid)


def _link_url(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(props.get("TargetFunctionArn"))
    if fn not in r.docs:
        return
    origins = _props(props.get("Cors")).get("AllowOrigins")
    doc = r.docs[fn]
    doc.url = {"auth_type": r.resolver.text(props.get("AuthType")), "url": None,
               "cors_allow_origins": [str(r.resolver.text(o)) for o in as_list(origins)] if origins else None}
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
    if props.get("RoutingConfig") or _props(res.get("UpdatePolicy")).get("CodeDeployLambdaAliasUpdate"):
        deployment["gradual"] = True
    pc = _props(props.get("ProvisionedConcurrencyConfig"))
    if pc:
        r.docs[fn].provisioned_concurrency = r._int(pc.get("ProvisionedConcurrentExecutions"))


def _link_role_policy(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    """AWS::IAM::Policy / ManagedPolicy attached through ``Roles``."""
    roles = {r.resolver.logical_target(x) for x in as_list(props.get("Roles"))}
    for doc in r.docs.values():
        role = doc.role
        if role is None or role.get("logical_id") not in roles:
            continue
        if res["Type"] == "AWS::IAM::ManagedPolicy" and any(
                isinstance(m, dict) and r.resolver.logical_target(m) == lid for m in role["managed_policies"]):
            continue  # already read through ManagedPolicyArns
        r._statements(role, props.get("PolicyDocument"), f"{res['Type']} {lid}")


def _link_bucket(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    configs = _props(props.get("NotificationConfiguration")).get("LambdaConfigurations")
    lines = list_lines(configs, r._res_line(lid))
    for i, cfg in enumerate(as_list(configs)):
        fn = r.function_for(_props(cfg).get("Function"))
        if fn in r.docs:
            entry = r._event_source("s3", "async", lid, {"Ref": lid}, lines[i])
            r.add_event_source(fn, entry, lines[i])


def _link_sns(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    if res["Type"] == "AWS::SNS::Subscription":
        subs = [(props, r._res_line(lid), props.get("TopicArn"))]
    else:
        items = props.get("Subscription")
        lines = list_lines(items, r._res_line(lid))
        subs = [(_props(s), lines[i], {"Ref": lid}) for i, s in enumerate(as_list(items))]
    for sub, line, topic in subs:
        if (r.resolver.text(sub.get("Protocol")) or "").lower() != "lambda":
            continue
        fn = r.function_for(sub.get("Endpoint"))
        if fn in r.docs:
            entry = r._event_source("sns", "async", lid, topic, line)
            r.add_event_source(fn, entry, line)


def _link_rule(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    targets = props.get("Targets")
    lines = list_lines(targets, r._res_line(lid))
    kind = "schedule" if "ScheduleExpression" in props else "eventbridge"
    for i, target in enumerate(as_list(targets)):
        fn = r.function_for(_props(target).get("Arn"))
        if fn in r.docs:
            entry = r._event_source(kind, "async", lid, {"Ref": lid}, lines[i])
            r.add_event_source(fn, entry, lines[i])


def _link_scheduler(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(_props(props.get("Target")).get("Arn"))
    if fn in r.docs:
        entry = r._event_source("schedule", "async", lid, {"Ref": lid}, r._res_line(lid))
        entry["has_permission"] = True  # EventBridge Scheduler invokes through its own role
        r.add_event_source(fn, entry, r._res_line(lid))


def _link_log_group(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    name_node = props.get("LogGroupName")
    name = r.resolver.text(name_node)
    retention = r._int(props.get("RetentionInDays")) if "RetentionInDays" in props else False
    for fn, doc in r.docs.items():
        logging = doc.logging
        if logging is None:
            continue
        by_ref = logging.get("log_group_logical_id") == lid
        by_name = name is not None and name == logging.get("log_group")
        by_sub = name is None and name_node is not None and "/aws/lambda/" in short_text(name_node) and \
            r.resolver.logical_target(name_node) == fn
        if by_ref or by_name or by_sub:
            logging["retention_days"] = retention
            logging["log_group_logical_id"] = lid
            doc.lines["/logging"] = r._res_line(lid)


def _link_ses(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    actions = _props(props.get("Rule")).get("Actions")
    stored_first = False
    lines = list_lines(actions, r._res_line(lid))
    for i, action in enumerate(as_list(actions)):
        action = _props(action)
        if "S3Action" in action:
            stored_first = True
        lam = _props(action.get("LambdaAction"))
        fn = r.function_for(lam.get("FunctionArn")) if lam else None
        if fn in r.docs:
            invocation = "sync" if r.resolver.text(lam.get("InvocationType")) == "RequestResponse" else "async"
            entry = r._event_source("ses", invocation, lid, None, lines[i])
            r.add_event_source(fn, entry, lines[i])
            r.docs[fn].extra.setdefault("ses_stores_to_s3_first", {})[lid] = stored_first


def _link_subscription_filter(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(props.get("DestinationArn"))
    if fn in r.docs:
        r.add_event_source(fn, r._event_source("logs", "async", lid, props.get("LogGroupName"), r._res_line(lid)),
                           r._res_line(lid))


def _link_iot(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    actions = _props(props.get("TopicRulePayload")).get("Actions")
    for action in as_list(actions):
        fn = r.function_for(_props(_props(action).get("Lambda")).get("FunctionArn"))
        if fn in r.docs:
            r.add_event_source(fn, r._event_source("iot", "async", lid, {"Ref": lid}, r._res_line(lid)),
                               r._res_line(lid))


def _link_api_method(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    integration = _props(props.get("Integration"))
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
        fn = r.function_for(_props(target).get("Id"))
        if fn in r.docs:
            r.add_event_source(fn, r._event_source("alb", "sync", lid, {"Ref": lid}, r._res_line(lid)),
                               r._res_line(lid))


def _link_user_pool(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    for trigger, value in _props(props.get("LambdaConfig")).items():
        fn = r.function_for(value)
        if fn in r.docs:
            r.add_event_source(fn, r._event_source("cognito", "sync", f"{lid}.{trigger}", {"Ref": lid},
                                                   r._res_line(lid)), r._res_line(lid))


_LINKERS: dict[str, Callable[[TemplateReader, str, dict[str, Any], dict[str, Any]], None]] = {
    "AWS::Lambda::EventSourceMapping": _link_esm,
    "AWS::Lambda::Permission": _link_permission,
    "AWS::Lambda::EventInvokeConfig": _link_event_invoke,
    "AWS::Lambda::Url": _link_url,
    "AWS::Lambda::Version": _link_version,
    "AWS::Lambda::Alias": _link_alias,
    "AWS::IAM::Policy": _link_role_policy,
    "AWS::IAM::ManagedPolicy": _link_role_policy,
    "AWS::S3::Bucket": _link_bucket,
    "AWS::SNS::Subscription": _link_sns,
    "AWS::SNS::Topic": _link_sns,
    "AWS::Events::Rule": _link_rule,
    "AWS::Scheduler::Schedule": _link_scheduler,
    "AWS::Logs::LogGroup": _link_log_group,
    "AWS::SES::ReceiptRule": _link_ses,
    "AWS::Logs::SubscriptionFilter": _link_subscription_filter,
    "AWS::IoT::TopicRule": _link_iot,
    "AWS::ApiGateway::Method": _link_api_method,
    "AWS::ApiGatewayV2::Integration": _link_apiv2_integration,
    "AWS::ElasticLoadBalancingV2::TargetGroup": _link_target_group,
    "AWS::Cognito::UserPool": _link_user_pool,
}


def _props(node: Any) -> Any:
    """The node when it is a mapping, else an empty one: templates are often half-written."""
    return node if isinstance(node, dict) else LineDict()


def _res_props(resource: Any) -> Any:
    return _props(resource.get("Properties")) if isinstance(resource, dict) else LineDict()


def _our_rule_id(item: Any) -> str | None:
    """``LA205`` as is, and our cfn-lint plugin's ``W9205`` (E/W/I + 9 + number) back to ``LA205``."""
    if not isinstance(item, str):
        return None
    if item.startswith("LA"):
        return item
    m = re.fullmatch(r"[EWI]9(\d{3})", item)
    return f"LA{m.group(1)}" if m else None


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
