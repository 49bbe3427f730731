"""The HTML report in a real headless Chromium: scripts ran, filters work, the page is not blank.

Outside CI the test skips (with the reason) when ``chromium`` is not installed;
in CI (``CI`` set) a missing browser is a failure — ``.ci/run`` installs it.
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

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
