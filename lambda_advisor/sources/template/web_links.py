"""Web Functions, second pass: what other resources of the template say about them.

Endpoint weights are tied to the revisions they name; the function's resource policy
(``AWS::Lambda::ResourcePolicy``), its revisions' log groups and their code buckets' policies
(``AWS::S3::BucketPolicy``) are read once every Web Function and revision is known.
"""

from __future__ import annotations

from typing import Any

from lambda_advisor.model import Function
from lambda_advisor.sources.intrinsics import short_text
from lambda_advisor.sources.template.base import res_props
from lambda_advisor.sources.template.policy_documents import add_resource_policy, policy_statements
from lambda_advisor.sources.template.web import WEB_ARN_NAME, WebParts


def link_web(r: WebParts) -> None:
    """After every resource is read: weights to revisions, policies, log groups and bucket policies."""
    webs = [doc for doc in r.docs.values() if doc.kind == "web"]
    if not webs:
        return
    for doc in webs:
        index = {rev["logical_id"]: i for i, rev in enumerate(doc.revisions or []) if rev.get("logical_id")}
        for endpoint in doc.endpoints or []:
            for weight in endpoint.get("weights") or []:
                i = index.get(weight.get("revision"))
                if i is not None:
                    weight["revision_index"] = i
                    assert doc.revisions is not None
                    if endpoint["name"] not in doc.revisions[i]["served_by"]:
                        doc.revisions[i]["served_by"].append(endpoint["name"])
    for lid, res in r.resources.items():
        rtype = res.get("Type")
        if rtype == "AWS::Lambda::ResourcePolicy":
            _link_resource_policy(r, lid, res_props(res), webs)
        elif rtype == "AWS::Logs::LogGroup":
            _link_web_log_group(r, lid, res_props(res), webs)
        elif rtype == "AWS::S3::BucketPolicy":
            _link_bucket_policy(r, lid, res_props(res), webs)


def _link_resource_policy(r: WebParts, lid: str, props: Any, webs: list[Function]) -> None:
    node = props.get("ResourceArn")
    target = r.resolver.logical_target(node)
    text = r.resolver.text(node)
    arn_name = WEB_ARN_NAME.search(text or short_text(node)) if node is not None else None
    for doc in webs:
        if not (target == doc.source.logical_id or (arn_name and arn_name.group(1) == doc.name)):
            continue
        add_resource_policy(r, doc, lid, props)


def _link_web_log_group(r: WebParts, lid: str, props: Any, webs: list[Function]) -> None:
    name = r.resolver.text(props.get("LogGroupName"))
    retention = r._int(props.get("RetentionInDays")) if "RetentionInDays" in props else False
    for doc in webs:
        for i, rev in enumerate(doc.revisions or []):
            logging = rev.get("logging") or {}
            if logging.get("log_group_logical_id") == lid or (name is not None and logging.get("log_group") == name):
                logging["retention_days"] = retention
                group_class = r.resolver.text(props.get("LogGroupClass")) if "LogGroupClass" in props else "STANDARD"
                logging["log_group_class"] = group_class if group_class in ("STANDARD", "INFREQUENT_ACCESS",
                                                                            "DELIVERY") else None
                logging["log_group_logical_id"] = lid
                doc.lines[f"/revisions/{i}/logging"] = r._res_line(lid)


def _link_bucket_policy(r: WebParts, lid: str, props: Any, webs: list[Function]) -> None:
    node = props.get("Bucket")
    target = r.resolver.logical_target(node)
    text = r.resolver.text(node)
    for doc in webs:
        for rev in doc.revisions or []:
            bucket = (rev.get("code") or {}).get("bucket")
            if not isinstance(bucket, dict):
                continue
            named = text is not None and text == r.resolver.text(
                res_props(r.resources[bucket["logical_id"]]).get("BucketName"))
            if target == bucket["logical_id"] or named:
                bucket["policy"] = (bucket.get("policy") or []) + policy_statements(
                    r, props.get("PolicyDocument"), f"AWS::S3::BucketPolicy {lid}", r._res_line(lid))
