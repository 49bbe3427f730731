"""Does each function's execution role grant what its configuration makes Lambda do on its behalf?

Some settings are only accepted, or only work, when the execution role may act:
Lambda refuses active tracing when the role cannot write to X-Ray, and sends an
asynchronous or stream failure record to a queue or topic with the role's rights
(AWS Lambda Developer Guide: "Visualize Lambda function invocations using AWS
X-Ray" — the function needs AWSXRayDaemonWriteAccess or the two write actions;
"Capturing records of Lambda asynchronous invocations" and the event source
mapping pages — ``sqs:SendMessage`` for a queue, ``sns:Publish`` for a topic).

:func:`needs` lists those requirements for every function of a template;
:func:`unmet` says which ones the role does not grant, or cannot be known to
grant (a role from another stack, a policy written with intrinsics this module
does not evaluate). The fix stage refuses an edit that adds an unmet
requirement; the test suite runs the same check over every fixed template.

Roles are read from the template: ``AWS::IAM::Role`` inline policies and
managed policy ARNs (the AWS managed policies below, by their published
documents), ``AWS::IAM::Policy``/``ManagedPolicy`` resources attached to the role,
and for a SAM function without ``Role`` the role SAM generates: its ``Policies``
(statements, managed policies, the policy templates below), what SAM adds for
``Tracing``, ``DeadLetterQueue``, ``EventInvokeConfig`` destinations and stream
event destinations, and ``AWS::Serverless::Connector`` resources.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from typing import Any

Template = dict[str, Any]

XRAY_WRITE = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
_XRAY_SAMPLING = ("xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:GetSamplingStatisticSummaries")
_SAM_FUNCTION = "AWS::Serverless::Function"
_FUNCTION_TYPES = ("AWS::Lambda::Function", _SAM_FUNCTION)

#: Actions of the AWS managed policies a template names most, from their published documents
#: (AWS Managed Policy Reference). "*" is every action.
MANAGED_POLICIES: dict[str, tuple[str, ...]] = {
    "AWSXRayDaemonWriteAccess": (*XRAY_WRITE, *_XRAY_SAMPLING),
    "AWSXrayWriteOnlyAccess": (*XRAY_WRITE, *_XRAY_SAMPLING),
    "AWSXrayFullAccess": ("xray:*",),
    "AdministratorAccess": ("*",),
    "AmazonSQSFullAccess": ("sqs:*",),
    "AmazonSNSFullAccess": ("sns:*",),
    "AWSLambdaSQSQueueExecutionRole": (),  # receive and delete only
    "AWSLambdaBasicExecutionRole": (),
}

#: SAM policy templates that grant sending to one queue or topic: template -> (action, parameter naming it).
SAM_POLICY_TEMPLATES: dict[str, tuple[str, str]] = {
    "SQSSendMessagePolicy": ("sqs:SendMessage", "QueueName"),
    "SQSPollerPolicy": ("", ""),
    "SNSPublishMessagePolicy": ("sns:Publish", "TopicName"),
    "SNSCrudPolicy": ("sns:Publish", "TopicName"),
}


@dataclass(frozen=True)
class Need:
    """One thing a function's role must be allowed to do."""

    function: str  # logical ID
    action: str
    resource: str  # logical ID of a queue or topic in the template, "*", or the ARN text as written
    why: str  # what configuration asks for it (Tracing: Active, the on-failure queue …)


