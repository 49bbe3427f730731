"""A short markdown summary to post as a pull-request comment.

Every text from input is written with :func:`~lambda_advisor.report.escape.md_text`
or :func:`~lambda_advisor.report.escape.md_code`: a file name cannot add a table
row or raw HTML, a function name cannot add an image, a link or a mention.
"""

from __future__ import annotations

from collections import Counter

from lambda_advisor.findings import SEVERITIES, SEVERITY_RANK, Finding
from lambda_advisor.report.escape import md_code, md_text, md_url
from lambda_advisor.result import ScanResult

MAX_ROWS = 50
_ICONS = {"critical": "🟣", "high": "🔴", "medium": "🟠", "low": "🔵", "info": "⚪"}


def _cell(text: str) -> str:
    return md_text(text)


def _shipped_prose(text: str) -> str:
    """A fix text of a rule shipped with lambda-advisor (not from the scanned tree): its inline markdown kept."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def _where(f: Finding) -> str:
    loc = f.location
    if loc.file:
        return md_code(f"{loc.file}:{loc.line}" if loc.line else loc.file)
    return md_code(loc.arn or loc.function_id)


def _message(f: Finding) -> str:
    """The message as markdown: the text escaped, our own words around the names as they are."""
    if len(f.affected) <= 1:
        return _cell(f.message)
    return f"{_cell(f.message)} (functions ({len(f.affected)}): {', '.join(_cell(n) for n in f.function_names)})"


def render(result: ScanResult, *, color: bool = False) -> str:
    active = sorted(result.active, key=lambda f: (-SEVERITY_RANK[f.severity], f.location.file or "",
                                                  f.location.line or 0, f.rule_id))
    counts = Counter(f.severity for f in active)
    functions = len(result.documents)
    out = ["## lambda-advisor", ""]
    if active:
        out.append(f"**{len(active)} finding{'s' if len(active) != 1 else ''}** in {functions} "
                   f"function{'s' if functions != 1 else ''}.")
    else:
        out.append(f"✅ No findings in {functions} function{'s' if functions != 1 else ''}.")
    extras = []
    if result.suppressed:
        extras.append(f"{len(result.suppressed)} suppressed")
    if result.baselined:
        extras.append(f"{len(result.baselined)} already in the baseline")
    if result.stale_baseline:
        extras.append(f"{len(result.stale_baseline)} stale baseline entr{'ies' if len(result.stale_baseline) != 1 else 'y'}")
    if extras:
        out.append(f"Not counted: {', '.join(extras)}.")
    out.append("")
    if active:
        out += ["| severity | count |", "|---|---:|"]
        out += [f"| {_ICONS[s]} {s} | {counts[s]} |" for s in SEVERITIES if counts[s]]
        out.append("")
        out += ["| severity | rule | where | finding |", "|---|---|---|---|"]
        for f in active[:MAX_ROWS]:
            out.append(f"| {_ICONS[f.severity]} {f.severity} | {_cell(f.rule_id)} | {_where(f)} | {_message(f)} |")
        if len(active) > MAX_ROWS:
            out.append(f"\n…and {len(active) - MAX_ROWS} more; see the full report.")
        out.append("")
        fixes: dict[str, str] = {}
        uris = {r.id: r.help_uri for r in result.rules}
        shipped = {r.id for r in result.rules if getattr(r, "builtin", False)}
        for f in active:
            uri = md_url(uris.get(f.rule_id))
            name = f"[{_cell(f.rule_id)}]({uri})" if uri else _cell(f.rule_id)
            fix = (_shipped_prose(f.fix) if f.rule_id in shipped else _cell(f.fix)) if f.fix else ""
            fixes.setdefault(f.rule_id, f"**{name}** {_cell(f.title)}: {fix}")
        out += ["<details><summary>How to fix</summary>", ""]
        out += [f"- {line}" for _, line in sorted(fixes.items())]
        out += ["", "</details>", ""]
    if result.meta.get("show_suppressed") and (result.suppressed or result.baselined):
        out += ["<details><summary>Suppressed and baselined (not counted)</summary>", "",
                "| rule | where | finding | why not counted |", "|---|---|---|---|"]
        out += [f"| {_cell(f.rule_id)} | {_where(f)} | {_cell(f.message)} | {_cell(f.suppressed or '')} |"
                for f in result.suppressed]
        out += [f"| {_cell(f.rule_id)} | {_where(f)} | {_cell(f.message)} | in baseline |" for f in result.baselined]
        out += ["", "</details>", ""]
    out += _compliance(result)
    if result.errors:
        out += ["### Inputs that could not be read", ""]
        out += [f"- {md_code(str(e), table=False)}" for e in result.errors]
        out.append("")
    if result.gaps:
        out += ["### Not fully evaluated", ""]
        out += [f"- {md_code(g.where, table=False)} ({md_text(g.region or 'all regions', table=False)}): "
                f"{md_text('; '.join(g.missing), table=False)}" for g in result.gaps]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


_STATUS_ICONS = {"failed": "❌", "passed": "✅", "not assessed": "➖", "manual": "📝"}


def _compliance(result: ScanResult) -> list[str]:
    """One table per framework asked for (``--framework``): requirement, status, the findings behind it."""
    from lambda_advisor.compliance import report_rows

    out: list[str] = []
    for fw, rows in report_rows(result):
        out += [f"### {_cell(fw.name)}", "", f"Mapping read from <{fw.source}> on {fw.read}.", "",
                "| requirement | status | rules | findings |", "|---|---|---|---|"]
        for row in rows:
            req = row.requirement
            behind = ", ".join(f"{f.rule_id} {_where(f)}" for f in row.findings[:5])
            if len(row.findings) > 5:
                behind += f" and {len(row.findings) - 5} more"
            out.append(f"| **{_cell(req.id)}** {_cell(req.title)} | {_STATUS_ICONS[row.status]} {row.status} | "
                       f"{', '.join(req.rules) or '—'} | {behind} |")
        out.append("")
    return out
