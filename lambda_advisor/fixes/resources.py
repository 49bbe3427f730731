"""What several fixes add: a new SQS queue to catch failures, and the execution-role grant to send to it."""

from __future__ import annotations

from typing import Any

from lambda_advisor.fixes import FixContext
from lambda_advisor.fixes.edit import CannotFix, Tag, get_att, ref

#: The longest an SQS queue keeps a message (14 days): a failure queue keeps failures as long as it can.
MAX_RETENTION_S = 1_209_600


def add_queue(ctx: FixContext, wanted: str, *, fifo: bool = False) -> str:
    """A new SQS queue keeping messages 14 days; returns its logical ID."""
    props: dict[str, Any] = {"MessageRetentionPeriod": MAX_RETENTION_S}
    if fifo:
        props["FifoQueue"] = True
    return ctx.template.add_resource(wanted, {"Type": "AWS::SQS::Queue", "Properties": props})


def sam_manages_role(ctx: FixContext) -> bool:
    """A SAM function without ``Role``: SAM writes its role, and adds what destinations and tracing need."""
    role = ctx.doc.get("role") or {}
    return ctx.is_sam and role.get("logical_id") == f"{ctx.logical_id}Role" and \
        ctx.template.resource(str(role["logical_id"])) is None


def grant(ctx: FixContext, name: str, actions: list[str], resource: Any) -> str | None:
    """Let the function's role do ``actions`` on ``resource``: an inline policy on a role in this template.

    Returns what was granted, None when SAM grants it itself; raises :class:`CannotFix` when the
    role is defined elsewhere (the fix would deploy but fail at run time).
    """
    if sam_manages_role(ctx):
        return None
    role = ctx.doc.get("role") or {}
    role_id = role.get("logical_id")
    if not role_id or ctx.template.resource_type(str(role_id)) != "AWS::IAM::Role":
        raise CannotFix("the execution role is not defined in this template, so the fix cannot grant "
                        + ", ".join(actions))
    policy = {"PolicyName": f"{ctx.logical_id}{name}",
              "PolicyDocument": {"Version": "2012-10-17",
                                 "Statement": [{"Effect": "Allow", "Action": actions, "Resource": resource}]}}
    props = ctx.template.properties(str(role_id))
    if props is None:
        raise CannotFix(f"role {role_id} has no Properties")
    existing = ctx.template.get(props, "Policies")
    if existing is None:
        ctx.template.set(props, "Policies", [policy])
    else:
        ctx.template.append(existing, policy)
    return f"{role_id} may {', '.join(actions)}"


def queue_arn(logical_id: str) -> Tag:
    return get_att(logical_id, "Arn")


def function_ref(ctx: FixContext) -> Tag:
    return ref(ctx.logical_id)
