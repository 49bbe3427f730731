"""LA601–LA610: what CloudWatch and Compute Optimizer measured (``evidence`` in the document).

Each check reads only ``doc["evidence"]`` (and the configuration it explains); a metric
that was not read is absent and the check stays silent, so a template, or an audit run with
``--no-evidence``, never yields these findings. A Sum with no datapoint on a day counts as
zero (Lambda publishes nothing when nothing happened); a Maximum with no datapoint is unknown.
Every hit carries ``extra["evidence"]``: the measured values the message quotes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, TypeGuard

from lambda_advisor.checks import Context, Document, Hit


def series(doc: Document, metric: str, *, resource: str | None = None) -> dict[str, Any] | None:
    """A metric's series as read, or None when it was not read."""
    ev = doc.get("evidence")
    if not isinstance(ev, dict):
        return None
    holder = (ev.get("provisioned") or {}).get(resource) if resource else ev.get("metrics")
    found = (holder or {}).get(metric) if isinstance(holder, dict) else None
    return found if isinstance(found, dict) and isinstance(found.get("values"), list) else None


def days(s: dict[str, Any]) -> list[tuple[date, float | None]]:
    """(day, value) pairs of a series."""
    try:
        first = date.fromisoformat(str(s["start"]))
    except ValueError:
        return []
    step = max(1, int(s.get("period_s") or 86_400) // 86_400)
    return [(first + timedelta(days=i * step), v if isinstance(v, (int, float)) else None)
            for i, v in enumerate(s["values"])]


def total(s: dict[str, Any] | None) -> float:
    return sum(v for v in (s or {}).get("values") or [] if isinstance(v, (int, float)))


def peak(s: dict[str, Any] | None) -> tuple[date | None, float | None]:
    """The day and value of a series' largest datapoint."""
    best: tuple[date | None, float | None] = (None, None)
    for day, v in days(s) if s else []:
        if v is not None and (best[1] is None or v > best[1]):
            best = (day, v)
    return best


def window(s: dict[str, Any]) -> str:
    return f"the last {len(s['values'])} days"


def n(value: float) -> str:
    """A count as people write it: 1,234; a fraction of a millisecond is not worth showing."""
    return f"{value:,.0f}" if float(value).is_integer() or value >= 100 else f"{value:,.1f}"


def _number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --------------------------------------------------------------------------- LA601

def error_rate(doc: Document, ctx: Context) -> Iterator[Hit]:
    """Errors / Invocations above ``max_error_rate`` on any day with at least ``min_invocations``."""
    inv, err = series(doc, "Invocations"), series(doc, "Errors")
    if inv is None or err is None:
        return
    errors = {d: v for d, v in days(err) if v}
    worst: tuple[float, date, float, float] | None = None
    bad_days = 0
    for day, calls in days(inv):
        failed = errors.get(day, 0.0)
        if not calls or calls < ctx.params["min_invocations"]:
            continue
        rate = failed / calls
        if rate > ctx.params["max_error_rate"]:
            bad_days += 1
            if worst is None or rate > worst[0]:
                worst = (rate, day, failed, calls)
    if worst is None:
        return
    rate, day, failed, calls = worst
    more = f" ({bad_days} such days in {window(inv)})" if bad_days > 1 else ""
    yield Hit(
        message=(f"{doc['name']} failed {n(failed)} of {n(calls)} invocations ({rate:.0%}) on {day.isoformat()}{more}, "
                 f"above the {ctx.params['max_error_rate']:.0%} a day that Trusted Advisor flags; read its logs for "
                 "the errors of that day"),
        pointer=None, subject="error-rate",
        extra={"evidence": {"worst_day": day.isoformat(), "errors": failed, "invocations": calls,
                            "rate": round(rate, 4), "days_over": bad_days}})


# --------------------------------------------------------------------------- LA602

def timeouts_hit(doc: Document, ctx: Context) -> Iterator[Hit]:
    """The longest invocation of a day reached the configured timeout: at least one invocation timed out."""
    dur, timeout = series(doc, "Duration"), doc.get("timeout_s")
    if dur is None or not _number(timeout) or timeout <= 0:
        return
    limit_ms = float(timeout) * 1000
    hit_days = [(d, v) for d, v in days(dur) if v is not None and v >= limit_ms * ctx.params["at_timeout_ratio"]]
    if not hit_days:
        return
    last = hit_days[-1][0]
    yield Hit(
        message=(f"{doc['name']} ran into its {n(float(timeout))} s timeout on {len(hit_days)} of {window(dur)} "
                 f"(longest invocation {n(max(v for _, v in hit_days) / 1000)} s, last on {last.isoformat()}): those "
                 "invocations were stopped mid-work; find what they waited on, or raise the timeout"),
        pointer="/timeout_s", subject="timeouts-hit",
        extra={"evidence": {"days_at_timeout": len(hit_days), "last_day": last.isoformat(),
                            "timeout_ms": limit_ms, "max_duration_ms": max(v for _, v in hit_days)}})


# --------------------------------------------------------------------------- LA603

def throttled(doc: Document, ctx: Context) -> Iterator[Hit]:
    """Throttles measured, with the cap that caused them: reserved concurrency, the account's, or unknown."""
    thr = series(doc, "Throttles")
    if thr is None or total(thr) < ctx.params["min_throttles"]:
        return
    day, worst = peak(thr)
    reserved = doc.get("reserved_concurrency")
    reserved = reserved if _number(reserved) else None
    conc_day, conc = peak(series(doc, "ConcurrentExecutions"))
    claimed = ((doc.get("evidence") or {}).get("account") or {})
    limit = claimed.get("concurrency_limit")
    _, claimed_peak = peak(claimed.get("claimed_concurrency"))
    if reserved is not None and reserved > 0 and conc is not None and conc >= reserved:
        cause = f"its reserved concurrency of {reserved} (it ran {n(conc)} at once on {conc_day})"
        advice = "raise the reserved concurrency or cap the callers (MaximumConcurrency on an SQS source)"
    elif reserved == 0:
        cause = "its reserved concurrency of 0, which switches it off"
        advice = "remove the reservation of 0 or stop invoking it"
    elif _number(limit) and claimed_peak is not None and claimed_peak >= limit * ctx.params["account_ratio"]:
        cause = f"the account's concurrency quota ({n(claimed_peak)} of {limit} claimed in the region at the peak)"
        advice = "ask for a higher concurrency quota or reserve concurrency for the functions that matter"
    else:
        cause = "a concurrency cap the metrics do not name (reserved, account or burst scaling)"
        advice = "compare ConcurrentExecutions with its reserved and the account's concurrency"
    yield Hit(
        message=(f"{doc['name']} was throttled {n(total(thr))} times in {window(thr)} (most on {day}: {n(worst or 0)}) by "
                 f"{cause}; synchronous callers got 429 errors and event sources retried; {advice}"),
        pointer="/reserved_concurrency" if reserved is not None else None, subject="throttled",
        extra={"evidence": {"throttles": total(thr), "peak_day": str(day), "reserved_concurrency": reserved,
                            "concurrency_peak": conc, "account_limit": limit, "claimed_peak": claimed_peak}})


# --------------------------------------------------------------------------- LA604

def async_events_lost(doc: Document, ctx: Context) -> Iterator[Hit]:
    """Events dropped, or not delivered to the dead-letter queue or the on-failure destination."""
    dropped = total(series(doc, "AsyncEventsDropped"))
    dlq = total(series(doc, "DeadLetterErrors"))
    dest = total(series(doc, "DestinationDeliveryFailures"))
    parts = []
    if dropped >= ctx.params["min_events"]:
        parts.append(f"dropped {n(dropped)} asynchronous events (retries or maximum event age used up)")
    if dlq >= ctx.params["min_events"]:
        parts.append(f"failed to write {n(dlq)} events to its dead-letter queue")
    if dest >= ctx.params["min_events"]:
        parts.append(f"failed to deliver {n(dest)} events to its destination")
    if not parts:
        return
    s = series(doc, "AsyncEventsDropped") or series(doc, "DeadLetterErrors") or series(doc, "DestinationDeliveryFailures")
    assert s is not None
    invoke: dict[str, Any] = doc["event_invoke"] if isinstance(doc.get("event_invoke"), dict) else {}
    if invoke.get("on_failure") or doc.get("dead_letter_target"):
        advice = ("check that the dead-letter queue or destination still exists and that the execution role may "
                  "send to it (and use its KMS key)")
    else:
        advice = "add an on-failure destination or a dead-letter queue"
    yield Hit(
        message=f"{doc['name']} {' and '.join(parts)} in {window(s)}: those events are gone; {advice}",
        pointer="/event_invoke", subject="async-events-lost",
        extra={"evidence": {"dropped": dropped, "dead_letter_errors": dlq, "destination_failures": dest}})


# --------------------------------------------------------------------------- LA605

def iterator_age(doc: Document, ctx: Context) -> Iterator[Hit]:
    """A stream's iterator age near its retention: records expire before the function reads them."""
    age = series(doc, "IteratorAge")
    if age is None:
        return
    points = [(d, v) for d, v in days(age) if v is not None]
    if not points:
        return
    retention_ms = float(ctx.params["retention_hours"]) * 3_600_000
    day, worst = max(points, key=lambda p: p[1])
    growing = len(points) >= 3 and points[-1][1] > points[0][1] and points[-1][1] >= points[-2][1]
    if worst < retention_ms * ctx.params["retention_ratio"]:
        return
    trend = "and still growing" if growing else "at its peak"
    yield Hit(
        message=(f"{doc['name']} fell {worst / 3_600_000:,.1f} h behind its stream on {day.isoformat()} ({trend}), "
                 f"{worst / retention_ms:.0%} of the stream's {ctx.params['retention_hours']} h retention: records "
                 "older than the retention expire unread; add shards or parallelisation, or fix the failing batch"),
        pointer="/event_sources", subject="iterator-age",
        extra={"evidence": {"max_iterator_age_ms": worst, "day": day.isoformat(), "retention_ms": retention_ms,
                            "growing": growing}})


# --------------------------------------------------------------------------- LA606

def not_invoked(doc: Document, ctx: Context) -> Iterator[Hit]:
    """No invocation in a window of at least ``idle_days``."""
    inv = series(doc, "Invocations")
    if inv is None or len(inv["values"]) < ctx.params["idle_days"] or total(inv) > 0:
        return
    yield Hit(
        message=(f"{doc['name']} was not invoked in {window(inv)}: it still costs its log storage, provisioned "
                 "resources and a role anyone who can invoke it may use; delete it, or tag why it stays"),
        pointer=None, subject="not-invoked",
        extra={"evidence": {"idle_days": len(inv["values"]), "since": inv["start"]}})


# --------------------------------------------------------------------------- LA607

def memory_misprovisioned(doc: Document, ctx: Context) -> Iterator[Hit]:
    """Compute Optimizer finds the memory over- or under-provisioned."""
    mem = (doc.get("evidence") or {}).get("memory")
    if not isinstance(mem, dict) or mem.get("finding") != "NotOptimized":
        return
    reasons = set(mem.get("reasons") or [])
    current, best = mem.get("current_mb") or doc.get("memory_mb"), mem.get("recommended_mb")
    if "MemoryUnderprovisioned" in reasons:
        what = "under-provisioned: it runs short of memory and CPU, so it runs longer than it needs to"
    elif "MemoryOverprovisioned" in reasons:
        what = "over-provisioned: it pays for memory it does not use"
    else:
        return
    to = f"; set {best} MB" if best else ""
    savings = mem.get("savings_usd_month")
    saved = f" (Compute Optimizer estimates ${savings:,.2f} a month saved)" if _number(savings) and savings > 0 else ""
    lookback = mem.get("lookback_days")
    yield Hit(
        message=(f"{doc['name']} has {current} MB of memory, which Compute Optimizer finds {what}"
                 f"{f' (over {n(lookback)} days)' if _number(lookback) else ''}{to}{saved}"),
        pointer="/memory_mb", subject="memory",
        extra={"evidence": dict(mem)})


# --------------------------------------------------------------------------- LA608

def account_headroom(doc: Document, ctx: Context) -> Iterator[Hit]:
    """Claimed concurrency near the account's quota in the region: one finding per account and region."""
    acct = (doc.get("evidence") or {}).get("account") or {}
    limit = acct.get("concurrency_limit")
    claimed = acct.get("claimed_concurrency")
    if not _number(limit) or limit <= 0 or not isinstance(claimed, dict):
        return
    day, top = peak(claimed)
    if top is None or top < limit * ctx.params["claimed_ratio"]:
        return
    src = doc.get("source") or {}
    here = (src.get("account"), src.get("region"))
    peers = [d for d in ctx.functions if (d.get("source") or {}).get("account") == here[0]
             and (d.get("source") or {}).get("region") == here[1] and (d.get("evidence") or {}).get("account")]
    if min(str(d.get("id")) for d in peers) != str(doc.get("id")):
        return  # the region's fact is reported once, on its first function
    yield Hit(
        message=(f"account {here[0] or '?'} in {here[1] or '?'} claimed {n(top)} of its {limit} concurrent executions "
                 f"on {day} ({top / limit:.0%}): a burst now throttles functions with no reserved concurrency; ask "
                 "for a higher quota, or lower what reserved and provisioned concurrency claim"),
        pointer=None, subject=f"account-headroom:{here[1]}",
        extra={"evidence": {"claimed_peak": top, "limit": limit, "day": str(day)}})


# --------------------------------------------------------------------------- LA609

def provisioned_concurrency(doc: Document, ctx: Context) -> Iterator[Hit]:
    """Provisioned concurrency that spills over (too little) or sits idle (paid for, unused)."""
    for resource in sorted((doc.get("evidence") or {}).get("provisioned") or {}):
        spill = series(doc, "ProvisionedConcurrencySpilloverInvocations", resource=resource)
        util = series(doc, "ProvisionedConcurrencyUtilization", resource=resource)
        spilled = total(spill)
        _, top = peak(util)
        if spill is not None and spilled >= ctx.params["min_spillover"]:
            yield Hit(
                message=(f"{doc['name']}:{resource} spilled {n(spilled)} invocations over its provisioned concurrency "
                         f"in {window(spill)} (peak utilisation {top or 0:.0%}): those ran on demand, with cold starts; "
                         "raise the provisioned concurrency or scale it with Application Auto Scaling"),
                pointer="/provisioned_concurrency", subject=f"provisioned-spillover:{resource}",
                extra={"evidence": {"resource": resource, "spillover": spilled, "peak_utilization": top}})
        elif util is not None and top is not None and top < ctx.params["idle_utilization"]:
            yield Hit(
                message=(f"{doc['name']}:{resource} never used more than {top:.0%} of its provisioned concurrency in "
                         f"{window(util)}: it is billed while idle; lower it or schedule it with Application Auto Scaling"),
                pointer="/provisioned_concurrency", subject=f"provisioned-idle:{resource}",
                extra={"evidence": {"resource": resource, "peak_utilization": top}})


# --------------------------------------------------------------------------- LA610

def recursion_stopped(doc: Document, ctx: Context) -> Iterator[Hit]:
    """Lambda detected a recursive loop and dropped its invocations."""
    s = series(doc, "RecursiveInvocationsDropped")
    dropped = total(s)
    if s is None or dropped < ctx.params["min_dropped"]:
        return
    day, _ = peak(s)
    yield Hit(
        message=(f"{doc['name']} is in a recursive loop: Lambda stopped {n(dropped)} of its invocations in {window(s)} "
                 f"(last peak {day}); the events that closed the loop were dropped or sent to its dead-letter queue; "
                 "break the loop (a different queue, topic or bucket for the output)"),
        pointer="/recursive_loop", subject="recursion-stopped",
        extra={"evidence": {"dropped": dropped, "peak_day": str(day)}})
