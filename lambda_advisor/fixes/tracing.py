"""LA502: turn X-Ray active tracing on."""

from __future__ import annotations

from lambda_advisor.fixes import FixContext
from lambda_advisor.fixes.resources import grant

XRAY_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]


def enable_tracing(ctx: FixContext) -> str | None:
    """SAM ``Tracing: Active`` (in Globals when every sharer is fixed), CloudFormation ``TracingConfig``.

    Lambda refuses active tracing when the execution role cannot write to X-Ray: a role
    written in this template gets the two actions (SAM adds them to the role it makes).
    """
    granted = None
    if not _role_can_trace(ctx):
        granted = grant(ctx, "XRayWrite", XRAY_ACTIONS, "*")
    if ctx.is_sam:
        where = ctx.set_function_value("Tracing", "Active", "/tracing")
    else:
        ctx.set_function_property(["TracingConfig", "Mode"], "Active")
        where = f"{ctx.logical_id}.TracingConfig.Mode"
    return f"{where}: Active" + (f"; {granted}" if granted else "")


def _role_can_trace(ctx: FixContext) -> bool:
    role = ctx.doc.get("role") or {}
    if any("xray" in str(p).lower() for p in role.get("managed_policies") or []):
        return True
    for st in role.get("statements") or []:
        actions = [str(a).lower() for a in st.get("actions") or []]
        if st.get("effect") == "Allow" and any(a in ("*", "xray:*", "xray:puttracesegments") for a in actions):
            return True
    return False
