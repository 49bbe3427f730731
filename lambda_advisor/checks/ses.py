"""LA303: an SES receipt rule that hands mail to the function without storing it first.

The template source records, per receipt rule that invokes the function, whether an
``S3Action`` comes before the ``LambdaAction`` (``extra.ses_stores_to_s3_first``).
A rule it did not record (SAM, live, permission-only wiring) stays unknown: no finding.
"""

from __future__ import annotations

from collections.abc import Iterator

from lambda_advisor.checks import Context, Document, Hit


def mail_not_stored_first(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA303: one hit per asynchronous SES receipt rule with no S3 action before the Lambda action."""
    stored = (doc.get("extra") or {}).get("ses_stores_to_s3_first")
    if not isinstance(stored, dict):
        return
    for i, source in enumerate(doc.get("event_sources") or []):
        rule = source.get("name")
        if source.get("type") != "ses" or stored.get(rule) is not False:
            continue
        if source.get("invocation") == "sync":
            continue  # RequestResponse: a filter that decides on headers and verdicts (STOP_RULE / CONTINUE)
        yield Hit(
            message=(f"SES receipt rule {rule} invokes {doc['name']} without an S3 action before it: the "
                     f"Lambda event carries the mail's headers and verdicts but not its body or attachments, "
                     f"so the function cannot read the message"),
            pointer=f"/event_sources/{i}",
            subject=f"ses:{rule}",
            extra={"receipt_rule": rule},
        )
