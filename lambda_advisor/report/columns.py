"""Columns for findings in files: where the key the finding points at starts on its line.

The template source records lines only; a key always starts a YAML or JSON line
(after its indentation and, in a sequence, the ``- `` marker), so its column is
read back from the file itself. Editors, ``path:line:col`` output, GitHub
annotations and cfn-lint all use it.
"""

from __future__ import annotations

from collections.abc import Iterable

from lambda_advisor.findings import Finding

_MAX_BYTES = 20 * 1024 * 1024  # a template larger than this is not re-read for columns


def column_of(text: str) -> int:
    """1-based column of the first written character, past a sequence marker (``- ``)."""
    stripped = text.lstrip(" \t")
    col = len(text) - len(stripped) + 1
    while stripped.startswith("- ") or stripped == "-":
        rest = stripped[1:].lstrip(" ")
        col += len(stripped) - len(rest)
        stripped = rest
    return col if stripped else 1


def fill_columns(findings: Iterable[Finding]) -> None:
    """Set ``location.column`` for every finding with a file and line (idempotent)."""
    cache: dict[str, list[str] | None] = {}
    for f in findings:
        loc = f.location
        if not loc.file or not loc.line or loc.column is not None:
            continue
        if loc.file not in cache:
            cache[loc.file] = _lines(loc.file)
        lines = cache[loc.file]
        if lines is not None and 0 < loc.line <= len(lines):
            loc.column = column_of(lines[loc.line - 1])


def _lines(path: str) -> list[str] | None:
    try:
        with open(path, "rb") as fh:
            data = fh.read(_MAX_BYTES + 1)
    except (OSError, ValueError):  # ValueError: a name no file can have (a NUL from a hand-made document)
        return None
    if len(data) > _MAX_BYTES:
        return None
    return data.decode("utf-8", errors="replace").splitlines()
