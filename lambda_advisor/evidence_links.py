"""Measurements that confirm configuration findings: LA201, LA205, LA207 and LA504 with their evidence.

A configuration rule says what *could* go wrong; where the function's document carries
run-time evidence (a live audit, or its snapshot), the finding gets the measurement that
shows it did: ``extra["evidence"]`` and a sentence at the end of the message. Only
measurements that bear on the finding are attached (dropped events for a missing DLQ, not a
quiet week); the fingerprint is unchanged (it never includes the message).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from lambda_advisor.checks.evidence import n, peak, series, total, window
from lambda_advisor.findings import Finding

Document = dict[str, Any]
#: Rule -> what its finding gains: (sentence, values) or None when nothing measured bears on it.
Link = Callable[[Document], "tuple[str, dict[str, Any]] | None"]


def _dropped(doc: Document) -> tuple[str, dict[str, Any]] | None:
    s = series(doc, "AsyncEventsDropped")
    dropped = total(s)
    if s is None or dropped <= 0:
        return None
    return f"measured: {n(dropped)} asynchronous events dropped in {window(s)}", {"AsyncEventsDropped": dropped}


def _longest(doc: Document) -> tuple[str, dict[str, Any]] | None:
    s = series(doc, "Duration")
    day, longest = peak(s)
    if s is None or longest is None:
        return None
    timeout = doc.get("timeout_s")
    of = f" of its {n(float(timeout))} s timeout" if isinstance(timeout, (int, float)) and timeout else ""
    return (f"measured: the longest invocation in {window(s)} took {n(longest / 1000)} s{of} ({day})",
            {"max_duration_ms": longest, "day": str(day)})


def _throttles(doc: Document) -> tuple[str, dict[str, Any]] | None:
    s = series(doc, "Throttles")
    throttled = total(s)
    if s is None or throttled <= 0:
        return None
    return f"measured: throttled {n(throttled)} times in {window(s)}", {"Throttles": throttled}


def _memory(doc: Document) -> tuple[str, dict[str, Any]] | None:
    mem = (doc.get("evidence") or {}).get("memory")
    if not isinstance(mem, dict) or not mem.get("finding"):
        return None
    best = mem.get("recommended_mb")
    advice = f", recommends {best} MB" if best else ""
    return f"measured: Compute Optimizer finds it {mem['finding']}{advice}", {"memory": dict(mem)}


LINKS: dict[str, Link] = {"LA201": _dropped, "LA205": _longest, "LA207": _throttles, "LA504": _memory}


def attach_evidence(findings: Sequence[Finding], docs: Sequence[Document]) -> None:
    """Add the measurement to each configuration finding that evidence confirms (in place)."""
    by_id = {d.get("id"): d for d in docs if isinstance(d.get("evidence"), dict)}
    if not by_id:
        return
    for finding in findings:
        link = LINKS.get(finding.rule_id)
        doc = by_id.get(finding.location.function_id)
        if link is None or doc is None:
            continue
        found = link(doc)
        if found is None:
            continue
        sentence, values = found
        finding.message = f"{finding.message}; {sentence}"
        finding.extra = {**finding.extra, "evidence": values}


def has_evidence(finding: Finding) -> bool:
    """A finding backed by a measurement: an evidence rule's, or a configuration finding evidence confirmed."""
    return isinstance(finding.extra, dict) and bool(finding.extra.get("evidence"))
