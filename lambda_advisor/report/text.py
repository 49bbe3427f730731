"""Human-readable report for terminals: grouped by file (or region), coloured on a TTY."""

from __future__ import annotations

from collections import defaultdict

from lambda_advisor.findings import SEVERITIES, Finding
from lambda_advisor.result import ScanResult

_COLORS = {"critical": "magenta", "high": "red", "medium": "yellow", "low": "cyan", "info": "blue"}


def _style(text: str, color: bool, **kw: object) -> str:
    if not color:
        return text
    import click

    return click.style(text, **kw)  # type: ignore[arg-type]


def _group(f: Finding) -> str:
    loc = f.location
    if loc.file:
        return loc.file
    return " / ".join(p for p in (loc.account, loc.region) if p) or "(live)"


def render(result: ScanResult, *, color: bool = False) -> str:
    out: list[str] = []
    groups: dict[str, list[Finding]] = defaultdict(list)
    for f in result.active:
        groups[_group(f)].append(f)
    for group in sorted(groups):
        out.append(_style(group, color, bold=True, underline=True))
        for f in groups[group]:
            loc = f.location
            where = f"{loc.line}" if loc.line else loc.function_name  # live: grouped by account/region
            sev = _style(f"{f.severity:<8}", color, fg=_COLORS[f.severity], bold=True)
            rid = _style(f.rule_id, color, bold=True)
            out.append(f"  {where:>5}  {sev} {rid}  {f.message}")
            if loc.inherited_from:
                out.append(f"         {'':8} {'':5}  (inherited from {loc.inherited_from})")
            out.append(_style(f"         {'':8} {'':5}  fix: {f.fix.splitlines()[0]}", color, dim=True))
        out.append("")
    if result.meta.get("show_suppressed") and (result.suppressed or result.baselined):
        out.append(_style("suppressed (not counted):", color, bold=True))
        for f in result.suppressed:
            out.append(f"  {f.location.short()}  {f.rule_id}  {f.message}  [suppressed: {f.suppressed}]")
        for f in result.baselined:
            out.append(f"  {f.location.short()}  {f.rule_id}  {f.message}  [in baseline]")
        out.append("")
    for entry in result.stale_baseline:
        out.append(_style(f"stale baseline entry: {entry.get('rule_id')} {entry.get('function') or ''} "
                          f"({entry.get('fingerprint')}) is no longer found; `baseline create` again to drop it",
                          color, dim=True))
    for err in result.errors:
        out.append(_style(f"error: {err}", color, fg="red", bold=True))
    if result.gaps:
        out.append(_style("not fully evaluated:", color, fg="yellow", bold=True))
        for gap in result.gaps:
            out.append(f"  {gap.where} ({gap.region or 'all regions'}): {'; '.join(gap.missing)}")
    counts = {s: sum(1 for f in result.active if f.severity == s) for s in SEVERITIES}
    summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no findings"
    what = f"{len(result.documents)} function{'s' if len(result.documents) != 1 else ''}"
    tail = f"{len(result.active)} finding{'s' if len(result.active) != 1 else ''} ({summary}) in {what}"
    if result.suppressed:
        tail += f"; {len(result.suppressed)} suppressed"
    if result.baselined:
        tail += f"; {len(result.baselined)} in baseline"
    if result.errors:
        tail += f"; {len(result.errors)} input error{'s' if len(result.errors) != 1 else ''}"
    out.append(_style(tail, color, bold=True))
    return "\n".join(out) + "\n"
