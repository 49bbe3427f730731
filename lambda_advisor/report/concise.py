"""One finding a line, like ruff's ``concise`` and cfn-lint's ``parseable`` output.

``path:line:col: LA205 [low] message`` for template findings, the ARN for live
ones; then inputs that could not be read, and a summary line.
"""

from __future__ import annotations

from lambda_advisor.findings import Finding
from lambda_advisor.report.escape import terminal as t
from lambda_advisor.report.text import summary
from lambda_advisor.result import ScanResult


def _line(f: Finding) -> str:
    return f"{t(f.location.editor())}: {t(f.rule_id)} [{f.severity}] {t(' '.join(f.message.split()))}"


def render(result: ScanResult, *, color: bool = False) -> str:
    out = [_line(f) for f in result.active]
    if result.meta.get("show_suppressed"):
        out += [f"{_line(f)} [suppressed: {t(f.suppressed)}]" for f in result.suppressed]
        out += [f"{_line(f)} [in baseline]" for f in result.baselined]
    out += [f"{t(e.where)}:{e.line or 1}:1: error: {t(e.message)}" for e in result.errors]
    out += [f"{t(g.where)}: not fully evaluated ({t(g.region or 'all regions')}): {t('; '.join(g.missing))}"
            for g in result.gaps]
    out.append(summary(result))
    return "\n".join(out) + "\n"
