"""The CloudFormation shapes Terraform resources are translated into: the template being built, the
properties of one resource with the line of each value, and how a Terraform value becomes a node.

Values known only after ``apply`` become ``Fn::GetAtt``/``Ref`` of the resource they come from,
never a made-up string; every property keeps the line it was written on (encoded per file, see
:data:`.project.STRIDE`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lambda_advisor.sources.terraform.evaluate import Body, Value
from lambda_advisor.sources.terraform.project import Project
from lambda_advisor.sources.terraform.values import (
    Attr,
    JsonString,
    JsonText,
    Partial,
    RefText,
    Unknown,
    VarRef,
    decode_partial,
)
from lambda_advisor.sources.yaml_loader import LineDict, LineList

#: The attribute name that a ``Ref`` gives in CloudFormation, per resource type (else the ARN-ish attribute).
_REF_ATTRIBUTES = {"id", "name", "function_name", "bucket", "url", "queue_url"}


#: Terraform attributes whose CloudFormation attribute has another name (database endpoints).
_ATTRIBUTES = {
    ("AWS::RDS::DBInstance", "address"): "Endpoint.Address", ("AWS::RDS::DBInstance", "endpoint"): "Endpoint.Address",
    ("AWS::RDS::DBInstance", "port"): "Endpoint.Port",
    ("AWS::RDS::DBCluster", "endpoint"): "Endpoint.Address", ("AWS::RDS::DBCluster", "port"): "Endpoint.Port",
    ("AWS::RDS::DBCluster", "reader_endpoint"): "ReadEndpoint.Address",
    ("AWS::RDS::DBProxy", "endpoint"): "Endpoint",
    ("AWS::DynamoDB::Table", "stream_arn"): "StreamArn",
}


#: Attributes that are an ARN for types whose ``Ref`` is the ARN (SNS topics).
_ARN_IS_REF = {"AWS::SNS::Topic", "AWS::IAM::ManagedPolicy"}


class Translation:
    """The CloudFormation-shaped template of one Terraform project."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.resources = LineDict()
        self.parameters = LineDict()
        self.types: dict[str, str] = {}  # address -> CloudFormation type
        self._later: list[Callable[[], None]] = []

    # -- building -------------------------------------------------------------------------------

    def finish(self) -> dict[str, Any]:
        """Apply what waited for every resource to be translated, and the template."""
        for step in self._later:
            step()
        template = LineDict({"Resources": self.resources})
        template.key_lines["Resources"] = 1
        if self.parameters:
            template["Parameters"] = self.parameters
        return template

    def later(self, step: Callable[[], None]) -> None:
        self._later.append(step)

    def add(self, address: str, cfn_type: str, body: Body, props: LineDict, block: Any,
            metadata: dict[str, Any] | None = None) -> LineDict:
        res = LineDict({"Type": cfn_type, "Properties": props})
        res.line = body.line
        res.key_lines = {"Type": body.line, "Properties": body.line}
        meta = LineDict(metadata or {})
        ignores = self._suppressions(block)
        if ignores:
            meta["lambda-advisor"] = {"ignore": ignores}
        if meta:
            res["Metadata"] = meta
        self.resources[address] = res
        self.resources.key_lines[address] = body.line
        self.types[address] = cfn_type
        return res

    def _suppressions(self, block: Any) -> list[Any]:
        """``# lambda-advisor: ignore LA205 reason`` on the block's lines, or the line above it."""
        from lambda_advisor.sources.terraform.suppress import suppressions_in

        return suppressions_in(self.project.comments.get(block.file, []), block.line - 1, block.end_line)

    # -- values ---------------------------------------------------------------------------------

    def node(self, value: Any, line: int, depth: int = 0) -> Any:
        """A Terraform value as a CloudFormation node: literals stay, unknowns become intrinsics."""
        if depth > 60:
            return {"Fn::Terraform": "…"}
        d = depth + 1
        if isinstance(value, Attr):
            return self._attr(value)
        if isinstance(value, RefText) and value.address in self.types:
            return self._attr(Attr(value, address=value.address, attribute=value.attribute))
        if isinstance(value, VarRef):
            name = f"var.{value.name}"
            if name not in self.parameters:
                param = LineDict({"Type": "String"})
                if value.sensitive:
                    param["NoEcho"] = "true"
                self.parameters[name] = param
                self.parameters.key_lines[name] = line
            return {"Ref": name}
        if isinstance(value, Unknown):
            inner = [self._attr(Attr(r[1], address=r[1], attribute=r[2])) for r in value.refs if r[0] == "attr"]
            return {"Fn::Terraform": [value.text, *inner] if inner else value.text}
        if isinstance(value, Partial):
            return {"Fn::Join": ["", [self.node(p, line, d) if not isinstance(p, str) else p for p in value.parts]]}
        if isinstance(value, JsonText):
            return self.node(value.value, line, d)
        if isinstance(value, LineDict):
            out = LineDict()
            out.line = value.line
            for k, v in value.items():
                out[k] = self.node(v, value.line_of(k), d)
                out.key_lines[k] = value.line_of(k)
            return out
        if isinstance(value, dict):
            out = LineDict()
            out.line = line
            for k, v in value.items():
                out[str(k)] = self.node(v, line, d)
                out.key_lines[str(k)] = line
            return out
        if isinstance(value, LineList):
            lst = LineList(self.node(v, value.line_of(i), d) for i, v in enumerate(value))
            lst.line = value.line
            lst.item_lines = list(value.item_lines)
            return lst
        if isinstance(value, list):
            lst = LineList(self.node(v, line, d) for v in value)
            lst.line = line
            lst.item_lines = [line] * len(value)
            return lst
        if hasattr(value, "address") or hasattr(value, "child"):
            return {"Fn::Terraform": "a resource or module object"}
        return value

    def _attr(self, value: Attr) -> Any:
        address, attribute = value.address, value.attribute
        cfn_type = self.types.get(address)
        if cfn_type is None:
            return {"Fn::Terraform": value.text}
        if attribute == "invoke_arn" and cfn_type == "AWS::Lambda::Function":
            return {"Fn::Join": ["", ["arn:aws:apigateway:", {"Ref": "AWS::Region"},
                                      ":lambda:path/2015-03-31/functions/", {"Fn::GetAtt": [address, "Arn"]},
                                      "/invocations"]]}
        named = _ATTRIBUTES.get((cfn_type, attribute))
        if named is not None:
            return {"Fn::GetAtt": [address, named]}
        if attribute in _REF_ATTRIBUTES or (cfn_type in _ARN_IS_REF and attribute == "arn"):
            return {"Ref": address}
        return {"Fn::GetAtt": [address, _camel(attribute)]}

    def policy(self, value: Any, line: int) -> Any:
        """A policy argument (a JSON string, ``jsonencode(...)``, a heredoc, a policy document's ``json``)."""
        if isinstance(value, JsonString):
            value = value.value
        elif isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                return {"Fn::Terraform": "a policy that is not JSON"}
        elif isinstance(value, Partial):
            try:
                value = decode_partial(value)
            except Exception:  # not JSON even with its unknown pieces set aside
                return self.node(value, line)
        elif isinstance(value, JsonText):
            value = value.value
        return self.node(value, line)


