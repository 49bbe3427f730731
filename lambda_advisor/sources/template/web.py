"""Web Functions: one document per ``AWS::Lambda::WebFunction`` / ``AWS::Serverless::WebFunction``.

A Web Function's configuration lives on its revisions (``AWS::Lambda::WebFunctionRevision``) and
who reaches it on its endpoints (``AWS::Lambda::WebFunctionEndpoint``); both name the function by
``FunctionName``. SAM's ``AWS::Serverless::WebFunction`` is read natively: one function, one revision
(``<id>Revision``) and one endpoint (``<id>Endpoint``), as the SAM translator generates them; SAM
``Globals.Function`` does not reach it (the translator's Globals know no WebFunction section).
"""

from __future__ import annotations

import json
import re
from typing import Any

from lambda_advisor.model import Function, Source
from lambda_advisor.sources.intrinsics import is_intrinsic, short_text
from lambda_advisor.sources.sam import as_list
from lambda_advisor.sources.template.base import as_props, res_props
from lambda_advisor.sources.template.functions import FunctionParts
from lambda_advisor.sources.yaml_loader import LineDict

WEB_FUNCTION_TYPES = {"AWS::Lambda::WebFunction", "AWS::Serverless::WebFunction"}
REVISION_TYPE = "AWS::Lambda::WebFunctionRevision"
ENDPOINT_TYPE = "AWS::Lambda::WebFunctionEndpoint"
CONNECTOR_TYPES = {"AWS::Lambda::NetworkConnector", "AWS::Serverless::NetworkConnector"}
#: ``timeoutSeconds`` when a revision sets none (Lambda developer guide, "Request timeout").
WEB_DEFAULT_TIMEOUT_S = 30
#: A connector version ARN: ``...:network-connector:<name>:<version>``.
_VERSIONED_CONNECTOR = re.compile(r":network-connector:[^:]+:[0-9]+$")
WEB_ARN_NAME = re.compile(r":web-function/([A-Za-z0-9_-]+)$")


def web_log_group(name: str) -> str:
    """The log group Lambda writes a Web Function's logs to when the revision names none."""
    return f"/aws/lambda/web/{name}"


