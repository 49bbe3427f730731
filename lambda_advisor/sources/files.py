"""Opening inputs safely: regular files only, a size cap, text and JSON decoded with budgets.

A FIFO named ``template.yaml`` would block ``open()`` forever and ``/dev/zero``
would read until memory runs out, so every input is ``stat``-ed first and only
regular files are opened. Each kind of input has a size cap far above what its
producer writes (CloudFormation accepts template bodies up to 1 MB). JSON is
decoded without Python's edge cases: a byte-order mark is accepted, ``NaN`` and
``Infinity`` and integers too long to convert are refused with a message, and
nesting deeper than :data:`MAX_DEPTH` is refused before anything recurses on it.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from typing import Any

MB = 1 << 20
#: Templates: ten times CloudFormation's own 1 MB limit for a template body in S3.
MAX_TEMPLATE_BYTES = 10 * MB
MAX_JSON_BYTES = 64 * MB
#: Configuration and rule files are written by hand.
MAX_CONFIG_BYTES = 1 * MB
#: Deeper than any real template, snapshot, baseline or configuration; far below Python's recursion limit.
MAX_DEPTH = 100
#: Digits an integer may have before it is refused (Python refuses to convert past 4,300).
MAX_INT_DIGITS = 100


class InputProblem(Exception):
    """An input that cannot be read; the message is for the user, ``line`` when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def file_kind(mode: int) -> str:
    """What a non-regular file is, for a notice (``a named pipe (FIFO)``)."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def not_regular(path: str | os.PathLike[str]) -> str | None:
    """Why ``path`` is not a regular file we may open (``None`` when it is one)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    except ValueError as exc:  # embedded NUL byte
        return f"cannot read: {exc}"
    if stat.S_ISREG(mode):
        return None
    return f"not a regular file but {file_kind(mode)}"


def exists(path: str | os.PathLike[str]) -> bool:
    """``Path.exists`` that answers False instead of raising (name too long, NUL byte, no permission)."""
    try:
        os.stat(path)
    except (OSError, ValueError):
        return False
    return True


def inside(folder: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` (links resolved) lies in ``folder``: inputs never send us outside the project."""
    try:
        real, top = os.path.realpath(path), os.path.realpath(folder)
        return os.path.commonpath([real, top]) == top
    except (ValueError, OSError):
        return False


def read_bytes(path: str | os.PathLike[str], max_bytes: int, what: str = "file") -> bytes:
    """The whole file, when it is a regular file of at most ``max_bytes``; else :class:`InputProblem`."""
    reason = not_regular(path)
    if reason is not None:
        raise InputProblem(reason)
    try:
        with open(path, "rb") as fh:
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise InputProblem(f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > max_bytes:
        raise InputProblem(f"{what} is larger than {max_bytes // MB} MB; not read")
    return data


def decode(data: bytes) -> str:
    """UTF-8 text (a byte-order mark is dropped); a clear message with the line for anything else."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputProblem(f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded", line) from exc


def read_text(path: str | os.PathLike[str], max_bytes: int, what: str = "file") -> str:
    return decode(read_bytes(path, max_bytes, what))


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"integer with {len(text.lstrip('-'))} digits")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def loads_json(text: str) -> Any:
    """JSON with budgets: no NaN/Infinity, no endless integers, bounded nesting; :class:`InputProblem`."""
    try:
        data = json.loads(text, parse_constant=_refuse_constant, parse_int=_int, parse_float=_float)
    except json.JSONDecodeError as exc:
        raise InputProblem(f"not valid JSON: {exc.msg} (column {exc.colno})", exc.lineno) from exc
    except RecursionError as exc:
        raise InputProblem(f"not read: nested more than {MAX_DEPTH} levels deep") from exc
    except ValueError as exc:
        raise InputProblem(f"not valid JSON: {exc}") from exc
    check_depth(data)
    return data


def check_depth(data: Any, limit: int = MAX_DEPTH) -> None:
    """Refuse nesting deeper than ``limit`` before anything recursive (jsonschema, the rules) walks it."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise InputProblem(f"not read: nested more than {limit} levels deep")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values() if isinstance(v, dict | list))
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node if isinstance(v, dict | list))


def read_json(path: str | os.PathLike[str], max_bytes: int = MAX_JSON_BYTES, what: str = "file") -> Any:
    return loads_json(read_text(path, max_bytes, what))


def display(path: str | os.PathLike[str]) -> str:
    """A path as text every output format can carry: undecodable bytes become U+FFFD."""
    return printable(os.fspath(path))


_JSON_ESCAPES = re.compile(r"\\\\|\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})|\\ud[89a-f][0-9a-f]{2}", re.I)


def printable_json(text: str) -> str:
    """JSON whose ``\\udcxx`` escapes of lone surrogates became ``\\ufffd`` (strict parsers refuse them)."""
    if "\\ud" not in text.lower():
        return text
    return _JSON_ESCAPES.sub(lambda m: m.group(0) if m.group(0) == "\\\\" or m.group(1) else "\\ufffd", text)


def printable(text: str) -> str:
    """Lone surrogates (file names that are not UTF-8 come as ``\\udcxx``) replaced, so text always encodes."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        pass
    if all(not 0xD800 <= ord(c) <= 0xDFFF or 0xDC80 <= ord(c) <= 0xDCFF for c in text):
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
