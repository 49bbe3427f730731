"""LA204, LA206, LA207 and LA208 on hand-built documents."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from lambda_advisor.checks import Context
from lambda_advisor.checks.concurrency import reserved_concurrency_with_sqs
from lambda_advisor.checks.permissions import source_without_permission
from lambda_advisor.checks.timeouts import timeout_beyond_api_limit, visibility_shorter_than_timeout
from lambda_advisor.engine import Engine, RunOptions, load_rules, select_rules
from lambda_advisor.model import validate_document

TODAY = date(2026, 11, 22)
CTX = Context(params={"ratio": 6}, today=TODAY)


def doc(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"id": "t.yaml#Fn", "name": "Fn", "timeout_s": 30, "event_sources": [],
                            "resource_policy": [], "reserved_concurrency": False, "lines": {},
                            "source": {"kind": "template", "file": "t.yaml", "line": 5, "logical_id": "Fn"},
                            "suppressions": []}
    base.update(fields)
    return base


def sqs(visibility: int | None = 180, *, name: str = "Jobs", queue: str = "JobsQueue",
        maximum_concurrency: int | None = None) -> dict[str, Any]:
    return {"type": "sqs", "invocation": "poll", "name": name, "line": 40, "maximum_concurrency": maximum_concurrency,
            "queue": {"logical_id": queue, "name": queue, "redrive_policy": {"maxReceiveCount": 5},
                      "visibility_timeout_s": visibility, "line": 12}}


def api(name: str = "GetItem", ms: int | None = 29000, kind: str = "api") -> dict[str, Any]:
    return {"type": kind, "invocation": "sync", "name": name, "api_timeout_ms": ms, "has_permission": True}


def run(rule: str, d: dict[str, Any], **params: Any) -> list[Any]:
    options = RunOptions(today=TODAY, params={rule: params} if params else {})
    return Engine(select_rules(load_rules(), [rule]), options).run([d])


# LA204 ----------------------------------------------------------------------------------------

def test_visibility_under_six_times_the_timeout_names_queue_numbers_and_minimum() -> None:
    (hit,) = visibility_shorter_than_timeout(doc(event_sources=[api(), sqs(60)]), CTX)
    assert hit.pointer == "/event_sources/1"
    assert "SQS queue JobsQueue (event Jobs)" in hit.message
    assert "visibility timeout is 60 s" in hit.message and "timeout of 30 s" in hit.message
    assert "at least 180 s" in hit.message
    assert hit.extra == {"queue": "JobsQueue", "visibility_timeout_s": 60, "timeout_s": 30, "minimum_s": 180}
    assert hit.subject == "sqs-visibility:JobsQueue"


def test_visibility_under_the_timeout_says_lambda_refuses_the_mapping() -> None:
    (hit,) = visibility_shorter_than_timeout(doc(timeout_s=45, event_sources=[sqs(30)]), CTX)
    assert "refuses to create or update" in hit.message


@pytest.mark.parametrize(("timeout", "source"), [
    (30, sqs(180)),  # exactly 6 ×
    (3, sqs(30)),  # the defaults: 30 s queue, 3 s function
    (None, sqs(30)),  # timeout not known
    (30, sqs(None)),  # visibility not known (queue outside the template)
    (30, {**sqs(30), "queue": None}),
    (30, {"type": "kinesis", "invocation": "poll", "name": "Clicks"}),
])
def test_visibility_long_enough_or_unknown_passes(timeout: Any, source: dict[str, Any]) -> None:
    assert list(visibility_shorter_than_timeout(doc(timeout_s=timeout, event_sources=[source]), CTX)) == []


def test_visibility_ratio_is_a_param_and_the_finding_points_at_the_event_source() -> None:
    d = doc(event_sources=[sqs(120)], lines={"/event_sources/0": 41})
    assert run("LA204", d) != []
    assert run("LA204", d, ratio=4) == []
    (finding,) = run("LA204", d, ratio=5)
    assert finding.location.line == 41 and "at least 150 s (5 × 30 s)" in finding.message


def test_one_finding_per_queue() -> None:
    d = doc(event_sources=[sqs(60), sqs(90, name="Other", queue="OtherQueue")])
    hits = list(visibility_shorter_than_timeout(d, CTX))
    assert [h.pointer for h in hits] == ["/event_sources/0", "/event_sources/1"]
    assert len({h.subject for h in hits}) == 2


# LA206 ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("timeout", "source", "fires"), [
    (30, api(), True),  # REST default 29 s
    (29, api(), False),
    (30, api(kind="http_api", ms=30000), False),  # HTTP API maximum
    (31, api(kind="http_api", ms=30000), True),
    (10, api(ms=5000), True),  # a lower TimeoutInMillis
    (120, api(ms=150000), False),  # a Regional REST API with a raised limit
    (60, api(ms=None), False),  # limit not known (live: the integration is not read)
    (None, api(), False),
    (60, {"type": "alb", "invocation": "sync", "name": "Tg"}, False),
])
def test_api_timeout(timeout: Any, source: dict[str, Any], fires: bool) -> None:
    hits = list(timeout_beyond_api_limit(doc(timeout_s=timeout, event_sources=[source]), CTX))
    assert bool(hits) is fires


def test_api_timeout_message_names_the_event_limit_and_the_billed_overrun() -> None:
    (hit,) = timeout_beyond_api_limit(doc(timeout_s=60, event_sources=[sqs(), api("Report")]), CTX)
    assert hit.pointer == "/event_sources/1"
    assert "API Gateway REST API event Report waits at most 29 s" in hit.message
    assert "504" in hit.message and "31 s more" in hit.message


@pytest.mark.parametrize(("timeout", "ms", "params", "severity"), [
    (30, 29000, {}, "info"),  # 1 s over the REST default: only requests between 29 and 30 s run on unseen
    (31, 29000, {}, None),  # 2 s over: the rule's own severity
    (31, 29000, {"minor_overshoot_s": 2}, "info"),
    (30, 29500, {}, "info"),
])
def test_a_minor_overshoot_is_info(timeout: int, ms: int, params: dict[str, Any], severity: str | None) -> None:
    ctx = Context(params=params, today=CTX.today)
    (hit,) = timeout_beyond_api_limit(doc(timeout_s=timeout, event_sources=[api(ms=ms)]), ctx)
    assert hit.severity == severity
    assert ("only requests that take between the two limits" in hit.message) is (severity == "info")


def test_many_routes_make_one_finding_at_the_first_route_with_the_smallest_limit() -> None:
    sources = [api("A"), api("B", ms=29000, kind="api"), api("C", ms=10000), api("Fast", ms=29000)]
    d = doc(timeout_s=60, event_sources=[api("Ok", ms=90000), *sources])
    (hit,) = timeout_beyond_api_limit(d, CTX)
    assert hit.pointer == "/event_sources/1"
    assert "events A, B, C and Fast wait at most 10 s" in hit.message
    assert hit.subject == "api-timeout"


def test_rest_and_http_routes_together() -> None:
    d = doc(timeout_s=45, event_sources=[api("Rest"), api("Http", ms=30000, kind="http_api")])
    (hit,) = timeout_beyond_api_limit(d, CTX)
    assert "API Gateway events Rest and Http wait at most 29 s" in hit.message


def test_more_than_five_routes_are_summarised() -> None:
    d = doc(timeout_s=60, event_sources=[api(f"R{i}") for i in range(8)])
    (hit,) = timeout_beyond_api_limit(d, CTX)
    assert "events R0, R1, R2, R3 and 4 more wait" in hit.message


# LA207 ----------------------------------------------------------------------------------------

def test_reserved_concurrency_with_uncapped_sqs_fires_at_reserved_concurrency() -> None:
    d = doc(reserved_concurrency=10, event_sources=[sqs()], lines={"/reserved_concurrency": 9})
    (hit,) = reserved_concurrency_with_sqs(d, CTX)
    assert hit.pointer == "/reserved_concurrency"
    assert "reserved concurrency 10" in hit.message and "JobsQueue" in hit.message
    assert "MaximumConcurrency" in hit.message and "at most 10" in hit.message
    (finding,) = run("LA207", d)
    assert finding.location.line == 9


@pytest.mark.parametrize(("reserved", "sources"), [
    (False, [sqs()]),  # known: none
    (None, [sqs()]),  # unknown
    (True, [sqs()]),  # a boolean is not a number, even in Python
    (10, [api()]),  # no queue
    (10, [sqs(maximum_concurrency=10)]),
    (10, [sqs(maximum_concurrency=4), sqs(name="B", maximum_concurrency=6)]),
])
def test_reserved_concurrency_silent(reserved: Any, sources: list[dict[str, Any]]) -> None:
    assert list(reserved_concurrency_with_sqs(doc(reserved_concurrency=reserved, event_sources=sources), CTX)) == []


def test_maximum_concurrency_above_reserved_fires() -> None:
    (hit,) = reserved_concurrency_with_sqs(doc(reserved_concurrency=5, event_sources=[sqs(maximum_concurrency=20)]),
                                           CTX)
    assert "MaximumConcurrency (20) is above the reserved 5" in hit.message


def test_maximum_concurrency_of_several_sources_adds_up() -> None:
    sources = [sqs(maximum_concurrency=6), sqs(name="B", queue="BQueue", maximum_concurrency=6)]
    (hit,) = reserved_concurrency_with_sqs(doc(reserved_concurrency=10, event_sources=sources), CTX)
    assert "adds up to 12" in hit.message and "queues JobsQueue (event Jobs) and BQueue (event B)" in hit.message


def test_one_uncapped_source_among_capped_ones_is_named() -> None:
    sources = [sqs(maximum_concurrency=2), sqs(name="B", queue="BQueue")]
    (hit,) = reserved_concurrency_with_sqs(doc(reserved_concurrency=10, event_sources=sources), CTX)
    assert "caps the pollers of BQueue (event B)" in hit.message


def test_reserved_concurrency_zero_says_the_function_is_off() -> None:
    d = doc(reserved_concurrency=0, event_sources=[sqs(maximum_concurrency=2)])
    (hit,) = reserved_concurrency_with_sqs(d, CTX)
    assert "reserved concurrency 0, which switches it off" in hit.message


def test_reserved_concurrency_below_the_smallest_maximum_concurrency() -> None:
    (hit,) = reserved_concurrency_with_sqs(doc(reserved_concurrency=1, event_sources=[sqs()]), CTX)
    assert "cannot go below 2" in hit.message and "at least 2" in hit.message


# LA208 ----------------------------------------------------------------------------------------

def push(kind: str, invocation: str = "async", has_permission: Any = False, name: str = "Src") -> dict[str, Any]:
    return {"type": kind, "invocation": invocation, "name": name, "source_logical_id": name,
            "has_permission": has_permission, "line": 30}


def stmt(principal: Any, actions: list[Any] | None = None, effect: str = "Allow") -> dict[str, Any]:
    return {"effect": effect, "actions": actions or ["lambda:InvokeFunction"], "resources": ["*"],
            "principal": principal}


def test_source_without_permission_names_the_source_and_the_principal() -> None:
    (hit,) = source_without_permission(doc(event_sources=[sqs(), push("s3", name="Uploads")]), CTX)
    assert hit.pointer == "/event_sources/1"
    assert hit.message.startswith("S3 (Uploads) is wired to invoke Fn")
    assert "s3.amazonaws.com" in hit.message and "events are lost" in hit.message
    assert hit.subject == "permission:s3:Uploads"


def test_sync_source_without_permission_says_the_caller_gets_an_error() -> None:
    (hit,) = source_without_permission(doc(event_sources=[push("api", "sync")]), CTX)
    assert "caller gets an error" in hit.message


@pytest.mark.parametrize("source", [
    push("s3", has_permission=None),  # unknown
    push("s3", has_permission=True),
    push("sqs", "poll"),  # pollers use the execution role
    push("other"),  # no service principal we know
])
def test_permission_present_unknown_or_not_needed(source: dict[str, Any]) -> None:
    assert list(source_without_permission(doc(event_sources=[source]), CTX)) == []


@pytest.mark.parametrize(("kind", "statement"), [
    ("http_api", stmt("apigateway.amazonaws.com")),  # the policy shows the grant the source did not link
    ("logs", stmt("logs.eu-west-1.amazonaws.com")),
    ("logs", stmt("logs.${AWS::Region}.amazonaws.com")),
    ("schedule", stmt("events.amazonaws.com")),
    ("sns", stmt("*")),
    ("sns", stmt({"unresolved": "!Ref InvokerPrincipal"})),
    ("sns", stmt("sns.amazonaws.com", actions=[{"unresolved": "!Ref Action"}])),
    ("sns", stmt("sns.amazonaws.com", actions=["lambda:*"])),
])
def test_policy_that_grants_or_may_grant_the_service_stays_silent(kind: str, statement: dict[str, Any]) -> None:
    d = doc(event_sources=[push(kind)], resource_policy=[statement])
    assert list(source_without_permission(d, CTX)) == []


@pytest.mark.parametrize("statement", [
    stmt("s3.amazonaws.com"),  # another service
    stmt("sns.amazonaws.com", effect="Deny"),
    stmt("sns.amazonaws.com", actions=["lambda:InvokeFunctionUrl"]),
    stmt("arn:aws:iam::123456789012:root"),
])
def test_policy_for_something_else_does_not_count(statement: dict[str, Any]) -> None:
    d = doc(event_sources=[push("sns")], resource_policy=[statement])
    assert len(list(source_without_permission(d, CTX))) == 1


def test_each_source_is_its_own_finding_and_points_at_its_line() -> None:
    d = doc(event_sources=[push("s3", name="Uploads"), push("eventbridge", name="Rule")],
            lines={"/event_sources/1": 52})
    findings = run("LA208", d)
    assert [f.location.line for f in findings] == [30, 52]
    assert findings[0].severity == "high"


# the four rules on one valid document -------------------------------------------------------

def test_documents_used_here_are_valid_function_documents() -> None:
    from lambda_advisor.model import Function, Source

    full = Function(id="t.yaml#Fn", name="Fn",
                    source=Source(kind="template", file="t.yaml", line=5, logical_id="Fn")).to_json()
    full.update(timeout_s=60, reserved_concurrency=5,
                event_sources=[sqs(60), api("Report"), push("s3", name="Uploads")])
    validate_document(full)
    rules = select_rules(load_rules(), ["LA204", "LA206", "LA207", "LA208"])
    found = {f.rule_id for f in Engine(rules, RunOptions(today=TODAY)).run([full])}
    assert found == {"LA204", "LA206", "LA207", "LA208"}


# LA102 and LA211 on one URL ---------------------------------------------------------------------

def test_one_public_url_without_its_invoke_grant_is_one_finding_with_both_facts() -> None:
    from pathlib import Path

    from lambda_advisor.pipeline import Settings, scan_paths

    fixture = Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "LA102-url-none-cfn.fail.yaml"
    findings = scan_paths([fixture], Settings(select=["LA102", "LA211"], today=date(2026, 11, 22))).findings
    (finding,) = findings
    assert finding.rule_id == "LA102"
    assert "403 Forbidden" in finding.message and "without AWS credentials" in finding.message
    # with LA102 off, LA211 states the missing grant on its own
    (alone,) = scan_paths([fixture], Settings(select=["LA211"], today=date(2026, 11, 22))).findings
    assert alone.rule_id == "LA211" and "403 Forbidden" in alone.message
