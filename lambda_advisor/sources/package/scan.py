"""Read one package (a zip file, zip bytes or a folder) into :class:`PackageFacts`.

Headers, not whole files: a zip is read through its central directory and a
few bytes of each member (``zipfile`` decompresses only what is asked for); a
folder through ``os.scandir`` and a few bytes of each file. Source files are
read whole up to :attr:`Limits.max_source_bytes`. Nothing is extracted and
nothing is run. Defences:

* the central directory is read first, header by header: more members than
  :attr:`Limits.max_members` (counted, not taken from the archive's own claim)
  or a directory over :data:`MAX_CENTRAL_DIRECTORY_BYTES` and the zip is
  refused before ``zipfile`` parses it;
* :attr:`Limits.read_budget` caps the decompressed bytes read from one package;
  every read asks for a bounded number of bytes, so a member that lies about
  its size cannot make us read more;
* members whose declared size is out of all proportion to their compressed
  size, or several entries sharing one body, are reported as a zip bomb;
* a folder's symlinks are not followed out of the package (nor into folders,
  which could loop); special files are never opened.
"""

from __future__ import annotations

import heapq
import io
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from lambda_advisor.sources.files import file_kind
from lambda_advisor.sources.package import binaries
from lambda_advisor.sources.package.code import (
    MANIFESTS,
    MAX_SOURCE_BYTES,
    Findings,
    Site,
    language_of,
    scan_source,
)


class PackageError(Exception):
    """The package as a whole cannot be read (not a zip, refused as a bomb, unreadable folder)."""


@dataclass(frozen=True)
class Limits:
    max_members: int = 200_000
    read_budget: int = 64 << 20
    max_source_bytes: int = MAX_SOURCE_BYTES
    bomb_ratio: int = 1000
    bomb_min_bytes: int = 128 << 20
    largest: int = 10
    max_member_errors: int = 20


@dataclass
class PackageFacts:
    files: int = 0
    zipped_bytes: int | None = None
    unzipped_bytes: int = 0
    sizes: list[tuple[int, str]] = field(default_factory=list)  # the largest files, biggest first
    binaries: list[dict[str, Any]] = field(default_factory=list)
    code: Findings = field(default_factory=Findings)
    errors: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    truncated: bool = False


_SKIP_PARTS = {"node_modules", "site-packages", "dist-packages", "vendor", "bower_components", "_vendor",
               ".git", "__pycache__", "BOOT-INF", "META-INF"}
_NAME_FRAMEWORKS = re.compile(
    r"(?:^|/)node_modules/(express|koa|fastify|serverless-http|aws-serverless-express|@vendia/serverless-express"
    r"|@codegenie/serverless-express|@nestjs/core|@hapi/hapi)/package\.json$"
    r"|(?:^|/)(flask|fastapi|django|mangum|starlette)/__init__\.py$"
    r"|(?:^|/)(spring-boot)-\d[\w.-]*\.jar$|^(org/springframework/boot)/SpringApplication\.class$")
_NAME_CANONICAL = {"@vendia/serverless-express": "serverless-express", "@codegenie/serverless-express":
                   "serverless-express", "@nestjs/core": "nestjs", "@hapi/hapi": "hapi",
                   "org/springframework/boot": "spring-boot"}

Reader = Callable[[int], bytes]  # read up to n more bytes of the current member


