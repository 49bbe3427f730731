"""Package inspection: headers, sizes, zip bombs, corrupt zips, symlinks, code scanning."""

from __future__ import annotations

import io
import os
import re
import struct
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

from lambda_advisor.sources.package import Limits, PackageError, inspect_package
from lambda_advisor.sources.package.binaries import classify, make_elf, make_macho, make_pe
from lambda_advisor.sources.package.scan import scan_dir, scan_zip

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ROOT / "fixtures" / "packages"


def make_zip(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


def write_tree(root: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    return root


MIXED = {
    "app.py": b"def handler(event, context):\n    return 1\n",
    "bin/tool.exe": make_pe("x86_64"),
    "bin/old.dll": b"not really a dll, but named like one",
    "lib/libfast.so": make_elf("x86_64"),
    "lib/libarm.so.1": make_elf("arm64"),
    "lib/libmac.dylib": make_macho("arm64"),
    "data/blob.bin": b"\0" * 5000,
    "classes/Main.class": b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\0" * 40,
    "README.md": b"MZ is not enough to be a binary",
}


# --- headers -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("head", "path", "want"), [
    (make_elf("x86_64"), "a.so", ("ELF", "x86_64")),
    (make_elf("arm64"), "a.so", ("ELF", "arm64")),
    (make_pe("x86_64"), "x.bin", ("PE", "x86_64")),
    (make_pe("arm64"), "x", ("PE", "arm64")),
    (make_pe("x86"), "x.dll", ("PE", "x86")),
    (b"garbage", "x.EXE", ("PE", None)),
    (make_macho("arm64"), "m", ("Mach-O", "arm64")),
    (make_macho("x86_64"), "m", ("Mach-O", "x86_64")),
    (b"\xca\xfe\xba\xbe" + struct.pack(">I", 2) + struct.pack(">5I", 0x01000007, 3, 0, 0, 0)
     + struct.pack(">5I", 0x0100000C, 0, 0, 0, 0), "universal", ("Mach-O", "x86_64+arm64")),
    (b"\xca\xfe\xba\xbe\x00\x00\x00\x34" + b"\0" * 40, "Main", None),  # a Java class file
    (b"MZ" + b"\0" * 62, "readme.txt", None),
    (b"#!/bin/sh\n", "run.sh", None),
])
def test_classify_reads_formats_and_architectures(head: bytes, path: str, want: tuple[str, str] | None) -> None:
    assert classify(head, path) == want


def test_zip_and_folder_give_the_same_facts(tmp_path: Path) -> None:
    from_zip = inspect_package(make_zip(MIXED))
    from_dir = inspect_package(write_tree(tmp_path / "pkg", MIXED))
    for result in (from_zip, from_dir):
        assert result["files"] == len(MIXED)
        assert result["unzipped_bytes"] == sum(len(v) for v in MIXED.values())
        assert result["largest"][0] == {"path": "data/blob.bin", "bytes": 5000}
        found = {b["path"]: (b["format"], b["arch"]) for b in result["binaries"]}
        assert found == {
            "bin/tool.exe": ("PE", "x86_64"), "bin/old.dll": ("PE", None), "lib/libfast.so": ("ELF", "x86_64"),
            "lib/libarm.so.1": ("ELF", "arm64"), "lib/libmac.dylib": ("Mach-O", "arm64"),
        }
        assert result["errors"] == [] and result["truncated"] is False
    assert isinstance(from_zip["zipped_bytes"], int) and from_dir["zipped_bytes"] is None


def test_zip_from_path_and_file_object(tmp_path: Path) -> None:
    path = tmp_path / "p.zip"
    path.write_bytes(make_zip(MIXED))
    assert inspect_package(path)["zipped_bytes"] == path.stat().st_size
    with path.open("rb") as fh:
        assert inspect_package(fh)["files"] == len(MIXED)


def test_only_header_bytes_are_read_from_big_members(tmp_path: Path) -> None:
    big = {f"data/{i}.bin": os.urandom(200_000) for i in range(20)}
    facts = scan_zip(make_zip(big, zipfile.ZIP_STORED), Limits(read_budget=20 * 64))
    assert facts.files == 20 and facts.unzipped_bytes == 4_000_000
    assert facts.truncated is False, "20 members x 64 header bytes fit a 1280-byte budget"


# --- corrupt zips --------------------------------------------------------------------------------

def test_not_a_zip_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"this is not a zip file at all" * 10)
    with pytest.raises(PackageError, match="not a readable zip file"):
        inspect_package(bad)


