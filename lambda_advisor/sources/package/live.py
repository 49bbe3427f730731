"""Live packages: download from presigned ``Code.Location`` URLs and inspect them.

``audit --inspect-code`` hands :class:`LiveInspector` to the account source as
its ``inspect_code`` hook. Downloads use ``urllib`` (no new dependency), stop
at ``max_bytes``, and at most ``concurrency`` run at once across all regions;
each layer version is downloaded and inspected once per run (cached by ARN).
A downloaded zip is spooled to a temporary file past a few megabytes and read
member by member like a local one; it is never extracted. Presigned URLs carry
a signature, so messages name only the host and path.
"""

from __future__ import annotations

import tempfile
import threading
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import IO, Any, Protocol

from lambda_advisor.sources.package import handler_clients, merge_layer
from lambda_advisor.sources.package.scan import (
    Limits,
    PackageError,
    PackageFacts,
    inspection,
    scan_zip,
)


class _Refreshable(Protocol):
    def get(self) -> str | None: ...


#: A URL, or one the account source reads again just before the download (``FreshUrl``).
Url = str | _Refreshable

#: A function package unzips to at most 250 MB; its zip cannot be bigger than that.
DEFAULT_MAX_BYTES = 262_144_000
SPOOL_BYTES = 16 << 20
CHUNK = 1 << 20


def redact_url(url: str) -> str:
    """Scheme, host and path of a presigned URL: the query (signature, token) is dropped."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def download(url: str, *, max_bytes: int = DEFAULT_MAX_BYTES, timeout: float = 60.0) -> IO[bytes]:
    """The body of ``url`` in a seekable temporary file, or :class:`PackageError`."""
    scheme = urllib.parse.urlsplit(url).scheme.lower()
    if scheme not in ("https", "http"):
        raise PackageError(f"refusing to download a {scheme or 'schemeless'} URL")
    shown = redact_url(url)
    buf = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned to the caller
    try:
        with urllib.request.urlopen(urllib.request.Request(url), timeout=timeout) as resp:
            length = resp.headers.get("Content-Length")
            if length is not None and length.isdigit() and int(length) > max_bytes:
                raise PackageError(f"{shown}: package is {length} bytes, over the download cap of {max_bytes}")
            total = 0
            while True:
                chunk = resp.read(CHUNK)
                if not chunk:
                    break
                total += len(chunk)
                if total > max_bytes:
                    raise PackageError(f"{shown}: package is over the download cap of {max_bytes} bytes")
                buf.write(chunk)
    except PackageError:
        buf.close()
        raise
    except urllib.error.HTTPError as exc:
        buf.close()
        raise PackageError(f"{shown}: download failed: HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        buf.close()
        reason = getattr(exc, "reason", None) or exc
        raise PackageError(f"{shown}: download failed: {reason}") from None
    buf.seek(0)
    return buf


class _Once:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.value: PackageFacts | PackageError | None = None


class LiveInspector:
    """The ``inspect_code(doc, code_url, layer_urls)`` hook of the account source."""

    def __init__(self, *, max_bytes: int = DEFAULT_MAX_BYTES, concurrency: int = 4, timeout: float = 60.0,
                 limits: Limits | None = None) -> None:
        self.max_bytes = max_bytes
        self.timeout = timeout
        self.limits = limits or Limits()
        self._slots = threading.BoundedSemaphore(max(1, concurrency))
        self._lock = threading.Lock()
        self._layers: dict[str, _Once] = {}
        self.downloads = 0  # how many packages were fetched (tests: layers once per ARN)

    def fetch(self, url: Url) -> PackageFacts:
        with self._slots:
            with self._lock:
                self.downloads += 1
            # A presigned URL lives 10 minutes: read it (again, if old) only once a slot is free.
            resolved = url if isinstance(url, str) else url.get()
            if not resolved:
                raise PackageError("no download URL")
            body = download(resolved, max_bytes=self.max_bytes, timeout=self.timeout)
            with body:
                return scan_zip(body, self.limits)

    def layer(self, arn: str, url: Url) -> PackageFacts:
        with self._lock:
            once = self._layers.get(arn)
            owner = once is None
            if once is None:
                once = self._layers[arn] = _Once()
        if owner:
            try:
                once.value = self.fetch(url)
            except PackageError as exc:
                once.value = exc
            finally:
                once.done.set()
        else:
            once.done.wait()
        if isinstance(once.value, PackageError):
            raise once.value
        assert once.value is not None
        return once.value

    def __call__(self, doc: dict[str, Any], code_url: Url | None, layer_urls: Mapping[str, Url | None]) -> None:
        problems: list[str] = []
        result: dict[str, Any] | None = None
        if code_url and doc.get("package_type") != "Image":
            try:
                facts = self.fetch(code_url)
                result = inspection(facts, handler_clients(facts, doc.get("handler"), doc.get("runtime")))
                problems += [f"package: {e}" for e in facts.errors]
            except PackageError as exc:
                problems.append(f"package: {exc}")
        if result is None:
            result = inspection(PackageFacts())
            result.update(files=None, unzipped_bytes=None)
        for arn, url in layer_urls.items():
            if not url:
                continue
            label = str(arn)
            try:
                merge_layer(result, label, self.layer(arn, url))
            except PackageError as exc:
                problems.append(f"layer {label}: {exc}")
        result["errors"] = list(dict.fromkeys([*result["errors"], *problems]))
        code = doc.get("code")
        if code is None:
            code = doc["code"] = {}
        code["inspection"] = result
        if problems:
            raise PackageError("; ".join(problems))


def inspect_live(doc: dict[str, Any], code_url: Url | None, layer_urls: Mapping[str, Url | None], *,
                 inspector: LiveInspector | None = None) -> None:
    """One-off form of :class:`LiveInspector` (no layer cache across functions)."""
    (inspector or LiveInspector())(doc, code_url, layer_urls)
