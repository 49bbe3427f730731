"""Rule selectors must name rules that exist: a typo never turns a gate into a silent pass.

``--select``/``--ignore``, ``select``/``ignore``/``per-file-ignores`` in the
configuration and suppressions in templates or tags all name rules by ID or
prefix (``LA2``), in any case. :func:`check` refuses one that matches no rule,
naming the closest IDs; :func:`suppression_warnings` reports suppressions that
name no rule or suppress nothing, like ruff's unused ``noqa``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

ALL = "ALL"


class UnknownSelector(ValueError):
    """A selector that matches no rule; the message names it and the closest IDs."""


def normalise(values: Iterable[str]) -> list[str]:
    """``la1`` → ``LA1``; ``all`` → ``ALL``."""
    return [str(v).strip().upper() for v in values if str(v).strip()]


def matches(selector: str, rule_ids: Iterable[str]) -> bool:
    return selector == ALL or any(rid.startswith(selector) for rid in rule_ids)


def closest(selector: str, rule_ids: Sequence[str], n: int = 3) -> list[str]:
    """The rule IDs (or prefixes) nearest to a mistyped selector."""
    prefixes = sorted({rid[:-1] for rid in rule_ids})
    candidates = [*rule_ids, *prefixes]
    import difflib

    found = difflib.get_close_matches(selector, candidates, n=n, cutoff=0.5)
    if not found and selector[:3]:
        found = [rid for rid in rule_ids if rid.startswith(selector[:3])][:n]
    return found


def describe(selector: str, rule_ids: Sequence[str]) -> str:
    near = closest(selector, rule_ids)
    hint = f"; closest: {', '.join(near)}" if near else ""
    return f"{selector!r} matches no rule{hint} (`lambda-advisor rules` lists them)"


def check(selectors: Iterable[str], rule_ids: Sequence[str], where: str) -> None:
    """Raise :class:`UnknownSelector` for the first selector that matches no rule."""
    for selector in selectors:
        if not matches(selector, rule_ids):
            raise UnknownSelector(f"{where}: {describe(selector, rule_ids)}")


def normalise_suppressions(docs: Iterable[dict[str, Any]]) -> None:
    """Suppressions accept any case, as selectors do (``la205`` suppresses LA205)."""
    for doc in docs:
        for sup in doc.get("suppressions") or ():
            sup["rule"] = str(sup.get("rule", "")).strip().upper()


def suppression_warnings(docs: Iterable[dict[str, Any]], findings: Iterable[Any], all_ids: Sequence[str],
                         ran_ids: Iterable[str]) -> list[str]:
    """Suppressions that name no rule, or whose rules ran and found nothing to suppress.

    A template-wide suppression is copied to every function of the file: it is
    reported once, and only when it suppressed nothing in any of them.
    """
    ran = list(ran_ids)
    hit: dict[str, set[str]] = {}  # function id -> rule IDs of its findings, suppressed or not
    for f in findings:
        hit.setdefault(f.location.function_id, set()).add(f.rule_id)
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}
    for doc in docs:
        src = doc.get("source") or {}
        for sup in doc.get("suppressions") or ():
            rule, origin = sup.get("rule", ""), sup.get("origin") or "suppression"
            template_wide = origin.startswith("template")
            where = src.get("file") or src.get("arn") or doc.get("id", "")
            owner = where if template_wide else f"{where} {src.get('logical_id') or doc.get('name')}"
            key = (owner, origin, rule)
            group = groups.setdefault(key, {"used": False, "ran": False})
            if any(rid.startswith(rule) for rid in ran):
                group["ran"] = True
            if any(rid.startswith(rule) for rid in hit.get(doc["id"], ())):
                group["used"] = True
    out = []
    for (owner, origin, rule), group in groups.items():
        if not matches(rule, all_ids):
            out.append(f"{owner}: {origin} names an unknown rule: {describe(rule, all_ids)}")
        elif group["ran"] and not group["used"]:
            out.append(f"{owner}: {origin} of {rule} suppresses nothing (no {rule} finding there); remove it")
    return sorted(out)
