"""What a snapshot keeps of an environment value: the facts rules read, never any part of the value.

A value like ``postgresql://app:pw@db.abc.eu-west-1.rds.amazonaws.com:5432/app`` is a
secret and a location at once. The snapshot keeps the location (the AWS hostnames
and ARNs inside, which LA302 and LA301 read), the length, and an HMAC keyed per
snapshot (equal values compare equal inside one snapshot; without the snapshot's
key a hash cannot be matched against a dictionary of common values). User info
(``user:password@``), query strings, fragments and credential settings
(``password=…``, ``"token": "…"``) are cut before anything is extracted, so a token
in ``?api_key=`` or ``X-Amz-Security-Token=`` never reaches the file. When the snapshot is scanned, each such value is handed to the rules
as the facts alone (:func:`readable`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Any

ALGORITHM = "HMAC-SHA256"
#: An AWS endpoint hostname (RDS, ElastiCache, API Gateway, S3, SQS …): where, not what unlocks it.
_AWS_HOST = re.compile(r"(?<![\w.-])((?:[a-z0-9-]+\.)+amazonaws\.com(?:\.cn)?)(?![\w-])", re.IGNORECASE)
#: An ARN, up to the first character no ARN holds in practice (blank, quote, query or list separator).
_ARN = re.compile(r"(?<![\w:-])arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(?:\d{12})?:[A-Za-z0-9_+=.@/:*$-]+", re.IGNORECASE)
_WHOLE_ARN = re.compile(r"arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(?:\d{12})?:[A-Za-z0-9_+=.@/:*$-]+", re.IGNORECASE)
#: What is cut before extraction: ``user:password@`` after a scheme, query strings and fragments, and
#: credential settings (libpq ``password=…``, JDBC ``;password=…;``, JSON ``"token": "…"``).
_USERINFO = re.compile(r"://[^/\s@?#]*@")
_QUERY = re.compile(r"[?#][^\s\"']*")
_CREDENTIAL_WORDS = r"(?:password|passwd|pwd|pass|token|secret|api_?key|access_?key|auth|credentials?)"
_CREDENTIAL_SETTING = re.compile(rf"(?i)\b{_CREDENTIAL_WORDS}\s*=\s*(?:'[^']*'|\"[^\"]*\"|[^\s;&,]*)")
_JSON_FIELD = re.compile(r"\"([\w-]{1,64})\"\s*:\s*\"(?:[^\"\\]|\\.)*\"")
_CREDENTIAL_KEY = re.compile(_CREDENTIAL_WORDS, re.IGNORECASE)


def new_key() -> bytes:
    """A random key for one snapshot."""
    return secrets.token_bytes(32)


def keyed_hash(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()[:32]


def is_fact(value: str, function_names: set[str]) -> bool:
    """A value that is itself a fact rules read, kept whole: one ARN, or the name of an audited function."""
    return bool(_WHOLE_ARN.fullmatch(value)) or value in function_names


def extract(value: str, key: bytes) -> dict[str, Any]:
    """The facts of one value: length, keyed hash, AWS hostnames and ARNs (never credentials)."""
    located = _JSON_FIELD.sub(lambda m: " " if _CREDENTIAL_KEY.search(m.group(1)) else m.group(0),
                              _CREDENTIAL_SETTING.sub(" ", value))
    located = _QUERY.sub(" ", _USERINFO.sub("://", located))
    hosts = sorted({h.lower() for h in _AWS_HOST.findall(located)})
    arns = sorted(set(_ARN.findall(located)))
    facts: dict[str, Any] = {"chars": len(value), "hmac": keyed_hash(key, value)}
    if hosts:
        facts["hosts"] = hosts
    if arns:
        facts["arns"] = arns
    return facts


def placeholder(facts: dict[str, Any]) -> dict[str, Any]:
    """What the snapshot's environment holds in place of the value (an unresolved value to the rules)."""
    return {"unresolved": f"redacted: {facts.get('chars', '?')} chars"}


def readable(facts: dict[str, Any]) -> Any:
    """The value the rules see when the snapshot is scanned: its facts alone, or an unresolved value."""
    parts = [*facts.get("hosts", []), *facts.get("arns", [])]
    return " ".join(parts) if parts else placeholder(facts)