class _Scanner:
    """Shared per-member logic for zips and folders."""

    def __init__(self, facts: PackageFacts, limits: Limits, names: Iterable[str],
                 read_small: Callable[[str, int], bytes | None]) -> None:
        self.facts = facts
        self.limits = limits
        self.budget = limits.read_budget
        self.member_errors = 0
        self.names = set(names)
        self.vendored = _vendored_roots(self.names, read_small)
        self.seen_frameworks: set[str] = set()

    def member(self, name: str, size: int, open_member: Callable[[], IO[bytes]]) -> None:
        facts = self.facts
        facts.files += 1
        facts.unzipped_bytes += size
        facts.sizes.append((size, name))
        m = _NAME_FRAMEWORKS.search(name)
        if m:
            fw = next(g for g in m.groups() if g)
            fw = _NAME_CANONICAL.get(fw, fw)
            if fw not in self.seen_frameworks:
                self.seen_frameworks.add(fw)
                facts.code.frameworks.append({"path": name, "line": 0, "language": None,
                                              "call": "packaged dependency", "target": None, "name": fw})
        if size == 0 or self.budget <= 0:
            if self.budget <= 0 and not facts.truncated:
                facts.truncated = True
                facts.notices.append(f"read budget of {self.limits.read_budget} bytes used up at {name}; "
                                     "later files were counted but not inspected")
            return
        base = name.rsplit("/", 1)[-1]
        is_source = (language_of(name) is not None or base in MANIFESTS) and not self._vendored(name)
        try:
            with open_member() as fh:
                if is_source:
                    data = fh.read(min(self.limits.max_source_bytes + 1, self.budget))
                    self.budget -= len(data)
                    if len(data) > self.limits.max_source_bytes:
                        facts.notices.append(f"{name}: source file over {self.limits.max_source_bytes} bytes, "
                                             "not scanned")
                    else:
                        scan_source(name, data, facts.code, max_bytes=self.limits.max_source_bytes)
                    head = data[: binaries.HEAD_BYTES]
                    if head[:2] != b"MZ" and head[:4] != b"\x7fELF":
                        return
                else:
                    head = fh.read(binaries.HEAD_BYTES)
                    self.budget -= len(head)
                end = binaries.pe_header_end(head)
                if end is not None and end > len(head):
                    more = fh.read(end - len(head))
                    self.budget -= len(more)
                    head += more
        except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, OSError, EOFError,
                ValueError) as exc:
            self.member_errors += 1
            if self.member_errors <= self.limits.max_member_errors:
                facts.errors.append(f"{name}: cannot read: {exc}")
            return
        kind = binaries.classify(head, name)
        if kind is not None:
            facts.binaries.append({"path": name, "format": kind[0], "arch": kind[1]})

    def _vendored(self, name: str) -> bool:
        parts = name.split("/")[:-1]
        if any(p in _SKIP_PARTS or p.endswith((".dist-info", ".egg-info")) for p in parts):
            return True
        prefix = ""
        for p in parts:
            prefix = f"{prefix}{p}"
            if prefix in self.vendored:
                return True
            prefix += "/"
        return False

    def finish(self) -> None:
        facts = self.facts
        facts.notices.extend(facts.code.notices)
        facts.sizes = heapq.nlargest(self.limits.largest, facts.sizes)
        for b in facts.binaries:  # an optional accelerator: Python imports its pure-Python twin instead
            twin = _python_twin(b["path"])
            if twin is not None and twin in self.names:
                b["fallback"] = twin
        if self.member_errors > self.limits.max_member_errors:
            facts.errors.append(f"… and {self.member_errors - self.limits.max_member_errors} more unreadable members")


def _python_twin(path: str) -> str | None:
    """The pure-Python module beside a Python extension module (``md.cpython-39-darwin.so`` -> ``md.py``):
    the name before the first dot is the module the binary provides."""
    folder, _, base = path.rpartition("/")
    if not base.endswith((".so", ".pyd")):
        return None
    module = base.split(".", 1)[0]
    if not module.isidentifier():
        return None
    return f"{folder}/{module}.py" if folder else f"{module}.py"


def _vendored_roots(names: Iterable[str], read_small: Callable[[str, int], bytes | None]) -> set[str]:
    """Folders holding installed third-party Python packages (siblings of a ``*.dist-info``)."""
    roots: set[str] = set()
    for name in names:
        if "-info/" not in name or not name.endswith(("/top_level.txt", "/RECORD", "/METADATA")):
            continue
        info_dir, _, leaf = name.rpartition("/")
        parent, _, info = info_dir.rpartition("/")
        if not info.endswith((".dist-info", ".egg-info")):
            continue
        prefix = f"{parent}/" if parent else ""
        roots.add(prefix + info.split("-")[0].lower().replace(".", "_"))
        roots.add(prefix + info.split("-")[0])
        if leaf == "top_level.txt":
            data = read_small(name, 4096) or b""
            for line in data.decode("utf-8", "replace").splitlines():
                if line.strip():
                    roots.add(prefix + line.strip())
    return roots


# --- zip -----------------------------------------------------------------------------------------

#: Bytes of central directory read: far above a real package's (200,000 members with 200-byte names),
#: and with :attr:`Limits.max_members` what keeps one archive's parse under a few hundred MB.
MAX_CENTRAL_DIRECTORY_BYTES = 48 << 20
_CENTRAL_HEADER = struct.Struct("<4s24xHHH12x")  # signature, name, extra and comment lengths (46 bytes)


