"""Progress of an audit on the terminal: accounts and functions done, and what is running now."""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from typing import Any


class Progress:
    """What an audit reports as it goes. The base class is silent; see :class:`TerminalProgress`.

    Regions are keys: ``us-east-1`` in a single-account audit, ``<account>/<region>`` in an
    organisation audit (through :meth:`for_account`).
    """

    def accounts_total(self, total: int) -> None:
        """An organisation audit covers ``total`` accounts."""

    def account_started(self, account: str) -> None:
        """An account's audit began."""

    def account_done(self, account: str) -> None:
        """An account's audit is over (audited, or a gap)."""

    def region_total(self, region: str, total: int) -> None:
        """``total`` functions were listed in ``region``."""

    def advance(self, region: str, n: int = 1) -> None:
        """``n`` more functions of ``region`` are done."""

    def close(self) -> None:
        """The audit is over."""

    def for_account(self, account: str) -> Progress:
        """A view whose regions are this account's (its ``close`` ends nothing)."""
        return _AccountView(self, account)


class _AccountView(Progress):
    def __init__(self, parent: Progress, account: str) -> None:
        self._parent = parent
        self._account = account

    def region_total(self, region: str, total: int) -> None:
        self._parent.region_total(f"{self._account}/{region}", total)

    def advance(self, region: str, n: int = 1) -> None:
        self._parent.advance(f"{self._account}/{region}", n)


class TerminalProgress(Progress):
    """One status line on stderr, redrawn at most ten times a second, never wider than the terminal.

    ``[#####-----] 3/30 accounts  1234/2400 functions  111122223333 us-east-1 40/40 eu-west-1 12/40``
    """

    def __init__(self, stream: Any, width: int | None = None) -> None:
        self._stream = stream
        self._width = width
        self._lock = threading.Lock()
        self._total: dict[str, int] = {}
        self._done: Counter[str] = Counter()
        self._accounts: int | None = None
        self._accounts_done = 0
        self._active: list[str] = []
        self._last = 0.0

    def accounts_total(self, total: int) -> None:
        with self._lock:
            self._accounts = total
        self._draw(force=True)

    def account_started(self, account: str) -> None:
        with self._lock:
            self._active.append(account)
        self._draw(force=True)

    def account_done(self, account: str) -> None:
        with self._lock:
            self._accounts_done += 1
            if account in self._active:
                self._active.remove(account)
        self._draw(force=True)

    def region_total(self, region: str, total: int) -> None:
        with self._lock:
            self._total[region] = total
        self._draw(force=True)

    def advance(self, region: str, n: int = 1) -> None:
        with self._lock:
            self._done[region] += n
        self._draw()

    def line(self) -> str:
        """The status line as it stands (without the carriage return)."""
        with self._lock:
            done, total = sum(self._done.values()), sum(self._total.values())
            bar_width = 20
            if self._accounts is not None:
                ratio = self._accounts_done / self._accounts if self._accounts else 0.0
                head = f"{self._accounts_done}/{self._accounts} accounts  {done}/{total} functions"
                parts = []
                for account in self._active:
                    regions = [f"{key.split('/', 1)[1]} {self._done[key]}/{t}"
                               for key, t in sorted(self._total.items()) if key.startswith(f"{account}/")]
                    parts.append(" ".join([account, *regions]))
            else:
                ratio = done / total if total else 0.0
                head = f"{done}/{total} functions"
                parts = [f"{r} {self._done[r]}/{t}" for r, t in sorted(self._total.items())]
        from lambda_advisor.report.escape import line

        filled = int(bar_width * min(ratio, 1.0))
        text = f"auditing [{'#' * filled}{'-' * (bar_width - filled)}] {head}"
        if parts:  # account IDs and region names as the account listed them: shown inert
            text += "  " + line("  ".join(parts))
        width = self._width or shutil.get_terminal_size((100, 20)).columns
        limit = max(20, width - 1)
        return text if len(text) <= limit else text[:limit - 1] + "…"

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last < 0.1:
                return
            self._last = now
        self._stream.write("\r" + self.line() + "\x1b[K")
        self._stream.flush()

    def close(self) -> None:
        if self._total or self._accounts is not None:
            self._draw(force=True)
            self._stream.write("\n")
            self._stream.flush()
