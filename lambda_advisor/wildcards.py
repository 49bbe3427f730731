"""``*`` and ``?`` wildcards (IAM actions, secret-name patterns) matched without building a regex.

The patterns come from templates and configuration under review. ``fnmatch`` compiles each
distinct pattern to a regular expression, at a cost that grows with its stars (seconds for
a long one), and a template can hold thousands: here a pattern is split at its stars once and
its pieces are found in order, so a match costs little more than a few ``str.find`` calls.
"""

from __future__ import annotations

from functools import lru_cache

#: Longer than any IAM action or ARN (2,048 characters at most) or a sensible name pattern: never matches.
MAX_PATTERN = 4096


def wildcard_match(text: str, pattern: str) -> bool:
    """Whether ``text`` matches ``pattern`` whole: ``*`` any run of characters, ``?`` any one (case-sensitive)."""
    if len(pattern) > MAX_PATTERN:
        return False
    pieces = _pieces(pattern)
    if len(pieces) == 1:
        return len(text) == len(pieces[0]) and _fits(text, 0, pieces[0])
    first, *middle, last = pieces
    if len(text) < len(first) + len(last) or not _fits(text, 0, first) or \
            not _fits(text, len(text) - len(last), last):
        return False
    pos, end = len(first), len(text) - len(last)
    for piece in middle:  # leftmost placement of each piece is optimal for star-separated pieces
        at = _find(text, piece, pos, end)
        if at < 0:
            return False
        pos = at + len(piece)
    return True


@lru_cache(maxsize=4096)
def _pieces(pattern: str) -> tuple[str, ...]:
    return tuple(pattern.split("*"))


def _fits(text: str, at: int, piece: str) -> bool:
    if "?" not in piece:
        return text.startswith(piece, at)
    window = text[at:at + len(piece)]
    return len(window) == len(piece) and all(p in ("?", c) for p, c in zip(piece, window, strict=True))


def _find(text: str, piece: str, start: int, end: int) -> int:
    if "?" not in piece:
        return text.find(piece, start, end)
    for at in range(start, end - len(piece) + 1):
        if _fits(text, at, piece):
            return at
    return -1