def _check_central_directory(fh: IO[bytes], limits: Limits) -> None:
    """Count the members as the central directory is read, before ``zipfile`` builds one object per member.

    The end record's member count is the archive's own claim: a zip can declare one member and
    hold a million. Each header is read and skipped in turn (constant memory) and the count stops
    one past the cap, so the refusal costs no more than the cap allows.
    """
    try:
        endrec = zipfile._EndRecData(fh)  # type: ignore[attr-defined]  # the record ZipFile itself reads
    except (OSError, struct.error, ValueError) as exc:
        raise PackageError(f"not a readable zip file: {exc}") from exc
    if not endrec:
        return  # zipfile says so with its own message
    declared, size_cd, offset_cd, location = endrec[4], endrec[5], endrec[6], endrec[9]
    if declared > limits.max_members:
        raise PackageError(f"zip declares {declared} members, over the cap of {limits.max_members}; "
                           "not read (zip bomb?)")
    if size_cd > MAX_CENTRAL_DIRECTORY_BYTES:
        raise PackageError(f"zip central directory of {size_cd} bytes, over the cap of "
                           f"{MAX_CENTRAL_DIRECTORY_BYTES >> 20} MB; not read (zip bomb?)")
    concat = location - size_cd - offset_cd
    if endrec[0] == zipfile.stringEndArchive64:  # type: ignore[attr-defined]
        concat -= zipfile.sizeEndCentDir64 + zipfile.sizeEndCentDir64Locator  # type: ignore[attr-defined]
    if offset_cd + concat < 0:
        return
    fh.seek(offset_cd + concat)
    count = read = 0
    while read < size_cd:
        header = fh.read(_CENTRAL_HEADER.size)
        if len(header) < _CENTRAL_HEADER.size:
            return  # truncated: zipfile refuses it with its own message
        signature, name_len, extra_len, comment_len = _CENTRAL_HEADER.unpack(header)
        if signature != b"PK\x01\x02":
            return
        count += 1
        if count > limits.max_members:
            raise PackageError(f"zip holds more than {limits.max_members} members (its end record declares "
                               f"{declared}); not read (zip bomb?)")
        skip = name_len + extra_len + comment_len
        fh.seek(skip, os.SEEK_CUR)
        read += _CENTRAL_HEADER.size + skip


def scan_zip(source: str | os.PathLike[str] | bytes | IO[bytes], limits: Limits | None = None) -> PackageFacts:
    """Inspect a zip given as a path, bytes, or a seekable binary file object."""
    limits = limits or Limits()
    if isinstance(source, (bytes, bytearray, memoryview)):
        with io.BytesIO(source) as fh:
            return _scan_zip_fh(fh, limits)
    if isinstance(source, (str, os.PathLike)):
        try:
            opened = open(source, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise PackageError(f"cannot open: {exc.strerror or exc}") from exc
        with opened:
            return _scan_zip_fh(opened, limits)
    return _scan_zip_fh(source, limits)


def _scan_zip_fh(fh: IO[bytes], limits: Limits) -> PackageFacts:
    facts = PackageFacts()
    size = fh.seek(0, os.SEEK_END)
    facts.zipped_bytes = size
    _check_central_directory(fh, limits)
    fh.seek(0)
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError,
            struct.error) as exc:
        raise PackageError(f"not a readable zip file: {exc}") from exc
    with zf:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        if len(infos) > limits.max_members:
            raise PackageError(f"zip holds {len(infos)} members, over the cap of {limits.max_members}; "
                               "not read (zip bomb?)")
        by_name = {i.filename: i for i in infos}

        def read_small(name: str, n: int) -> bytes | None:
            info = by_name.get(name)
            if info is None:
                return None
            try:
                with zf.open(info) as m:
                    return m.read(n)
            except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, OSError, EOFError,
                    ValueError):
                return None

        scanner = _Scanner(facts, limits, by_name, read_small)
        offsets: set[int] = set()
        bombs = 0
        for info in infos:
            if stat.S_ISLNK(info.external_attr >> 16):
                facts.notices.append(f"{info.filename}: symbolic link, not followed")
                continue
            if info.header_offset in offsets:
                bombs += 1
                if bombs == 1:
                    facts.errors.append(f"{info.filename}: shares its data with another member "
                                        "(overlapping entries: zip bomb); not read")
                facts.files += 1
                facts.unzipped_bytes += info.file_size
                continue
            offsets.add(info.header_offset)
            if info.file_size >= limits.bomb_min_bytes and \
                    info.file_size > limits.bomb_ratio * max(info.compress_size, 1):
                facts.errors.append(
                    f"{info.filename}: declares {info.file_size} bytes from {info.compress_size} compressed "
                    f"(ratio {info.file_size // max(info.compress_size, 1)}:1, looks like a zip bomb); "
                    "only its header was read")

            def opener(info: zipfile.ZipInfo = info) -> IO[bytes]:
                return zf.open(info)

            scanner.member(info.filename, info.file_size, opener)
        scanner.finish()
    return facts


# --- folder --------------------------------------------------------------------------------------

