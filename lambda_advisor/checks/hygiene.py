"""Template hygiene: what the template's own text gets wrong, whatever the function does."""

from __future__ import annotations

from collections.abc import Iterator

from lambda_advisor.checks import Context, Document, Hit


def duplicate_keys(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA001: a key written twice in one mapping; the value written first is silently dropped.

    A duplicate outside the function's own resource concerns the whole template: its hits share a
    group, so the engine reports it once, naming every function of the template.
    """
    seen: dict[str, int] = {}
    for i, entry in enumerate(doc.get("duplicate_keys") or []):
        key = str(entry["key"])
        seen[key] = seen.get(key, 0) + 1
        subject = f"duplicate-key/{key}/{seen[key]}"  # no line numbers: edits above it keep the fingerprint
        where = "in this template, outside any function" if entry.get("shared") else "in its resource"
        yield Hit(
            message=(f"{doc['name']}: key '{key}' is written twice {where} (lines {entry['first_line']} and "
                     f"{entry['line']}); the last value is deployed and line {entry['first_line']} is "
                     "silently ignored"),
            pointer=f"/duplicate_keys/{i}",
            subject=subject,
            group=subject if entry.get("shared") else None,
        )
