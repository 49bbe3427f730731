"""LA103: tie a service's permission to invoke the function to this account."""

from __future__ import annotations

from lambda_advisor.fixes import FixContext
from lambda_advisor.fixes.edit import ref


def add_source_account(ctx: FixContext) -> str | None:
    """``SourceAccount: !Ref AWS::AccountId`` on an ``AWS::Lambda::Permission`` with neither SourceArn nor SourceAccount."""
    parts = str(ctx.finding.subject).split(":")
    if len(parts) < 3 or parts[0] != "policy" or not parts[-1].endswith(".amazonaws.com"):
        return None  # "any principal" has no mechanical fix: only the author knows who should call
    permission = parts[1]
    if ctx.template.resource_type(permission) != "AWS::Lambda::Permission":
        return None  # a statement SAM writes for an event: fixed in the event, not here
    props = ctx.template.properties(permission)
    if props is None or ctx.template.get(props, "SourceAccount") is not None:
        return None
    ctx.template.set(props, "SourceAccount", ref("AWS::AccountId"))
    return f"{permission}.SourceAccount: !Ref AWS::AccountId"
