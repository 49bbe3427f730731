"""What the terminal we write to can show: colour (NO_COLOR, FORCE_COLOR) and width."""

from __future__ import annotations

import os
from typing import Any


def use_color(flag: bool | None, tty: bool, env: Any = None) -> bool:
    """``--color/--no-color`` wins; then NO_COLOR (off) and FORCE_COLOR (on); else whether it is a TTY.

    As https://no-color.org and https://force-color.org put it: a variable counts
    when it is set and not empty (``FORCE_COLOR=0`` or ``false`` do not force).
    """
    environ = os.environ if env is None else env
    if flag is not None:
        return flag
    if environ.get("NO_COLOR"):
        return False
    force = environ.get("FORCE_COLOR")
    if force and force.lower() not in ("0", "false", "no"):
        return True
    return tty


def width(tty: bool, env: Any = None) -> int | None:
    """Columns to wrap to: the terminal's (or ``COLUMNS``); None when writing to a pipe or file."""
    environ = os.environ if env is None else env
    columns = environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if not tty:
        return None
    try:  # what shutil.get_terminal_size asks, without importing shutil (and its archive modules) at start-up
        return os.get_terminal_size(1).columns or 100
    except (OSError, ValueError):
        return 100
