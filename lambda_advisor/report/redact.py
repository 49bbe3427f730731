"""Secrets out of text a report prints verbatim: the ``--diff`` output.

The file on disk is the user's; the printed diff is a report, and a secret is
never printed whole in a report. Two passes, so neither a quoting difference nor
a value the documents do not carry slips through:

* every secret LA101 finds in the scanned functions' environments (the secret part:
  a URL's password, the key inside a longer value) is replaced wherever it appears;
* every diff line that reads ``NAME: value`` (YAML) or ``"NAME": "value"`` (JSON) is
  judged as LA101 would judge that variable, and its value replaced when secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from lambda_advisor.checks.secrets import PLAIN_PARAMETER, secret_in

#: Secrets shorter than this are only redacted where they stand as a variable's value (line pass).
_MIN_EVERYWHERE = 4
_KEY_VALUE = re.compile(r"""^(?P<head>[-+ ]\s*(?:-\s+)?(?P<q>["']?)(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)(?P=q)\s*:\s*)"""
                        r"""(?P<value>.*?)(?P<tail>\s*,?\s*)$""")


def shown(secret: str) -> str:
    return f"<redacted: {len(secret)} characters>"


def secrets_of(documents: Iterable[dict[str, Any]], params: dict[str, Any] | None = None) -> set[str]:
    """The secret parts of every environment value LA101 would flag."""
    found: set[str] = set()
    for doc in documents:
        env = doc.get("environment")
        if not isinstance(env, dict):
            continue
        for name, value in env.items():
            match = secret_in(str(name), value, params)
            if match is not None and match.kind != PLAIN_PARAMETER and match.secret:
                found.add(match.secret)
    return found


def _unquote(text: str) -> tuple[str, str]:
    """A scalar without its quotes, and the quote character."""
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1], text[0]
    return text, ""


def _line(line: str, params: dict[str, Any] | None) -> str:
    m = _KEY_VALUE.match(line.rstrip("\n"))
    if m is None or not m.group("value"):
        return line
    value, quote = _unquote(m.group("value"))
    match = secret_in(m.group("name"), value, params)
    if match is None or match.kind == PLAIN_PARAMETER:
        return line
    redacted = value.replace(match.secret, shown(match.secret)) if match.secret in value else shown(value)
    end = "\n" if line.endswith("\n") else ""
    return f"{m.group('head')}{quote}{redacted}{quote}{m.group('tail')}{end}"


def redact_diff(diff: str, documents: Iterable[dict[str, Any]], params: dict[str, Any] | None = None) -> str:
    """``diff`` with every secret replaced by its length, in context and changed lines alike."""
    if not diff:
        return diff
    for secret in sorted(secrets_of(documents, params), key=len, reverse=True):
        if len(secret) >= _MIN_EVERYWHERE:
            diff = diff.replace(secret, shown(secret))
    return "".join(_line(line, params) if not line.startswith(("---", "+++", "@@")) else line
                   for line in diff.splitlines(keepends=True))
