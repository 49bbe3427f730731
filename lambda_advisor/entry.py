"""The ``lambda-advisor`` program: the process around :func:`lambda_advisor.cli.main`.

A run is short and builds many long-lived objects with few reference cycles, so
the collector is told to run rarely before anything is imported (imports alone
allocate enough to trigger dozens of collections). When the command is done, its
output is flushed and the process ends without tearing down every module one
by one: on a one-template scan that teardown is a tenth of the run. Nothing is
lost by skipping it: reports, baselines and snapshots are written atomically and
closed before the command returns, and the program registers no exit hooks.
"""

from __future__ import annotations

import gc
import os
import sys


def main() -> None:
    # A 3,000-function scan is ~7% faster collecting rarely (bench/scale_bench.py); refcounting
    # still frees everything else at once.
    gc.set_threshold(100_000, 50, 100)
    from lambda_advisor.cli import main as cli_main

    try:
        cli_main()
        code = 0
    except SystemExit as exc:
        code = _exit_status(exc.code)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: the reader is gone, there is no one left to tell
            code = code or 1
    os._exit(code)


def _exit_status(code: object) -> int:
    """What the interpreter would exit with for ``sys.exit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    from lambda_advisor.report.escape import line  # a message is data, like every stderr line

    print(line(code), file=sys.stderr)
    return 1


if __name__ == "__main__":
    main()