def scan_dir(root: str | os.PathLike[str], limits: Limits | None = None) -> PackageFacts:
    limits = limits or Limits()
    facts = PackageFacts()
    root_real = os.path.realpath(root)
    if not os.path.isdir(root_real):
        raise PackageError("not a folder")
    entries: list[tuple[str, int, str]] = []
    stack: list[tuple[str, str]] = [(root_real, "")]
    while stack and not facts.truncated:
        directory, rel = stack.pop()
        try:
            it = os.scandir(directory)
        except OSError as exc:
            if not rel:
                raise PackageError(f"cannot list: {exc.strerror or exc}") from exc
            facts.errors.append(f"{rel}: cannot list: {exc.strerror or exc}")
            continue
        with it:
            for e in it:
                name = rel + e.name
                try:
                    if e.is_symlink():
                        target = os.path.realpath(e.path)
                        if os.path.commonpath([target, root_real]) != root_real:
                            facts.notices.append(f"{name}: symbolic link to outside the package, not followed")
                        elif os.path.isdir(target):
                            facts.notices.append(f"{name}: symbolic link to a folder, not followed")
                        elif os.path.isfile(target):
                            entries.append((name, os.stat(target).st_size, target))
                        continue
                    if e.is_dir(follow_symlinks=False):
                        stack.append((e.path, name + "/"))
                    elif e.is_file(follow_symlinks=False):
                        entries.append((name, e.stat(follow_symlinks=False).st_size, e.path))
                except OSError as exc:
                    facts.errors.append(f"{name}: cannot read: {exc.strerror or exc}")
                    continue
                if len(entries) > limits.max_members:
                    facts.truncated = True
                    facts.notices.append(f"more than {limits.max_members} files; the rest were not listed")
                    break
    entries.sort()
    full = {name: path for name, _, path in entries}

    def read_small(name: str, n: int) -> bytes | None:
        try:
            with open(full[name], "rb") as fh:
                return fh.read(n)
        except (OSError, KeyError):
            return None

    scanner = _Scanner(facts, limits, full, read_small)
    for name, size, path in entries:
        def opener(path: str = path) -> IO[bytes]:
            return open(path, "rb")

        scanner.member(name, size, opener)
    scanner.finish()
    return facts


def scan_path(path: str | os.PathLike[str], limits: Limits | None = None) -> PackageFacts:
    """A folder, a zip, or one source file, as ``sam package`` and ``aws cloudformation package`` deploy it.

    A local path that is a file but not a zip is zipped on its own by both tools (the SAM CLI's
    ``FORCE_ZIP`` for function and layer code), so it is a package of one member. A file named
    ``.zip``/``.jar`` or starting with a zip signature is meant as a zip: unreadable, it is an
    error. Only folders and regular files are read: a FIFO or a device never is.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError as exc:
        raise PackageError("no such file or folder") from exc
    except (OSError, ValueError) as exc:
        raise PackageError(f"cannot read: {getattr(exc, 'strerror', None) or exc}") from exc
    if stat.S_ISDIR(st.st_mode):
        return scan_dir(path, limits)
    if not stat.S_ISREG(st.st_mode):
        raise PackageError(f"not a regular file but {file_kind(st.st_mode)}; not read")
    if _meant_as_zip(path):
        return scan_zip(path, limits)
    return scan_file(path, limits)


def _meant_as_zip(path: str | os.PathLike[str]) -> bool:
    if os.fspath(path).lower().endswith((".zip", ".jar")):
        return True
    try:
        with open(path, "rb") as fh:
            return fh.read(2) == b"PK"
    except OSError:
        return True  # let scan_zip say why it cannot be read


def scan_file(path: str | os.PathLike[str], limits: Limits | None = None) -> PackageFacts:
    """One file deployed as a package of its own (``CodeUri: src/handler.js``): one member at the root."""
    limits = limits or Limits()
    facts = PackageFacts()
    name = os.path.basename(os.fspath(path))
    size = os.stat(path).st_size

    def read_small(member: str, n: int) -> bytes | None:
        try:
            with open(path, "rb") as fh:
                return fh.read(n)
        except OSError:
            return None

    def opener() -> IO[bytes]:
        return open(path, "rb")

    scanner = _Scanner(facts, limits, [name], read_small)
    scanner.member(name, size, opener)
    scanner.finish()
    return facts


def inspection(facts: PackageFacts, handler_clients: list[Site] | None = None) -> dict[str, Any]:
    """The schema's ``code.inspection`` shape for one package (layers are added by the caller)."""
    return {
        "files": facts.files,
        "zipped_bytes": facts.zipped_bytes,
        "unzipped_bytes": facts.unzipped_bytes,
        "largest": [{"path": name, "bytes": size} for size, name in facts.sizes],
        "layers": [],
        "binaries": [dict(b) for b in facts.binaries],
        "invoke_calls": [dict(s) for s in facts.code.invoke_calls],
        "handler_clients": [dict(s) for s in handler_clients or ()],
        "frameworks": [dict(s) for s in facts.code.frameworks],
        "partial_batch_responses": [dict(s) for s in facts.code.partial_batch_responses],
        "errors": list(facts.errors),
        "truncated": facts.truncated,
    }
