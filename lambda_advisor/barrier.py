"""Exception barriers: one bad input, or one rule tripping on it, is one error entry, never a lost run.

Every input is read, and every rule runs on every document, inside a barrier.
What escapes our own checks there is *our* bug, so the entry says so: it names
the input (and the rule), says "internal error" with the exception type, and
asks for a report. ``--debug`` (or ``LAMBDA_ADVISOR_DEBUG=1``) also prints the
traceback on stderr; without it stderr never shows one.
"""

from __future__ import annotations

import os
import sys

from lambda_advisor.result import InputError

_debug = bool(os.environ.get("LAMBDA_ADVISOR_DEBUG"))


def set_debug(on: bool) -> None:
    global _debug
    _debug = _debug or on


def debug() -> bool:
    return _debug


def describe(exc: BaseException) -> str:
    """``KeyError: 'Timeout'``: the exception type and a short, single-line text."""
    text = " ".join(str(exc).split())
    if len(text) > 160:
        text = text[:157] + "…"
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


def internal_message(exc: BaseException, what: str = "", *, went_on: bool = True) -> str:
    """The wording of every internal error entry; prints the traceback with ``--debug``."""
    if _debug:
        import traceback

        traceback.print_exception(type(exc), exc, exc.__traceback__, file=sys.stderr)
    where = f" {what}" if what else ""
    rest = "; the rest of the scan went on" if went_on else ""
    return (f"internal error{where} ({describe(exc)}){rest}. "
            "This is a bug in lambda-advisor: please report it to its developers with this input if you can"
            f"{'' if _debug else ' (run with --debug for the traceback)'}")


def internal_error(where: str, exc: BaseException, what: str = "", line: int | None = None, *,
                   went_on: bool = True) -> InputError:
    """An error entry for an unexpected exception; prints the traceback with ``--debug``."""
    return InputError(where, internal_message(exc, what, went_on=went_on), line)
