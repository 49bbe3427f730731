"""A zip's own claims are not trusted: members are counted as its central directory is read."""

from __future__ import annotations

import struct
import tracemalloc
import zlib

import pytest

from lambda_advisor.sources.package.scan import (
    MAX_CENTRAL_DIRECTORY_BYTES,
    Limits,
    PackageError,
    scan_zip,
)


def lying_zip(members: int, declared: int = 1, name_len: int = 1) -> bytes:
    """One stored member, then ``members`` central headers all pointing at it; the end record says ``declared``."""
    data = b"x"
    crc = zlib.crc32(data)
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 0, 0, 0, crc, 1, 1, 1, 0) + b"a" + data
    header = struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 0, 0, 0, crc, 1, 1, name_len,
                         0, 0, 0, 0, 0, 0)
    central = b"".join(header + (b"%0*d" % (name_len, i % 10 ** name_len)) for i in range(members))
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, declared, declared, len(central), len(local), 0)
    return local + central + end


def test_a_zip_that_declares_one_member_and_holds_many_is_refused_while_counting() -> None:
    with pytest.raises(PackageError, match=r"holds more than 100 members \(its end record declares 1\)"):
        scan_zip(lying_zip(5000), Limits(max_members=100))


def test_the_default_cap_is_counted_with_bounded_memory() -> None:
    archive = lying_zip(Limits().max_members + 50_000)  # ~12 MB: one byte of data, 250,000 headers
    tracemalloc.start()
    try:
        with pytest.raises(PackageError, match="holds more than 200000 members"):
            scan_zip(archive)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 32 << 20, peak  # the headers are skipped, never turned into 250,000 objects


def test_a_central_directory_over_its_cap_is_refused_before_it_is_read() -> None:
    members = MAX_CENTRAL_DIRECTORY_BYTES // (46 + 2000) + 10
    with pytest.raises(PackageError, match=r"central directory of \d+ bytes, over the cap"):
        scan_zip(lying_zip(members, name_len=2000), Limits(max_members=10 ** 6))


def test_an_honest_zip_under_the_caps_is_still_read() -> None:
    facts = scan_zip(lying_zip(50, declared=50), Limits(max_members=100))
    assert facts.files == 50
