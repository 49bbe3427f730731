"""Web Functions: public endpoints without caps (LA107), code buckets (LA108, LA702), wiring that
fails to deploy (LA701), runtimes (LA703) and network connectors (LA704).

Checks here read the whole Web Function document (its ``endpoints`` and ``revisions``); the
revision views the engine also builds carry no revisions or endpoints, so each fact is judged once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.access import condition_keys
from lambda_advisor.wildcards import wildcard_match

#: The runtimes Web Functions offer (Lambda developer guide, "Lambda Web Function runtimes").
WEB_FUNCTION_RUNTIMES = ("nodejs24.x",)
#: Condition keys that tie a grant to the caller's account, function or organisation.
_SCOPING_KEYS = {"aws:sourcearn", "aws:sourceaccount", "aws:sourceorgid", "aws:sourceorgpaths"}
_PRINCIPAL_SCOPING_KEYS = {"aws:principalorgid", "aws:principalaccount", "aws:principalorgpaths", "aws:principalarn"}
_READ_ACTIONS = ("s3:getobject", "s3:getobjectversion")


def _revisions(doc: Document) -> list[tuple[int, dict[str, Any]]]:
    return [(i, r) for i, r in enumerate(doc.get("revisions") or []) if isinstance(r, dict)]


def _endpoints(doc: Document) -> list[tuple[int, dict[str, Any]]]:
    return [(i, e) for i, e in enumerate(doc.get("endpoints") or []) if isinstance(e, dict)]


def _label(item: dict[str, Any], kind: str, index: int) -> str:
    return f"{kind} {item.get('logical_id') or item.get('name') or item.get('id') or index}"


def public_endpoint_uncapped(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA107: an ApplicationManaged endpoint with neither ThrottleConfig.RateLimit nor ScalingConfig.MaxEnvironments."""
    for i, endpoint in _endpoints(doc):
        if endpoint.get("auth_type") != "ApplicationManaged":
            continue
        if endpoint.get("rate_limit") is not False or endpoint.get("max_environments") is not False:
            continue  # a cap is set, or the source cannot tell
        yield Hit(message=(f"endpoint {endpoint.get('name')} of {doc['name']} is public (ApplicationManaged) and has "
                           "neither a rate limit (ThrottleConfig.RateLimit) nor a cap on execution environments "
                           "(ScalingConfig.MaxEnvironments): anyone can drive it up to the account's Web Function vCPU "
                           "and request-rate quotas, which every Web Function in the Region shares"),
                  pointer=f"/endpoints/{i}/auth_type", subject=f"endpoint:{endpoint.get('name')}:uncapped")


def _reads_objects(statement: dict[str, Any]) -> bool:
    actions = [a.lower() for a in statement.get("actions") or [] if isinstance(a, str)]
    return any(wildcard_match(wanted, a) for a in actions for wanted in _READ_ACTIONS)


