"""A self-contained HTML report for people who do not know the rule IDs.

One file, no network: inline CSS, an inline SVG chart and a little inline
JavaScript for filtering and sorting. Layout, top to bottom: totals by
severity (cards and a bar chart), findings by issue, by place (account/region
or file), then every function with its findings and how to fix them. The
filter state can be given in the address (``report.html#q=orders&sev=high&sort=name``).
"""

from __future__ import annotations

import re
import textwrap
from collections import Counter, defaultdict
from datetime import datetime, timezone
from typing import Any

from lambda_advisor import __version__
from lambda_advisor.findings import SEVERITIES, SEVERITY_RANK, Finding
from lambda_advisor.report import escape
from lambda_advisor.report.overview import overview
from lambda_advisor.result import ScanResult

COLORS = {"critical": "#7b1fa2", "high": "#c62828", "medium": "#ef6c00", "low": "#1565c0", "info": "#607d8b"}
PLAIN = {
    "critical": "fix now",
    "high": "fix soon",
    "medium": "should fix",
    "low": "worth a look",
    "info": "for information",
}

_CSS = """
*{box-sizing:border-box}body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
color:#1d2330;background:#f5f6f8}header{background:#232f3e;color:#fff;padding:20px 32px}
header h1{margin:0 0 4px;font-size:24px}header p{margin:0;opacity:.85}main{padding:20px 32px;max-width:1200px}
h2{font-size:19px;margin:28px 0 10px}.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(110px,1fr));gap:12px}
.card{background:#fff;border-radius:8px;padding:10px 12px;min-width:0;box-shadow:0 1px 2px #0002;
border-top:5px solid #8892a0}.card b{display:block;font-size:28px}.card span{color:#555;font-size:13px}
table{border-collapse:collapse;background:#fff;width:100%;box-shadow:0 1px 2px #0002;border-radius:6px}
th,td{text-align:left;padding:7px 10px;border-bottom:1px solid #e4e6ea;vertical-align:top}
th{background:#eef0f3;font-size:13px}td.n{text-align:right}.badge{display:inline-block;border-radius:10px;
padding:1px 9px;color:#fff;font-size:12px;font-weight:600;white-space:nowrap}.id{color:#666;font-size:12px}
.controls{display:flex;flex-wrap:wrap;gap:10px;align-items:center;background:#fff;padding:10px 12px;
border-radius:6px;box-shadow:0 1px 2px #0002;position:sticky;top:0;z-index:2}
.controls input[type=search]{flex:1;min-width:220px;padding:6px 8px;font-size:15px}
.fn{background:#fff;border-radius:8px;margin:12px 0;padding:12px 16px;box-shadow:0 1px 2px #0002;
border-left:6px solid #2e7d32}.place-h{margin:18px 0 6px;font-size:15px;color:#333}.fn h3{margin:0;font-size:17px}.fn .meta{color:#555;font-size:13px}
.finding{border-top:1px solid #eceef1;padding:8px 0}.finding p{margin:4px 0}.fix{background:#f1f8e9;
border-radius:4px;padding:6px 8px;font-size:14px}.fix b{color:#33691e}.muted{opacity:.6}
@media print{.controls{display:none}.fn,.finding,tr{break-inside:avoid}body{background:#fff}}
.scroll{overflow-x:auto;max-width:100%}td,.fn,.finding p,.errors li,header p{overflow-wrap:anywhere}
svg#chart{max-width:100%;height:auto}.banner{background:#fff3e0;border:2px solid #ef6c00;border-radius:8px;
padding:10px 14px;margin:16px 0 0}.card.warn{border-top-color:#ef6c00;background:#fff8f0}
.fix pre{background:#fff;border-radius:4px;padding:6px 8px;overflow-x:auto;margin:6px 0}.fix p{margin:4px 0}
.chart svg text{font:10px sans-serif}.chart{margin:4px 0 8px;overflow-x:auto}
.measured{font-size:11px;color:#1565c0;border:1px solid #1565c0;border-radius:3px;padding:0 4px}
#first ol{padding-left:22px}#first li{margin:6px 0}details summary{cursor:pointer;color:#555}
@media (max-width:600px){main,header{padding:12px}.controls input[type=search]{min-width:0}
table.stack thead{display:none}table.stack,table.stack tbody,table.stack tr,table.stack td{display:block;width:100%}
table.stack{background:none;box-shadow:none}table.stack tr{background:#fff;border-radius:8px;margin:0 0 10px;
padding:6px 4px;box-shadow:0 1px 2px #0002}table.stack td{border:0;padding:3px 10px;text-align:left}
table.stack td[data-label]::before{content:attr(data-label) ": ";color:#555;font-size:13px}}
.hidden{display:none}code{background:#eef0f3;border-radius:3px;padding:0 3px;font-size:90%}.ok{color:#2e7d32}.errors li{color:#b71c1c}svg text{font:13px system-ui,sans-serif}
"""