def test_truncated_zip_is_a_clear_error() -> None:
    data = make_zip(MIXED)
    with pytest.raises(PackageError):
        inspect_package(data[: len(data) // 2])


def test_corrupt_member_is_reported_and_the_rest_is_read() -> None:
    source = b"import boto3\n" + b"x = 1\n" * 2000
    data = bytearray(make_zip({"app.py": source, "lib/libfast.so": make_elf("x86_64")}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("app.py")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 5, start + 25):  # scramble the deflate stream of app.py
        data[i] ^= 0xA5
    result = inspect_package(bytes(data))
    assert any(e.startswith("app.py: cannot read") for e in result["errors"]), result["errors"]
    assert [b["path"] for b in result["binaries"]] == ["lib/libfast.so"]


# --- zip bombs -----------------------------------------------------------------------------------

def _zeros_deflate(total: int, chunk: int = 1 << 20) -> bytes:
    """A raw deflate stream of ``total`` zero bytes, built from one repeated fully-flushed block."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(b"\0" * chunk) + c.flush(zlib.Z_FULL_FLUSH)
    return block * (total // chunk) + c.flush()


def _raw_zip(members: list[tuple[str, bytes, int, int]], *, share_body: int = 0) -> bytes:
    """A zip written by hand: (name, deflated body, uncompressed size, crc) per member.

    ``share_body`` adds that many extra central-directory entries pointing at the
    first member's body (overlapping entries, the Fifield-style zip bomb).
    """
    out = bytearray()
    central = bytearray()
    entries = []
    for name, body, size, crc in members:
        offset = len(out)
        n = name.encode()
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(body), size, len(n), 0) + n + body
        entries.append((n, body, size, crc, offset))
    for i in range(share_body):
        n, body, size, crc, offset = entries[0]
        entries.append((f"copy{i}.bin".encode(), body, size, crc, offset))
    for n, body, size, crc, offset in entries:
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(body), size,
                               len(n), 0, 0, 0, 0, 0, offset) + n
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central), cd_offset, 0)
    return bytes(out)


def _crc_zeros(total: int, chunk: int = 1 << 20) -> int:
    crc = 0
    block = b"\0" * chunk
    for _ in range(total // chunk):
        crc = zlib.crc32(block, crc)
    return crc


def test_high_ratio_zip_bomb_is_reported_fast_and_small() -> None:
    size = 1 << 30  # 1 GiB of zeros in about 1 MB
    body = _zeros_deflate(size)
    crc = _crc_zeros(size)
    bomb = _raw_zip([("app.py", body, size, crc), ("data.bin", body, size, crc)])
    tracemalloc.start()
    started = time.perf_counter()
    result = inspect_package(bomb)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 2.0
    assert peak < 16 << 20, f"peak {peak} bytes"
    assert result["unzipped_bytes"] == 2 * size  # what the zip declares, never inflated
    assert sum("looks like a zip bomb" in e for e in result["errors"]) == 2


def test_overlapping_entries_zip_bomb_is_reported() -> None:
    body = _zeros_deflate(4 << 20)
    bomb = _raw_zip([("a.bin", body, 4 << 20, _crc_zeros(4 << 20))], share_body=500)
    result = inspect_package(bomb)
    assert result["files"] == 501
    assert any("overlapping entries: zip bomb" in e for e in result["errors"])


def test_member_count_cap_refuses_before_parsing() -> None:
    many = make_zip({f"f{i}.txt": b"x" for i in range(300)}, zipfile.ZIP_STORED)
    with pytest.raises(PackageError, match="declares 300 members, over the cap of 100"):
        scan_zip(many, Limits(max_members=100))


def test_read_budget_stops_reading_but_counts_everything() -> None:
    files = {f"lib/{i}.so": make_elf("arm64") for i in range(50)}
    facts = scan_zip(make_zip(files), Limits(read_budget=64 * 10))
    assert facts.files == 50 and facts.truncated
    assert len(facts.binaries) == 10
    assert any("read budget" in n for n in facts.notices)


def test_source_files_over_the_cap_are_not_scanned() -> None:
    code = b"import boto3\nboto3.client('lambda').invoke(FunctionName='x')\n" + b"# pad\n" * 200_000
    facts = scan_zip(make_zip({"app.py": code}), Limits(max_source_bytes=64 << 10))
    assert facts.code.invoke_calls == []
    assert any("app.py: source file over" in n for n in facts.notices)


# --- folders -------------------------------------------------------------------------------------

def test_symlinks_do_not_leave_the_package(tmp_path: Path) -> None:
    outside = tmp_path / "secret"
    outside.mkdir()
    (outside / "huge.so").write_bytes(make_elf("x86_64"))
    pkg = write_tree(tmp_path / "pkg", {"app.py": b"x = 1\n", "lib/real.so": make_elf("arm64")})
    (pkg / "escape.so").symlink_to(outside / "huge.so")
    (pkg / "escape_dir").symlink_to(outside, target_is_directory=True)
    (pkg / "loop").symlink_to(pkg, target_is_directory=True)
    (pkg / "alias.so").symlink_to(pkg / "lib" / "real.so")
    os.mkfifo(pkg / "pipe")  # never opened: opening a FIFO would block
    facts = scan_dir(pkg)
    paths = sorted(b["path"] for b in facts.binaries)
    assert paths == ["alias.so", "lib/real.so"]
    assert facts.files == 3
    assert any("escape.so: symbolic link to outside the package" in n for n in facts.notices)
    assert any("escape_dir: symbolic link to outside" in n for n in facts.notices)
    assert any("loop: symbolic link to a folder" in n for n in facts.notices)


def test_zip_symlink_members_are_not_read() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        info = zipfile.ZipInfo("link.so")
        info.external_attr = (0o120777 << 16)
        z.writestr(info, "/etc/passwd")
        z.writestr("app.py", "x = 1\n")
    facts = scan_zip(buf.getvalue())
    assert facts.files == 1
    assert any("link.so: symbolic link" in n for n in facts.notices)


# --- code ----------------------------------------------------------------------------------------

EXPECT = re.compile(r"expect:\s*(.+?)\s*$")
HANDLERS = {"python": "app.handler", "node": "index.handler", "typescript": "handler.handler"}


def _marks(folder: Path) -> tuple[set[tuple[str, int]], set[tuple[str, int]], set[tuple[str, int, str]]]:
    invokes: set[tuple[str, int]] = set()
    clients: set[tuple[str, int]] = set()
    frameworks: set[tuple[str, int, str]] = set()
    for file in sorted(folder.rglob("*")):
        if not file.is_file():
            continue
        rel = file.relative_to(folder).as_posix()
        for n, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            m = EXPECT.search(line)
            if not m:
                continue
            for word in m.group(1).split():
                if word == "invoke":
                    invokes.add((rel, n))
                elif word == "client":
                    clients.add((rel, n))
                elif word.startswith("framework="):
                    frameworks.add((rel, n, word.split("=", 1)[1]))
    return invokes, clients, frameworks


@pytest.mark.parametrize("language", sorted(p.name for p in PACKAGES.iterdir() if p.is_dir()))
def test_code_scan_finds_exactly_the_marked_sites(language: str) -> None:
    folder = PACKAGES / language
    result = inspect_package(folder, handler=HANDLERS.get(language))
    invokes, clients, frameworks = _marks(folder)
    assert {(s["path"], s["line"]) for s in result["invoke_calls"]} == invokes
    assert {(s["path"], s["line"]) for s in result["handler_clients"]} == clients
    assert {(s["path"], s["line"], s["name"]) for s in result["frameworks"]} == frameworks


def test_invoke_targets_are_named() -> None:
    targets = {s["target"] for lang in ("python", "node", "typescript", "java", "go", "dotnet")
               for s in inspect_package(PACKAGES / lang)["invoke_calls"]}
    assert targets >= {"orders-reader", "audit-writer", "job-runner", "thumbnailer", "billing-calculator",
                       "inventory-sync", "pdf-renderer"}


def test_vendored_dependencies_are_not_scanned_for_calls() -> None:
    invoke = b"import boto3\nboto3.client('lambda').invoke(FunctionName='x')\n"
    result = inspect_package(make_zip({
        "requests/api.py": invoke,
        "requests-2.31.0.dist-info/RECORD": b"",
        "yaml/__init__.py": invoke,
        "PyYAML-6.0.dist-info/top_level.txt": b"yaml\n_yaml\n",
        "node_modules/sdk/index.js": b"lambda.invoke({FunctionName: 'y'})",
        "app.py": invoke,
    }))
    assert [s["path"] for s in result["invoke_calls"]] == ["app.py"]


def test_handler_clients_follow_the_handler_setting() -> None:
    code = {"svc/app.py": b"import boto3\n\ndef main(event, context):\n    return boto3.client('s3')\n\n"
                          b"def helper():\n    return boto3.client('sqs')\n"}
    assert [s["line"] for s in inspect_package(make_zip(code), handler="svc/app.main")["handler_clients"]] == [4]
    assert [s["line"] for s in inspect_package(make_zip(code), handler="svc.app.main")["handler_clients"]] == [4]
    assert inspect_package(make_zip(code), handler="other.main")["handler_clients"] == []


def test_packaged_frameworks_are_found_by_name() -> None:
    result = inspect_package(make_zip({
        "node_modules/express/package.json": b"{}",
        "lib/spring-boot-3.2.1.jar": b"PK",
        "flask/__init__.py": b"",
        "flask-3.0.0.dist-info/RECORD": b"",
    }))
    assert {s["name"] for s in result["frameworks"]} == {"express", "spring-boot", "flask"}


def test_zip64_member_count_is_read_from_the_zip64_record() -> None:
    """A zip64 archive announcing ten million members is refused from its last 98 bytes."""
    zip64_eocd = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 10_000_000, 10_000_000, 0, 0)
    locator = struct.pack("<IIQI", 0x07064B50, 0, 0, 1)
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    with pytest.raises(PackageError, match="declares 10000000 members"):
        scan_zip(zip64_eocd + locator + eocd)
