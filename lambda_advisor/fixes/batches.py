"""LA210: turn on partial batch responses where the code already reports failed records."""

from __future__ import annotations

import yaml

from lambda_advisor.checks.batches import REPORT
from lambda_advisor.checks.event_sources import queue_label, stream_label
from lambda_advisor.fixes import FixContext
from lambda_advisor.fixes.edit import CannotFix
from lambda_advisor.sources.package import handler_stems


def report_batch_item_failures(ctx: FixContext) -> str | None:
    """``FunctionResponseTypes: [ReportBatchItemFailures]`` on the source, only when the function's
    handler module builds a ``batchItemFailures`` response; otherwise the setting alone would count every
    batch as a success whatever the handler returns, so there is no fix."""
    inspection = (ctx.doc.get("code") or {}).get("inspection") or {}
    stems = handler_stems(ctx.doc.get("handler"))
    # Evidence from this function's own handler module only: a package several functions share
    # holds other handlers that may report failures while this one does not.
    shown = [s for s in inspection.get("partial_batch_responses") or []
             if str(s.get("path", "")).removeprefix("./").rsplit(".", 1)[0] in stems]
    if not shown:
        return None
    _, kind, name = [*str(ctx.finding.subject).split(":", 2), "", ""][:3]
    source = next((s for s in ctx.doc.get("event_sources") or [] if s.get("type") == kind
                   and (queue_label(s) if kind == "sqs" else stream_label(s)) == name), None)
    if source is None:
        return None
    props = ctx.event_properties(source)
    if props is None:
        return None
    existing = ctx.template.get(props, "FunctionResponseTypes")
    if existing is None:
        ctx.template.set(props, "FunctionResponseTypes", [REPORT])
    elif isinstance(existing, yaml.SequenceNode) and existing.value:
        ctx.template.append(existing, REPORT)
    else:
        raise CannotFix("FunctionResponseTypes is written in a form this fix does not extend")
    site = shown[0]
    return f"{source.get('name')}: FunctionResponseTypes {REPORT} (the code reports failures: {site['path']}:{site['line']})"
