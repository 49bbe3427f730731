"""Lambda's control-plane quotas, applied on the client side before each HTTP attempt."""

from __future__ import annotations

import threading
import time
from typing import Any

#: Per region and second, as documented in the Lambda quotas page.
LAMBDA_QUOTAS = {"GetFunction": 100.0, "GetPolicy": 15.0, "other": 15.0}
#: Share of a quota the client-side limiter uses by default (``--quota-share``). The 15/s
#: control-plane quota is shared with every deployment and tool in the account and region:
#: an audit that took nearly all of it would throttle a deployment running at the same time.
DEFAULT_HEADROOM = 0.5


class TokenBucket:
    """A thread-safe token bucket: ``take()`` blocks until a call may be sent."""

    def __init__(self, rate: float, burst: float = 1.0) -> None:
        self.rate = rate
        self.capacity = max(burst, 1.0)
        self._tokens = self.capacity
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> None:
        while True:
            with self._lock:
                now = time.monotonic()
                self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    return
                wait = (1.0 - self._tokens) / self.rate
            time.sleep(wait)


class LambdaRateLimiter:
    """One region's Lambda quotas on the client side, applied to every HTTP attempt (retries too)."""

    def __init__(self, quotas: dict[str, float], headroom: float) -> None:
        self.buckets = {k: TokenBucket(v * headroom) for k, v in quotas.items()}

    def __call__(self, event_name: str = "", **_: Any) -> None:
        op = event_name.rsplit(".", 1)[-1]
        self.buckets.get(op, self.buckets["other"]).take()
