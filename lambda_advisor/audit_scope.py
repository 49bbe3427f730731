"""What an audit covered, stated in its report: accounts, regions, time window, inventory, skipped accounts.

A finding list says what is wrong; an auditor signing the report also needs to
know what was looked at and what was not. The JSON report carries this as
``scope`` and the HTML report opens with it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from lambda_advisor.model import Document


def function_kind(doc: Document) -> str:
    """``web`` for a Web Function (endpoints and revisions), ``event`` for every other function."""
    kind = doc.get("kind")
    if isinstance(kind, str) and kind.lower().startswith("web"):
        return "web"
    return "event"


def is_version(doc: Document) -> bool:
    """A document for a published version (behind an alias or not) rather than the function itself."""
    return bool((doc.get("extra") or {}).get("version_of"))


def inventory(docs: Iterable[Document]) -> dict[str, int]:
    """Functions by kind, and the published versions judged apart from them (counted separately)."""
    counts = {"event_functions": 0, "web_functions": 0, "versions": 0}
    for doc in docs:
        if is_version(doc):
            counts["versions"] += 1
        else:
            counts[f"{function_kind(doc)}_functions"] += 1
    return counts


def audit_scope(*, accounts: list[str], regions: list[str], started: datetime, finished: datetime,
                documents: list[Document], skipped_accounts: list[dict[str, str]],
                shard: str | None = None, counted_apart: dict[str, int] | None = None) -> dict[str, Any]:
    """The ``scope`` of an audit report (schema: report.schema.json ``#/$defs/scope``).
    ``counted_apart``: what the account holds besides functions (``microvm_images``)."""
    scope: dict[str, Any] = {
        "accounts": list(accounts),
        "regions": sorted(regions),
        "window": {"started": _iso(started), "finished": _iso(finished)},
        "inventory": {**inventory(documents), **(counted_apart or {})},
        "skipped_accounts": [dict(s) for s in skipped_accounts],
    }
    if shard:
        scope["shard"] = shard
    return scope


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def snapshots_scope(snapshots: list[dict[str, Any]], documents: list[Document]) -> dict[str, Any]:
    """The scope of a scan of saved snapshots (the merge of a sharded organisation audit): the
    accounts they hold, their regions, the window from the first snapshot to the last, and the
    accounts recorded as skipped. Only the documents that came from snapshots are counted."""
    audited = [s for s in snapshots if not s.get("skipped")]
    created = sorted(str(s["created"]) for s in snapshots if s.get("created"))
    return {
        "accounts": sorted({str(s["account"]) for s in audited if s.get("account")}),
        "regions": sorted({r for s in audited for r in s.get("regions") or []}),
        "window": {"started": created[0] if created else None, "finished": created[-1] if created else None},
        "inventory": inventory(d for d in documents if (d.get("source") or {}).get("kind") == "snapshot"),
        "skipped_accounts": [{"account": str(s.get("account")), "name": str(s.get("name") or ""),
                              "reason": str(s["skipped"])} for s in snapshots if s.get("skipped")],
    }
