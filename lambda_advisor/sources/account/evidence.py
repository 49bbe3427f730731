"""Run-time evidence: what CloudWatch and Compute Optimizer measured for the functions of one region.

Read after the region's functions (their configuration decides which metrics are worth a
request), in as few calls as CloudWatch allows:

* ``ListMetrics`` (AWS/Lambda ``Invocations``, paginated) names the functions that ran in the
  last two weeks (CloudWatch lists metrics with data in that time); one more names the
  aliases and versions whose provisioned concurrency was used.
* One pass of ``GetMetricData`` (500 queries a call, one value a day): for functions that
  ran, ``Invocations``, ``Errors``, ``Throttles`` (Sum) and ``Duration`` (Maximum); the async
  metrics only where the function is invoked asynchronously, ``IteratorAge`` only for stream
  sources, ``ConcurrentExecutions`` only with reserved concurrency,
  ``RecursiveInvocationsDropped`` only where SQS, SNS or S3 can close a loop, the provisioned
  concurrency metrics only where it was used; every other function gets one 90-day
  ``Invocations`` query; the region one ``ClaimedAccountConcurrency`` query.
* ``GetLambdaFunctionRecommendations`` (Compute Optimizer) for memory, when the account is
  enrolled; otherwise a notice, never a guess.

Each call is paced like every other (a client-side bucket at a share of its quota, adaptive
retries). A denial or a failure is a notice: evidence adds to the audit, its absence never
hides configuration findings. A metric not read is absent from the document, never zero.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from lambda_advisor.model import Document
from lambda_advisor.sources.account.calls import Failed
from lambda_advisor.sources.account.pacing import LambdaRateLimiter

if TYPE_CHECKING:
    from lambda_advisor.sources.account.listing import RegionAudit

#: Per account and region and second (CloudWatch service quotas page; the GetMetricData figure
#: also in the knowledge-center article on GetMetricData):
#: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html
CLOUDWATCH_QUOTAS = {"GetMetricData": 50.0, "ListMetrics": 25.0, "other": 25.0}
#: A GetMetricData call carries at most 500 metric queries and returns at most 100,800 datapoints.
QUERIES_PER_CALL = 500
MAX_DATAPOINTS_PER_CALL = 100_800
#: CloudWatch's published price for GetMetricData: USD per 1,000 metrics requested (us-east-1;
#: GetMetricData is not in the free tier): https://aws.amazon.com/cloudwatch/pricing/
PRICE_PER_1000_METRICS_USD = 0.01
PRICE_SOURCE = "https://aws.amazon.com/cloudwatch/pricing/"
DAY_S = 86_400
#: Functions that did not run in the last two weeks get one Invocations query this long (LA606).
IDLE_WINDOW_DAYS = 90
#: Compute Optimizer is one paginated call per region: give up fast where it is not served.
COMPUTE_OPTIMIZER_ATTEMPTS = 2

#: What is read for every function that ran: (metric, statistic).
BASE_METRICS = (("Invocations", "Sum"), ("Errors", "Sum"), ("Throttles", "Sum"), ("Duration", "Maximum"))
ASYNC_METRICS = (("AsyncEventsDropped", "Sum"), ("AsyncEventAge", "Maximum"), ("DeadLetterErrors", "Sum"),
                 ("DestinationDeliveryFailures", "Sum"))
STREAM_METRICS = (("IteratorAge", "Maximum"),)
RESERVED_METRICS = (("ConcurrentExecutions", "Maximum"),)
LOOP_METRICS = (("RecursiveInvocationsDropped", "Sum"),)
PROVISIONED_METRICS = (("ProvisionedConcurrencyUtilization", "Maximum"),
                       ("ProvisionedConcurrencySpilloverInvocations", "Sum"))
STREAM_TYPES = frozenset({"kinesis", "dynamodb"})
LOOP_TYPES = frozenset({"sqs", "sns", "s3"})


@dataclass
class EvidenceOptions:
    """``audit --evidence`` (on by default) and ``--evidence-days``."""

    days: int = 14
    compute_optimizer: bool = True
    #: CloudWatch's quotas per account and region and second (a share of them is used).
    quotas: dict[str, float] = field(default_factory=lambda: dict(CLOUDWATCH_QUOTAS))
    #: Told each region's plan before its GetMetricData calls (the CLI prints it).
    announce: Callable[[str], None] | None = None
    #: Tests freeze "now" (evidence windows end at the next UTC midnight after it).
    now: Callable[[], datetime] = field(default=lambda: datetime.now(timezone.utc))
    _noted: bool = field(default=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def note_cost_once(self) -> None:
        """Say once per audit, as soon as the credentials work, what the evidence costs per function."""
        with self._lock:
            if self._noted or self.announce is None:
                return
            self._noted = True
        self.announce(per_function_note(self.days))


@dataclass
class Query:
    """One metric of one function (or of the region), and where its series goes."""

    metric: str
    stat: str
    dimensions: list[dict[str, str]]
    days: int
    #: Where the series lands: (document, path) with path ("metrics",) / ("provisioned", resource)
    #: / ("account",); document None for the region's own metric.
    target: list[tuple[Document, tuple[str, ...]]]

    def request(self, ident: str) -> dict[str, Any]:
        return {"Id": ident, "ReturnData": True,
                "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": self.metric,
                                          "Dimensions": self.dimensions},
                               "Period": DAY_S, "Stat": self.stat}}


@dataclass
class Tally:
    """What one region's evidence cost: metrics requested and calls made."""

    metrics: int = 0
    get_metric_data_calls: int = 0
    notices: list[str] = field(default_factory=list)


