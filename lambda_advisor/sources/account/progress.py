"""Progress of an audit on the terminal: functions done out of those listed."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any


class Progress:
    """Functions done / total per region. The base class is silent; see :class:`TerminalProgress`."""

    def region_total(self, region: str, total: int) -> None:
        """``total`` functions were listed in ``region``."""

    def advance(self, region: str, n: int = 1) -> None:
        """``n`` more functions of ``region`` are done."""

    def close(self) -> None:
        """The audit is over."""


class TerminalProgress(Progress):
    """One status line on stderr, redrawn at most ten times a second."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._total: dict[str, int] = {}
        self._done: Counter[str] = Counter()
        self._last = 0.0

    def region_total(self, region: str, total: int) -> None:
        with self._lock:
            self._total[region] = total
        self._draw(force=True)

    def advance(self, region: str, n: int = 1) -> None:
        with self._lock:
            self._done[region] += n
        self._draw()

    def _draw(self, force: bool = False) -> None:
        now = time.monotonic()
        with self._lock:
            if not force and now - self._last < 0.1:
                return
            self._last = now
            done, total = sum(self._done.values()), sum(self._total.values())
            parts = [f"{r} {self._done[r]}/{t}" for r, t in sorted(self._total.items())]
        width = 24
        filled = int(width * done / total) if total else 0
        line = f"\rauditing [{'#' * filled}{'-' * (width - filled)}] {done}/{total}  " + "  ".join(parts)
        self._stream.write(line[:200] + "\x1b[K")
        self._stream.flush()

    def close(self) -> None:
        if self._total:
            self._draw(force=True)
            self._stream.write("\n")
            self._stream.flush()
