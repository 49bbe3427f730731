"""Plain words for what an audit could not read: "4 functions: code package could not be downloaded (access denied)".

A gap lists raw reasons (``GetPolicy: AccessDeniedException (HTTP 403)``,
``package: HTTP 403 <html>…``, an exception's text). A manager reading the
report needs the part that is missing and why, counted; the raw text stays
available, shortened and stripped of markup, for whoever fixes it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from lambda_advisor.result import Gap, InputError

#: API operation -> the part of a function it reads.
PARTS = {
    "GetFunction": "configuration and code location",
    "GetFunctionConfiguration": "configuration",
    "GetPolicy": "resource policy (who may invoke it)",
    "GetFunctionUrlConfig": "function URL settings",
    "ListFunctionUrlConfigs": "function URL settings",
    "ListEventSourceMappings": "event sources",
    "GetEventSourceMapping": "event sources",
    "GetFunctionEventInvokeConfig": "asynchronous invocation settings",
    "ListFunctionEventInvokeConfigs": "asynchronous invocation settings",
    "GetFunctionRecursionConfig": "recursive loop setting",
    "GetFunctionConcurrency": "concurrency settings",
    "ListProvisionedConcurrencyConfigs": "concurrency settings",
    "ListAliases": "aliases and versions",
    "ListVersionsByFunction": "aliases and versions",
    "ListTags": "tags (and their suppressions)",
    "GetLayerVersion": "layers",
    "GetLayerVersionByArn": "layers",
    "GetRole": "execution role policies",
    "GetRolePolicy": "execution role policies",
    "ListRolePolicies": "execution role policies",
    "ListAttachedRolePolicies": "execution role policies",
    "GetPolicyVersion": "execution role policies",
    "DescribeSubnets": "VPC subnets",
    "DescribeLogGroups": "log group",
    "GetQueueAttributes": "queue settings",
    "ListFunctions": "the list of functions in the region",
    "ListCapacityProviders": "capacity providers",
}

_CAUSES = [
    (re.compile(r"AccessDenied|UnauthorizedOperation|\bHTTP 403\b|\b403\b|Forbidden", re.I),
     "access denied: the audit role lacks the permission"),
    (re.compile(r"Throttl|TooManyRequests|\b429\b|Rate exceeded|SlowDown", re.I), "throttled by AWS"),
    (re.compile(r"ExpiredToken|RequestExpired|InvalidClientTokenId|UnrecognizedClient|expired", re.I),
     "the credentials expired or are invalid"),
    (re.compile(r"time(d)? ?out|ReadTimeout|ConnectTimeout", re.I), "timed out"),
    (re.compile(r"deleted during", re.I), "deleted while the audit ran"),
    (re.compile(r"<html|<!doctype|\bHTTP 5\d\d\b|ServiceUnavailable|InternalError|\b50[0-4]\b", re.I),
     "the service answered with an error page"),
    (re.compile(r"NotFound|\b404\b|NoSuch", re.I), "not found"),
    (re.compile(r"too large|budget|larger than", re.I), "too large to read"),
    (re.compile(r"could not connect|Connection|EndpointConnectionError|Name or service", re.I),
     "the endpoint could not be reached"),
]


@dataclass
class Cause:
    part: str
    why: str
    where: set[str] = field(default_factory=set)
    samples: list[str] = field(default_factory=list)

    def sentence(self) -> str:
        n = len(self.where)
        if self.part == "input could not be read":
            return f"{n} input{'s' if n != 1 else ''} could not be read ({self.why})"
        what = "function" if all(":function:" in w for w in self.where) else "function or region"
        return f"{n} {what}{'s' if n != 1 else ''}: {self.part} ({self.why})"


def part_of(reason: str) -> str:
    head = reason.split(":", 1)[0].strip()
    if head == "package":
        return "code package could not be downloaded or read"
    if head.startswith("layer "):
        return "a layer's code could not be downloaded or read"
    if head == "inspect-code":
        return "code could not be inspected"
    if head == "lambda-advisor":
        return "an internal error stopped reading it"
    part = PARTS.get(head)
    return f"{part} could not be read" if part else f"{head} could not be read"


def why_of(reason: str) -> str:
    for pattern, words in _CAUSES:
        if pattern.search(reason):
            return words
    return "failed"


_BLOCK = re.compile(r"<(script|style)\b", re.I)


def _without_blocks(text: str) -> str:
    """``text`` without its ``<script>`` and ``<style>`` blocks, in one pass (a block never closed stays)."""
    lower = text.lower()
    parts: list[str] = []
    pos = 0
    while (m := _BLOCK.search(text, pos)) is not None:
        close = lower.find(f"</{m.group(1).lower()}>", m.end())
        if close < 0:
            break
        parts += [text[pos:m.start()], " "]
        pos = close + len(m.group(1)) + 3
    parts.append(text[pos:])
    return "".join(parts)


def plain(text: str, limit: int = 200) -> str:
    """A raw reason without markup or runs of space, cut to ``limit`` characters."""
    text = _without_blocks(text)
    text = re.sub(r"<[^<>]+>", " ", text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def summarise(gaps: Iterable[Gap], errors: Iterable[InputError] = ()) -> list[Cause]:
    """One :class:`Cause` per (part, why), most places first."""
    causes: dict[tuple[str, str], Cause] = {}
    for gap in gaps:
        for reason in gap.missing or ["not fully read"]:
            key = (part_of(reason), why_of(reason))
            cause = causes.setdefault(key, Cause(*key))
            cause.where.add(gap.where)
            if len(cause.samples) < 3:
                cause.samples.append(f"{gap.where}: {plain(reason)}")
    by_input: dict[str, list[InputError]] = defaultdict(list)
    for err in errors:
        why = why_of(err.message)
        by_input["the file is not valid; see the details" if why == "failed" else why].append(err)
    for why, errs in by_input.items():
        cause = causes.setdefault(("input could not be read", why), Cause("input could not be read", why))
        for err in errs:
            cause.where.add(err.where)
            if len(cause.samples) < 3:
                cause.samples.append(plain(str(err)))
    return sorted(causes.values(), key=lambda c: (-len(c.where), c.part, c.why))