_JS = """
(function(){
  var RANK={critical:4,high:3,medium:2,low:1,info:0};
  var list=document.getElementById('functions');
  var q=document.getElementById('q'),sev=document.getElementById('sev'),
      sort=document.getElementById('sort'),only=document.getElementById('only');
  function fromHash(){
    var h=location.hash.replace(/^#/,'');if(!h)return;
    h.split('&').forEach(function(kv){
      var p=kv.split('='),k=p[0],v=decodeURIComponent((p[1]||'').replace(/\\+/g,' '));
      if(k==='q')q.value=v;else if(k==='sev')sev.value=v;else if(k==='sort')sort.value=v;
      else if(k==='only')only.checked=(v!=='0');
    });
  }
  function apply(){
    var text=q.value.trim().toLowerCase(),min=sev.value==='all'?-1:RANK[sev.value];
    var fns=Array.prototype.slice.call(list.querySelectorAll('.fn')),shown=0,shownFindings=0;
    fns.forEach(function(fn){
      var visible=0;
      fn.querySelectorAll('.finding').forEach(function(f){
        var ok=RANK[f.dataset.severity]>=min&&(!text||f.dataset.text.indexOf(text)>=0||fn.dataset.text.indexOf(text)>=0);
        f.classList.toggle('hidden',!ok);if(ok)visible++;
      });
      var count=+fn.dataset.count;
      var show=(count>0?visible>0:(min<0&&!only.checked&&(!text||fn.dataset.text.indexOf(text)>=0)));
      fn.classList.toggle('hidden',!show);if(show){shown++;shownFindings+=visible;}
    });
    var key=sort.value;
    fns.sort(function(a,b){
      if(key==='name')return a.dataset.name.localeCompare(b.dataset.name);
      if(key==='place')return a.dataset.group.localeCompare(b.dataset.group)||a.dataset.name.localeCompare(b.dataset.name);
      if(key==='count')return (+b.dataset.count)-(+a.dataset.count)||a.dataset.name.localeCompare(b.dataset.name);
      return (+b.dataset.worst)-(+a.dataset.worst)||(+b.dataset.count)-(+a.dataset.count)||a.dataset.name.localeCompare(b.dataset.name);
    });
    fns.forEach(function(fn){fn.parentNode.appendChild(fn);});
    list.querySelectorAll('.place').forEach(function(p){
      p.classList.toggle('hidden',!p.querySelector('.fn:not(.hidden)'));});
    document.getElementById('shown').textContent='Showing '+shown+' of '+fns.length+' functions ('+shownFindings+' findings)';
    document.body.setAttribute('data-ready','1');
  }
  fromHash();
  [q,sev,sort,only].forEach(function(el){el.addEventListener('input',apply);el.addEventListener('change',apply);});
  apply();
})();
"""


def _e(value: Any) -> str:
    """One-line text from input, inert in HTML (see :mod:`lambda_advisor.report.escape`)."""
    return escape.html(value)


def _e_block(value: Any) -> str:
    """Multi-line text (a snippet in ``<pre>``), inert in HTML."""
    return escape.html(value, multiline=True)


def _prose(text: str) -> str:
    """Escape rule prose and render the inline markdown rule texts use: `code` and *emphasis*."""
    out = []
    for i, part in enumerate(re.split(r"(`[^`]+`)", " ".join(text.split()))):
        if i % 2:  # a code span: its content stays literal, stars included
            out.append(f"<code>{_e(part[1:-1])}</code>")
        else:
            out.append(re.sub(r"(?<![\w*])\*(\S[^*]*?)\*(?![\w*])", r"<em>\1</em>", _e(part)))
    return "".join(out)


