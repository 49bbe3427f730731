"""LA208: an event source wired to the function that has no permission to invoke it.

A bucket notification, an SNS subscription or an EventBridge rule target only
says where events should go; the service also needs a resource-based
permission (``AWS::Lambda::Permission``) to call the function. Without it every
invocation is refused and the events are lost. Only ``has_permission: false``
fires; ``null`` (not known) never does.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.event_sources import SERVICE_NAMES, source_label
from lambda_advisor.wildcards import wildcard_match

#: event_source.type -> the service principals whose permission lets that source invoke the function.
INVOKING_PRINCIPALS: dict[str, tuple[str, ...]] = {
    "s3": ("s3.amazonaws.com",),
    "sns": ("sns.amazonaws.com",),
    "eventbridge": ("events.amazonaws.com",),
    "schedule": ("events.amazonaws.com", "scheduler.amazonaws.com"),
    "ses": ("ses.amazonaws.com",),
    "iot": ("iot.amazonaws.com",),
    "logs": ("logs.amazonaws.com",),
    "cloudwatch_alarm": ("lambda.alarms.cloudwatch.amazonaws.com",),
    "codecommit": ("codecommit.amazonaws.com",),
    "config": ("config.amazonaws.com",),
    "secretsmanager": ("secretsmanager.amazonaws.com",),
    "api": ("apigateway.amazonaws.com",),
    "http_api": ("apigateway.amazonaws.com",),
    "websocket_api": ("apigateway.amazonaws.com",),
    "alb": ("elasticloadbalancing.amazonaws.com",),
    "cognito": ("cognito-idp.amazonaws.com",),
    "alexa": ("alexa-appkit.amazon.com", "alexa-connectedhome.amazon.com"),
    "lex": ("lex.amazonaws.com",),
}
_REGIONAL = re.compile(r"\.(\$\{aws::region\}|[a-z]{2}(-gov)?-[a-z]+-\d)\.")


def _service(principal: str) -> str:
    """``logs.eu-west-1.amazonaws.com`` and ``logs.${AWS::Region}.amazonaws.com`` -> ``logs.amazonaws.com``."""
    text = principal.strip().lower().replace("${aws::urlsuffix}", "amazonaws.com")
    return _REGIONAL.sub(".", text)


def _grants_invoke(statement: dict[str, Any]) -> bool:
    if statement.get("effect") != "Allow":
        return False
    actions = statement.get("actions") or []
    if any(not isinstance(a, str) for a in actions):
        return True  # an action we cannot read might be lambda:InvokeFunction
    return any(wildcard_match("lambda:invokefunction", a.lower()) for a in actions)


def _policy_may_allow(doc: Document, kind: str) -> bool:
    """Whether the resource policy itself grants (or might grant) this source's service the right to invoke.

    ``has_permission`` is the source's verdict; a grant the policy shows, an unresolved principal
    or a wildcard one makes that verdict uncertain, and an uncertain verdict stays silent.
    """
    wanted = {p.lower() for p in INVOKING_PRINCIPALS.get(kind, ())}
    for statement in doc.get("resource_policy") or []:
        if not _grants_invoke(statement):
            continue
        principal = statement.get("principal")
        if not isinstance(principal, str):
            return True  # unresolved (a parameter, a condition): could be the service
        if principal.strip() == "*" or _service(principal) in wanted:
            return True
    return False


def source_without_permission(doc: Document, ctx: Context) -> Iterator[Hit]:
    """One hit per push event source known to have no permission to invoke the function."""
    for i, source in enumerate(doc.get("event_sources") or []):
        kind = source.get("type")
        if source.get("invocation") == "poll" or source.get("has_permission") is not False:
            continue
        if kind not in INVOKING_PRINCIPALS or _policy_may_allow(doc, kind):
            continue
        label = source_label(source)
        service = SERVICE_NAMES.get(kind, kind)
        principal = INVOKING_PRINCIPALS[kind][0]
        refused = ("every delivery is refused and the events are lost" if source.get("invocation") == "async"
                   else "every call is refused and the caller gets an error")
        # A function whose policy is a whole document (PutResourcePolicy replaces the policy) gets the
        # statement added there, not a Permission that the document would overwrite.
        policy = next((str(st["origin"]).removeprefix("AWS::Lambda::ResourcePolicy ")
                       for st in doc.get("resource_policy") or []
                       if str(st.get("origin") or "").startswith("AWS::Lambda::ResourcePolicy ")), None)
        remedy = (f"add a statement for {principal} with its aws:SourceArn to the resource policy {policy}"
                  if policy else f"add an AWS::Lambda::Permission for {principal} with its SourceArn")
        yield Hit(
            message=(f"{service} ({label}) is wired to invoke {doc['name']}, but no permission lets {principal} "
                     f"invoke it: {refused}; {remedy}"),
            pointer=f"/event_sources/{i}",
            subject=f"permission:{kind}:{source.get('source_logical_id') or label}",
            extra={"source": label, "principal": principal},
        )
