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
