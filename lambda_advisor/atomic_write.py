"""Reports, baselines and snapshots are written whole or not at all.

A run stopped half-way (Ctrl-C, a cancelled CI job, a full disk) must not leave a file that
reads as a complete report: the text goes to a temporary file beside the target, which then
replaces the target in one step.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file in the same folder; ``OSError`` on failure."""
    import tempfile  # off the start-up path of a scan that prints its report

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
