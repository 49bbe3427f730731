"""Human-readable report for terminals.

Template findings lead with ``path:line:col`` (editors and terminals open it);
live findings are grouped by account and region in aligned columns. Messages
and the whole fix text wrap to the terminal width when one is known
(``width``); piped output keeps each message on one line for grep.
"""

from __future__ import annotations

from collections import defaultdict

from lambda_advisor.findings import SEVERITIES, Finding
from lambda_advisor.report.escape import terminal as t
from lambda_advisor.result import ScanResult

_COLORS = {"critical": "magenta", "high": "red", "medium": "yellow", "low": "cyan", "info": "blue"}
_NAME_MAX = 40  # live function names longer than this get a line of their own
_INDENT = "    "


def _style(text: str, color: bool, **kw: object) -> str:
    if not color:
        return text
    import click

    return click.style(text, **kw)  # type: ignore[arg-type]


def reflow(text: str) -> list[str]:
    """Split hard-wrapped prose into paragraphs; indented or fenced lines (snippets) stay as written."""
    out: list[str] = []
    para: list[str] = []
    fenced = False

    def flush() -> None:
        if para:
            out.append(" ".join(para))
            para.clear()

    for line in text.strip().splitlines():
        if line.lstrip().startswith("```"):
            flush()
            fenced = not fenced
            out.append(line)
        elif fenced or line.startswith((" ", "\t", "- ", "* ")):
            flush()
            out.append(line.rstrip())
        elif not line.strip():
            flush()
        else:
            para.append(line.strip())
    flush()
    return out


def wrap(text: str, width: int | None, first: str, rest: str) -> list[str]:
    """``first`` + text, continued under ``rest``; no wrapping when ``width`` is None."""
    if width is None or width <= len(rest) + 20:
        return [first + text]
    import textwrap  # a terminal only: a report to a pipe or file is not wrapped

    return textwrap.wrap(text, width=width, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False) or [first]


def _fix_lines(fix: str, width: int | None, indent: str) -> list[str]:
    lines: list[str] = []
    label = "fix: "
    for i, para in enumerate(reflow(t(fix, multiline=True))):
        first = indent + (label if i == 0 else " " * len(label))
        if para.startswith((" ", "\t", "```")):
            lines.append(first + para)
        else:
            lines += wrap(para, width, first, indent + " " * len(label))
    return lines


def _functions_line(f: Finding, width: int | None, indent: str) -> list[str]:
    names = f.function_names
    if len(names) < 2:
        return []
    return wrap(", ".join(t(n) for n in names), width, f"{indent}functions ({len(names)}): ", indent + "  ")


def _template_finding(f: Finding, width: int | None, color: bool) -> list[str]:
    loc = f.location
    editor, rule_id = t(loc.editor()), t(f.rule_id)
    head = f"{editor}: {rule_id} {f.severity}  "
    lines = wrap(t(f.message), width, head, _INDENT)
    styled = _style(editor, color, bold=True)
    sev = _style(f.severity, color, fg=_COLORS[f.severity], bold=True)
    lines[0] = lines[0].replace(head, f"{styled}: {_style(rule_id, color, bold=True)} {sev}  ", 1)
    if loc.inherited_from:
        lines.append(f"{_INDENT}(inherited from {t(loc.inherited_from)})")
    lines += _functions_line(f, width, _INDENT)
    lines += [_style(line, color, dim=True) for line in _fix_lines(f.fix, width, _INDENT)]
    return lines