def _fix_html(text: str) -> str:
    """The fix text as written: paragraphs with inline markdown, snippets (fenced or indented) as <pre>."""
    blocks: list[str] = []
    para: list[str] = []
    code: list[str] | None = None
    indented: list[str] = []

    def flush() -> None:
        if para:
            blocks.append(f"<p>{_prose(' '.join(para))}</p>")
            para.clear()
        if indented:
            blocks.append(f"<pre><code>{_e_block(textwrap.dedent(chr(10).join(indented)))}</code></pre>")
            indented.clear()

    for line in text.strip().splitlines():
        if line.lstrip().startswith("```"):
            if code is None:
                flush()
                code = []
            else:
                blocks.append(f"<pre><code>{_e_block(chr(10).join(code))}</code></pre>")
                code = None
        elif code is not None:
            code.append(line)
        elif line.startswith(("  ", "\t")) and line.strip():
            if para:
                flush()
            indented.append(line)
        elif not line.strip():
            flush()
        else:
            if indented:
                flush()
            para.append(line.strip())
    if code is not None:
        blocks.append(f"<pre><code>{_e_block(chr(10).join(code))}</code></pre>")
    flush()
    return "".join(blocks)


def _badge(severity: str) -> str:
    return f'<span class="badge" style="background:{COLORS[severity]}">{_e(severity)}</span>'


def _place_title(group: str, result: ScanResult) -> str:
    """``Account 111122223333 (prod) / eu-west-1`` for a group of live functions."""
    account, _, region = group.partition(" / ")
    names = result.meta.get("account_names") or {}
    name = f" ({names[account]})" if isinstance(names, dict) and names.get(account) else ""
    return f"Account {account}{name}" + (f" · region {region}" if region else "")


def _group_of(source: dict[str, Any]) -> str:
    if source.get("file"):
        return str(source["file"])
    parts = [p for p in (source.get("account"), source.get("region")) if p]
    return " / ".join(parts) or "live"


def _chart(counts: Counter[str]) -> str:
    """Horizontal bars, one per severity; pure SVG so it prints and needs no script."""
    width, bar_h, gap, label_w = 520, 26, 8, 90
    top = max(counts.values(), default=0) or 1
    rows = []
    for i, sev in enumerate(SEVERITIES):
        y = i * (bar_h + gap)
        w = int((width - label_w - 60) * counts[sev] / top)
        rows.append(
            f'<text x="0" y="{y + 18}">{sev}</text>'
            f'<rect x="{label_w}" y="{y}" width="{max(w, 2)}" height="{bar_h}" rx="3" fill="{COLORS[sev]}">'
            f"<title>{counts[sev]} {sev}</title></rect>"
            f'<text x="{label_w + max(w, 2) + 6}" y="{y + 18}">{counts[sev]}</text>'
        )
    height = len(SEVERITIES) * (bar_h + gap)
    return (f'<svg id="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="Findings by severity">{"".join(rows)}</svg>')


def _finding_html(f: Finding, rules: dict[str, Any], note: str | None = None) -> str:
    loc = f.location
    where = f"{loc.file}:{loc.line}" if loc.file and loc.line else (loc.file or loc.arn or loc.function_id)
    rule = rules.get(f.rule_id)
    why = f'<p class="id">Why it matters: {_prose(rule.why)}</p>' if rule is not None else ""
    inherited = f" (inherited from {_e(loc.inherited_from)})" if loc.inherited_from else ""
    if len(f.affected) > 1:
        names = ", ".join(a.function_name for a in f.affected)
        inherited += f"; functions ({len(f.affected)}): {_e(names)}"
    fix = f.fix.strip()
    note_html = f'<p class="id">Not counted: {_e(note)}</p>' if note else ""
    text = " ".join((f.rule_id, f.title, f.message, f.severity, where)).lower()
    return (
        f'<div class="finding{" muted" if note else ""}" data-severity="{_e(f.severity)}" data-rule="{_e(f.rule_id)}" '
        f'data-text="{_e(text)}">'
        f'<p>{_badge(f.severity)} <b>{_e(f.title)}</b> <span class="id">{_e(f.rule_id)}</span></p>'
        f"<p>{_e(f.message)}</p>"
        f'<p class="id">{_e(where)}{inherited}</p>{why}'
        f'<div class="fix"><b>How to fix:</b> {_fix_html(fix)}</div>{note_html}</div>'
    )