class WebParts(FunctionParts):
    """Reads Web Functions, their revisions and endpoints, into function documents of kind ``web``."""

    def _web_function(self, lid: str, res: dict[str, Any]) -> Function:
        props = res_props(res)
        name_node = props.get("FunctionName")
        name = self.resolver.text(name_node)
        doc = Function(id=f"{self.path}#{lid}", name=name or lid, kind="web",
                       source=Source(kind="template", format=self.fmt, file=self.path, logical_id=lid,
                                     line=self._res_line(lid)))
        doc.extra["resource_type"] = res["Type"]
        doc.architectures = ["arm64"]  # Web Functions run on arm64 only; there is no setting
        doc.package_type = "Zip"
        doc.event_sources = []
        doc.resource_policy = []
        doc.layers = []
        doc.url = False
        doc.runtime_config = False
        doc.endpoints = []
        doc.revisions = []
        self._tags(doc, props)
        self._suppressions(doc, res)
        if res["Type"] == "AWS::Serverless::WebFunction":
            self._sam_web_parts(doc, lid, props)
        return doc

    # -- SAM ------------------------------------------------------------------------

    def _sam_web_parts(self, doc: Function, lid: str, props: Any) -> None:
        """The revision and endpoint the SAM translator generates from one ``AWS::Serverless::WebFunction``."""
        line = self._res_line(lid)
        rev = self._new_revision(doc, f"{lid}Revision", line)
        rev["function_reference"] = "name"
        rev["depends_on_function"] = True
        i = len(doc.revisions or [])
        pointer = f"/revisions/{i}"
        self._revision_runtime(doc, rev, pointer, props, "Runtime")
        code = props.get("CodeUri")
        if isinstance(code, str) and code.startswith("s3://"):
            bucket, _, key = code[len("s3://"):].partition("/")
            rev["code"] = self._code_location(bucket, key or None, None)
        elif isinstance(code, dict) and not is_intrinsic(code):
            rev["code"] = self._code_location(code.get("Bucket"), code.get("Key"), code.get("Version"))
        if "CodeUri" in props:
            self._set(doc, f"{pointer}/code", props, "CodeUri")
        if "ExecutionRoleArn" in props:
            rev["role"] = self.role_object(props["ExecutionRoleArn"])
            self._set(doc, f"{pointer}/role", props, "ExecutionRoleArn")
        else:  # SAM makes <id>Role with AWSLambdaBasicExecutionRole only
            role: dict[str, Any] = {"arn": {"unresolved": f"!GetAtt {lid}Role.Arn"}, "logical_id": f"{lid}Role",
                                    "statements": [], "managed_policies": [], "complete": True}
            self._managed(role, "AWSLambdaBasicExecutionRole")
            rev["role"] = role
        self._revision_service(doc, rev, pointer, props, timeout_key="Timeout", env_key="EnvironmentVariables",
                               connector_key="EgressNetworkConnectorArn", logging=as_props(props.get("LoggingConfig")))
        entry = props.get("EntryPoint")
        if entry is not None and isinstance(rev["environment"], dict):
            rev["environment"]["AWS_LAMBDA_NODEJS_ENTRYPOINT"] = self._value(entry)
        if "KmsKeyArn" in props:
            rev["kms_key_arn"] = self._value(props["KmsKeyArn"])
        assert doc.revisions is not None
        doc.revisions.append(rev)
        doc.lines[pointer] = line

        auto = self.resolver.text(props.get("AutoDeploymentMode")) or "LatestRevision"
        endpoint = self._new_endpoint(self.resolver.text(props.get("EndpointName")) or "prod", f"{lid}Endpoint", line)
        endpoint.update(function_reference="name", depends_on_function=True,
                        auto_deployment=auto if auto in ("LatestRevision", "Disabled") else None,
                        type=self.resolver.text(props.get("EndpointType")) or "HomeRegion",
                        auth_type=_auth(self.resolver.text(props.get("AuthType"))))
        e = len(doc.endpoints or [])
        epointer = f"/endpoints/{e}"
        for key, field in (("AuthType", "auth_type"), ("EndpointType", "type"), ("AutoDeploymentMode", "auto_deployment"),
                           ("RevisionWeights", "weights"), ("ReplicaRegions", "regions")):
            if key in props:
                self._set(doc, f"{epointer}/{field}", props, key)
        weights = props.get("RevisionWeights")
        if isinstance(weights, dict) and weights and not is_intrinsic(weights):
            endpoint["weights"] = [{"revision": str(k), "revision_index": None, "weight": self._int(v)}
                                   for k, v in weights.items()]
        else:  # what SAM writes: all traffic to the revision of this deployment
            endpoint["weights"] = [{"revision": rev["logical_id"], "revision_index": i, "weight": 100}]
        replicas = props.get("ReplicaRegions")
        if replicas is not None:
            endpoint["regions"] = ([self._value(r) for r in replicas] if isinstance(replicas, list)
                                   else [self._value(replicas)])
        self._endpoint_caps(doc, endpoint, epointer, props)
        assert doc.endpoints is not None
        doc.endpoints.append(endpoint)
        doc.lines[epointer] = line

    # -- CloudFormation ---------------------------------------------------------------

    def _web_part(self, lid: str, res: dict[str, Any]) -> tuple[Any, Function, str, bool, int] | None:
        """A revision's or endpoint's properties, its function, how it names it, whether it waits, its line."""
        props = res_props(res)
        owner = self._web_owner(lid, res, props.get("FunctionName"))
        if owner is None:
            return None
        doc, reference, depends = owner
        self._suppressions(doc, res)  # an ignore on a revision or endpoint applies to its function
        return props, doc, reference, depends, self._res_line(lid)

    def _web_revision(self, lid: str, res: dict[str, Any]) -> None:
        part = self._web_part(lid, res)
        if part is None:
            return
        props, doc, reference, depends, line = part
        rev = self._new_revision(doc, lid, line)
        rev["function_reference"], rev["depends_on_function"] = reference, depends
        i = len(doc.revisions or [])
        pointer = f"/revisions/{i}"
        self._set(doc, f"{pointer}/function_reference", props, "FunctionName")
        build = as_props(props.get("BuildConfig"))
        self._revision_runtime(doc, rev, pointer, as_props(build.get("RuntimeConfig")), "Runtime")
        code_config = as_props(build.get("CodeConfig"))
        s3 = as_props(code_config.get("S3Object"))
        if s3:
            rev["code"] = self._code_location(s3.get("Bucket"), s3.get("Key"), s3.get("VersionId"))
            self._set(doc, f"{pointer}/code", code_config, "S3Object")
        service = as_props(props.get("ServiceConfig"))
        if "ExecutionRoleArn" in service:
            rev["role"] = self.role_object(service["ExecutionRoleArn"])
            self._set(doc, f"{pointer}/role", service, "ExecutionRoleArn")
        self._revision_service(doc, rev, pointer, service, timeout_key="TimeoutSeconds", env_key="EnvironmentVariables",
                               connector_key="EgressNetworkConnectorArn",
                               logging=as_props(as_props(service.get("TelemetryConfig")).get("LoggingConfig")))
        if "KmsKeyArn" in props:
            rev["kms_key_arn"] = self._value(props["KmsKeyArn"])
            self._set(doc, f"{pointer}/kms_key_arn", props, "KmsKeyArn")
        assert doc.revisions is not None
        doc.revisions.append(rev)
        doc.lines[pointer] = line

    def _web_endpoint(self, lid: str, res: dict[str, Any]) -> None:
        part = self._web_part(lid, res)
        if part is None:
            return
        props, doc, reference, depends, line = part
        endpoint = self._new_endpoint(self.resolver.text(props.get("EndpointName")) or lid, lid, line)
        endpoint.update(function_reference=reference, depends_on_function=depends,
                        type=self.resolver.text(props.get("EndpointType")),
                        auth_type=_auth(self.resolver.text(props.get("AuthType"))))
        e = len(doc.endpoints or [])
        pointer = f"/endpoints/{e}"
        for key, field in (("FunctionName", "function_reference"), ("AuthType", "auth_type"),
                           ("EndpointType", "type"), ("RevisionWeights", "weights"), ("Regions", "regions")):
            if key in props:
                self._set(doc, f"{pointer}/{field}", props, key)
        if "RevisionWeights" in props:
            endpoint["weights"] = []
            for item in as_list(props.get("RevisionWeights")):
                item = as_props(item)
                node = item.get("RevisionId")
                target = self.resolver.logical_target(node)
                revision = target if target and self.resolver.resource_type(target) == REVISION_TYPE \
                    else self.resolver.text(node)
                endpoint["weights"].append({"revision": revision, "revision_index": None,
                                            "weight": self._int(item.get("Weight"))})
        if "Regions" in props:
            endpoint["regions"] = [self._value(r) for r in as_list(props.get("Regions"))]
        self._endpoint_caps(doc, endpoint, pointer, props)
        assert doc.endpoints is not None
        doc.endpoints.append(endpoint)
        doc.lines[pointer] = line

    # -- parts ------------------------------------------------------------------------

    def _new_revision(self, doc: Function, lid: str, line: int) -> dict[str, Any]:
        return {"id": lid, "arn": None, "logical_id": lid, "line": line, "state": None, "runtime": None,
                "timeout_s": WEB_DEFAULT_TIMEOUT_S, "environment": {}, "role": None, "kms_key_arn": False,
                "max_concurrency_per_environment": None, "network_connector": False, "code": None,
                "logging": {"log_group": web_log_group(doc.name) if self._web_name_known(doc) else None,
                            "log_group_logical_id": None, "retention_days": False, "format": None},
                "served_by": [], "function_reference": None, "depends_on_function": None}

    def _web_name_known(self, doc: Function) -> bool:
        res = self.resources.get(doc.source.logical_id or "")
        return self.resolver.text(res_props(res).get("FunctionName")) is not None

    def _new_endpoint(self, name: str, lid: str, line: int) -> dict[str, Any]:
        return {"name": name, "arn": None, "logical_id": lid, "line": line, "auth_type": None, "type": None,
                "regions": None, "auto_deployment": None, "weights": None, "rate_limit": False,
                "max_environments": False, "function_reference": None, "depends_on_function": None}

    def _revision_runtime(self, doc: Function, rev: dict[str, Any], pointer: str, container: Any, key: str) -> None:
        if key in container:
            rev["runtime"] = self.resolver.text(container[key])
            self._set(doc, f"{pointer}/runtime", container, key)

    def _revision_service(self, doc: Function, rev: dict[str, Any], pointer: str, service: Any, *,
                          timeout_key: str, env_key: str, connector_key: str, logging: Any) -> None:
        if timeout_key in service:
            rev["timeout_s"] = self._int(service[timeout_key])
            self._set(doc, f"{pointer}/timeout_s", service, timeout_key)
        if env_key in service:
            env = service[env_key]
            rev["environment"] = self._variables(doc, env, f"{pointer}/environment") if not is_intrinsic(env) \
                else None
            self._set(doc, f"{pointer}/environment", service, env_key)
        if "MaxConcurrencyPerEnvironment" in service:
            rev["max_concurrency_per_environment"] = self._int(service["MaxConcurrencyPerEnvironment"])
        if connector_key in service:
            rev["network_connector"] = self._connector(service[connector_key])
            self._set(doc, f"{pointer}/network_connector", service, connector_key)
        if "LogGroup" in logging:
            node = logging["LogGroup"]
            rev["logging"]["log_group"] = self.resolver.text(node)
            rev["logging"]["log_group_logical_id"] = self.resolver.logical_target(node)
            if rev["logging"]["log_group_logical_id"] is None:
                rev["logging"]["retention_days"] = None  # a log group made elsewhere: retention unknown
            self._set(doc, f"{pointer}/logging", logging, "LogGroup")

    def _endpoint_caps(self, doc: Function, endpoint: dict[str, Any], pointer: str, props: Any) -> None:
        throttle, scaling = props.get("ThrottleConfig"), props.get("ScalingConfig")
        if throttle is not None:
            rate = as_props(throttle).get("RateLimit")
            endpoint["rate_limit"] = False if rate is None else self._int(rate)
            self._set(doc, f"{pointer}/rate_limit", props, "ThrottleConfig")
        if scaling is not None:
            cap = as_props(scaling).get("MaxEnvironments")
            endpoint["max_environments"] = False if cap is None else self._int(cap)
            self._set(doc, f"{pointer}/max_environments", props, "ScalingConfig")

    def _code_location(self, bucket: Any, key: Any, version: Any) -> dict[str, Any]:
        code: dict[str, Any] = {"s3_bucket": self._value(bucket) if bucket is not None else None,
                                "s3_key": self._value(key) if key is not None else None,
                                "s3_version_id": self._value(version) if version is not None else None,
                                "bucket": None}
        target = self.resolver.logical_target(bucket) if bucket is not None else None
        if target is None:
            text = self.resolver.text(bucket)
            target = next((lid for lid, res in self.resources.items() if res.get("Type") == "AWS::S3::Bucket"
                           and text and self.resolver.text(res_props(res).get("BucketName")) == text), None)
        if target is not None and self.resolver.resource_type(target) == "AWS::S3::Bucket":
            code["bucket"] = self._bucket_facts(target)
        return code

    def _bucket_facts(self, lid: str) -> dict[str, Any]:
        props = res_props(self.resources[lid])
        status = self.resolver.text(as_props(props.get("VersioningConfiguration")).get("Status"))
        versioning = props.get("VersioningConfiguration")
        versioned = None if versioning is not None and status is None else status == "Enabled"
        kms: str | bool | None = False
        rules = as_list(as_props(props.get("BucketEncryption")).get("ServerSideEncryptionConfiguration"))
        for rule in rules:
            default = as_props(as_props(rule).get("ServerSideEncryptionByDefault"))
            algorithm = self.resolver.text(default.get("SSEAlgorithm"))
            if algorithm is None and default.get("SSEAlgorithm") is not None:
                kms = None
            elif algorithm in ("aws:kms", "aws:kms:dsse"):
                key = default.get("KMSMasterKeyID")
                text = self.resolver.text(key)
                kms = "aws/s3" if key is None or (text is not None and text.endswith("alias/aws/s3")) else "customer"
        return {"logical_id": lid, "line": self._res_line(lid), "versioned": versioned, "kms": kms, "policy": []}

    def _connector(self, node: Any) -> dict[str, Any]:
        connector: dict[str, Any] = {"arn": self._value(node), "logical_id": None, "line": None, "versioned": None,
                                     "compute_types": None, "compute_types_line": None, "subnet_ids": [],
                                     "security_group_ids": [], "availability_zones": None}
        refs = [r for r in self.resolver.refs(node) if r.get("type") in CONNECTOR_TYPES]
        text = self.resolver.text(node)
        if len(refs) == 1:
            ref = refs[0]
            connector["logical_id"] = ref["logical_id"]
            connector["versioned"] = ref.get("attribute") in ("LatestVersionArn",) if (
                isinstance(node, dict) and ("Ref" in node or "Fn::GetAtt" in node)) else None
            self._connector_facts(connector, ref["logical_id"])
        elif text is not None:
            connector["versioned"] = bool(_VERSIONED_CONNECTOR.search(text))
        return connector

    def _connector_facts(self, connector: dict[str, Any], lid: str) -> None:
        res = self.resources[lid]
        props = res_props(res)
        connector["line"] = self._res_line(lid)
        if res.get("Type") == "AWS::Serverless::NetworkConnector":
            vpc = as_props(props.get("VpcConfig"))
            types_container, types_key = props, "ComputeTypes"
            default_types: list[str] | None = ["MicroVm"]  # SAM's default (NetworkConnectorGenerator)
        else:
            vpc = as_props(as_props(props.get("Configuration")).get("VpcEgressConfiguration"))
            types_container, types_key = vpc, "AssociatedComputeResourceTypes"
            default_types = None  # required by CloudFormation: unknown when missing
        if types_key in types_container:
            types = self.resolver.value(types_container[types_key])
            connector["compute_types"] = [str(t) for t in types if isinstance(t, str)] \
                if isinstance(types, list) and all(isinstance(t, str) for t in types) else None
            if isinstance(types_container, LineDict):
                connector["compute_types_line"] = types_container.line_of(types_key)
        else:
            connector["compute_types"] = default_types
        subnets = vpc.get("SubnetIds")
        connector["subnet_ids"] = [self._value(s) for s in as_list(subnets)] \
            if isinstance(self.resolver.value(subnets), list) else ([self._value(subnets)] if subnets is not None else [])
        connector["security_group_ids"] = [self._value(s) for s in as_list(vpc.get("SecurityGroupIds"))] \
            if isinstance(self.resolver.value(vpc.get("SecurityGroupIds")), list) else []
        connector["availability_zones"] = self._subnet_azs(subnets)

    def _web_owner(self, lid: str, res: dict[str, Any], node: Any) -> tuple[Function, str, bool] | None:
        """The Web Function a revision or endpoint names, how it names it, and whether it waits for it."""
        if node is None:
            return None
        target = self.resolver.logical_target(node)
        fn: str | None = None
        reference = "name"
        if target is not None and self.resolver.resource_type(target) in WEB_FUNCTION_TYPES:
            fn, reference = target, "arn"  # Ref and GetAtt FunctionArn both give the ARN
        else:
            text = self.resolver.text(node)
            arn_name = WEB_ARN_NAME.search(text or short_text(node))
            for cand in self.docs.values():
                if cand.kind != "web" or cand.source.logical_id is None:
                    continue
                their = res_props(self.resources[cand.source.logical_id]).get("FunctionName")
                if their is None:
                    continue
                if arn_name and self.resolver.text(their) == arn_name.group(1):
                    fn, reference = cand.source.logical_id, "arn"
                elif _same_expression(self.resolver.text(node), self.resolver.text(their), node, their):
                    fn = cand.source.logical_id
                    reference = "literal" if isinstance(node, str) else "name"
                if fn is not None:
                    break
        if fn is None or fn not in self.docs:
            return None
        return self.docs[fn], reference, fn in self._dependencies(lid)

    def _dependencies(self, lid: str) -> set[str]:
        """Every resource ``lid`` waits for: DependsOn and references, transitively."""
        seen: set[str] = set()
        todo = [lid]
        while todo:
            current = todo.pop()
            res = self.resources.get(current)
            if not isinstance(res, dict):
                continue
            direct = {str(d) for d in as_list(res.get("DependsOn")) if isinstance(d, str)}
            direct |= {r["logical_id"] for r in self.resolver.refs(res.get("Properties"))
                       if r.get("type") != "Parameter"}
            for dep in direct - seen:
                seen.add(dep)
                todo.append(dep)
        return seen


def _same_expression(text: str | None, their_text: str | None, node: Any, their: Any) -> bool:
    if text is not None or their_text is not None:
        return text == their_text
    return json.dumps(node, sort_keys=True, default=str) == json.dumps(their, sort_keys=True, default=str)


def _auth(value: str | None) -> str | None:
    return value if value in ("ApplicationManaged", "IamAuth") else None
