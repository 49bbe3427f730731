"""Live packages: download from a presigned-style URL served by a local HTTP server, then inspect.

The emulator's ``Code.Location`` URLs are not downloadable, so the audit test
swaps each location for this server's URL and lets the real inspector run.
"""

from __future__ import annotations

import io
import threading
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from lambda_advisor.sources.package import PackageError
from lambda_advisor.sources.package.binaries import make_pe
from lambda_advisor.sources.package.live import LiveInspector, download, redact_url

FUNCTION_ZIP_FILES = {
    "app.py": b"import boto3\n\nlam = boto3.client('lambda')\n\n\ndef handler(event, context):\n"
              b"    return lam.invoke(FunctionName='billing', Payload=b'{}')\n",
}
LAYER_ZIP_FILES = {"python/bin/helper.exe": make_pe()}


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


class CodeServer:
    """Serves zips by path; counts requests and the most that were in flight at once."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {"/function.zip": _zip(FUNCTION_ZIP_FILES),
                                        "/layer.zip": _zip(LAYER_ZIP_FILES)}
        self.requests: list[str] = []
        self.active = 0
        self.peak = 0
        self.delay = 0.0
        self.send_length = True
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with server.lock:
                    server.requests.append(path)
                    server.active += 1
                    server.peak = max(server.peak, server.active)
                counted = True

                def done() -> None:
                    nonlocal counted
                    if counted:
                        with server.lock:
                            server.active -= 1
                        counted = False

                try:
                    time.sleep(server.delay)
                    body = server.files.get(path)
                    if body is None:
                        self.send_error(404, "NoSuchKey")
                        return
                    self.send_response(200)
                    if server.send_length:
                        self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    # Count the request as finished before its last byte leaves: the client cannot
                    # release its download slot earlier, so any overlap seen here is a real overlap.
                    self.wfile.write(body[:-1])
                    self.wfile.flush()
                    done()
                    self.wfile.write(body[-1:])
                finally:
                    done()

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{path}?X-Amz-Signature=deadbeef&X-Amz-Security-Token=secret"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[CodeServer]:
    s = CodeServer()
    try:
        yield s
    finally:
        s.close()


def _doc(name: str, layers: list[str] | None = None) -> dict[str, Any]:
    return {"id": f"arn:aws:lambda:us-east-1:123456789012:function:{name}", "name": name,
            "source": {"kind": "account"}, "handler": "app.handler", "runtime": "python3.12",
            "package_type": "Zip", "architectures": ["x86_64"], "code": {"inspection": None},
            "layers": [{"arn": a} for a in layers or []], "errors": []}


def test_download_and_inspect_with_file_and_line(server: CodeServer) -> None:
    doc = _doc("f")
    LiveInspector()(doc, server.url("/function.zip"), {})
    inspection = doc["code"]["inspection"]
    (call,) = inspection["invoke_calls"]
    assert (call["path"], call["line"], call["target"]) == ("app.py", 7, "billing")
    assert inspection["files"] == 1 and inspection["zipped_bytes"] == len(server.files["/function.zip"])


def test_layers_are_downloaded_once_per_arn_with_bounded_concurrency(server: CodeServer) -> None:
    server.delay = 0.05
    arn = "arn:aws:lambda:us-east-1:123456789012:layer:tools:3"
    inspector = LiveInspector(concurrency=2)
    docs = [_doc(f"f{i}", [arn]) for i in range(6)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(lambda d: inspector(d, server.url("/function.zip"), {arn: server.url("/layer.zip")}), docs))
    assert server.requests.count("/layer.zip") == 1
    assert server.requests.count("/function.zip") == 6
    assert server.peak <= 2
    for doc in docs:
        ins = doc["code"]["inspection"]
        assert ins["layers"][0]["name"] == arn
        assert ins["binaries"] == [{"path": "python/bin/helper.exe", "format": "PE", "arch": "x86_64", "layer": arn}]


def test_size_cap_stops_the_download_and_hides_the_signature(server: CodeServer) -> None:
    for send_length in (True, False):  # announced by Content-Length, or found while reading
        server.send_length = send_length
        with pytest.raises(PackageError, match="over the download cap of 100") as err:
            download(server.url("/function.zip"), max_bytes=100)
        assert "deadbeef" not in str(err.value) and "secret" not in str(err.value)


def test_failed_download_becomes_an_error_on_the_function(server: CodeServer) -> None:
    doc = _doc("gone", ["arn:aws:lambda:us-east-1:1:layer:x:1"])
    with pytest.raises(PackageError, match="HTTP 404"):
        LiveInspector()(doc, server.url("/missing.zip"), {"arn:aws:lambda:us-east-1:1:layer:x:1":
                                                          server.url("/layer.zip")})
    ins = doc["code"]["inspection"]
    assert any("HTTP 404" in e for e in ins["errors"])
    assert ins["binaries"][0]["path"] == "python/bin/helper.exe"  # the layer was still read


def test_only_http_urls_are_fetched() -> None:
    with pytest.raises(PackageError, match="refusing to download a file URL"):
        download("file:///etc/passwd")
    assert redact_url("https://b.s3.amazonaws.com/k.zip?X-Amz-Signature=1") == "https://b.s3.amazonaws.com/k.zip"


def test_audit_inspect_code_reports_the_invoke_call(moto: Any, server: CodeServer) -> None:
    from lambda_advisor.audit import run_audit
    from lambda_advisor.pipeline import Settings
    from lambda_advisor.sources.account import AuditOptions

    moto.function("caller")
    inspector = LiveInspector()
    seen: list[str | None] = []

    def via_local_server(doc: dict[str, Any], location: str | None, layers: dict[str, str | None]) -> None:
        seen.append(location)  # the emulator's location exists but cannot be downloaded
        inspector(doc, server.url("/function.zip"), layers)

    options = AuditOptions(endpoint_url=moto.endpoint, regions=["us-east-1"], inspect_code=via_local_server)
    result = run_audit(options, Settings(today=date(2026, 11, 22), quiet=True))
    assert seen and seen[0]
    la301 = [f for f in result.findings if f.rule_id == "LA301"]
    assert any("app.py:7" in f.message for f in la301), [f.message for f in result.findings]