def _live_group(findings: list[Finding], width: int | None, color: bool) -> list[str]:
    name_w = min(max(len(t(f.location.function_name)) for f in findings), _NAME_MAX)
    pad = " " * (2 + name_w + 2)
    lines: list[str] = []
    for f in findings:
        name, rule_id = t(f.location.function_name), t(f.rule_id)
        if len(name) > name_w:
            lines.append(f"  {name}")
            name = ""
        col = f"  {name:<{name_w}}  "
        head = f"{col}{f.severity:<8} {rule_id:<6} "
        body_indent = pad + " " * 16
        row = wrap(t(f.message), width, head, body_indent)
        sev = _style(f"{f.severity:<8}", color, fg=_COLORS[f.severity], bold=True)
        row[0] = row[0].replace(head, f"{col}{sev} {_style(f'{rule_id:<6}', color, bold=True)} ", 1)
        lines += row
        lines += _functions_line(f, width, body_indent)
        lines += [_style(line, color, dim=True) for line in _fix_lines(f.fix, width, body_indent)]
    return lines


def _group(f: Finding) -> str:
    loc = f.location
    return t(" / ".join(p for p in (loc.account, loc.region) if p) or "(live)")


def render(result: ScanResult, *, color: bool = False, width: int | None = None) -> str:
    out: list[str] = []
    live: dict[str, list[Finding]] = defaultdict(list)
    for f in result.active:
        if f.location.file:
            out += _template_finding(f, width, color)
            out.append("")
        else:
            live[_group(f)].append(f)
    for group in sorted(live):
        out.append(_style(group, color, bold=True, underline=True))
        out += _live_group(live[group], width, color)
        out.append("")
    if result.meta.get("show_suppressed") and (result.suppressed or result.baselined):
        out.append(_style("suppressed (not counted):", color, bold=True))
        for f in result.suppressed:
            out.append(f"  {t(f.location.editor())}: {t(f.rule_id)}  {t(f.message)}  [suppressed: {t(f.suppressed)}]")
        for f in result.baselined:
            out.append(f"  {t(f.location.editor())}: {t(f.rule_id)}  {t(f.message)}  [in baseline]")
        out.append("")
    for entry in result.stale_baseline:
        out.append(_style(f"stale baseline entry: {t(entry.get('rule_id'))} {t(entry.get('function') or '')} "
                          f"({t(entry.get('fingerprint'))}) is no longer found; `baseline create` again to drop it",
                          color, dim=True))
    for err in result.errors:
        out.append(_style(f"error: {t(err)}", color, fg="red", bold=True))
    if result.gaps:
        out.append(_style("not fully evaluated:", color, fg="yellow", bold=True))
        for gap in result.gaps:
            out.append(f"  {t(gap.where)} ({t(gap.region or 'all regions')}): {t('; '.join(gap.missing))}")
    out.append(_style(summary(result), color, bold=True))
    offer = fixable_line(result)
    if offer:
        out.append(offer)
    return "\n".join(out) + "\n"


def fixable_line(result: ScanResult) -> str:
    """``3 fixable with `--fix` (2 more with `--unsafe-fixes`)``, as ruff ends its report; empty when none."""
    counts = result.meta.get("fixable") or {}
    safe, unsafe = int(counts.get("safe", 0)), int(counts.get("unsafe", 0))
    if not safe and not unsafe:
        return ""
    if not safe:
        return f"{unsafe} fixable with `--fix --unsafe-fixes`"
    return f"{safe} fixable with `--fix`" + (f" ({unsafe} more with `--unsafe-fixes`)" if unsafe else "")


def summary(result: ScanResult) -> str:
    """``3 findings (1 high, 2 low) in 4 functions; 1 suppressed``."""
    counts = {s: sum(1 for f in result.active if f.severity == s) for s in SEVERITIES}
    parts = ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "no findings"
    what = f"{len(result.documents)} function{'s' if len(result.documents) != 1 else ''}{result.inventory_text()}"
    tail = f"{len(result.active)} finding{'s' if len(result.active) != 1 else ''} ({parts}) in {what}"
    if result.suppressed:
        tail += f"; {len(result.suppressed)} suppressed"
    if result.baselined:
        tail += f"; {len(result.baselined)} in baseline"
    if result.errors:
        tail += f"; {len(result.errors)} input error{'s' if len(result.errors) != 1 else ''}"
    return tail