def needs(template: Template) -> set[Need]:
    """Every requirement the functions of ``template`` place on their roles."""
    resources = _resources(template)
    glob = ((template.get("Globals") or {}).get("Function") or {}) if isinstance(template.get("Globals"), dict) else {}
    out: set[Need] = set()
    for lid, res in resources.items():
        kind = res.get("Type")
        props = _mapping(res.get("Properties"))
        if kind in _FUNCTION_TYPES:
            sam = kind == _SAM_FUNCTION
            merged = {**(glob if sam and isinstance(glob, dict) else {}), **props}
            tracing = merged.get("Tracing") if sam else (merged.get("TracingConfig") or {}).get("Mode") \
                if isinstance(merged.get("TracingConfig"), dict) else None
            if tracing == "Active":
                out.update(Need(lid, a, "*", "active tracing") for a in XRAY_WRITE)
            dlq = merged.get("DeadLetterQueue") if sam else merged.get("DeadLetterConfig")
            if isinstance(dlq, dict):
                target = dlq.get("TargetArn")
                out.update(_send(lid, target, "the dead-letter queue", dlq.get("Type"), resources))
            if sam:
                eic = merged.get("EventInvokeConfig")
                dest = eic.get("DestinationConfig") if isinstance(eic, dict) else None
                for side in ("OnFailure", "OnSuccess"):
                    d = dest.get(side) if isinstance(dest, dict) else None
                    if isinstance(d, dict):
                        out.update(_send(lid, d.get("Destination"), f"the {side} destination", d.get("Type"), resources))
                events = _mapping(props.get("Events"))
                for name, event in events.items():
                    if isinstance(event, dict) and isinstance(event.get("Properties"), dict):
                        out.update(_mapping_needs(lid, event["Properties"], f"event {name}", resources))
        elif kind == "AWS::Lambda::EventInvokeConfig":
            fn = _function_of(props.get("FunctionName"), resources)
            dest = props.get("DestinationConfig")
            for side in ("OnFailure", "OnSuccess"):
                d = dest.get(side) if isinstance(dest, dict) else None
                if fn and isinstance(d, dict):
                    out.update(_send(fn, d.get("Destination"), f"the {side} destination of {lid}", None, resources))
        elif kind == "AWS::Lambda::EventSourceMapping":
            fn = _function_of(props.get("FunctionName"), resources)
            if fn:
                out.update(_mapping_needs(fn, props, lid, resources))
    return out


def unmet(template: Template, wanted: set[Need] | list[Need]) -> list[tuple[Need, str]]:
    """The requirements the roles do not grant, each with why (not granted, or cannot be known)."""
    resources = _resources(template)
    out: list[tuple[Need, str]] = []
    cache: dict[str, tuple[list[dict[str, Any]], str | None]] = {}
    for need in sorted(wanted, key=lambda n: (n.function, n.action, n.resource)):
        if need.function not in cache:
            cache[need.function] = _grants(template, resources, need.function)
        statements, unknown = cache[need.function]
        if any(_allows(st, need, resources) for st in statements):
            continue
        if unknown:
            out.append((need, f"{need.function} needs {need.action} for {need.why}, and {unknown}"))
        else:
            out.append((need, f"the execution role of {need.function} is not allowed {need.action} on "
                              f"{need.resource} ({need.why})"))
    return out


def new_unmet(before: Template | None, after: Template) -> list[tuple[Need, str]]:
    """Requirements ``after`` adds over ``before`` that its roles do not grant."""
    added = needs(after) - (needs(before) if before is not None else set())
    return unmet(after, added) if added else []


# -- requirements -------------------------------------------------------------------------------

_KINDS = {"AWS::SQS::Queue": "SQS", "AWS::SNS::Topic": "SNS"}


def _send(function: str, target: Any, why: str, kind: Any, resources: dict[str, dict[str, Any]] | None = None
          ) -> list[Need]:
    """``sqs:SendMessage`` or ``sns:Publish`` on a destination, by its declared type, the resource it
    names or its ARN."""
    name, service = _target(target)
    kind = str(kind or _KINDS.get(str((resources or {}).get(name, {}).get("Type")), "")).upper()
    if kind == "SQS" or service == "sqs":
        return [Need(function, "sqs:SendMessage", name, why)]
    if kind == "SNS" or service == "sns":
        return [Need(function, "sns:Publish", name, why)]
    return []


def _mapping_needs(function: str, props: dict[str, Any], where: str,
                   resources: dict[str, dict[str, Any]]) -> list[Need]:
    dest = props.get("DestinationConfig")
    failure = dest.get("OnFailure") if isinstance(dest, dict) else None
    if not isinstance(failure, dict):
        return []
    return _send(function, failure.get("Destination"), f"the on-failure destination of {where}",
                 failure.get("Type"), resources)


