"""The HTML report in a real headless Chromium: scripts ran, filters work, the page is not blank.

Outside CI the test skips (with the reason) when ``chromium`` is not installed;
in CI (``CI`` set) a missing browser is a failure — ``.ci/run`` installs it.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest
from test_report_formats import sample_result

from lambda_advisor.report import render

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--hide-scrollbars", "--mute-audio"]


def _chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    if os.environ.get("CI"):
        pytest.fail("chromium is not installed; .ci/run installs it (apt-get install -y chromium)")
    pytest.skip("chromium not installed (apt-get install -y chromium); CI runs this test")


def _run(browser: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [browser, *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


def _png_pixels(data: bytes) -> tuple[int, int, set[bytes]]:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes) and return its distinct pixel values."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width = 8, b"", 0
    height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
            assert depth == 8 and ctype in (2, 6), (depth, ctype)
            channels = 3 if ctype == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw, stride = zlib.decompress(idat), width * channels
    prev, colours, i = bytearray(stride), set(), 0
    for _ in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b, c = prev[x], prev[x - channels] if x >= channels else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        colours.update(bytes(line[x:x + 3]) for x in range(0, stride, channels * 7))
        prev = line
    return width, height, colours


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("html") / "audit.html"
    path.write_text(render("html", sample_result()), encoding="utf-8")
    return path


def test_scripts_render_the_function_list(report: Path, tmp_path: Path) -> None:
    browser = _chromium()
    proc = _run(browser, tmp_path, "--dump-dom", report.as_uri())
    dom = proc.stdout
    assert 'data-ready="1"' in dom, proc.stderr[-2000:]
    assert "Showing 3 of 3 functions (3 findings)" in dom
    # default sort is worst first: the function with the critical finding leads
    names = re.findall(r'<section class="fn[^"]*" data-name="([^"]+)"', dom)
    assert names[0] == "orders", names


def test_filter_from_the_address(report: Path, tmp_path: Path) -> None:
    browser = _chromium()
    dom = _run(browser, tmp_path, "--dump-dom", report.as_uri() + "#q=billing&sort=name").stdout
    assert "Showing 1 of 3 functions (1 findings)" in dom
    assert re.search(r'<section class="fn hidden" data-name="orders"', dom)
    dom = _run(browser, tmp_path, "--dump-dom", report.as_uri() + "#sev=critical").stdout
    assert "Showing 1 of 3 functions (1 findings)" in dom
    assert re.search(r'<div class="finding hidden" data-severity="medium"', dom)


def test_screenshot_is_not_blank(report: Path, tmp_path: Path) -> None:
    browser = _chromium()
    shot = tmp_path / "shot.png"
    proc = _run(browser, tmp_path, f"--screenshot={shot}", "--window-size=1200,900", report.as_uri())
    assert shot.is_file(), proc.stderr[-2000:]
    width, height, colours = _png_pixels(shot.read_bytes())
    assert (width, height) == (1200, 900)
    assert len(colours) > 20, f"screenshot looks blank: {len(colours)} colours"


def test_audit_report_groups_by_account_and_region(tmp_path: Path) -> None:
    browser = _chromium()
    result = sample_result()
    result.kind = "audit"
    page = tmp_path / "audit.html"
    page.write_text(render("html", result), encoding="utf-8")
    dom = _run(browser, tmp_path, "--dump-dom", page.as_uri() + "#sort=place&only=1").stdout
    assert "Lambda account audit" in dom and "By account / region" in dom
    assert "Showing 2 of 3 functions (3 findings)" in dom  # the clean function is hidden by "only"
    names = re.findall(r'<section class="fn[^"]*" data-name="([^"]+)"', dom)
    assert names == ["billing", "clean", "orders"], names  # "123456789012 / eu-west-1" sorts before "infra/…"


_MEASURE = """<script>
(function(){
  function box(el){var r=el.getBoundingClientRect();return {top:Math.round(r.top),left:Math.round(r.left),
    right:Math.round(r.right),bottom:Math.round(r.bottom)};}
  var out={viewport:window.innerWidth,scroll:document.documentElement.scrollWidth,
    cards:[].map.call(document.querySelectorAll('#totals .card'),box),
    tables:[].map.call(document.querySelectorAll('.scroll'),box),
    fns:[].map.call(document.querySelectorAll('.fn'),box),
    issues:[].map.call(document.querySelectorAll('#by-rule tbody tr'),function(tr){
      var b=box(tr);b.display=getComputedStyle(tr).display;b.head=getComputedStyle(tr.closest('table').tHead).display;return b;})};
  parent.postMessage(JSON.stringify(out),'*');
})();
</script></body>"""

# Headless Chromium will not make a window narrower than 500 px: the report is measured in a frame
# of the width under test, and reports its layout to the page around it.
_FRAME = """<!DOCTYPE html><html><body style="margin:0"><pre id="layout"></pre>
<iframe src="audit.html" style="width:{width}px;height:900px;border:0"></iframe>
<script>window.addEventListener('message',function(e){{document.getElementById('layout').textContent=e.data;}});
</script></body></html>"""


def _incomplete_audit() -> Any:
    from lambda_advisor.findings import Affected
    from lambda_advisor.result import Gap

    result = sample_result()
    result.kind = "audit"
    region = "arn:aws:lambda:us-east-1:123456789012:function:"
    long_name = "orders-ingest-pipeline-with-a-very-long-function-name-for-the-layout-test"
    result.documents.append({"id": region + long_name, "name": long_name,
                             "source": {"kind": "account", "arn": region + long_name, "account": "123456789012",
                                        "region": "us-east-1"}})
    html_page = "package: HTTP 403 <html><head><title>403 Forbidden</title></head><body><h1>AccessDenied</h1></body></html>"
    result.gaps = [Gap(region + f"fn{i}", "us-east-1", [html_page]) for i in range(4)]
    result.gaps.append(Gap(region + "x", "us-east-1", ["GetPolicy: AccessDeniedException (HTTP 403)",
                                                       "lambda-advisor: KeyError: 'Configuration'"]))
    shared = result.findings[1]  # LA205 from Globals: one fact, three functions
    shared.functions = [Affected(f"infra/app.yaml#{n}", n, n) for n in ("Orders", "Clean", "Refunds")]
    shared.fix = "Move long work to Step Functions.\n\nSet `Timeout` under `Globals`:\n\n    Globals:\n      Function:\n        Timeout: 30\n"
    return result


def test_incomplete_audit_says_so_in_plain_words(tmp_path: Path) -> None:
    browser = _chromium()
    page = tmp_path / "audit.html"
    page.write_text(render("html", _incomplete_audit()), encoding="utf-8")
    dom = _run(browser, tmp_path, "--dump-dom", page.as_uri()).stdout
    assert 'id="incomplete"' in dom and "lower bound" in dom
    assert re.search(r'data-total="not-checked"><b>6</b><span>not fully checked', dom), dom[:3000]
    errors = dom[dom.index('id="errors"'):]
    assert "4 functions: code package could not be downloaded or read (access denied: the audit role lacks" in errors
    assert "resource policy (who may invoke it) could not be read (access denied" in errors
    assert "an internal error stopped reading it" in errors
    assert "1 input could not be read (the file is not valid; see the details)" in errors
    assert "&lt;html&gt;" not in dom and "<h1>AccessDenied</h1>" not in dom  # no raw error page
    # "How to fix" renders markdown: code spans and the snippet, no raw backticks
    assert "<code>Timeout</code>" in dom and "`Timeout`" not in dom
    assert re.search(r"<pre><code>Globals:\n  Function:\n    Timeout: 30</code></pre>", dom)
    first = dom[dom.index('<div id="first">'):]
    items = re.findall(r'<li data-rule="(LA\d+)" data-findings="\d+" data-clears="(\d+)">', first)
    assert items[0] == ("LA101", "1") and items[1] == ("LA205", "3")  # by severity, then functions cleared
    assert "one fix clears 3 functions (Orders, Clean, Refunds)" in first


@pytest.mark.parametrize("width", [1400, 420])
def test_layout_at_desktop_and_phone_widths(tmp_path: Path, width: int) -> None:
    browser = _chromium()
    page = tmp_path / "audit.html"
    page.write_text(render("html", _incomplete_audit()).replace("</body>", _MEASURE, 1), encoding="utf-8")
    frame = tmp_path / "frame.html"
    frame.write_text(_FRAME.format(width=width), encoding="utf-8")
    dom = _run(browser, tmp_path, f"--window-size={max(width, 500) + 20},1000", "--virtual-time-budget=3000",
               "--dump-dom", frame.as_uri()).stdout
    m = re.search(r'<pre id="layout">(.*?)</pre>', dom)
    assert m, dom[-2000:]
    layout = json.loads(html.unescape(m.group(1)))
    assert layout["viewport"] == width
    assert layout["scroll"] <= width, f"the page scrolls sideways at {width} px: {layout['scroll']}"
    cards = layout["cards"]
    assert len(cards) == 9
    assert all(c["right"] <= width for c in cards)
    if width >= 1400:
        assert len({c["top"] for c in cards}) == 1, cards  # the summary cards sit in one row
    else:
        rows: dict[int, int] = {}
        for c in cards:
            rows[c["top"]] = rows.get(c["top"], 0) + 1
        counts = list(rows.values())
        assert max(counts) - min(counts[:-1] or counts) <= 0, rows  # full rows, only the last may be short
    for block in layout["tables"] + layout["fns"] + layout["issues"]:
        assert block["left"] >= 0 and block["right"] <= width, block  # tables and cards stay on the page
    issues = layout["issues"]
    assert issues
    if width < 600:  # "By issue" reads as one card per issue: no header row, rows stacked as blocks
        assert all(r["display"] == "block" and r["head"] == "none" for r in issues), issues
        assert all(r["right"] - r["left"] >= width - 40 for r in issues), issues
    else:
        assert all(r["display"] == "table-row" for r in issues), issues
