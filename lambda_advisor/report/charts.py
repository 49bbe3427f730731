"""Small inline SVG charts of a function's run-time evidence, for the HTML report.

Two panels side by side: daily invocations as bars with the errors and throttles of each
day drawn over them, and the daily longest invocation (Duration maximum) as a line under
the configured timeout. Pure SVG (no script, nothing fetched), every label escaped: the
function name and dates come from the account and are data, never markup.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import escape
from typing import Any

WIDTH, HEIGHT = 260, 96
PAD_TOP, PAD_BOTTOM, PAD_LEFT = 16, 16, 4
COLOURS = {"Invocations": "#90a4ae", "Errors": "#c62828", "Throttles": "#ef6c00", "Duration": "#1565c0",
           "timeout": "#c62828"}


#: Characters XML 1.0 (and so inline SVG) cannot carry even escaped: C0 controls, U+FFFE, U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _e(value: Any) -> str:
    """Escaped for an SVG text or attribute; characters XML cannot hold become U+FFFD."""
    return escape(_NOT_XML.sub("\ufffd", str(value)), quote=True)


def _values(s: Any) -> list[float | None]:
    if not isinstance(s, dict) or not isinstance(s.get("values"), list):
        return []
    return [float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None for v in s["values"]]


def _days(s: dict[str, Any], count: int) -> list[str]:
    try:
        first = date.fromisoformat(str(s.get("start")))
    except ValueError:
        return [""] * count
    return [(first + timedelta(days=i)).isoformat() for i in range(count)]


def _num(v: float) -> str:
    return f"{v:,.0f}" if v >= 10 or float(v).is_integer() else f"{v:,.2f}"


def function_chart(doc: dict[str, Any]) -> str:
    """The function's evidence chart, or "" when it has no daily invocations to draw."""
    metrics = ((doc.get("evidence") or {}).get("metrics") or {}) if isinstance(doc.get("evidence"), dict) else {}
    inv_s = metrics.get("Invocations")
    inv = _values(inv_s)
    if not inv:
        return ""
    days = _days(inv_s if isinstance(inv_s, dict) else {}, len(inv))
    errors = _align(_values(metrics.get("Errors")), len(inv))
    throttles = _align(_values(metrics.get("Throttles")), len(inv))
    name = str(doc.get("name") or "")
    panels = [_volume_panel(days, inv, errors, throttles)]
    duration = _align(_values(metrics.get("Duration")), len(inv))
    if any(v is not None for v in duration):
        panels.append(_duration_panel(days, duration, doc.get("timeout_s")))
    width = WIDTH * len(panels) + 12 * (len(panels) - 1)
    body = "".join(f'<g transform="translate({i * (WIDTH + 12)},0)">{p}</g>' for i, p in enumerate(panels))
    label = f"Run-time evidence of {name}: daily invocations, errors and throttles" + (
        "; longest invocation against the timeout" if len(panels) > 1 else "")
    return (f'<svg class="evidence" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{HEIGHT}" '
            f'viewBox="0 0 {width} {HEIGHT}" role="img" aria-label="{_e(label)}" font-size="10">{body}</svg>')


def _align(values: list[float | None], count: int) -> list[float | None]:
    return (values + [None] * count)[:count]


def _volume_panel(days: list[str], inv: list[float | None], errors: list[float | None],
                  throttles: list[float | None]) -> str:
    count = len(inv)
    top = max([v or 0.0 for v in inv] + [(e or 0.0) + (t or 0.0) for e, t in zip(errors, throttles, strict=True)]
              + [1.0])
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    step = (WIDTH - PAD_LEFT) / count
    bar_w = max(step * 0.8, 1.0)
    out = [f'<text x="{PAD_LEFT}" y="10">{_e(f"invocations a day (max {_num(top)})")}</text>']
    for i in range(count):
        x = PAD_LEFT + i * step
        calls, err, thr = inv[i] or 0.0, errors[i] or 0.0, throttles[i] or 0.0
        tip = (f"{days[i]}: {_num(calls)} invocations, {_num(err)} errors, {_num(thr)} throttles"
               if inv[i] is not None or err or thr else f"{days[i]}: no invocations")
        parts = []
        for value, base, colour in ((calls, 0.0, COLOURS["Invocations"]), (err, 0.0, COLOURS["Errors"]),
                                    (thr, err, COLOURS["Throttles"])):
            if value <= 0:
                continue
            h = max(plot_h * value / top, 1.0)
            y = PAD_TOP + plot_h - plot_h * base / top - h
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}"/>')
        out.append(f"<g><title>{_e(tip)}</title>{''.join(parts)}"
                   f'<rect x="{x:.1f}" y="{PAD_TOP}" width="{bar_w:.1f}" height="{plot_h}" fill="transparent"/></g>')
    out.append(_axis(days))
    return "".join(out)


def _duration_panel(days: list[str], duration: list[float | None], timeout_s: Any) -> str:
    timeout_ms = float(timeout_s) * 1000 if isinstance(timeout_s, (int, float)) and not isinstance(timeout_s, bool) \
        and timeout_s > 0 else None
    top = max([v for v in duration if v is not None] + ([timeout_ms] if timeout_ms else []) + [1.0])
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM
    count = len(duration)
    step = (WIDTH - PAD_LEFT) / max(count - 1, 1)
    caption = "longest invocation a day" + (f" (timeout {_num(timeout_ms / 1000)} s)" if timeout_ms else "")
    out = [f'<text x="{PAD_LEFT}" y="10">{_e(caption)}</text>']
    if timeout_ms:
        y = PAD_TOP + plot_h - plot_h * timeout_ms / top
        out.append(f'<line x1="{PAD_LEFT}" x2="{WIDTH}" y1="{y:.1f}" y2="{y:.1f}" stroke="{COLOURS["timeout"]}" '
                   f'stroke-dasharray="4 3"><title>{_e(f"timeout {_num(timeout_ms)} ms")}</title></line>')
    points = []
    for i, v in enumerate(duration):
        if v is None:
            continue
        x, y = PAD_LEFT + i * step, PAD_TOP + plot_h - plot_h * v / top
        points.append(f"{x:.1f},{y:.1f}")
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2" fill="{COLOURS["Duration"]}">'
                   f"<title>{_e(f'{days[i]}: longest {_num(v)} ms')}</title></circle>")
    if len(points) > 1:
        out.insert(1, f'<polyline points="{" ".join(points)}" fill="none" stroke="{COLOURS["Duration"]}"/>')
    out.append(_axis(days))
    return "".join(out)


def _axis(days: list[str]) -> str:
    if not days:
        return ""
    y = HEIGHT - 4
    return (f'<text x="{PAD_LEFT}" y="{y}" fill="#666">{_e(days[0])}</text>'
            f'<text x="{WIDTH}" y="{y}" fill="#666" text-anchor="end">{_e(days[-1])}</text>')