def _target(value: Any) -> tuple[str, str | None]:
    """(queue/topic logical ID or ARN text, service or None) of a destination value."""
    if isinstance(value, dict):
        if "Fn::GetAtt" in value:
            att = value["Fn::GetAtt"]
            parts = att.split(".", 1) if isinstance(att, str) else list(att)
            return str(parts[0]), None
        if "Ref" in value:
            return str(value["Ref"]), None
        return repr(value), None
    text = str(value)
    parts = text.split(":")
    return text, parts[2] if len(parts) > 2 and parts[0] == "arn" else None


# -- grants -------------------------------------------------------------------------------------

def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _resources(template: Template) -> dict[str, dict[str, Any]]:
    res = template.get("Resources")
    return {k: v for k, v in res.items() if isinstance(v, dict)} if isinstance(res, dict) else {}


def _function_of(value: Any, resources: dict[str, dict[str, Any]]) -> str | None:
    name, _ = _target(value)
    return name if resources.get(name, {}).get("Type") in _FUNCTION_TYPES else None


def _grants(template: Template, resources: dict[str, dict[str, Any]], function: str) -> tuple[list[dict[str, Any]], str | None]:
    """(Allow statements of the function's role, why they may be incomplete or None)."""
    res = resources.get(function, {})
    props = _mapping(res.get("Properties"))
    glob = (template.get("Globals") or {}).get("Function") if isinstance(template.get("Globals"), dict) else None
    sam = res.get("Type") == _SAM_FUNCTION
    role = props.get("Role", (glob or {}).get("Role") if sam and isinstance(glob, dict) else None)
    if role is None and sam:
        return _sam_role(template, resources, function, props, glob if isinstance(glob, dict) else {}), None
    name, _ = _target(role)
    if resources.get(name, {}).get("Type") != "AWS::IAM::Role":
        return [], "its execution role is defined outside this template, so the fix cannot know or grant it"
    return _role_statements(resources, name)


def _role_statements(resources: dict[str, dict[str, Any]], role: str) -> tuple[list[dict[str, Any]], str | None]:
    props = resources[role].get("Properties") or {}
    out: list[dict[str, Any]] = []
    for policy in props.get("Policies") or [] if isinstance(props.get("Policies"), list) else []:
        if isinstance(policy, dict):
            out += _statements(policy.get("PolicyDocument"))
    for arn in props.get("ManagedPolicyArns") or [] if isinstance(props.get("ManagedPolicyArns"), list) else []:
        out += _managed(arn, resources)
    for res in resources.values():
        if res.get("Type") in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy"):
            p = res.get("Properties") or {}
            roles = p.get("Roles")
            named = roles if isinstance(roles, list) else [p.get("RoleName")]
            if any(_target(r)[0] == role for r in named if r is not None):
                out += _statements(p.get("PolicyDocument"))
    return out, None