def _banner(result: ScanResult) -> list[str]:
    """An incomplete run says so before any number: its totals are a lower bound."""
    if not (result.gaps or result.errors):
        return []
    parts = []
    places = len({g.where for g in result.gaps})
    if places:
        parts.append(f"{places} function{'s' if places != 1 else ''} or region{'s' if places != 1 else ''} "
                     "could not be fully checked")
    if result.errors:
        parts.append(f"{len(result.errors)} input{'s' if len(result.errors) != 1 else ''} could not be read")
    return [f'<div class="banner" id="incomplete" role="alert"><b>Incomplete:</b> {_e(" and ".join(parts))}. '
            'The totals below are a lower bound: there may be more findings than shown. '
            '<a href="#not-checked">What could not be checked</a></div>']


def _not_checked(result: ScanResult) -> list[str]:
    """Plain words per cause ("4 functions: code package could not be downloaded"), raw detail folded away."""
    if not (result.gaps or result.errors):
        return []
    from lambda_advisor.report.causes import summarise

    out = ['<h2 id="not-checked">What could not be checked</h2><ul class="errors" id="errors">']
    for cause in summarise(result.gaps, result.errors):
        samples = "".join(f"<li>{_e(sample)}</li>" for sample in cause.samples)
        more = len(cause.where) - len(cause.samples)
        more_html = f"<li>… and {more} more</li>" if more > 0 else ""
        out.append(f"<li>{_e(cause.sentence())}<details><summary>details</summary>"
                   f'<ul class="id">{samples}{more_html}</ul></details></li>')
    out.append("</ul>")
    return out


def _first(active: list[Finding], limit: int = 10) -> list[str]:
    """What to do first: one item per issue and file (or account and region), worst first, and among
    equals the ones that clear the most functions; six statements of one role take one slot, not six."""
    if not active:
        return []
    from lambda_advisor.evidence_links import has_evidence

    groups: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in active:
        loc = f.location
        groups[(f.rule_id, loc.file or loc.function_id)].append(f)  # live findings: one slot per function

    def clears(members: list[Finding]) -> list[str]:
        return list(dict.fromkeys(n for f in members for n in f.function_names))

    # Among equals in severity, a measured problem (run-time evidence) comes before a possible one.
    ranked = sorted(groups.values(), key=lambda g: (-max(SEVERITY_RANK[f.severity] for f in g),
                                                    not any(has_evidence(f) for f in g), -len(clears(g)),
                                                    g[0].rule_id, g[0].location.file or "", g[0].location.line or 0))
    out = ['<h2>What to do first</h2><div id="first"><ol>']
    for members in ranked[:limit]:
        f = max(members, key=lambda m: SEVERITY_RANK[m.severity])
        loc = f.location
        where = f"{loc.file}:{loc.line}" if loc.file and loc.line else (loc.file or loc.arn or loc.function_id)
        if len(members) > 1:
            lines = sorted({m.location.line for m in members if m.location.line})
            where = (f"{loc.file}, lines {', '.join(map(str, lines[:6]))}{' …' if len(lines) > 6 else ''}"
                     if loc.file else f"{loc.account or ''} {loc.region or ''}".strip() or where)
        names = clears(members)
        shown = f"({_e(', '.join(names[:6]))}{' …' if len(names) > 6 else ''})"
        if len(members) > 1:
            fixes = (f"{len(members)} findings here; fixing them clears {len(names)} "
                     f"function{'s' if len(names) != 1 else ''} {shown}")
        else:
            fixes = f"one fix clears {len(names)} functions {shown}" if len(names) > 1 else f"clears {_e(names[0])}"
        mark = ' <span class="measured">measured</span>' if any(has_evidence(m) for m in members) else ""
        out.append(f'<li data-rule="{_e(f.rule_id)}" data-findings="{len(members)}" data-clears="{len(names)}">'
                   f"{_badge(f.severity)} <b>{_e(f.title)}</b>{mark} <span class=\"id\">{_e(f.rule_id)} · {_e(where)}</span>"
                   f"<br>{fixes}</li>")
    out.append("</ol>")
    if len(ranked) > limit:
        out.append(f'<p class="id">…and {len(ranked) - limit} more below, by issue and by function.</p>')
    out.append("</div>")
    return out


