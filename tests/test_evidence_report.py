"""Evidence in findings and reports: configuration findings it confirms, ranking, the inline chart."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from lambda_advisor.pipeline import Settings, evaluate, scan_paths
from lambda_advisor.report import render
from lambda_advisor.report.charts import function_chart

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "rules"


def _doc(name: str, fixture: str = "LA602-timeouts-hit.fail.json") -> dict[str, Any]:
    doc: dict[str, Any] = copy.deepcopy(json.loads((FIXTURES / fixture).read_text(encoding="utf-8"))["functions"][0])
    doc["name"] = name
    doc["id"] = doc["source"]["arn"] = f"arn:aws:lambda:eu-west-1:123456789012:function:{name}"
    return doc


def _async_without_dlq(name: str, dropped: list[float] | None) -> dict[str, Any]:
    doc = _doc(name)
    doc["event_sources"] = [{"type": "s3", "invocation": "async", "name": "uploads", "arn": "arn:aws:s3:::uploads",
                             "has_permission": True}]
    doc["timeout_s"] = 30
    doc["event_invoke"] = False
    if dropped is None:
        del doc["evidence"]
    else:
        doc["evidence"]["metrics"]["AsyncEventsDropped"] = {"stat": "Sum", "start": "2026-11-08", "period_s": 86400,
                                                            "values": dropped}
    return doc


def test_la201_carries_the_events_dropped_and_ranks_first() -> None:
    measured = _async_without_dlq("b-measured", [0] * 12 + [312, 0])
    quiet = _async_without_dlq("c-quiet-week", [0] * 14)  # evidence read, nothing dropped: nothing attached
    unread = _async_without_dlq("a-unread", None)
    result = evaluate([unread, measured, quiet], Settings())
    la201 = {f.location.function_name: f for f in result.findings if f.rule_id == "LA201"}
    assert set(la201) == {"a-unread", "b-measured", "c-quiet-week"}
    assert la201["b-measured"].message.endswith("measured: 312 asynchronous events dropped in the last 14 days")
    assert la201["b-measured"].extra["evidence"] == {"AsyncEventsDropped": 312}
    assert "evidence" not in la201["a-unread"].extra and "measured" not in la201["c-quiet-week"].message
    page = render("html", result)
    first = page[page.index('<div id="first">'):page.index("</ol>", page.index('<div id="first">'))]
    order = [m.group(1) for m in re.finditer(r'data-rule="LA201"[^>]*>.*?function:([a-z-]+)', first)]
    assert order[0] == "b-measured", order
    marks = re.findall(r'data-rule="LA201".*?(<span class="measured">measured</span>)?\s*<span class="id">', first)
    assert marks == ['<span class="measured">measured</span>', "", ""], marks


def test_la205_carries_the_longest_invocation() -> None:
    doc = _doc("long-runner")
    doc["timeout_s"] = 900
    doc["evidence"]["metrics"]["Duration"]["values"] = [61_000.0] * 13 + [812_400.0]
    result = evaluate([doc], Settings())
    la205 = [f for f in result.findings if f.rule_id == "LA205"]
    assert la205 and "measured: the longest invocation in the last 14 days took 812 s of its 900 s timeout" \
        in la205[0].message


def test_la207_carries_the_throttles() -> None:
    doc = _doc("sqs-worker")
    doc["reserved_concurrency"] = 5
    doc["event_sources"] = [{"type": "sqs", "invocation": "poll", "name": "jobs",
                             "arn": "arn:aws:sqs:eu-west-1:123456789012:jobs",
                             "queue": {"name": "jobs", "redrive_policy": False, "visibility_timeout_s": 300}}]
    doc["evidence"]["metrics"]["Throttles"]["values"] = [0] * 13 + [418]
    result = evaluate([doc], Settings())
    la207 = [f for f in result.findings if f.rule_id == "LA207"]
    assert la207 and la207[0].message.endswith("measured: throttled 418 times in the last 14 days")


def test_chart_draws_volume_and_duration_against_the_timeout_and_escapes_names() -> None:
    doc = _doc('<script>alert("x")</script>&')
    svg = function_chart(doc)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "<script" not in svg and "&lt;script&gt;" in svg
    assert "stroke-dasharray" in svg  # the timeout line
    assert svg.count("<circle") == 14  # one point per day of Duration
    assert "2026-11-17: longest 3,000 ms" in svg or "2026-11-17: longest 3,001 ms" in svg


def test_chart_only_for_functions_with_daily_invocations() -> None:
    doc = _doc("x")
    del doc["evidence"]
    assert function_chart(doc) == ""
    doc = _doc("y")
    doc["evidence"]["metrics"] = {"Invocations": {"stat": "Sum", "start": "bad", "period_s": 86400, "values": [1, None]}}
    assert "no invocations" in function_chart(doc)  # an unparsable start still draws, days unnamed


def test_html_report_of_a_snapshot_has_one_chart_per_function_with_evidence() -> None:
    result = scan_paths([FIXTURES / "LA601-error-rate.fail.json"], Settings())
    page = render("html", result)
    assert page.count('<svg class="evidence"') == 2
    assert "http" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"|https?://[^"<]*(?=["<])', "",
                                page[page.index('<svg class="evidence"'):page.index("</svg>") + 6])


def test_evidence_rules_stay_silent_without_evidence() -> None:
    docs = [_doc(f"fn{i}") for i in range(2)]
    for d in docs:
        del d["evidence"]
    result = evaluate(docs, Settings(select=["ALL"]))
    assert not [f for f in result.findings if f.rule_id.startswith("LA6")]
