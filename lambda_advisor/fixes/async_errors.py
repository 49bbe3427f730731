"""LA201: catch the async events a function fails on, in a new SQS queue (on-failure destination)."""

from __future__ import annotations

import yaml

from lambda_advisor.fixes import FixContext
from lambda_advisor.fixes.edit import CannotFix, ref
from lambda_advisor.fixes.resources import add_queue, grant, queue_arn, sam_manages_role


def add_failure_destination(ctx: FixContext) -> str | None:
    """SAM: ``EventInvokeConfig.DestinationConfig.OnFailure`` on the function; CloudFormation: an
    ``AWS::Lambda::EventInvokeConfig`` (or the existing one) pointing at a new queue, and the send right."""
    condition = ctx.condition
    queue = add_queue(ctx, f"{ctx.logical_id}FailureQueue", condition=condition)
    arn = queue_arn(queue)
    if ctx.is_sam:
        granted = None
        if not sam_manages_role(ctx):
            granted = grant(ctx, "FailureQueueSend", ["sqs:SendMessage"], arn)
        ctx.set_function_property(["EventInvokeConfig", "DestinationConfig", "OnFailure"],
                                  {"Type": "SQS", "Destination": arn})
        where = f"{ctx.logical_id}.EventInvokeConfig"
    else:
        granted = grant(ctx, "FailureQueueSend", ["sqs:SendMessage"], arn)
        existing = _event_invoke_config(ctx)
        if existing is not None:
            props = ctx.template.properties(existing)
            if props is None:
                raise CannotFix(f"{existing} has no Properties")
            ctx.template.set_in(props, ["DestinationConfig", "OnFailure", "Destination"], arn)
            where = f"{existing}.DestinationConfig"
        elif ctx.doc.get("event_invoke"):
            raise CannotFix("the function's event invoke configuration is written in a way this fix cannot find")
        else:
            where = ctx.template.add_resource(f"{ctx.logical_id}EventInvokeConfig", {
                "Type": "AWS::Lambda::EventInvokeConfig",
                "Properties": {"FunctionName": ref(ctx.logical_id), "Qualifier": "$LATEST",
                               "DestinationConfig": {"OnFailure": {"Destination": arn}}}}, condition=condition)
    return f"new queue {queue} as the on-failure destination ({where})" + (f"; {granted}" if granted else "")


def _event_invoke_config(ctx: FixContext) -> str | None:
    """The ``AWS::Lambda::EventInvokeConfig`` of this function (``FunctionName: !Ref`` it), if any."""
    for lid in ctx.template.resource_ids():
        if ctx.template.resource_type(lid) != "AWS::Lambda::EventInvokeConfig":
            continue
        props = ctx.template.properties(lid)
        name = ctx.template.get(props, "FunctionName") if props is not None else None
        if _refers_to(name, ctx.logical_id):
            return lid
    return None


def _refers_to(node: yaml.Node | None, logical_id: str) -> bool:
    if isinstance(node, yaml.ScalarNode):
        return node.tag == "!Ref" and node.value == logical_id
    if isinstance(node, yaml.MappingNode) and len(node.value) == 1:
        key, value = node.value[0]
        return key.value == "Ref" and isinstance(value, yaml.ScalarNode) and value.value == logical_id
    return False
