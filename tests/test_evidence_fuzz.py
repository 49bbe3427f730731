"""Property-based: any evidence a snapshot may hold (valid against the schema) is judged without an
error, and its chart is well-formed SVG with every label escaped."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lambda_advisor.model import validate_document
from lambda_advisor.pipeline import Settings, evaluate
from lambda_advisor.report.charts import function_chart

BASE = json.loads((Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "LA601-error-rate.fail.json")
                  .read_text(encoding="utf-8"))["functions"][0]
METRICS = ["Invocations", "Errors", "Throttles", "Duration", "AsyncEventsDropped", "AsyncEventAge", "DeadLetterErrors",
           "DestinationDeliveryFailures", "IteratorAge", "ConcurrentExecutions", "RecursiveInvocationsDropped"]
PC_METRICS = ["ProvisionedConcurrencyUtilization", "ProvisionedConcurrencySpilloverInvocations"]

value = st.one_of(st.none(), st.integers(0, 10**9),
                  st.floats(min_value=0, max_value=1e12, allow_nan=False, allow_infinity=False))
series = st.fixed_dictionaries({
    "stat": st.sampled_from(["Sum", "Maximum", "Average", "Minimum"]),
    "start": st.dates(date(2000, 1, 1), date(2100, 1, 1)).map(date.isoformat),
    "period_s": st.sampled_from([60, 3600, 86400, 172800]),
    "values": st.lists(value, max_size=120),
})
hostile = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30)
evidence = st.fixed_dictionaries({"metrics": st.dictionaries(st.sampled_from(METRICS), series, max_size=len(METRICS))},
                                 optional={
    "read_at": st.just("2026-11-22T09:00:00+00:00"),
    "provisioned": st.dictionaries(hostile, st.dictionaries(st.sampled_from(PC_METRICS), series), max_size=3),
    "account": st.fixed_dictionaries({}, optional={"claimed_concurrency": series,
                                                   "concurrency_limit": st.one_of(st.none(), st.integers(0, 10**6))}),
    "memory": st.fixed_dictionaries({"finding": st.one_of(st.sampled_from(["Optimized", "NotOptimized", "Unavailable"]),
                                                          hostile)}, optional={
        "reasons": st.lists(st.sampled_from(["MemoryOverprovisioned", "MemoryUnderprovisioned", "InsufficientData"])),
        "current_mb": st.one_of(st.none(), st.integers(128, 10240)),
        "recommended_mb": st.one_of(st.none(), st.integers(128, 10240)),
        "lookback_days": st.one_of(st.none(), st.floats(0, 90)),
        "savings_usd_month": st.one_of(st.none(), st.floats(-10, 1e6))}),
})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ev=evidence, name=hostile, timeout=st.one_of(st.none(), st.integers(1, 900)),
       reserved=st.one_of(st.none(), st.booleans(), st.integers(0, 3000)))
def test_any_valid_evidence_is_judged_and_drawn(ev: dict[str, Any], name: str, timeout: int | None,
                                                reserved: int | bool | None) -> None:
    doc = copy.deepcopy(BASE)
    doc.update({"name": name, "evidence": ev, "timeout_s": timeout,
                "reserved_concurrency": False if reserved is True else reserved})
    validate_document(doc)
    result = evaluate([doc], Settings(select=["ALL"]))
    assert not result.errors, [e.message for e in result.errors]
    for finding in result.findings:
        assert finding.message
    svg = function_chart(doc)
    if svg:
        ET.fromstring(svg)  # well-formed: every name and label escaped
        assert "<script" not in svg
