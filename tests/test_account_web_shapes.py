"""Whatever Lambda Web and Lambda Core answer within their service models becomes a valid document.

Answers are drawn with Hypothesis from botocore's own output shapes (every member optional or
present, any string, any enum value AWS may add later as a plain string, any integer), run
through the same shape functions the live audit uses, and the document is checked against the
function schema and by every rule.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lambda_advisor.model import Function, Source, validate_document
from lambda_advisor.pipeline import Settings, evaluate
from lambda_advisor.sources.account.core import lifecycle_facts, runtime_config_from
from lambda_advisor.sources.account.web import endpoint_entry, revision_entry, web_document

settings.register_profile("web-shapes", max_examples=25, deadline=None)


def _model(service: str) -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model(service)


def _strategy(shape: Any, depth: int = 0) -> st.SearchStrategy[Any]:
    """Values of a botocore shape: required members always, the others sometimes."""
    kind = shape.type_name
    if kind == "structure":
        required = set(shape.required_members)
        if depth > 6:
            return st.fixed_dictionaries({})
        fixed = {n: _strategy(m, depth + 1) for n, m in shape.members.items() if n in required}
        optional = {n: _strategy(m, depth + 1) for n, m in shape.members.items() if n not in required}
        return st.fixed_dictionaries(fixed, optional=optional)
    if kind == "list":
        return st.lists(_strategy(shape.member, depth + 1), max_size=3)
    if kind == "map":
        return st.dictionaries(st.text(min_size=1, max_size=12), _strategy(shape.value, depth + 1), max_size=3)
    if kind in ("integer", "long"):
        return st.integers(min_value=-5, max_value=10_000)
    if kind == "boolean":
        return st.booleans()
    if kind == "timestamp":
        return st.just(datetime(2026, 12, 1, tzinfo=timezone.utc))
    if kind == "string":
        enum = getattr(shape, "enum", None) or []
        return st.one_of(st.sampled_from(enum), st.text(max_size=20)) if enum else st.text(max_size=40)
    return st.none()


_WEB = _model("lambda-web")
_CORE = _model("lambda-core")
_SUMMARY = _WEB.operation_model("ListWebFunctions").output_shape.members["functions"].member
_ENDPOINT = _WEB.operation_model("ListWebFunctionEndpoints").output_shape.members["endpoints"].member
_REVISION = _WEB.operation_model("GetWebFunctionRevision").output_shape
_ALIAS = _CORE.operation_model("GetRuntimeAlias").output_shape


@settings(settings.get_profile("web-shapes"))
@given(summary=_strategy(_SUMMARY), endpoints=st.lists(_strategy(_ENDPOINT), max_size=3),
       revisions=st.lists(_strategy(_REVISION), max_size=3))
def test_any_answer_within_the_model_is_a_valid_document_and_rules_run(
        summary: dict[str, Any], endpoints: list[dict[str, Any]], revisions: list[dict[str, Any]]) -> None:
    fn = web_document({**summary, "functionArn": "arn:aws:lambda:us-east-1:123456789012:web-function/x",
                       "functionName": summary.get("functionName") or "x"}, region="us-east-1",
                      account="123456789012")
    fn.endpoints = [endpoint_entry(e) for e in endpoints]
    fn.revisions = [revision_entry(r, function_name=fn.name, served_by=["live"]) for r in revisions]
    fn.resource_policy, fn.tags = [], {}
    doc = fn.to_json()
    validate_document(doc)
    result = evaluate([doc], Settings(select=["ALL"]))
    assert not result.errors, result.errors


@settings(settings.get_profile("web-shapes"))
@given(alias=_strategy(_ALIAS))
def test_any_runtime_alias_answer_fits_the_runtime_config(alias: dict[str, Any]) -> None:
    config = runtime_config_from({"RuntimeConfig": {"RuntimeArn": "arn:aws:lambda:us-east-1:123456789012:runtime/r",
                                                    "RuntimeAlias": "prod"}})
    assert isinstance(config, dict)
    config.update(lifecycle_facts(alias))
    fn = Function(id="arn:aws:lambda:us-east-1:123456789012:function:f", name="f",
                  source=Source(kind="account"), runtime_config=config)
    doc = fn.to_json()
    validate_document(doc)
    assert not evaluate([doc], Settings(select=["ALL"])).errors
