"""Who may invoke a function: function URLs (LA102), resource policies (LA103), layers (LA407)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.policy_conditions import condition_value
from lambda_advisor.wildcards import wildcard_match

#: Condition keys that tie a statement to one source, account or organisation.
_SCOPING_KEYS = {"aws:sourcearn", "aws:sourceaccount", "aws:sourceowner", "aws:principalorgid",
                 "aws:principalaccount", "aws:principalorgpaths", "lambda:eventsourcetoken"}


def condition_keys(conditions: Any) -> set[str]:
    """The condition keys a statement tests, lowercased (IAM compares them case-insensitively)."""
    keys: set[str] = set()
    if isinstance(conditions, dict):
        for block in conditions.values():
            if isinstance(block, dict):
                keys |= {str(k).lower() for k in block}
    return keys


def _url_auth(doc: Document) -> str | None:
    url = doc.get("url")
    return url.get("auth_type") if isinstance(url, dict) else None


def function_url_public(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA102: a function URL anyone can call without signing the request, or a public Web Function endpoint."""
    for index, endpoint in enumerate(doc.get("endpoints") or []):
        if isinstance(endpoint, dict) and endpoint.get("auth_type") == "ApplicationManaged":
            yield Hit(message=(f"endpoint {endpoint.get('name')} of {doc['name']} has auth type ApplicationManaged: "
                               "Lambda authenticates no request and the endpoint is reachable from the internet, so "
                               "your application must authenticate every request; use IamAuth (SigV4, or CloudFront "
                               "with origin access control) unless the site is meant to be public"),
                      pointer=f"/endpoints/{index}/auth_type", subject=f"endpoint:{endpoint.get('name')}:public")
    url = doc.get("url")
    if not isinstance(url, dict) or url.get("auth_type") != "NONE":
        return
    if _invoke_grant_missing(doc, url):
        # LA211's fact too, said once: today the URL answers 403, and the grant that fixes it makes it public.
        where = f" (alias {url['qualifier']})" if url.get("qualifier") else ""
        message = (f"{doc['name']} has a function URL{where} with auth type NONE, and its resource policy has no "
                   "lambda:InvokeFunction grant for principal * (needed by new URLs since October 2025 and by every "
                   "URL since November 1, 2026): today every request is answered 403 Forbidden, and once that "
                   "grant is added anyone who knows the URL can invoke it without AWS credentials")
    else:
        message = (f"{doc['name']} has a function URL with auth type NONE: anyone who knows the URL can "
                   "invoke it without AWS credentials")
    origins = url.get("cors_allow_origins") or []
    if "*" in origins:
        message += "; its CORS configuration allows any origin (*), so any web page can call it from a browser"
    message += "; use AWS_IAM (with CloudFront OAC) or authenticate inside the function"
    yield Hit(message=message, pointer="/url/auth_type", subject="url:NONE",
              extra={"url": url.get("url"), "cors_any_origin": "*" in origins})


def _grants_invoke_function(statement: dict[str, Any], qualifier: str | None) -> bool | None:
    """Could this statement be the public ``lambda:InvokeFunction`` grant a URL with auth NONE needs?
    None when it cannot be told (unresolved action or principal)."""
    if statement.get("effect") != "Allow":
        return False
    actions = statement.get("actions") or []
    if any(not isinstance(a, str) for a in actions) or not isinstance(statement.get("principal"), str):
        return None
    if statement["principal"] not in ("*", "arn:aws:iam::*:root"):
        return False
    if not any(wildcard_match("lambda:invokefunction", a.lower()) for a in actions):
        return False
    on = statement.get("qualifier")
    return on is None or on == (qualifier or "$LATEST")


def _invoke_grant_missing(doc: Document, url: dict[str, Any]) -> bool:
    """Is it known that no statement grants the public lambda:InvokeFunction a URL with auth NONE needs?"""
    granted = url.get("invoke_function_granted")
    if granted is not None:
        return not granted
    policy = doc.get("resource_policy")
    if policy is None:
        return False
    # granted, or a statement we cannot read might grant it
    return all(_grants_invoke_function(st, url.get("qualifier")) is False for st in policy)


def _suppressed(doc: Document, rule_id: str) -> bool:
    return any(rule_id.startswith(str(s.get("rule") or "-")) for s in doc.get("suppressions") or [])


