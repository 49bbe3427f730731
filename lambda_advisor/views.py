"""How rules see a Web Function: the function itself, and one view per revision.

A Web Function keeps its configuration on immutable revisions (runtime, timeout, environment,
execution role, log group, network connector, code). Rules written for the function document read
those fields at its top level, so each revision is judged as a *view*: the Web Function document
with the revision's fields laid over the top level, its lines mapped from ``/revisions/<i>/…`` to
the top-level pointers, and function-level parts (resource policy, endpoints) left out so they are
judged once, on the function itself. An Event Function is its own only view.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambda_advisor.model import Document

#: Revision fields that have the same meaning and shape as the top-level field of an Event Function.
_SAME_FIELDS = ("runtime", "timeout_s", "environment", "role", "kms_key_arn", "logging")


def rule_views(doc: Document) -> Iterator[tuple[Document, str]]:
    """``(document a rule reads, subject prefix)``: the function, then each revision of a Web Function."""
    yield doc, ""
    if doc.get("kind") != "web":
        return
    for index, revision in enumerate(doc.get("revisions") or []):
        if isinstance(revision, dict):
            yield revision_view(doc, index, revision), f"revision:{revision.get('id') or index}:"


def revision_view(doc: Document, index: int, revision: dict[str, Any]) -> Document:
    view = dict(doc)
    view["name"] = f"{doc.get('name')} (revision {revision.get('logical_id') or revision.get('id') or index})"
    for name in _SAME_FIELDS:
        view[name] = revision.get(name)
    view["vpc"] = _connector_as_vpc(revision.get("network_connector"))
    view["code"] = _code(revision.get("code"))
    view["resource_policy"] = []
    view["endpoints"] = []
    view["revisions"] = []
    prefix = f"/revisions/{index}"
    lines: dict[str, int] = {}
    for pointer, line in (doc.get("lines") or {}).items():
        if pointer.startswith(prefix + "/"):
            rest = pointer[len(prefix):]
            rest = "/vpc" + rest[len("/network_connector"):] if rest.startswith("/network_connector") else rest
            lines[rest] = line
    view["lines"] = lines
    view["inherited"] = {}
    extra = doc.get("extra") or {}
    if any(k in extra for k in ("redacted_environment", "environment_facts", "redacted_revision_environment",
                                "revision_environment_facts")):
        # A snapshot keeps what LA101 recognised in each revision's environment, and its facts, apart.
        key = str(revision.get("id") or index)
        view["extra"] = {**extra,
                         "redacted_environment": (extra.get("redacted_revision_environment") or {}).get(key) or {},
                         "environment_facts": (extra.get("revision_environment_facts") or {}).get(key) or {}}
    source = dict(doc.get("source") or {})
    if isinstance(revision.get("line"), int):
        source["line"] = revision["line"]
    if revision.get("logical_id"):
        source["logical_id"] = revision["logical_id"]
    if revision.get("arn"):
        source["arn"] = revision["arn"]
    view["source"] = source
    return view


def _connector_as_vpc(connector: Any) -> Any:
    """A network connector gives a revision what a VPC configuration gives an Event Function."""
    if not isinstance(connector, dict):
        return connector
    return {"subnet_ids": connector.get("subnet_ids") or [],
            "security_group_ids": connector.get("security_group_ids") or [],
            "availability_zones": connector.get("availability_zones")}


def _code(code: Any) -> Any:
    if not isinstance(code, dict):
        return code
    bucket, key = code.get("s3_bucket"), code.get("s3_key")
    return {"local_path": None, "image_uri": None, "inline": False,
            "s3_uri": f"s3://{bucket}/{key}" if isinstance(bucket, str) and isinstance(key, str) else None,
            "zipped_bytes": code.get("zipped_bytes"), "unzipped_bytes": code.get("unzipped_bytes"),
            "image_bytes": None, "sha256": code.get("sha256"), "inspection": code.get("inspection")}
