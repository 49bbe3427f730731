"""Permissions and policies: who may invoke a function, and what its role may do.

Reads the execution role (inline, managed, SAM policy templates and the policies SAM adds),
``AWS::IAM::Policy`` attached through ``Roles``, and ``AWS::Lambda::Permission``; then
decides for each push source whether a permission lets its service invoke.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from lambda_advisor.model import Function, unresolved
from lambda_advisor.sources import sam as samlib
from lambda_advisor.sources.intrinsics import short_text
from lambda_advisor.sources.principals import INVOKERS, invoker
from lambda_advisor.sources.sam import as_list, list_lines
from lambda_advisor.sources.template.apis import apiv2_kind
from lambda_advisor.sources.template.base import as_props, res_props
from lambda_advisor.sources.template.events import EventParts
from lambda_advisor.sources.template.policy_documents import add_resource_policy
from lambda_advisor.sources.yaml_loader import LineDict

if TYPE_CHECKING:
    from lambda_advisor.sources.template.reader import TemplateReader

#: Service principal -> (event source type, invocation) for functions wired by a Permission.
PRINCIPALS = INVOKERS

#: Event source types one service principal stands for (EventBridge invokes both rules and schedules).
_FAMILY = {"schedule": "eventbridge", "http_api": "api", "websocket_api": "api"}


class PermissionParts(EventParts):
    def _role(self, doc: Function, props: dict[str, Any], is_sam_fn: bool) -> None:
        role: dict[str, Any] = {"arn": None, "logical_id": None, "statements": [], "managed_policies": [],
                                "complete": True}
        if "Role" in props:
            role = self.role_object(props["Role"])
            self._set(doc, "/role", props, "Role")
        elif is_sam_fn:
            role["arn"] = unresolved(f"!GetAtt {doc.source.logical_id}Role.Arn")
            role["logical_id"] = f"{doc.source.logical_id}Role"
            # As SAM does: a durable function's role gets the durable variant of the basic policy.
            self._managed(role, "AWSLambdaBasicDurableExecutionRolePolicy" if "DurableConfig" in props
                          else "AWSLambdaBasicExecutionRole")
            policies = props.get("Policies")
            plines = list_lines(policies, props.line_of("Policies") if isinstance(props, LineDict) else 0)
            for i, pol in enumerate(as_list(policies)):
                self._sam_policy(role, pol, plines[i])
            for ev in as_props(props.get("Events")).values():
                etype = str(as_props(ev).get("Type"))
                if etype == "SNS" and self.sqs_subscription(as_props(as_props(ev).get("Properties"))):
                    etype = "SQS"  # SAM puts a queue between topic and function, and polls it
                implicit = samlib.IMPLICIT_EVENT_POLICIES.get(etype)
                if implicit:
                    self._managed(role, implicit)
            if "VpcConfig" in props:
                self._managed(role, "AWSLambdaVPCAccessExecutionRole")
            if props.get("Tracing") and self.resolver.text(props.get("Tracing")) != "Disabled":
                self._managed(role, "AWSXrayWriteOnlyAccess")  # as SAM does for any Tracing but Disabled
        else:
            role["complete"] = False
        doc.role = role

    def role_object(self, raw: Any) -> dict[str, Any]:
        """The execution role an ARN expression names, with the policies the template gives it."""
        role: dict[str, Any] = {"arn": self._value(raw), "logical_id": None, "statements": [],
                                "managed_policies": [], "complete": True}
        target = self.resolver.logical_target(raw)
        if target and self.resolver.resource_type(target) == "AWS::IAM::Role":
            role["logical_id"] = target
            rprops = res_props(self.resources[target])
            for pol in as_list(rprops.get("Policies")):
                name = as_props(pol).get("PolicyName")  # `!Sub x-${AWS::StackName}` is named as written
                self._statements(role, as_props(pol).get("PolicyDocument"),
                                 f"inline policy {self.resolver.text(name) or short_text(name)}")
            for arn in as_list(rprops.get("ManagedPolicyArns")):
                self._managed(role, arn)
        else:
            role["complete"] = False
        return role

    def roles(self) -> list[dict[str, Any]]:
        """Every execution role object of the template's functions, Web Function revisions included."""
        found = [doc.role for doc in self.docs.values() if doc.role is not None]
        for doc in self.docs.values():
            found += [rev["role"] for rev in doc.revisions or [] if rev.get("role") is not None]
        return found

    def _managed(self, role: dict[str, Any], raw: Any) -> None:
        value = self._value(raw) if not isinstance(raw, str) else raw
        if value is None:
            return
        target = self.resolver.logical_target(raw) if not isinstance(raw, str) else None
        if target and self.resolver.resource_type(target) == "AWS::IAM::ManagedPolicy":
            role["managed_policies"].append(value)
            self._statements(role, res_props(self.resources[target]).get("PolicyDocument"),
                             f"AWS::IAM::ManagedPolicy {target}")
            return
        name = samlib.managed_policy_name(value)
        arn = value if not name or (isinstance(value, str) and value.startswith("arn:")) else \
            f"arn:aws:iam::aws:policy/{name}"
        role["managed_policies"].append(arn)
        known = samlib.KNOWN_MANAGED_POLICIES.get(name or "")
        if known is None:
            role["complete"] = False
            role.setdefault("unread", []).append(f"managed policy {name or short_text(raw)}")
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
                role.setdefault("unread", []).append(f"SAM {name}")
                continue
            actions, patterns = template
            resources: list[Any] = []
            for pattern in patterns:
                resources.append(self._template_resource(pattern, as_props(params)))
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
        stmts = as_props(document).get("Statement")
        lines = list_lines(stmts, 0)
        for i, st in enumerate(as_list(stmts)):
            if not isinstance(st, dict):
                continue
            entry: dict[str, Any] = {
                "sid": self.resolver.text(st.get("Sid")),
                "effect": "Deny" if self.resolver.text(st.get("Effect")) == "Deny" else "Allow",
                "actions": _present(self._value(a) for a in as_list(st.get("Action"))),
                "resources": _present(self._value(r) for r in as_list(st.get("Resource"))),
                "origin": origin,
                "line": st.line if isinstance(st, LineDict) else (lines[i] or None),
            }
            if "NotAction" in st:
                entry["not_actions"] = _present(self._value(a) for a in as_list(st.get("NotAction")))
            if "Condition" in st:
                conditions = self.resolver.value(st["Condition"])
                entry["conditions"] = conditions if isinstance(conditions, dict) else \
                    unresolved(short_text(st["Condition"]), self.resolver.refs(st["Condition"]))
            role["statements"].append(entry)

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



