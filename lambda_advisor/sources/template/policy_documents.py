"""IAM policy documents written in a template: the statements of a resource or bucket policy.

``AWS::Lambda::ResourcePolicy`` (on an Event Function, a version, an alias or a Web
Function) and ``AWS::S3::BucketPolicy`` carry a whole policy document, inline or as a
JSON string; each statement becomes one resource-policy entry per principal, in the
function document's shape, with its conditions and its own line.
"""

from __future__ import annotations

import json
from typing import Any

from lambda_advisor.model import Function
from lambda_advisor.policy_conditions import condition_value
from lambda_advisor.sources.intrinsics import is_intrinsic, short_text
from lambda_advisor.sources.sam import as_list
from lambda_advisor.sources.template.base import ReaderBase, as_props
from lambda_advisor.sources.yaml_loader import LineDict


def policy_statements(r: ReaderBase, document: Any, origin: str, fallback_line: int) -> list[dict[str, Any]]:
    """Resource-policy statements (one per principal) in the document shape, with their conditions."""
    out: list[dict[str, Any]] = []
    body = r.resolver.value(document) if isinstance(document, str) else document
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return out
    for st in as_list(as_props(body).get("Statement")):
        if not isinstance(st, dict):
            continue
        line = st.line if isinstance(st, LineDict) else fallback_line
        conditions = r.resolver.value(st.get("Condition")) if "Condition" in st else None
        principal = st.get("Principal")
        principals: list[Any] = []
        if isinstance(principal, dict) and not is_intrinsic(principal):
            for value in principal.values():
                principals += as_list(value)
        elif principal is not None:
            principals = [principal]
        for p in principals or [None]:
            entry: dict[str, Any] = {
                "sid": r.resolver.text(st.get("Sid")),
                "effect": "Deny" if r.resolver.text(st.get("Effect")) == "Deny" else "Allow",
                "actions": [a for a in (r._value(x) for x in as_list(st.get("Action"))) if a is not None],
                "resources": [x for x in (r._value(y) for y in as_list(st.get("Resource"))) if x is not None],
                "principal": r._value(p) if p is not None else None,
                "source_arn": _scoping_value(conditions, "aws:SourceArn"),
                "source_account": (_scoping_value(conditions, "aws:SourceAccount")
                                   or _scoping_value(conditions, "aws:SourceOwner")),
                "conditions": conditions if isinstance(conditions, dict) else None,
                "origin": origin, "line": line,
            }
            out.append(entry)
    return out


def _scoping_value(conditions: Any, key: str) -> Any:
    """What a condition gives ``key``, in the document's shape: text or an unresolved marker; False
    when no condition names it."""
    value = condition_value(conditions, key)
    if value is None:
        return False
    return value if isinstance(value, str) or (isinstance(value, dict) and "unresolved" in value) else short_text(value)


def add_resource_policy(r: ReaderBase, doc: Function, lid: str, props: Any, **extra: Any) -> None:
    """The statements of ``AWS::Lambda::ResourcePolicy`` ``lid`` join ``doc``'s resource policy, each at
    its own line (``extra``: what every statement carries besides, such as the qualifier it applies to)."""
    assert doc.resource_policy is not None
    for statement in policy_statements(r, props.get("PolicyDocument"), f"AWS::Lambda::ResourcePolicy {lid}",
                                       r._res_line(lid)):
        statement.update(extra)
        doc.resource_policy.append(statement)
        doc.lines[f"/resource_policy/{len(doc.resource_policy) - 1}"] = statement["line"]