def _sam_role(template: Template, resources: dict[str, dict[str, Any]], function: str,
              props: dict[str, Any], glob: dict[str, Any]) -> list[dict[str, Any]]:
    """What the role SAM generates for a function may do (SAM adds the rights its own settings need)."""
    merged = {**glob, **props}
    out: list[dict[str, Any]] = []
    if merged.get("Tracing") == "Active":
        out.append(_allow(list(XRAY_WRITE), "*"))
    dlq = merged.get("DeadLetterQueue")
    if isinstance(dlq, dict):
        out += [_allow([n.action], n.resource) for n in _send(function, dlq.get("TargetArn"), "", dlq.get("Type"))]
    eic = merged.get("EventInvokeConfig")
    dest = eic.get("DestinationConfig") if isinstance(eic, dict) else None
    for side in ("OnFailure", "OnSuccess"):
        d = dest.get(side) if isinstance(dest, dict) else None
        if isinstance(d, dict) and d.get("Type") in ("SQS", "SNS"):
            out += [_allow([n.action], n.resource) for n in _send(function, d.get("Destination"), "", d.get("Type"))]
    events = _mapping(props.get("Events"))
    for event in events.values():
        p = event.get("Properties") if isinstance(event, dict) else None
        failure = ((p or {}).get("DestinationConfig") or {}).get("OnFailure") if isinstance(p, dict) else None
        if isinstance(failure, dict) and failure.get("Type") in ("SQS", "SNS"):
            out += [_allow([n.action], n.resource)
                    for n in _send(function, failure.get("Destination"), "", failure.get("Type"))]
    policies = merged.get("Policies")
    for policy in policies if isinstance(policies, list) else [policies] if policies is not None else []:
        if isinstance(policy, str):
            out += _managed(policy, resources)
        elif isinstance(policy, dict) and "Statement" in policy:
            out += _statements(policy)
        elif isinstance(policy, dict) and len(policy) == 1:
            (name, args), = policy.items()
            action, param = SAM_POLICY_TEMPLATES.get(str(name), ("", ""))
            if action and isinstance(args, dict):
                target = args.get(param)
                ref = _target(target)[0] if isinstance(target, dict) else None
                out.append(_allow([action], _template_resource(ref, resources) if ref else "?"))
            elif isinstance(name, str) and name not in SAM_POLICY_TEMPLATES and not name.startswith("Fn::"):
                pass  # another policy template: none of them grants X-Ray writes or sending to a new queue
    for res in resources.values():
        if res.get("Type") != "AWS::Serverless::Connector":
            continue
        p = res.get("Properties") or {}
        source = p.get("Source") or {}
        if not (isinstance(source, dict) and source.get("Id") == function):
            continue
        perms = p.get("Permissions") or []
        dests = p.get("Destination")
        for dest in dests if isinstance(dests, list) else [dests]:
            if isinstance(dest, dict) and "Write" in perms and isinstance(dest.get("Id"), str):
                kind = (resources.get(dest["Id"]) or {}).get("Type")
                writes = {"AWS::SQS::Queue": "sqs:SendMessage", "AWS::SNS::Topic": "sns:Publish"}.get(str(kind))
                if writes:
                    out.append(_allow([writes], dest["Id"]))
    return out


def _template_resource(ref: str, resources: dict[str, dict[str, Any]]) -> str:
    """A policy template names a queue by ``!GetAtt Q.QueueName`` or a topic by ``!GetAtt T.TopicName``."""
    return ref if ref in resources else "?"


def _allow(actions: list[str], resource: str) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": actions, "Resource": resource}


def _statements(document: Any) -> list[dict[str, Any]]:
    if not isinstance(document, dict):
        return []
    st = document.get("Statement")
    return [s for s in (st if isinstance(st, list) else [st]) if isinstance(s, dict)]


def _managed(arn: Any, resources: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    if isinstance(arn, dict):
        name, _ = _target(arn)
        if resources.get(name, {}).get("Type") == "AWS::IAM::ManagedPolicy":
            return _statements((resources[name].get("Properties") or {}).get("PolicyDocument"))
        text = str(arn.get("Fn::Sub", "")) if "Fn::Sub" in arn else ""
    else:
        text = str(arn)
    short = text.rsplit("/", 1)[-1]
    return [_allow(list(MANAGED_POLICIES[short]), "*")] if MANAGED_POLICIES.get(short) else []


def _allows(statement: dict[str, Any], need: Need, resources: dict[str, dict[str, Any]]) -> bool:
    if statement.get("Effect") != "Allow" or "NotAction" in statement:
        return False
    actions = statement.get("Action")
    actions = actions if isinstance(actions, list) else [actions]
    if not any(isinstance(a, str) and fnmatch.fnmatchcase(need.action.lower(), a.lower()) for a in actions):
        return False
    granted = statement.get("Resource")
    for res in granted if isinstance(granted, list) else [granted]:
        if res == "*" or res == need.resource:  # SAM's own grants name the resource by logical ID
            return True
        if isinstance(res, dict):
            if need.resource in resources and _target(res)[0] == need.resource:
                return True
            sub = res.get("Fn::Sub")
            text = sub if isinstance(sub, str) else sub[0] if isinstance(sub, list) and sub else None
            if isinstance(text, str) and ((need.resource in resources and f"${{{need.resource}.Arn}}" in text)
                                          or _service_wide(text, need.action)):
                return True
        elif isinstance(res, str) and need.resource not in resources and need.resource != "*" and \
                fnmatch.fnmatchcase(need.resource, res):
            return True
    return False


def _service_wide(text: str, action: str) -> bool:
    """``arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:*``: every queue of the account."""
    parts = text.split(":")
    return len(parts) >= 6 and parts[2] == action.split(":")[0] and parts[-1] == "*"