def url_missing_invoke_grant(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA211: a URL with auth NONE whose resource policy has no public lambda:InvokeFunction grant.

    When LA102 runs on the same URL (and is not suppressed there), its finding states this fact
    too: one finding for one URL, not two that read as two problems.
    """
    url = doc.get("url")
    if not isinstance(url, dict) or url.get("auth_type") != "NONE" or not _invoke_grant_missing(doc, url):
        return
    if "LA102" in ctx.rules and not _suppressed(doc, "LA102"):
        return
    where = f" (alias {url['qualifier']})" if url.get("qualifier") else ""
    yield Hit(message=(f"{doc['name']} has a function URL{where} with auth type NONE, but its resource policy "
                       f"has no lambda:InvokeFunction grant for principal *: since October 2025 a new URL also needs "
                       f"lambda:InvokeFunction for principal * (with lambda:InvokedViaFunctionUrl), "
                       f"and since November 1, 2026 an existing one does too; without it every request is "
                       f"answered 403 Forbidden"),
              pointer="/url", subject="url:invoke-grant")


def _actions(statement: dict[str, Any]) -> list[str]:
    return [a for a in statement.get("actions") or [] if isinstance(a, str)]


def _only_url_actions(statement: dict[str, Any]) -> bool:
    actions = _actions(statement)
    return bool(actions) and all(a.lower() == "lambda:invokefunctionurl" for a in actions)


def _invoke_actions(statement: dict[str, Any]) -> bool:
    actions = _actions(statement)
    if not actions:
        return bool(statement.get("actions"))  # unresolved: assume it is an invoke permission
    return any(wildcard_match("lambda:invokefunction", a.lower()) or
               wildcard_match("lambda:invokefunctionurl", a.lower()) or
               wildcard_match("lambda:invokeasync", a.lower()) or
               wildcard_match("lambda:invokewebfunctionendpoint", a.lower()) for a in actions)


def via_function_url(statement: dict[str, Any]) -> bool:
    """A grant that holds only for requests through the function URL (since October 2025 a URL
    needs ``lambda:InvokeFunction`` with ``lambda:InvokedViaFunctionUrl`` besides ``InvokeFunctionUrl``)."""
    if statement.get("invoked_via_function_url") is True:
        return True
    value = condition_value(statement.get("conditions"), "lambda:InvokedViaFunctionUrl")
    return value is True or str(value).lower() == "true"


def resource_policy_open(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA103: any principal may invoke, or a service may invoke on behalf of anyone's resources."""
    exempt = {str(p) for p in ctx.params.get("exempt_principals") or []}
    for index, st in enumerate(doc.get("resource_policy") or []):
        if st.get("effect") != "Allow" or not _invoke_actions(st):
            continue
        principal = st.get("principal")
        if not isinstance(principal, str):
            continue
        keys = condition_keys(st.get("conditions"))
        label = st.get("sid") or st.get("origin") or f"statement {index}"
        pointer = f"/resource_policy/{index}"
        if principal == "*" or principal == "arn:aws:iam::*:root":
            if keys & _SCOPING_KEYS or st.get("source_arn") or st.get("source_account"):
                continue
            auth = condition_value(st.get("conditions"), "lambda:FunctionUrlAuthType") or st.get("function_url_auth_type")
            if _only_url_actions(st) and (auth == "NONE" or (auth is None and _url_auth(doc) == "NONE")):
                continue  # a public function URL: LA102 reports it
            if via_function_url(st):
                continue  # the URL's second grant (InvokeFunction only through the URL): LA102's
            actions = ", ".join(_actions(st)) or "invoke"
            yield Hit(message=(f"resource policy statement {label} of {doc['name']} lets any principal "
                               f"({principal}) call {actions}; name the account, service or organisation "
                               "that may invoke it"),
                      pointer=pointer, subject=f"policy:{label}:any")
        elif principal.endswith(".amazonaws.com") and principal not in exempt:
            if st.get("source_arn") or st.get("source_account") or keys & _SCOPING_KEYS:
                continue
            yield Hit(message=(f"resource policy statement {label} of {doc['name']} lets {principal} invoke "
                               "it with neither SourceArn nor SourceAccount: a resource in any AWS account "
                               "can use that service to invoke this function (confused deputy)"),
                      pointer=pointer, subject=f"policy:{label}:{principal}")


def missing_layer_versions(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA407: a layer version the function uses was deleted."""
    for index, layer in enumerate(doc.get("layers") or []):
        if layer.get("exists") is False:
            arn = layer.get("arn")
            yield Hit(message=(f"{doc['name']} uses layer version {arn}, which no longer exists: the function "
                               "still runs, but any update of its configuration or a new function with "
                               "this layer will fail"),
                      pointer=f"/layers/{index}/arn", subject=f"layer:{arn}")

