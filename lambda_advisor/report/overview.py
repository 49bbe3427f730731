"""The paragraph an audit report opens with: what was audited, what stands out, what could not be seen.

Written for a reader who will not open the tables: plain sentences, numbers
with their units, the most severe problems by name and how many functions each
touches, and the limits of the audit (accounts skipped, functions not fully
checked). It reads the report's ``scope`` when an audit or a scan of snapshots
stated one.
"""

from __future__ import annotations

from collections import Counter

from lambda_advisor.findings import SEVERITIES
from lambda_advisor.result import ScanResult

_PLAIN = {"critical": "critical", "high": "high", "medium": "medium", "low": "low", "info": "informational"}


def _n(count: int, what: str) -> str:
    return f"{count:,} {what}{'' if count == 1 else 's'}"


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def overview(result: ScanResult) -> str:
    """One paragraph, plain text (the reporter escapes it)."""
    scope = result.meta.get("scope") if isinstance(result.meta.get("scope"), dict) else None
    sentences: list[str] = []
    if scope:
        inv = scope.get("inventory") or {}
        what = [_n(int(inv.get("event_functions") or 0), "function")]
        if inv.get("web_functions"):
            what.append(_n(int(inv["web_functions"]), "Web Function"))
        if inv.get("versions"):
            what.append(_n(int(inv["versions"]), "published version") + " judged on their own")
        accounts = scope.get("accounts") or []
        regions = scope.get("regions") or []
        window = scope.get("window") or {}
        when = f" on {str(window['finished'])[:10]}" if window.get("finished") else ""
        sentences.append(f"This audit covered {_join(what)} in {_n(len(accounts), 'account')} and "
                         f"{_n(len(regions), 'region')}{when}.")
    else:
        sentences.append(f"This report covers {_n(len(result.documents), 'function')}.")
    active = result.active
    if not active:
        sentences.append("It found no problem in the rules it ran.")
    else:
        counts = Counter(f.severity for f in active)
        worst = next(s for s in SEVERITIES if counts[s])
        affected = len({a.function_id for f in active for a in f.affected})
        parts = [f"{counts[s]} {_PLAIN[s]}" for s in SEVERITIES if counts[s]]
        sentences.append(f"It found {_n(len(active), 'problem')} ({_join(parts)}) in "
                         f"{_n(affected, 'function')}.")
        top: Counter[str] = Counter()
        titles: dict[str, str] = {}
        for f in active:
            if f.severity == worst:
                top[f.rule_id] += len({a.function_id for a in f.affected})
                titles[f.rule_id] = f.title
        named = [f"{titles[r]} ({_n(n, 'function')})" for r, n in top.most_common(3)]
        sentences.append(f"The most serious {'is' if len(named) == 1 else 'are'}: {'; '.join(named)}.")
    limits: list[str] = []
    if scope and scope.get("skipped_accounts"):
        limits.append(f"{_n(len(scope['skipped_accounts']), 'account')} could not be audited (suspended or closed)")
    if scope and scope.get("regions_denied"):
        limits.append(f"{_n(len(scope['regions_denied']), 'region')} closed by the organisation's policy were not audited")
    unchecked = len({g.where for g in result.gaps})
    if unchecked:
        limits.append(f"{_n(unchecked, 'function or region', )} could not be fully checked, so the real numbers may "
                      "be higher")
    if limits:
        sentences.append(f"Limits: {'; '.join(limits)}.")
    elif result.kind == "audit" or scope:
        sentences.append("Every function listed was fully checked.")
    return " ".join(sentences)
