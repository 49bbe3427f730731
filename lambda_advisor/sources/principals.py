"""Which event source a service principal in a function's resource policy stands for, and how it invokes.

One table for every source (template and live): a permission for ``s3.amazonaws.com`` is an S3
notification, invoked asynchronously; one for ``apigateway.amazonaws.com`` an API, invoked
synchronously. A principal that stands for sources invoking differently is told apart by the
permission's SourceArn: ``iot.amazonaws.com`` is a topic rule (asynchronous) or a custom authorizer
(synchronous: the connecting device waits for the answer).
"""

from __future__ import annotations

#: Service principal -> (event source type, invocation).
INVOKERS: dict[str, tuple[str, str]] = {
    "s3.amazonaws.com": ("s3", "async"),
    "sns.amazonaws.com": ("sns", "async"),
    "events.amazonaws.com": ("eventbridge", "async"),
    "scheduler.amazonaws.com": ("schedule", "async"),
    "ses.amazonaws.com": ("ses", "async"),
    "iot.amazonaws.com": ("iot", "async"),
    "logs.amazonaws.com": ("logs", "async"),
    "codecommit.amazonaws.com": ("codecommit", "async"),
    "config.amazonaws.com": ("config", "async"),
    "lambda.alarms.cloudwatch.amazonaws.com": ("cloudwatch_alarm", "async"),
    "secretsmanager.amazonaws.com": ("secretsmanager", "sync"),
    "apigateway.amazonaws.com": ("api", "sync"),
    "elasticloadbalancing.amazonaws.com": ("alb", "sync"),
    "cognito-idp.amazonaws.com": ("cognito", "sync"),
    "alexa-appkit.amazon.com": ("alexa", "sync"),
    "alexa-connectedhome.amazon.com": ("alexa", "sync"),
    "lex.amazonaws.com": ("lex", "sync"),
}


def invoker(principal: str, source_arn: str | None = None) -> tuple[str, str] | None:
    """(event source type, invocation) of a permission for ``principal``, or None for no service we know."""
    kind = INVOKERS.get(principal)
    if kind is not None and kind[0] == "iot" and source_arn and ":authorizer/" in source_arn:
        return ("iot", "sync")
    return kind
