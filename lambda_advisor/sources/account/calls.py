"""AWS calls that never raise: a result, :data:`NOT_FOUND` or :class:`Failed`, each counted."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from lambda_advisor.sources.account.gaps import (
    NOT_FOUND_CODES,
    botocore_errors,
    describe_error,
    error_code,
)
from lambda_advisor.sources.account.options import AuditOutcome


class Once:
    """Compute each key once, even when many threads ask for it at the same time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._futures: dict[Any, Future[Any]] = {}

    def get(self, key: Any, compute: Callable[[], Any]) -> Any:
        with self._lock:
            fut = self._futures.get(key)
            owner = fut is None
            if fut is None:
                fut = Future()
                self._futures[key] = fut
        if owner:
            try:
                fut.set_result(compute())
            except BaseException as exc:
                fut.set_exception(exc)
        return fut.result()


_ONCE_LOCK = threading.Lock()


def once_for(owner: Any, name: str) -> Once:
    """The :class:`Once` cache ``owner`` keeps under ``name``, made on first use (a mixin adds its
    caches without touching the class that builds it)."""
    with _ONCE_LOCK:
        once: Once | None = getattr(owner, name, None)
        if once is None:
            once = Once()
            setattr(owner, name, once)
        return once


class Failed:
    """A call that failed; ``reason`` goes into the gap."""

    def __init__(self, op: str, reason: str, code: str = "") -> None:
        self.op = op
        self.reason = reason
        self.code = code  # the AWS error code, or the exception's class name

    def __str__(self) -> str:
        return f"{self.op}: {self.reason}"


NOT_FOUND = object()


class Calls:
    """Calls through boto3 that never raise: a result, ``NOT_FOUND`` or ``Failed``."""

    def __init__(self, outcome: AuditOutcome, lock: threading.Lock) -> None:
        self.outcome = outcome
        self.lock = lock

    def count_attempt(self, region: str) -> Callable[..., None]:
        def hook(event_name: str = "", **_: Any) -> None:
            service, op = event_name.split(".", 2)[1:]
            with self.lock:
                self.outcome.calls[f"{region} {service} {op}"] += 1
        return hook

    def call(self, region: str, client: Any, op: str, *, newer_api: bool = False, **params: Any) -> Any:
        """``newer_api``: an endpoint that does not serve ``op`` at all (a bare HTTP 404, as an
        emulator answers for APIs it lacks) gives a :class:`Failed` with code "404" that is not
        counted as a failed call; AWS itself answers every API it documents."""
        errors = botocore_errors()
        try:
            return getattr(client, snake(op))(**params)
        except errors.ClientError as exc:
            if error_code(exc) in NOT_FOUND_CODES:
                return NOT_FOUND
            if newer_api and error_code(exc) == "404":
                return Failed(op, describe_error(exc), "404")
            return self._failed(region, client, op, exc)
        except (errors.BotoCoreError, OSError) as exc:
            return self._failed(region, client, op, exc)

    def pages(self, region: str, client: Any, op: str, key: str, *, count_failure: bool = True,
              **params: Any) -> tuple[list[Any], Failed | None]:
        """All items of a paginated call; on failure, the items read so far and the failure.

        ``count_failure=False``: the caller has another way to read the same facts, so a failure
        here is not counted as a failed call (only the fallback's failure would be).
        """
        errors = botocore_errors()
        items: list[Any] = []
        try:
            for page in client.get_paginator(snake(op)).paginate(**params):
                items.extend(page.get(key) or [])
        except (errors.ClientError, errors.BotoCoreError, OSError) as exc:
            if not count_failure:
                return items, Failed(op, describe_error(exc), error_code(exc))
            return items, self._failed(region, client, op, exc)
        return items, None

    def _failed(self, region: str, client: Any, op: str, exc: BaseException) -> Failed:
        self.count_failure(region, client, op)
        return Failed(op, describe_error(exc), error_code(exc))

    def count_failure(self, region: str, client: Any, op: str) -> None:
        """Count a call given up on (one read with ``count_failure=False`` that turned out to matter)."""
        service = client.meta.service_model.service_name
        with self.lock:
            self.outcome.failed_calls[f"{region} {service} {op}"] += 1


def snake(op: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", op).lower()
