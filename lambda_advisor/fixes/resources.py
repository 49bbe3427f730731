"""What several fixes add: a new SQS queue to catch failures, and the execution-role grant to send to it."""

from __future__ import annotations

from typing import Any

import yaml

from lambda_advisor.fixes import Document, FixContext
from lambda_advisor.fixes.edit import CannotFix, Tag, get_att, ref

#: The longest an SQS queue keeps a message (14 days): a failure queue keeps failures as long as it can.
MAX_RETENTION_S = 1_209_600


def add_queue(ctx: FixContext, wanted: str, *, fifo: bool = False, condition: str | None = None) -> str:
    """A new SQS queue keeping messages 14 days, under the condition of what it serves; returns its logical ID."""
    props: dict[str, Any] = {"MessageRetentionPeriod": MAX_RETENTION_S}
    if fifo:
        props["FifoQueue"] = True
    return ctx.template.add_resource(wanted, {"Type": "AWS::SQS::Queue", "Properties": props},
                                     condition=condition)


def sam_manages_role(ctx: FixContext, doc: Document | None = None) -> bool:
    """A SAM function without ``Role``: SAM writes its role, and adds what destinations and tracing need."""
    doc = doc if doc is not None else ctx.doc
    lid = str(doc["source"]["logical_id"])
    role = doc.get("role") or {}
    sam = (doc.get("extra") or {}).get("resource_type") == "AWS::Serverless::Function"
    return sam and role.get("logical_id") == f"{lid}Role" and ctx.template.resource(str(role["logical_id"])) is None


def role_in_template(ctx: FixContext, doc: Document) -> str | None:
    """The logical ID of the function's ``AWS::IAM::Role`` when this template defines it."""
    role_id = (doc.get("role") or {}).get("logical_id")
    if role_id and ctx.template.resource_type(str(role_id)) == "AWS::IAM::Role":
        return str(role_id)
    return None


def grant(ctx: FixContext, name: str, actions: list[str], resource: Any, doc: Document | None = None,
          *, sam_adds: bool = True) -> str | None:
    """Let the function's role do ``actions`` on ``resource``: an inline policy on a role in this template.

    Returns what was granted, None when SAM grants it itself; raises :class:`CannotFix` when the
    role is defined elsewhere (the fix would deploy but fail at run time). For a function with a
    ``Condition`` that its role does not share, the grant is a separate ``AWS::IAM::Policy`` under
    the function's condition (an inline policy naming a resource that may not exist would fail).
    """
    doc = doc if doc is not None else ctx.doc
    lid = str(doc["source"]["logical_id"])
    statement = {"Effect": "Allow", "Action": actions, "Resource": resource}
    if sam_manages_role(ctx, doc):
        if sam_adds:
            return None
        return _add_sam_policy(ctx, lid, statement)
    role_id = role_in_template(ctx, doc)
    if role_id is None:
        raise CannotFix(f"the execution role of {lid} is not defined in this template, so the fix cannot grant "
                        + ", ".join(actions))
    document = {"Version": "2012-10-17", "Statement": [statement]}
    condition = ctx.template.condition(lid)
    if condition is not None and ctx.template.condition(role_id) != condition:
        policy_id = ctx.template.add_resource(f"{lid}{name}", {
            "Type": "AWS::IAM::Policy",
            "Properties": {"PolicyName": f"{lid}{name}", "PolicyDocument": document, "Roles": [ref(role_id)]}},
            condition=condition)
        return f"{role_id} may {', '.join(actions)} (policy {policy_id}, condition {condition})"
    policy = {"PolicyName": f"{lid}{name}", "PolicyDocument": document}
    props = ctx.template.properties(role_id)
    if props is None:
        raise CannotFix(f"role {role_id} has no Properties")
    existing = ctx.template.get(props, "Policies")
    if existing is None:
        ctx.template.set(props, "Policies", [policy])
    else:
        ctx.template.append(existing, policy)
    return f"{role_id} may {', '.join(actions)}"


def _add_sam_policy(ctx: FixContext, lid: str, statement: dict[str, Any]) -> str:
    """A statement in the SAM function's ``Policies`` (what SAM does not add by itself, for its own role)."""
    props = ctx.template.properties(lid)
    existing = ctx.template.get(props, "Policies") if props is not None else None
    if existing is None:
        ctx.set_function_property(["Policies"], [{"Statement": [statement]}]) if lid == ctx.logical_id else \
            ctx.template.set_property(lid, ["Policies"], [{"Statement": [statement]}])
    elif isinstance(existing, yaml.SequenceNode) and existing.value:
        ctx.template.append(existing, {"Statement": [statement]})
    else:
        raise CannotFix(f"{lid}.Policies is written in a form this fix does not extend")
    return f"{lid}.Policies may {', '.join(statement['Action'])}"


def queue_arn(logical_id: str) -> Tag:
    return get_att(logical_id, "Arn")


def function_ref(ctx: FixContext) -> Tag:
    return ref(ctx.logical_id)