def cost_usd(metrics: int) -> float:
    return metrics * PRICE_PER_1000_METRICS_USD / 1000


def per_function_note(days: int) -> str:
    """Said before an audit starts: what the evidence will cost, per function, before anything is listed."""
    base, most = len(BASE_METRICS), len(BASE_METRICS) + len(ASYNC_METRICS) + len(STREAM_METRICS) + \
        len(RESERVED_METRICS) + len(LOOP_METRICS)
    return (f"evidence on ({days} days, --no-evidence to skip): {base} to {most} CloudWatch metrics per function "
            f"that ran, 1 per function that did not, 1 per region; GetMetricData costs "
            f"${PRICE_PER_1000_METRICS_USD:.2f} per 1,000 metrics ({PRICE_SOURCE}): 2,000 functions that ran cost "
            f"at most about ${cost_usd(2000 * most):.2f}")


def cost_text(metrics: int) -> str:
    return (f"{metrics:,} metric{'s' if metrics != 1 else ''} from CloudWatch GetMetricData "
            f"(${PRICE_PER_1000_METRICS_USD:.2f} per 1,000 metrics: about ${cost_usd(metrics):.4f}; {PRICE_SOURCE})")


class RegionEvidence:
    """The evidence of one region's functions, read once they are all known."""

    def __init__(self, audit: RegionAudit, options: EvidenceOptions) -> None:
        self.audit = audit
        self.region = audit.region
        self.calls = audit.calls
        self.options = options
        self.tally = Tally()
        limiter = LambdaRateLimiter(options.quotas, audit.options.headroom)
        self.cw = audit.shared.client("cloudwatch", self.region, 4, limiter)
        now = options.now().astimezone(timezone.utc)
        self.end = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc)
        self.read_at = now.isoformat(timespec="seconds")

    def run(self, docs: list[Document]) -> Tally:
        # Event Functions as listed (Web Functions publish other metrics; an aliased version's
        # document is part of its function's, whose metrics cover every version).
        functions = [d for d in docs if d.get("source", {}).get("kind") == "account" and d.get("kind", "event") == "event"
                     and not (d.get("extra") or {}).get("version_of") and isinstance(d.get("name"), str)]
        if not functions:
            return self.tally
        ran, provisioned, listed = self._scope()
        queries = self._plan(functions, ran, provisioned, listed)
        self._announce(queries, len(functions), len(ran) if listed else None)
        if self._read(queries):
            self._concurrency_limit(functions)
        if self.options.compute_optimizer:
            self._memory(functions)
        return self.tally

    # ------------------------------------------------------------------ scope and plan

    def _scope(self) -> tuple[set[str], dict[str, set[str]], bool]:
        """Functions with Invocations in the last two weeks; aliases/versions with provisioned concurrency used."""
        metrics, failed = self.calls.pages(self.region, self.cw, "ListMetrics", "Metrics",
                                           Namespace="AWS/Lambda", MetricName="Invocations")
        if failed is not None:
            self.tally.notices.append(f"{self.region}: {failed}; every function gets the full set of metrics")
            return set(), {}, False
        ran = {dim["Value"] for m in metrics for dim in m.get("Dimensions") or [] if dim.get("Name") == "FunctionName"}
        pc_metrics, failed = self.calls.pages(self.region, self.cw, "ListMetrics", "Metrics", Namespace="AWS/Lambda",
                                              MetricName="ProvisionedConcurrencyUtilization")
        provisioned: dict[str, set[str]] = {}
        if failed is not None:
            self.tally.notices.append(f"{self.region}: {failed} (provisioned concurrency metrics not read)")
        for m in pc_metrics:
            dims = {d.get("Name"): d.get("Value") for d in m.get("Dimensions") or []}
            if dims.get("FunctionName") and dims.get("Resource"):
                provisioned.setdefault(str(dims["FunctionName"]), set()).add(str(dims["Resource"]))
        return ran, provisioned, True

    def _plan(self, functions: list[Document], ran: set[str], provisioned: dict[str, set[str]],
              listed: bool) -> list[Query]:
        days = self.options.days
        queries: list[Query] = []
        for doc in functions:
            name = doc["name"]
            doc["evidence"] = {"read_at": self.read_at, "metrics": {}}
            fn_dims = [{"Name": "FunctionName", "Value": name}]
            if listed and name not in ran:
                queries.append(Query("Invocations", "Sum", fn_dims, max(days, IDLE_WINDOW_DAYS), [(doc, ("metrics",))]))
                continue
            wanted = list(BASE_METRICS)
            sources = doc.get("event_sources") or []
            if is_async(doc):
                wanted += ASYNC_METRICS
            if any(s.get("type") in STREAM_TYPES for s in sources):
                wanted += STREAM_METRICS
            if _int(doc.get("reserved_concurrency")):
                wanted += RESERVED_METRICS
            if any(s.get("type") in LOOP_TYPES for s in sources):
                wanted += LOOP_METRICS
            queries += [Query(m, s, fn_dims, days, [(doc, ("metrics",))]) for m, s in wanted]
            for resource in sorted(provisioned.get(name, ())):
                dims = [*fn_dims, {"Name": "Resource", "Value": resource}]
                doc["evidence"].setdefault("provisioned", {})[resource] = {}
                queries += [Query(m, s, dims, days, [(doc, ("provisioned", resource))]) for m, s in PROVISIONED_METRICS]
        for doc in functions:
            doc["evidence"]["account"] = {}
        queries.append(Query("ClaimedAccountConcurrency", "Maximum", [], days,
                             [(doc, ("account",)) for doc in functions]))
        return queries

    def _announce(self, queries: list[Query], functions: int, ran: int | None) -> None:
        if self.options.announce is None:
            return
        scope = f"{ran} of {functions} functions ran in the last two weeks" if ran is not None else f"{functions} functions"
        self.options.announce(f"evidence {self.region}: {scope}; requesting {cost_text(len(queries))}")

    # ------------------------------------------------------------------ GetMetricData

    def _read(self, queries: list[Query]) -> bool:
        """Every query, in calls of up to 500 (one window per call); False when CloudWatch refused."""
        batches: list[list[Query]] = []
        by_window: dict[int, list[Query]] = {}
        for q in queries:
            by_window.setdefault(q.days, []).append(q)
        for days, group in sorted(by_window.items()):
            per_call = max(1, min(QUERIES_PER_CALL, MAX_DATAPOINTS_PER_CALL // days))
            batches += [group[i:i + per_call] for i in range(0, len(group), per_call)]
        lock = threading.Lock()
        refused: list[Failed] = []

        def one(batch: list[Query]) -> None:
            failed = self._batch(batch)
            with lock:
                self.tally.metrics += len(batch)
                if failed is not None:
                    refused.append(failed)

        with ThreadPoolExecutor(max_workers=4, thread_name_prefix=f"la-{self.region}-metrics") as pool:
            list(pool.map(one, batches))
        if refused:
            for doc in {id(d): d for q in queries for d, _ in q.target}.values():
                doc.pop("evidence", None)  # nothing read is nothing claimed
            self.tally.notices.append(f"{self.region}: evidence not read: {refused[0]}")
            return False
        return True

    def _batch(self, batch: list[Query]) -> Failed | None:
        days = batch[0].days
        start = self.end - timedelta(days=days)
        requests = [q.request(f"m{i}") for i, q in enumerate(batch)]
        results, failed = self.calls.pages(self.region, self.cw, "GetMetricData", "MetricDataResults",
                                           MetricDataQueries=requests, StartTime=start, EndTime=self.end,
                                           ScanBy="TimestampAscending")
        with self.audit.shared.lock:
            self.tally.get_metric_data_calls += 1
        if failed is not None:
            return failed
        merged: dict[str, dict[date, float]] = {}
        for r in results:
            points = merged.setdefault(str(r.get("Id")), {})
            for ts, value in zip(r.get("Timestamps") or [], r.get("Values") or [], strict=False):
                points[_utc_day(ts)] = float(value)
        first = start.date()
        for i, q in enumerate(batch):
            points = merged.get(f"m{i}", {})
            series = {"stat": q.stat, "start": first.isoformat(), "period_s": DAY_S,
                      "values": [_number(points.get(first + timedelta(days=d))) for d in range(days)]}
            for doc, path in q.target:
                ev = doc["evidence"]
                if path == ("metrics",):
                    ev["metrics"][q.metric] = series
                elif path[0] == "provisioned":
                    ev["provisioned"][path[1]][q.metric] = series
                else:
                    ev["account"]["claimed_concurrency"] = series
        return None

    def _concurrency_limit(self, functions: list[Document]) -> None:
        got = self.calls.call(self.region, self.audit.lam, "GetAccountSettings", newer_api=True)
        limit = None
        if isinstance(got, dict):
            value = (got.get("AccountLimit") or {}).get("ConcurrentExecutions")
            limit = value if isinstance(value, int) else None
        elif isinstance(got, Failed):
            self.tally.notices.append(f"{self.region}: {_short(got)} (account concurrency quota not read)")
        for doc in functions:
            doc["evidence"].setdefault("account", {})["concurrency_limit"] = limit

    # ------------------------------------------------------------------ Compute Optimizer

    def _memory(self, functions: list[Document]) -> None:
        client = self.audit.shared.client("compute-optimizer", self.region, 2, attempts=COMPUTE_OPTIMIZER_ATTEMPTS)
        recs, failed = self.calls.pages(self.region, client, "GetLambdaFunctionRecommendations",
                                        "lambdaFunctionRecommendations", count_failure=False)
        if failed is not None:
            if failed.code == "OptInRequiredException":
                why = "the account is not enrolled in Compute Optimizer"
            elif failed.code in {"AccessDeniedException", "AccessDenied"}:
                why = f"access denied ({failed.reason})"
            else:
                why = _short(failed)
            self.tally.notices.append(f"{self.region}: memory evidence not read: {why}")
            return
        by_arn: dict[str, dict[str, Any]] = {}
        for rec in recs:
            arn = str(rec.get("functionArn") or "")
            base = arn.rsplit(":", 1)[0] if arn.count(":") >= 7 else arn
            if base not in by_arn or rec.get("functionVersion") == "$LATEST":
                by_arn[base] = rec
        for doc in functions:
            rec = by_arn.get(str(doc.get("id")))
            if rec is None or "evidence" not in doc:
                continue
            doc["evidence"]["memory"] = memory_facts(rec)


def memory_facts(rec: dict[str, Any]) -> dict[str, Any]:
    """A Compute Optimizer recommendation in the document's ``evidence.memory`` shape."""
    options = sorted(rec.get("memorySizeRecommendationOptions") or [], key=lambda o: o.get("rank") or 99)
    best = options[0] if options else {}
    savings = ((best.get("savingsOpportunity") or {}).get("estimatedMonthlySavings") or {}).get("value")
    return {"finding": str(rec.get("finding") or "Unavailable"),
            "reasons": [str(r) for r in rec.get("findingReasonCodes") or []],
            "current_mb": _int(rec.get("currentMemorySize")) or None,
            "recommended_mb": _int(best.get("memorySize")) or None,
            "lookback_days": _number(rec.get("lookbackPeriodInDays")),
            "savings_usd_month": _number(savings)}


def is_async(doc: Document) -> bool:
    """Configuration says the function is invoked asynchronously (a source, a DLQ or an event invoke config)."""
    if any(s.get("invocation") == "async" for s in doc.get("event_sources") or []):
        return True
    return bool(doc.get("dead_letter_target")) or bool(doc.get("event_invoke"))


def read_region_evidence(audit: RegionAudit, docs: list[Document], options: EvidenceOptions) -> Tally:
    """The region's evidence, written into ``docs``; never raises (a failure is a notice)."""
    try:
        return RegionEvidence(audit, options).run(docs)
    except Exception as exc:  # evidence must never cost the configuration findings
        for doc in docs:
            doc.pop("evidence", None)
        return Tally(notices=[f"{audit.region}: evidence not read: lambda-advisor: {type(exc).__name__}: {exc}"])


def summary(tallies: Iterable[Tally]) -> tuple[int, int]:
    metrics = calls = 0
    for t in tallies:
        metrics += t.metrics
        calls += t.get_metric_data_calls
    return metrics, calls


def _short(failed: Failed) -> str:
    """A failure in one line: an endpoint that answers an API with an HTML error page does not serve it."""
    if failed.code == "404" or "<html" in failed.reason.lower() or "<!doctype" in failed.reason.lower():
        return f"{failed.op}: not served by this endpoint (HTTP {failed.code})"
    return str(failed)


def _utc_day(ts: Any) -> date:
    if isinstance(ts, datetime):
        return (ts.astimezone(timezone.utc) if ts.tzinfo else ts).date()
    return datetime.fromisoformat(str(ts)).astimezone(timezone.utc).date()


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if float(value).is_integer() else round(float(value), 3)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


__all__ = ["CLOUDWATCH_QUOTAS", "EvidenceOptions", "RegionEvidence", "Tally", "cost_text",
           "cost_usd", "is_async", "memory_facts", "per_function_note", "read_region_evidence", "summary"]