def code_bucket_open_to_lambda(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA108: the code bucket lets lambda.amazonaws.com (or anyone) read objects, for any account's function."""
    for i, rev in _revisions(doc):
        bucket = (rev.get("code") or {}).get("bucket")
        if not isinstance(bucket, dict):
            continue
        for j, st in enumerate(bucket.get("policy") or []):
            principal = st.get("principal")
            if st.get("effect") != "Allow" or not isinstance(principal, str) or not _reads_objects(st):
                continue
            keys = condition_keys(st.get("conditions"))
            if principal in ("*", "arn:aws:iam::*:root"):
                if keys & (_SCOPING_KEYS | _PRINCIPAL_SCOPING_KEYS):
                    continue
                who = f"any principal ({principal})"
            elif principal.lower().startswith("lambda.") and principal.lower().endswith(".amazonaws.com"):
                if keys & _SCOPING_KEYS:
                    continue
                who = principal
            else:
                continue
            sid = st.get("sid") or f"statement {j}"
            yield Hit(message=(f"the policy of code bucket {bucket.get('logical_id')} ({sid}) lets {who} read its objects "
                               f"with no aws:SourceArn or aws:SourceAccount condition: Web Functions of any AWS account "
                               f"can read {doc['name']}'s code; add aws:SourceAccount and an aws:SourceArn "
                               "matching arn:aws:lambda:<region>:<account>:web-function/<name>/revision/*"),
                      pointer=f"/revisions/{i}/code/bucket/policy/{j}",
                      subject=f"bucket:{bucket.get('logical_id')}:{sid}",
                      group=f"code-bucket-policy:{bucket.get('logical_id')}:{st.get('origin')}:{sid}")


def code_bucket_unusable(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA702: a revision's code bucket without versioning, or encrypted with the aws/s3 key."""
    for i, rev in _revisions(doc):
        bucket = (rev.get("code") or {}).get("bucket")
        if not isinstance(bucket, dict):
            continue
        lid = bucket.get("logical_id")
        if bucket.get("versioned") is False:
            yield Hit(message=(f"revision {rev.get('logical_id') or rev.get('id')} of {doc['name']} takes its code from "
                               f"bucket {lid}, which has no versioning: Lambda refuses to create the revision; set "
                               "VersioningConfiguration Status: Enabled"),
                      pointer=f"/revisions/{i}/code/bucket", subject=f"bucket:{lid}:unversioned",
                      group=f"code-bucket:{lid}:unversioned")
        if bucket.get("kms") == "aws/s3":
            yield Hit(message=(f"revision {rev.get('logical_id') or rev.get('id')} of {doc['name']} takes its code from "
                               f"bucket {lid}, encrypted by default with the AWS managed key aws/s3, whose key policy "
                               "cannot grant lambda.amazonaws.com kms:Decrypt: Lambda cannot read the package; use "
                               "SSE-S3 or a customer managed key"),
                      pointer=f"/revisions/{i}/code/bucket", subject=f"bucket:{lid}:aws-s3-key",
                      group=f"code-bucket:{lid}:aws-s3-key")


def wiring_fails(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA701: a revision or endpoint that names its function by ARN, or without waiting for it."""
    parts = [("revision", "revisions", i, r) for i, r in _revisions(doc)]
    parts += [("endpoint", "endpoints", i, e) for i, e in _endpoints(doc)]
    for kind, key, i, part in parts:
        label = _label(part, kind, i)
        pointer = f"/{key}/{i}/function_reference"
        if part.get("function_reference") == "arn":
            yield Hit(message=(f"{label} of {doc['name']} gives FunctionName as the function's ARN (Ref and "
                               "GetAtt FunctionArn of AWS::Lambda::WebFunction return the ARN): the resource is "
                               "created, then its attributes cannot be read, the stack fails and its rollback fails "
                               "the same way (ROLLBACK_FAILED); pass the bare function name"),
                      pointer=pointer, subject=f"{kind}:{part.get('logical_id')}:arn")
        elif part.get("depends_on_function") is False:
            how = "a literal name" if part.get("function_reference") == "literal" else "its name"
            yield Hit(message=(f"{label} names {doc['name']} by {how} and does not depend on the function resource "
                               f"{doc['source'].get('logical_id')}: CloudFormation may create it first, and it fails "
                               "with ResourceNotFoundException; add DependsOn"),
                      pointer=pointer, subject=f"{kind}:{part.get('logical_id')}:no-dependency")


def runtime_not_offered(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA703: a Web Function revision on a runtime Web Functions do not offer (the revision view)."""
    runtime = doc.get("runtime")
    if doc.get("kind") != "web" or not isinstance(runtime, str):
        return
    offered = [str(r) for r in ctx.params.get("web_runtimes") or WEB_FUNCTION_RUNTIMES]
    if runtime in offered:
        return
    yield Hit(message=(f"{doc['name']} runs on runtime {runtime}, which Web Functions do not offer "
                       f"(they offer {', '.join(offered)}): creating the revision fails"),
              pointer="/runtime", subject=f"runtime:{runtime}")


def connector_wiring_fails(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA704: a connector ARN without version, a regional endpoint serving it, or a connector for other compute."""
    endpoints = _endpoints(doc)
    for i, rev in _revisions(doc):
        connector = rev.get("network_connector")
        if not isinstance(connector, dict):
            continue
        label = _label(rev, "revision", i)
        name = connector.get("logical_id") or connector.get("arn")
        if connector.get("versioned") is False:
            yield Hit(message=(f"{label} of {doc['name']} names network connector {_text(name)} without its version: "
                               "a revision needs the version-qualified ARN (GetAtt LatestVersionArn), the unqualified "
                               "one is rejected"),
                      pointer=f"/revisions/{i}/network_connector", subject=f"connector:{_text(name)}:unversioned")
        types = connector.get("compute_types")
        if isinstance(types, list) and types and "WebFunction" not in types:
            yield Hit(message=(f"{label} of {doc['name']} uses network connector {_text(name)}, created for "
                               f"{', '.join(types)} and not for WebFunction (SAM's default is MicroVm): the revision is "
                               "rejected; create a connector with AssociatedComputeResourceTypes [WebFunction]"),
                      pointer=f"/revisions/{i}/network_connector", subject=f"connector:{_text(name)}:compute-type")
        served = set(rev.get("served_by") or [])
        for e, endpoint in endpoints:
            if endpoint.get("name") in served and endpoint.get("type") in ("MultiRegion", "PerRegion"):
                yield Hit(message=(f"endpoint {endpoint.get('name')} of {doc['name']} is {endpoint.get('type')} and "
                                   f"serves {label}, which uses network connector {_text(name)}: a connector is "
                                   "Regional, so the endpoint is rejected; serve it from a HomeRegion endpoint"),
                          pointer=f"/endpoints/{e}/type",
                          subject=f"endpoint:{endpoint.get('name')}:connector:{rev.get('logical_id') or i}")


def _text(value: Any) -> str:
    if isinstance(value, dict) and "unresolved" in value:
        return str(value["unresolved"])
    return str(value)
