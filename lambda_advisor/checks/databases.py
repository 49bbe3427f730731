"""LA302: a function that connects to an RDS database directly, without RDS Proxy.

Evidence comes from the environment, where database hosts are passed: a literal
RDS endpoint (``*.rds.amazonaws.com`` that is not a ``.proxy-`` endpoint), or a
reference to an ``AWS::RDS::DBInstance``/``DBCluster`` endpoint attribute.
A function that is also handed an RDS Proxy (a ``.proxy-`` endpoint, or a ref
to ``AWS::RDS::DBProxy``/``DBProxyEndpoint``) is taken to use the proxy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lambda_advisor.checks import Context, Document, Hit

_RDS_HOST = re.compile(r"(?<![\w.-])((?:[a-z0-9-]+\.)+rds\.amazonaws\.com(?:\.cn)?)(?![\w.-])", re.IGNORECASE)
_DATABASES = {"AWS::RDS::DBInstance", "AWS::RDS::DBCluster"}
_PROXIES = {"AWS::RDS::DBProxy", "AWS::RDS::DBProxyEndpoint"}


def _direct_database(value: Any) -> str | None:
    """What in ``value`` names a database endpoint that is not a proxy, for the message."""
    if isinstance(value, str):
        for host in _RDS_HOST.findall(value):
            if ".proxy-" not in host.lower():
                return host
        return None
    if isinstance(value, dict):
        for ref in value.get("refs") or ():
            attribute = ref.get("attribute") or ""
            if ref.get("type") in _DATABASES and "Endpoint" in attribute:
                return f"{ref['logical_id']}.{attribute}"
    return None


def _is_proxy(value: Any) -> bool:
    if isinstance(value, str):
        return any(".proxy-" in host.lower() for host in _RDS_HOST.findall(value))
    if isinstance(value, dict):
        return any(ref.get("type") in _PROXIES for ref in value.get("refs") or ())
    return False


def rds_without_proxy(doc: Document, ctx: Context) -> Iterator[Hit]:
    """One hit per environment variable that hands the function a database endpoint directly."""
    env: dict[str, Any] = doc.get("environment") or {}
    if any(_is_proxy(v) for v in env.values()):
        return
    for name, value in env.items():
        target = _direct_database(value)
        if target is None:
            continue
        yield Hit(
            message=(f"{doc['name']} connects to the RDS database {target} directly (environment variable "
                     f"{name}): each concurrent execution opens its own connection, and a burst of "
                     "invocations can exhaust the database's connections; put RDS Proxy in between"),
            pointer="/environment/" + name.replace("~", "~0").replace("/", "~1"),
            subject=f"env:{name}",
        )