def render(result: ScanResult, *, color: bool = False) -> str:
    show_suppressed = bool(result.meta.get("show_suppressed"))
    rules = {r.id: r for r in result.rules}
    active = result.active
    counts: Counter[str] = Counter(f.severity for f in active)

    per_fn: dict[str, list[tuple[Finding, str | None]]] = defaultdict(list)
    for f in active:
        per_fn[f.location.function_id].append((f, None))
    if show_suppressed:
        for f in result.suppressed:
            per_fn[f.location.function_id].append((f, f"suppressed ({f.suppressed})"))
        for f in result.baselined:
            per_fn[f.location.function_id].append((f, "accepted in the baseline"))

    functions: list[tuple[str, str, dict[str, Any]]] = []  # (id, name, source)
    known = set()
    charts: dict[str, str] = {}
    for doc in result.documents:
        known.add(doc["id"])
        functions.append((doc["id"], doc["name"], doc.get("source") or {}))
        if doc.get("evidence"):
            from lambda_advisor.report.charts import function_chart

            charts[doc["id"]] = function_chart(doc)
    for fid, items in per_fn.items():  # never drop a finding whose document is missing
        if fid not in known:
            loc = items[0][0].location
            functions.append((fid, loc.function_name, {"file": loc.file, "account": loc.account,
                                                       "region": loc.region, "arn": loc.arn}))

    audit = result.kind == "audit"
    place_label = "Account / region" if audit else "File"
    by_place: dict[str, dict[str, Any]] = defaultdict(lambda: {"functions": 0, "findings": 0, "worst": -1})
    for fid, _, source in functions:
        tally = by_place[_group_of(source)]
        tally["functions"] += 1
        hits = [f for f, note in per_fn.get(fid, []) if note is None]
        tally["findings"] += len(hits)
        for f in hits:
            tally["worst"] = max(tally["worst"], SEVERITY_RANK[f.severity])

    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for f in active:
        by_rule[f.rule_id].append(f)

    affected = len({a.function_id for f in active for a in f.affected})
    title = "Lambda account audit" if audit else "Lambda configuration report"
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    scope = sorted(by_place)
    scope_text = ", ".join(scope[:6]) + (f" and {len(scope) - 6} more" if len(scope) > 6 else "")

    h: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; "
        "script-src 'unsafe-inline'; img-src data:\">",
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{_e(title)}</h1><p>{len(functions)} function{'s' if len(functions) != 1 else ''}"
        f"{_e(result.inventory_text())} in "
        f"{_e(scope_text or 'no input')} · generated {generated} by lambda-advisor {_e(__version__)}</p></header><main>",
        *_banner(result),
        f'<p id="overview">{_e(overview(result))}</p>',
        "<h2>Summary</h2>",
        '<div class="cards" id="totals">',
        f'<div class="card" data-total="functions"><b>{len(functions)}</b><span>functions checked</span></div>',
        f'<div class="card" data-total="affected"><b>{affected}</b><span>functions with findings</span></div>',
        f'<div class="card" data-total="findings"><b>{len(active)}</b><span>findings</span></div>',
    ]
    for sev in SEVERITIES:
        h.append(f'<div class="card" data-total="{sev}" style="border-top-color:{COLORS[sev]}"><b>{counts[sev]}</b>'
                 f"<span>{sev} · {PLAIN[sev]}</span></div>")
    unchecked = len({g.where for g in result.gaps}) + len(result.errors)
    if unchecked or audit:
        h.append(f'<div class="card{" warn" if unchecked else ""}" data-total="not-checked"><b>{unchecked}</b>'
                 f"<span>not fully checked</span></div>")
    h.append("</div>")
    not_counted = []
    if result.suppressed:
        not_counted.append(f"{len(result.suppressed)} suppressed on purpose (template Metadata, function tags or configuration)")
    if result.baselined:
        not_counted.append(f"{len(result.baselined)} accepted in the baseline")
    if result.stale_baseline:
        not_counted.append(f"{len(result.stale_baseline)} baseline entries no longer found")
    if not_counted:
        h.append(f'<p id="not-counted">Not counted above: {_e("; ".join(not_counted))}.</p>')
    h.append(_chart(counts))

    h += _first(active)
    h += _not_checked(result)
    from lambda_advisor.report.html_compliance import compliance_html

    h += compliance_html(result, _e, _badge)

    h.append('<h2>By issue</h2><div class="scroll"><table id="by-rule" class="stack"><thead><tr><th>Issue</th>'
             "<th>Severity</th><th>Findings</th><th>Functions</th><th>Why it matters</th></tr></thead><tbody>")
    ordered = sorted(by_rule.items(), key=lambda kv: (-SEVERITY_RANK[kv[1][0].severity], -len(kv[1]), kv[0]))
    for rule_id, rule_hits in ordered:
        rule = rules.get(rule_id)
        why = _prose(rule.why) if rule is not None else ""
        h.append(f'<tr data-rule="{_e(rule_id)}"><td>{_e(rule_hits[0].title)} <span class="id">{_e(rule_id)}</span></td>'
                 f'<td data-label="Severity">{_badge(rule_hits[0].severity)}</td>'
                 f'<td class="n" data-label="Findings">{len(rule_hits)}</td>'
                 f'<td class="n" data-label="Functions">{len({a.function_id for f in rule_hits for a in f.affected})}</td>'
                 f"<td>{why}</td></tr>")
    if not ordered:
        h.append('<tr><td colspan="5" class="ok">No findings.</td></tr>')
    h.append("</tbody></table></div>")

    h.append(f'<h2>By {place_label.lower()}</h2><div class="scroll"><table id="by-place"><thead><tr><th>{place_label}</th>'
             "<th>Functions</th><th>Findings</th><th>Worst</th></tr></thead><tbody>")
    for place, info in sorted(by_place.items(), key=lambda kv: (-kv[1]["worst"], -kv[1]["findings"], kv[0])):
        worst_html = (_badge(list(reversed(SEVERITIES))[info["worst"]]) if info["worst"] >= 0
                      else '<span class="ok">clean</span>')
        h.append(f'<tr><td>{_e(place)}</td><td class="n">{info["functions"]}</td>'
                 f'<td class="n">{info["findings"]}</td><td>{worst_html}</td></tr>')
    h.append("</tbody></table></div>")

    h += [
        "<h2>Functions</h2>",
        '<div class="controls"><input type="search" id="q" placeholder="Filter by function, file, region or issue…" '
        'aria-label="filter">',
        '<label>Severity <select id="sev"><option value="all">all</option>'
        + "".join(f'<option value="{s}">{s} and above</option>' for s in SEVERITIES)
        + "</select></label>",
        '<label>Sort <select id="sort"><option value="worst">worst first</option><option value="count">most findings'
        '</option><option value="name">name</option><option value="place">'
        + _e(place_label.lower()) + "</option></select></label>",
        '<label><input type="checkbox" id="only"> only functions with findings</label>',
        '<span id="shown"></span></div>',
        '<div id="functions">',
    ]
    # A header per account and region (an audit, or a scan of its snapshots); functions stay under it when sorted.
    grouped = audit or isinstance(result.meta.get("scope"), dict)
    if grouped:
        functions.sort(key=lambda item: _group_of(item[2]))
    current_group: str | None = None
    for fid, name, source in functions:
        if grouped and _group_of(source) != current_group:
            if current_group is not None:
                h.append("</div>")
            current_group = _group_of(source)
            h.append(f'<div class="place" data-group="{_e(current_group.lower())}">'
                     f'<h3 class="place-h">{_e(_place_title(current_group, result))}</h3>')
        items = sorted(per_fn.get(fid, []), key=lambda it: (it[1] is not None, -SEVERITY_RANK[it[0].severity],
                                                            it[0].location.line or 0, it[0].rule_id))
        hits = [f for f, note in items if note is None]
        worst = max((SEVERITY_RANK[f.severity] for f in hits), default=-1)
        group = _group_of(source)
        fn_where = source.get("arn") or (f"{source.get('file')}:{source.get('line')}" if source.get("line")
                                         else source.get("file")) or fid
        colour = COLORS[list(reversed(SEVERITIES))[worst]] if worst >= 0 else "#2e7d32"
        text = " ".join(str(p) for p in (name, group, fn_where, source.get("logical_id") or "")).lower()
        h.append(f'<section class="fn" data-name="{_e(name.lower())}" data-group="{_e(group.lower())}" '
                 f'data-worst="{worst}" data-count="{len(hits)}" data-text="{_e(text)}" '
                 f'style="border-left-color:{colour}">')
        summary = f"{len(hits)} finding{'s' if len(hits) != 1 else ''}" if hits else "no findings"
        h.append(f'<h3>{_e(name)}</h3><p class="meta">{_e(fn_where)} · {_e(summary)}</p>')
        if charts.get(fid):
            h.append(f'<div class="chart">{charts[fid]}</div>')
        h += [_finding_html(f, rules, note) for f, note in items]
        h.append("</section>")
    if grouped and current_group is not None:
        h.append("</div>")
    h.append("</div>")
    h.append(f"<script>{_JS}</script></main></body></html>")
    return "\n".join(h) + "\n"
