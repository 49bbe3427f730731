"""Seed CloudWatch metrics into the emulated account (moto), as Lambda would have published them.

The tests, the demo and the benchmark write daily values with ``PutMetricData`` and the
audit reads them back through the real ``ListMetrics`` and ``GetMetricData`` path.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

#: The unit Lambda publishes each metric in.
UNITS = {"Duration": "Milliseconds", "IteratorAge": "Milliseconds", "AsyncEventAge": "Milliseconds",
         "ProvisionedConcurrencyUtilization": "None"}


def put_daily(cloudwatch: Any, function: str | None, metric: str, values: Sequence[float | None], *,
              resource: str | None = None, now: datetime | None = None) -> None:
    """``values[-1]`` is today's value, ``values[-2]`` yesterday's, and so on; None publishes nothing.

    Each value goes in at noon UTC of its day (today: the current hour, never in the future).
    ``function`` None: the region's own metric (ClaimedAccountConcurrency).
    """
    now = now or datetime.now(timezone.utc)
    dims = [] if function is None else [{"Name": "FunctionName", "Value": function}]
    if resource:
        dims.append({"Name": "Resource", "Value": resource})
    data = []
    for back, value in enumerate(reversed(values)):
        if value is None:
            continue
        day = (now - timedelta(days=back)).replace(hour=12, minute=0, second=0, microsecond=0)
        data.append({"MetricName": metric, "Dimensions": dims, "Timestamp": min(day, now), "Value": float(value),
                     "Unit": UNITS.get(metric, "Count")})
    for i in range(0, len(data), 500):
        cloudwatch.put_metric_data(Namespace="AWS/Lambda", MetricData=data[i:i + 500])


def seed_evidence(endpoint: str, placed: dict[str, str], days: int = 14) -> dict[str, set[str]]:
    """Metrics for the pitfalls account (:func:`~lambda_advisor.audit_emulator.seed_pitfalls`).

    ``placed``: function name -> region. Every function ran except ``legacy-tools`` (not invoked
    for 90 days); ``thumbnailer`` dropped S3 events (it has no DLQ); ``order-worker`` failed a
    day's batch and ran into its timeout; ``nightly-batch`` ran for 13 minutes of its 15.
    Returns function name -> the evidence rules its metrics must raise.
    """
    from lambda_advisor.audit_emulator import Account

    acct = Account(endpoint)
    expected: dict[str, set[str]] = {}
    for name, region in placed.items():
        if name == "legacy-tools":
            expected[name] = {"LA606"}
            continue
        cw = acct.client("cloudwatch", region)
        calls = [float(120 + 7 * (d % 5)) for d in range(days)]
        put_daily(cw, name, "Invocations", calls)
        put_daily(cw, name, "Errors", [0.0] * days)
        put_daily(cw, name, "Duration", [180.0 + 11 * (d % 3) for d in range(days)])
        expected[name] = set()
    cw_of = {region: acct.client("cloudwatch", region) for region in set(placed.values())}
    if "thumbnailer" in placed:
        put_daily(cw_of[placed["thumbnailer"]], "thumbnailer", "AsyncEventsDropped", [0.0] * (days - 4) + [96.0, 0.0, 216.0, 0.0])
        expected["thumbnailer"] = {"LA604"}
    if "order-worker" in placed:
        cw = cw_of[placed["order-worker"]]
        put_daily(cw, "order-worker", "Errors", [0.0] * (days - 3) + [41.0, 2.0, 0.0])
        put_daily(cw, "order-worker", "Duration", [900.0] * (days - 3) + [10_000.0, 2_400.0, 950.0])
        expected["order-worker"] = {"LA601", "LA602"}
    if "nightly-batch" in placed:
        put_daily(cw_of[placed["nightly-batch"]], "nightly-batch", "Duration", [420_000.0] * (days - 1) + [781_000.0])
        put_daily(cw_of[placed["nightly-batch"]], "nightly-batch", "Invocations", [1.0] * days)
    for cw in cw_of.values():
        put_daily(cw, None, "ClaimedAccountConcurrency", [40.0] * days)
    return expected
