"""`lambda-advisor scan` against `checkov -d` on the same Terraform folders.

Run: `.venv/bin/python bench/terraform_bench.py DIR [--runs N] [--checkov PATH]`, where DIR holds
Terraform projects (for example a checkout of aws-samples/serverless-patterns). Every folder
under DIR with `*.tf` files is given to both tools in one run (`checkov --framework terraform
--skip-download`, installed separately: `pip install checkov` in a virtual environment of its
own). Prints the median wall time and the CPU time of each, and their ratio; CPU time is the
fairer figure on a busy machine. This is a measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent


def folders(root: Path) -> list[str]:
    found = set()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in (".terraform", ".git", "node_modules")]
        if any(n.endswith((".tf", ".tf.json")) for n in filenames):
            found.add(dirpath)
    return sorted(found)


def timed(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds (user + system of the child) over ``runs`` runs after a warm-up."""
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--checkov", default=shutil.which("checkov"), help="the checkov command (default: on PATH)")
    args = parser.parse_args()
    dirs = folders(args.root)
    print(f"{len(dirs)} Terraform folders under {args.root}")
    ours = timed([str(BIN / "lambda-advisor"), "scan", *dirs, "--format", "json", "-q"], args.runs)
    print(f"lambda-advisor scan: {ours[0]:7.2f} s wall, {ours[1]:7.2f} s CPU")
    if not args.checkov:
        print("checkov not found: install it (`pip install checkov`) and pass --checkov PATH")
        return
    cmd = [args.checkov, "--framework", "terraform", "--skip-download", "--quiet", "--compact", "-o", "json"]
    for d in dirs:
        cmd += ["-d", d]
    theirs = timed(cmd, args.runs)
    print(f"checkov -d:          {theirs[0]:7.2f} s wall, {theirs[1]:7.2f} s CPU")
    print(f"ratio: 1/{theirs[0] / max(ours[0], 1e-9):.0f} of checkov's wall time, "
          f"1/{theirs[1] / max(ours[1], 1e-9):.0f} of its CPU time")


if __name__ == "__main__":
    main()
