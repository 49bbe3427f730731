"""Start-to-exit time of `lambda-advisor scan` against `cfn-lint` on the same files.

Run: `.venv/bin/python bench/scan_bench.py [--runs N] [--templates N]`.
Measures (median of N runs, after one warm-up each): one small SAM template,
and a folder of generated templates. Bytecode writing is allowed for both
tools (cfn-lint's site-packages already hold compiled bytecode from pip).
A last row, the floor, is the same interpreter importing click and PyYAML and
doing nothing else: what any scan pays before it reads a file.
This is a measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SMALL = ROOT / "fixtures" / "sources" / "sam" / "invoke.yaml"
SOURCES = [ROOT / "fixtures" / "sources" / "sam" / "all-events.yaml", ROOT / "fixtures" / "sources" / "cfn" / "linked.yaml",
           SMALL]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def timed(cmd: list[str], runs: int) -> float:
    env = _env()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def make_folder(dest: Path, count: int) -> list[Path]:
    files = []
    for i in range(count):
        src = SOURCES[i % len(SOURCES)]
        path = dest / f"stack{i:04d}{src.suffix}"
        shutil.copyfile(src, path)
        files.append(path)
    return files


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--templates", type=int, default=100)
    args = parser.parse_args()
    la, cfn = str(BIN / "lambda-advisor"), str(BIN / "cfn-lint")
    rows = []
    ours = timed([la, "scan", str(SMALL)], args.runs)
    theirs = timed([cfn, str(SMALL)], args.runs)
    rows.append((f"one SAM template ({SMALL.name})", ours, theirs))
    floor = timed([sys.executable, "-c", "import click, yaml"], args.runs)
    with tempfile.TemporaryDirectory() as tmp:
        files = make_folder(Path(tmp), args.templates)
        ours = timed([la, "scan", tmp], max(3, args.runs // 2))
        theirs = timed([cfn, *map(str, files)], max(3, args.runs // 2))
        rows.append((f"folder of {len(files)} templates", ours, theirs))
    print(f"{'case':<40} {'lambda-advisor':>15} {'cfn-lint':>10} {'ratio':>7}")
    for name, a, b in rows:
        print(f"{name:<40} {a * 1000:>12.0f} ms {b * 1000:>7.0f} ms {a / b:>7.3f}")
    one = rows[0][2]
    print(f"{'floor: Python + click + PyYAML':<40} {floor * 1000:>12.0f} ms {one * 1000:>7.0f} ms {floor / one:>7.3f}")


if __name__ == "__main__":
    main()
