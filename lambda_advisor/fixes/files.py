"""Writing a fixed template: inside the scanned roots only, whole or not at all, keeping what the file was.

A template that is a symlink keeps being one: the fixed text goes to its target,
and only when that target lies inside the roots the scan was given (a link in a
pull request must not make the tool write elsewhere). A read-only file is left
alone (its owner said so); a folder the tool cannot write in is a reason, not a
traceback. The new text is written beside the file and renamed over it, so a
reader sees the old file or the new one, never half; the mode bits are kept, and
a UTF-8 byte order mark stays.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import stat
import tempfile
from pathlib import Path


def inside(target: Path, roots: list[Path]) -> bool:
    """Whether the real path of ``target`` is a root (a file root) or lies under one (a folder root)."""
    real = Path(os.path.realpath(target))
    for root in roots:
        base = Path(os.path.realpath(root))
        if real == base or (base.is_dir() and real.is_relative_to(base)):
            return True
    return False


def write_fixed(path: Path, text: str, roots: list[Path]) -> str | None:
    """Write ``text`` as the new content of ``path``; returns why it was not written, or None."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    if not inside(target, roots):
        return (f"it is a symlink to {target}, outside the scanned paths" if path.is_symlink()
                else "it lies outside the scanned paths")
    try:
        info = target.stat()
        if not stat.S_ISREG(info.st_mode):
            return "it is not a regular file"
        if not info.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) or not os.access(target, os.W_OK):
            return "the file is read-only"  # by its mode bits too: a superuser may write anything
        with target.open("rb") as fh:
            bom = fh.read(3) == codecs.BOM_UTF8
        _atomic_write(target, text, bom=bom, mode=stat.S_IMODE(info.st_mode))
    except OSError as exc:
        return f"{exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else "")
    return None


def _atomic_write(path: Path, text: str, *, bom: bool, mode: int) -> None:
    data = (codecs.BOM_UTF8 if bom else b"") + text.encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".fix", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
