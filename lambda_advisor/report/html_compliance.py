"""The compliance section of the HTML report: one table per framework asked for (``--framework``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambda_advisor.result import ScanResult

_STATUS_COLORS = {"failed": "#c62828", "passed": "#2e7d32", "not assessed": "#607d8b", "manual": "#8d6e63"}


def compliance_html(result: ScanResult, escape: Callable[[Any], str], badge: Callable[[str], str]) -> list[str]:
    """Requirement, status (failed / passed / not assessed / manual) and the findings behind it."""
    from lambda_advisor.compliance import report_rows

    out: list[str] = []
    for fw, rows in report_rows(result):
        out.append(f'<h2>{escape(fw.name)}</h2><p class="id">Mapping read from {escape(fw.source)} on '
                   f"{escape(fw.read)}; a requirement no rule decides is “manual”.</p>")
        out.append(f'<div class="scroll"><table class="stack compliance" data-framework="{escape(fw.id)}"><thead><tr>'
                   "<th>Requirement</th><th>Status</th><th>Rules</th><th>Findings</th></tr></thead><tbody>")
        for row in rows:
            req = row.requirement
            status = (f'<span class="badge" style="background:{_STATUS_COLORS[row.status]}">'
                      f"{escape(row.status)}</span>")
            behind = "".join(
                f"<div>{badge(f.severity)} {escape(f.rule_id)} · {escape(f.location.function_name)}"
                f"{' · ' + escape(f'{f.location.file}:{f.location.line}') if f.location.file else ''}</div>"
                for f in row.findings[:10])
            if len(row.findings) > 10:
                behind += f'<div class="id">…and {len(row.findings) - 10} more</div>'
            out.append(f'<tr data-status="{escape(row.status)}"><td><b>{escape(req.id)}</b> {escape(req.title)}</td>'
                       f'<td data-label="Status">{status}</td>'
                       f'<td data-label="Rules">{escape(", ".join(req.rules) or "none")}</td>'
                       f"<td>{behind}</td></tr>")
        out.append("</tbody></table></div>")
    return out
