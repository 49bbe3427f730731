"""LA103: tie a service's permission to invoke the function to this account, the way that service supports.

Not every service sends ``aws:SourceAccount`` when it invokes a function: Lambda's
``AddPermission`` reference describes ``SourceAccount`` for Amazon S3 and Amazon SES,
and AWS IoT's Lambda rule action documents ``source-account`` as well. API Gateway,
Elastic Load Balancing, EventBridge and Amazon SNS are scoped by ``SourceArn``
(their Lambda pages add the permission with ``--source-arn``; EventBridge's
troubleshooting page says a ``SourceAccount`` condition stops the invocation), so for
them the fix writes an ``ArnLike`` pattern covering every such resource of this
account. Any other service: no fix, and the reason says to set ``SourceArn``.
"""

from __future__ import annotations

from lambda_advisor.fixes import FixContext
from lambda_advisor.fixes.edit import CannotFix, Tag, ref

#: Services documented to send aws:SourceAccount when they invoke a function.
SOURCE_ACCOUNT_PRINCIPALS = frozenset({"s3.amazonaws.com", "ses.amazonaws.com", "iot.amazonaws.com"})

#: Services scoped by SourceArn: a pattern for every resource of this account that may invoke.
#: API Gateway and SNS may call a function in another Region; a target group and an EventBridge
#: rule must be in the function's Region (ELB's "Lambda functions as targets" limits).
ACCOUNT_SOURCE_ARNS = {
    "apigateway.amazonaws.com": "arn:${AWS::Partition}:execute-api:*:${AWS::AccountId}:*",
    "elasticloadbalancing.amazonaws.com":
        "arn:${AWS::Partition}:elasticloadbalancing:${AWS::Region}:${AWS::AccountId}:targetgroup/*",
    "events.amazonaws.com": "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*",
    "sns.amazonaws.com": "arn:${AWS::Partition}:sns:*:${AWS::AccountId}:*",
}


def add_source_account(ctx: FixContext) -> str | None:
    """``SourceAccount: !Ref AWS::AccountId`` or an account-wide ``SourceArn`` on an ``AWS::Lambda::Permission``."""
    parts = str(ctx.finding.subject).split(":")
    if len(parts) < 3 or parts[0] != "policy" or not parts[-1].endswith(".amazonaws.com"):
        return None  # "any principal" has no mechanical fix: only the author knows who should call
    permission, principal = parts[1], parts[-1]
    if ctx.template.resource_type(permission) != "AWS::Lambda::Permission":
        return None  # a statement SAM writes for an event: fixed in the event, not here
    props = ctx.template.properties(permission)
    if props is None or ctx.template.get(props, "SourceAccount") is not None \
            or ctx.template.get(props, "SourceArn") is not None:
        return None
    if principal in SOURCE_ACCOUNT_PRINCIPALS:
        ctx.template.set(props, "SourceAccount", ref("AWS::AccountId"))
        return f"{permission}.SourceAccount: !Ref AWS::AccountId"
    pattern = ACCOUNT_SOURCE_ARNS.get(principal)
    if pattern is None:
        raise CannotFix(f"{principal} is not documented to send aws:SourceAccount; set {permission}.SourceArn "
                        "to the resource that invokes the function")
    ctx.template.set(props, "SourceArn", Tag("Sub", pattern))
    return f"{permission}.SourceArn: every {principal.split('.')[0]} resource of this account ({pattern})"
