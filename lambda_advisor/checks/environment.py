"""LA508: environment variables over Lambda's 4 KB limit.

Lambda measures the variables as one JSON object (``{"KEY":"value",...}``, as its
error message shows: "exceeded the 4KB limit. String measured: {...}"), so keys,
values, quotes, colons and commas all count. Only a fully literal environment is
measured: a value CloudFormation fills in at deploy time has no known length.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.packaging import size_text

DEFAULT_MAX_BYTES = 4096
#: Variables named in the message, largest first.
MAX_NAMED = 3


def measured_size(env: dict[str, str]) -> int:
    """Bytes of the environment as Lambda measures it: compact JSON, UTF-8."""
    return len(json.dumps(env, separators=(",", ":"), ensure_ascii=False).encode("utf-8", "surrogatepass"))


def environment_too_large(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA508: one hit when the literal environment is over ``max_bytes``."""
    if doc.get("kind") == "web":
        return  # the 4 KB total is an Event Function limit; a revision limits each value (4,096 characters)
    env = doc.get("environment")
    if not isinstance(env, dict) or not env or not all(isinstance(v, str) for v in env.values()):
        return
    limit = ctx.params.get("max_bytes", DEFAULT_MAX_BYTES)
    size = measured_size(env)
    if size <= limit:
        return
    largest = sorted(env, key=lambda k: len(k) + len(env[k].encode("utf-8", "surrogatepass")), reverse=True)[:MAX_NAMED]
    named = ", ".join(f"{k} ({size_text(len(k) + len(env[k].encode('utf-8', 'surrogatepass')))})" for k in largest)
    yield Hit(
        message=(f"{doc['name']} has {len(env)} environment variables taking {size} bytes as Lambda measures "
                 f"them, over the {limit}-byte limit: the deployment fails. Largest: {named}"),
        pointer="/environment",
        subject="environment-size",
        extra={"bytes": size, "limit": limit, "largest": largest},
    )
