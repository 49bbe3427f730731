"""LA502: turn X-Ray active tracing on, with the right to write traces for every function it reaches."""

from __future__ import annotations

from lambda_advisor.fixes import Document, FixContext
from lambda_advisor.fixes.edit import CannotFix
from lambda_advisor.fixes.resources import grant, role_in_template, sam_manages_role

XRAY_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
#: Event sources whose invocations X-Ray does not trace (Lambda's X-Ray page: Amazon MSK, self-managed
#: Kafka, Amazon MQ and Amazon DocumentDB event source mappings).
UNTRACED_SOURCES = {"kafka": "Kafka", "mq": "Amazon MQ", "docdb": "DocumentDB"}


def enable_tracing(ctx: FixContext) -> str | None:
    """SAM ``Tracing: Active`` (in Globals when every sharer is fixed), CloudFormation ``TracingConfig``.

    Lambda refuses active tracing when the execution role cannot write to X-Ray: each
    function the new value reaches must already be allowed, have its role in this template
    (it gets the two actions) or a role SAM makes (SAM adds them). A value in Globals
    reaches every SAM function, so Globals is written only when all of them qualify.
    """
    kinds = {str(s.get("type")) for s in ctx.doc.get("event_sources") or []}
    if kinds and kinds <= set(UNTRACED_SOURCES):
        raise CannotFix(f"X-Ray does not trace invocations from {', '.join(UNTRACED_SOURCES[k] for k in sorted(kinds))} "
                        "event source mappings, the only triggers of this function")
    if not _can_trace(ctx, ctx.doc):
        raise CannotFix(f"the execution role of {ctx.logical_id} is defined outside this template and "
                        "may not write to X-Ray; Lambda refuses active tracing without that right")
    if ctx.is_sam:
        sam = [d for d in ctx.documents if (d.get("extra") or {}).get("resource_type") == "AWS::Serverless::Function"]
        where = ctx.set_function_value("Tracing", "Active", "/tracing",
                                       globals_ok=all(_can_trace(ctx, d) for d in sam))
        reached = sam if where.startswith("Globals") else ctx.affected_docs
    else:
        ctx.set_function_property(["TracingConfig", "Mode"], "Active")
        where = f"{ctx.logical_id}.TracingConfig.Mode"
        reached = [ctx.doc]
    granted = [g for d in reached if not _role_can_trace(d)
               for g in [grant(ctx, "XRayWrite", XRAY_ACTIONS, "*", doc=d)] if g]
    return f"{where}: Active" + (f"; {'; '.join(granted)}" if granted else "")


def _can_trace(ctx: FixContext, doc: Document) -> bool:
    return _role_can_trace(doc) or sam_manages_role(ctx, doc) or role_in_template(ctx, doc) is not None


def _role_can_trace(doc: Document) -> bool:
    role = doc.get("role") or {}
    if any("xray" in str(p).lower() for p in role.get("managed_policies") or []):
        return True
    for st in role.get("statements") or []:
        actions = [str(a).lower() for a in st.get("actions") or []]
        if st.get("effect") == "Allow" and any(a in ("*", "xray:*", "xray:puttracesegments") for a in actions):
            return True
    return False