class Props:
    """Builds one resource's ``Properties`` with the line of each value."""

    def __init__(self, t: Translation, body: Body) -> None:
        self.t = t
        self.body = body
        self.out = LineDict()
        self.out.line = body.line

    def set(self, key: str, value: Any, line: int | None = None, origin: str | None = None) -> None:
        self.out[key] = value
        self.out.key_lines[key] = line or self.body.line
        if origin:
            origins = getattr(self.out, "origins", None)
            if origins is None:
                from lambda_advisor.sources.terraform.suppress import OriginDict

                fresh = OriginDict(self.out)
                fresh.line, fresh.key_lines = self.out.line, self.out.key_lines
                self.out = fresh
                origins = fresh.origins
            origins[key] = origin
            self.out.inherited.add(key)  # type: ignore[attr-defined]

    def attr(self, key: str, name: str, *, skip: tuple[Any, ...] = (), policy: bool = False,
             body: Body | None = None, convert: Callable[[Any], Any] | None = None) -> None:
        src = body or self.body
        found: Value | None = src.attrs.get(name)
        if found is None or found.value is None or found.value in skip:
            return
        value = convert(found.value) if convert else found.value
        node = self.t.policy(value, found.line) if policy else self.t.node(value, found.line)
        self.set(key, node, found.line, found.origin)

    def block(self, key: str, kind: str, fields: dict[str, str], *, body: Body | None = None) -> LineDict | None:
        """A nested block as a CloudFormation object (``environment { variables }`` -> ``Environment.Variables``)."""
        inner = (body or self.body).first(kind)
        if inner is None:
            return None
        sub = Props(self.t, inner)
        for cfn_key, tf_name in fields.items():
            sub.attr(cfn_key, tf_name)
        self.set(key, sub.out, inner.line)
        return sub.out


def _camel(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in name.split("_")) if name != "arn" else "Arn"


def tags_of(t: Translation, body: Body) -> Any:
    found = body.attrs.get("tags")
    if found is None or not isinstance(found.value, dict):
        return None
    out = LineList()
    out.line = found.line
    for k, v in found.value.items():
        line = found.value.line_of(k) if isinstance(found.value, LineDict) else found.line
        out.append(LineDict({"Key": k, "Value": t.node(v, line)}))
        out.item_lines.append(line)
    return out


def target_of(t: Translation, value: Any) -> str | None:
    """The translated resource a Terraform value names (``aws_sqs_queue.jobs.id``)."""
    if isinstance(value, Attr | RefText) and value.address in t.resources:
        return value.address
    if isinstance(value, Unknown):
        for ref in value.refs:
            if ref[0] == "attr" and ref[1] in t.resources:
                return str(ref[1])
    if isinstance(value, str):
        for address, res in t.resources.items():
            props = res.get("Properties")
            if isinstance(props, dict) and value in (props.get("QueueName"), props.get("BucketName"),
                                                     props.get("Name"), props.get("RoleName"),
                                                     props.get("FunctionName")):
                return str(address)
    return None