def _link_resource_policy(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    """``AWS::Lambda::ResourcePolicy`` on an Event Function, one of its versions or aliases: its statements
    join the function's resource policy as ``AWS::Lambda::Permission`` statements do (Web Functions' are
    read with the Web Function)."""
    node = props.get("ResourceArn")
    fn = r.function_for(node)
    if fn not in r.docs or r.docs[fn].kind != "event":
        return
    add_resource_policy(r, r.docs[fn], lid, props, qualifier=r.qualifier_for(node))


def _link_permission(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    fn = r.function_for(props.get("FunctionName"))
    if fn in r.docs:
        add_permission(r, fn, props, lid, r._res_line(lid), f"AWS::Lambda::Permission {lid}")


def add_permission(r: TemplateReader, fn: str, props: dict[str, Any], sid: str, line: int, origin: str) -> None:
    """One resource-policy statement from ``AWS::Lambda::Permission``-shaped properties (or what SAM makes)."""
    doc = r.docs[fn]
    principal = r._value(props.get("Principal"))
    statement: dict[str, Any] = {
        "sid": sid, "effect": "Allow", "actions": _present([r._value(props.get("Action"))]),
        "resources": _present([r._value(props.get("FunctionName"))]), "principal": principal,
        "source_arn": r._value(props["SourceArn"]) if "SourceArn" in props else False,
        "source_account": r._value(props["SourceAccount"]) if "SourceAccount" in props else False,
        "origin": origin, "line": line,
        "qualifier": r.qualifier_for(props.get("FunctionName")),
    }
    if "InvokedViaFunctionUrl" in props:
        statement["invoked_via_function_url"] = r._bool(props.get("InvokedViaFunctionUrl"))
    if "FunctionUrlAuthType" in props:
        statement["function_url_auth_type"] = r.resolver.text(props.get("FunctionUrlAuthType"))
        statement["conditions"] = {"StringEquals": {"lambda:FunctionUrlAuthType": r._value(props["FunctionUrlAuthType"])}}
    if "PrincipalOrgID" in props:
        statement["conditions"] = {"StringEquals": {"aws:PrincipalOrgID": r._value(props["PrincipalOrgID"])}}
    assert doc.resource_policy is not None
    doc.resource_policy.append(statement)
    doc.lines[f"/resource_policy/{len(doc.resource_policy) - 1}"] = line
    source = props.get("SourceArn")
    kind = invoker_kind(r, service_principal(principal), source)
    if kind is None:
        return
    entry = r._event_source(kind[0], kind[1], sid, source, line)
    entry["has_permission"] = True
    # A permission says the service may invoke; when a bucket or rule also wires it, that one counts.
    r.permission_sources.append((fn, entry, line))


def invoker_kind(r: TemplateReader, principal: str, source: Any) -> tuple[str, str] | None:
    """(event source type, invocation) of what a service principal's permission lets invoke.

    One principal can stand for sources that invoke differently: ``iot.amazonaws.com`` is an IoT rule
    (asynchronous) or an IoT custom authorizer (synchronous: the connection waits for its answer).
    """
    if source is None:
        return invoker(principal)
    target = r.resolver.logical_target(source)
    rtype = r.resolver.resource_type(target) if target else None
    text = short_text(source) if r.resolver.text(source) is None else str(r.resolver.text(source))
    if rtype == "AWS::IoT::Authorizer":
        text = f"{text} (:authorizer/)"  # an authorizer of this template: its ARN is ...:authorizer/<name>
    kind = invoker(principal, text)
    if kind is None:
        return None
    if kind[0] == "api" and rtype in ("AWS::ApiGatewayV2::Api", "AWS::Serverless::WebSocketApi"):
        return (apiv2_kind(r, {"Ref": target}), "sync")
    return kind


def service_principal(principal: Any) -> str:
    """``logs.${AWS::Region}.amazonaws.com`` and ``logs.eu-west-1.amazonaws.com`` → ``logs.amazonaws.com``."""
    text = principal.get("unresolved", "") if isinstance(principal, dict) else str(principal)
    text = text.removeprefix("!Sub ").replace("${AWS::URLSuffix}", "amazonaws.com")
    text = re.sub(r"\.(\$\{AWS::Region\}|[a-z]{2}(-gov)?-[a-z]+-\d)\.", ".", text)
    return text


def _link_role_policy(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    """AWS::IAM::Policy / ManagedPolicy attached through ``Roles``."""
    roles = {r.resolver.logical_target(x) for x in as_list(props.get("Roles"))}
    for role in r.roles():
        if role.get("logical_id") not in roles:
            continue
        if res["Type"] == "AWS::IAM::ManagedPolicy" and any(
                isinstance(m, dict) and r.resolver.logical_target(m) == lid for m in role["managed_policies"]):
            continue  # already read through ManagedPolicyArns
        r._statements(role, props.get("PolicyDocument"), f"{res['Type']} {lid}")



LINKERS: dict[str, Callable[[TemplateReader, str, dict[str, Any], dict[str, Any]], None]] = {
    "AWS::Lambda::Permission": _link_permission,
    "AWS::Lambda::ResourcePolicy": _link_resource_policy,
    "AWS::IAM::Policy": _link_role_policy,
    "AWS::IAM::ManagedPolicy": _link_role_policy,
}


def _present(values: Iterable[Any]) -> list[Any]:
    """The values a statement lists, without the ones left empty (``Action: null`` is no action)."""
    return [v for v in values if v is not None]
