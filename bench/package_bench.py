"""Benchmark: inspect a generated package of 10,000 files totalling 250 MB, as a zip and as a folder.

    .venv/bin/python bench/package_bench.py [--files 10000] [--megabytes 250] [--repeat 3]

The package looks like a real one: mostly small Python/JS sources (scanned by
the code scanner; one Python file in 25 creates a client in its handler and
calls Lambda, so the parser runs on those) and data files, a few hundred native libraries (ELF), and a
handful of large files that carry most of the bytes. Data is random so the zip
is about as big as the folder (the worst case for reading headers). Each
inspection runs ``--repeat`` times (fresh, no cache); the first and best times
are printed, then one more traced run gives the peak Python memory
(tracemalloc), and the process peak RSS (``resource.getrusage``) closes. Everything lives in a temporary folder
that is removed at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

from lambda_advisor.sources.package import inspect_package
from lambda_advisor.sources.package.binaries import make_elf

PY_SOURCE = b'''import json
import boto3

s3 = boto3.client("s3")


def handler(event, context):
    body = json.loads(event.get("body") or "{}")
    return {"statusCode": 200, "body": json.dumps(body)}
'''
PY_HANDLER_WORK = b'''import boto3


def handler(event, context):
    client = boto3.client("lambda")
    return client.invoke(FunctionName="worker", Payload=b"{}")
'''
JS_SOURCE = b'''const { S3Client } = require("@aws-sdk/client-s3");
const s3 = new S3Client({});
exports.handler = async (event) => ({ statusCode: 200, body: JSON.stringify(event) });
'''


def generate(root: Path, files: int, total: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    noise = os.urandom(8 << 20)  # sliced for file contents: random, incompressible
    big_count = 10
    small_count = files - big_count
    kinds = {"py": 0, "js": 0, "so": 0, "data": 0, "big": big_count}
    written = 0
    for i in range(small_count):
        d = root / f"pkg{i % 40}" / f"mod{i % 7}"
        d.mkdir(parents=True, exist_ok=True)
        r = i % 10
        if r < 4:
            source = PY_HANDLER_WORK if i % 100 == 0 else PY_SOURCE  # 1 in 25 Python files calls Lambda
            (d / f"m{i}.py").write_bytes(source)
            kinds["py"] += 1
            written += len(source)
        elif r < 6:
            (d / f"m{i}.js").write_bytes(JS_SOURCE)
            kinds["js"] += 1
            written += len(JS_SOURCE)
        elif r < 7:
            data = make_elf("x86_64" if i % 2 else "arm64") + noise[: rng.randrange(2_000, 20_000)]
            (d / f"lib{i}.so").write_bytes(data)
            kinds["so"] += 1
            written += len(data)
        else:
            start = rng.randrange(0, len(noise) - 30_000)
            data = noise[start:start + rng.randrange(1_000, 30_000)]
            (d / f"data{i}.bin").write_bytes(data)
            kinds["data"] += 1
            written += len(data)
    remaining = max(total - written, big_count)
    big_dir = root / "models"
    big_dir.mkdir(exist_ok=True)
    for i in range(big_count):
        size = remaining // big_count
        with (big_dir / f"model{i}.bin").open("wb") as fh:
            while size > 0:
                chunk = noise[: min(size, len(noise))]
                fh.write(chunk)
                size -= len(chunk)
    return kinds


def make_zip(folder: Path, target: Path) -> None:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                compress = zipfile.ZIP_STORED if path.suffix == ".bin" else zipfile.ZIP_DEFLATED
                z.write(path, path.relative_to(folder).as_posix(), compress_type=compress)


def measure(label: str, target: Path, repeat: int) -> None:
    times = []
    result: dict[str, object] = {}
    for _ in range(repeat):
        started = time.perf_counter()
        result = inspect_package(target, handler="pkg0/mod0/m0.handler")
        times.append(time.perf_counter() - started)
    tracemalloc.start()  # a separate run: tracing slows Python down several times
    inspect_package(target, handler="pkg0/mod0/m0.handler")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    binaries = result["binaries"]
    unzipped = result["unzipped_bytes"]
    zipped = result["zipped_bytes"]
    assert isinstance(binaries, list) and isinstance(unzipped, int)
    zipped_text = "-" if not isinstance(zipped, int) else f"{zipped / 2**20:.1f} MiB"
    print(f"{label:<7} files={result['files']} unzipped={unzipped / 2**20:.1f} MiB zipped={zipped_text} "
          f"binaries={len(binaries)} | first {times[0]:.3f} s, best {min(times):.3f} s | "
          f"peak traced memory {peak / 2**20:.1f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--megabytes", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="la-bench-"))
    try:
        folder = tmp / "package"
        folder.mkdir()
        t0 = time.perf_counter()
        kinds = generate(folder, args.files, args.megabytes * 1_000_000)
        zip_path = tmp / "package.zip"
        make_zip(folder, zip_path)
        print(f"generated {args.files} files ({kinds}) and a {zip_path.stat().st_size / 2**20:.1f} MiB zip "
              f"in {time.perf_counter() - t0:.1f} s")
        measure("zip", zip_path, args.repeat)
        measure("folder", folder, args.repeat)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"process peak RSS {rss / 1024:.1f} MiB (includes generating the package)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
