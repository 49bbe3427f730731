"""The long fuzz campaign (`make fuzz`): mutated inputs of every kind, in batches, through the real CLI.

Each batch is one `lambda-advisor scan ... --format json` subprocess over a folder
of mutated inputs plus one good template (the sentinel, whose LA205 finding must
survive). A batch is *lost* when the process prints a traceback, runs over 30 s,
exits above 3 (or by a signal), or leaves no JSON report on stdout (a broken
configuration is the one exception: exit 2 and a single error line). An
*internal error* is an entry that says "internal error" (a barrier caught a bug):
counted one by one from the JSON report's errors, or from stderr when a run
stopped without a report (a configuration that broke the run must say why, not
hit a bug). Both are printed, the campaign fails on either, and the batch's
inputs are kept under ``--out`` to replay.

    .venv/bin/python tests/fuzz_campaign.py --templates 10000 --others 300

prints one line per batch and a summary: inputs tried, wall time, peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzzing

#: The CLI under test: ``python -m lambda_advisor`` (PYTHONPATH may point at a frozen copy of the code).
CLI = [sys.executable, "-m", "lambda_advisor"]
TIMEOUT_S = 30
GOOD = fuzzing.SENTINEL


@dataclass
class Tally:
    inputs: int = 0
    batches: int = 0
    lost: list[str] = field(default_factory=list)
    internal_errors: list[str] = field(default_factory=list)  # one per internal-error entry
    wall: float = 0.0
    peak_mb: float = 0.0
    slowest: float = 0.0


def run(args: list[str], cwd: Path) -> tuple[int, str, str, float, float]:
    """Exit code, stdout, stderr, wall seconds and peak MB of one CLI run (killed after TIMEOUT_S)."""
    start = time.perf_counter()
    proc = subprocess.Popen([*CLI, *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "LAMBDA_ADVISOR_NO_CACHE": ""})
    try:
        out, err = proc.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return -999, out.decode(errors="replace"), err.decode(errors="replace"), time.perf_counter() - start, 0
    wall = time.perf_counter() - start
    usage = _last_child_maxrss()
    return proc.returncode, out.decode(errors="replace"), err.decode(errors="replace"), wall, usage


def _last_child_maxrss() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def judge(kind: str, tally: Tally, folder: Path, code: int, out: str, err: str, wall: float, peak: float,
          *, sentinel: bool, config_may_stop: bool, keep: Path) -> None:
    tally.batches += 1
    tally.wall += wall
    tally.peak_mb = max(tally.peak_mb, peak)
    tally.slowest = max(tally.slowest, wall)
    problems = []
    if code == -999:
        problems.append(f"hang: killed after {TIMEOUT_S} s")
    elif code < 0 or code > 3:
        problems.append(f"exit code {code}")
    if "Traceback" in err:
        problems.append("traceback on stderr: " + err.strip().splitlines()[-1][:200])
    report = None
    try:
        report = json.loads(out)
    except ValueError:
        lines = err.strip().splitlines()
        stopped = config_may_stop and code == 2 and len(lines) == 1 and lines[0].startswith("lambda-advisor: error:")
        if not stopped and code != -999:
            problems.append(f"no JSON report on stdout (exit {code}): {err.strip()[-300:]}")
    internal: list[str] = []
    if report is not None:
        if sentinel and not any(f["location"].get("logical_id") == "SentinelFn" and f["rule_id"] == "LA205"
                                for f in report.get("findings", [])):
            problems.append("the sentinel template's LA205 finding is missing")
        internal = [f"{kind}: {e['where']}: {e['message'][:300]}" for e in report.get("errors", [])
                    if "internal error" in e.get("message", "")]
    else:  # no report: the run stopped, and its stderr says why
        internal = [f"{kind}: {line[:300]}" for line in err.splitlines() if "internal error" in line]
    tally.internal_errors.extend(internal)
    if problems or internal:
        dest = keep / f"{kind}-{tally.batches:04d}"
        shutil.copytree(folder, dest, dirs_exist_ok=True, symlinks=True)
    for p in problems:
        tally.lost.append(f"{kind} batch {tally.batches}: {p}")
    print(f"{kind:>10} batch {tally.batches:>3}: {tally.inputs:>6} inputs so far, exit {code}, {wall:5.1f} s, "
          f"{peak:4.0f} MB, {len(problems)} lost, {len(tally.internal_errors)} internal errors", flush=True)


def templates(rng: random.Random, total: int, batch: int, keep: Path) -> Tally:
    tally = Tally()
    trees = fuzzing.fixture_trees()
    while tally.inputs < total:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "good.yaml").write_text(GOOD)
            n = min(batch, total - tally.inputs)
            for i in range(n):
                path, tree = rng.choice(trees)
                as_json = path.suffix == ".json" if rng.random() < 0.8 else None
                data = fuzzing.mutate_template(rng, tree, as_json=as_json)
                (folder / f"m{i:04d}{'.json' if data.lstrip()[:1] == b'{' else '.yaml'}").write_bytes(data)
            tally.inputs += n
            code, out, err, wall, peak = run(["scan", str(folder), "-f", "json", "--today", "2026-11-22"], folder)
            judge("templates", tally, folder, code, out, err, wall, peak, sentinel=True, config_may_stop=False,
                  keep=keep)
    return tally


def one_per_run(kind: str, rng: random.Random, total: int, keep: Path) -> Tally:
    """Configurations, rule files and baselines: one per run, beside the sentinel."""
    tally = Tally()
    while tally.inputs < total:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "good.yaml").write_text(GOOD)
            args = ["scan", str(folder / "good.yaml"), "-f", "json", "--today", "2026-11-22"]
            if kind == "configs":
                name, data = fuzzing.mutate_config(rng)
                (folder / name).write_bytes(data)
                args += ["--config", str(folder / name)] if rng.random() < 0.3 else []
            elif kind == "rules":
                (folder / "rules").mkdir()
                (folder / "rules" / "org.yaml").write_bytes(fuzzing.mutate_rule(rng))
                args += ["--rules-dir", str(folder / "rules")]
            else:
                (folder / "baseline.json").write_bytes(fuzzing.mutate_baseline(rng))
                args += ["--baseline", str(folder / "baseline.json")]
            tally.inputs += 1
            code, out, err, wall, peak = run(args, folder)
            # A broken configuration stops the run (exit 2, one line); rule files and baselines are errors
            # in the report, and a config may deselect or re-format everything: no sentinel check there.
            judge(kind, tally, folder, code, out, err, wall, peak,
                  sentinel=kind != "configs" and code != 2, config_may_stop=kind == "configs", keep=keep)
    return tally


TERRAFORM = fuzzing.terraform_fixtures()


def batched(kind: str, rng: random.Random, total: int, per_run: int, keep: Path) -> Tally:
    """Snapshots, cdk.out folders, .serverless folders, packages and Terraform modules: many per run, beside
    the sentinel."""
    tally = Tally()
    snapshot = fuzzing.seed_snapshot() if kind == "snapshots" else None
    while tally.inputs < total:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            (folder / "good.yaml").write_text(GOOD)
            n = min(per_run, total - tally.inputs)
            for i in range(n):
                if kind == "snapshots":
                    assert snapshot is not None
                    (folder / f"snap{i:03d}.json").write_bytes(fuzzing.mutate_snapshot(rng, snapshot))
                elif kind == "cdk":
                    dest = folder / f"app{i:03d}" / "cdk.out"
                    shutil.copytree(fuzzing.FIXTURES / "cdk" / "cdk.out", dest)
                    fuzzing.mutate_cdk(rng, dest)
                elif kind == "serverless":
                    dest = folder / f"svc{i:03d}" / ".serverless"
                    shutil.copytree(fuzzing.FIXTURES / "serverless" / ".serverless", dest)
                    fuzzing.mutate_serverless(rng, dest)
                elif kind == "terraform":
                    dest = folder / f"tf{i:03d}"
                    shutil.copytree(rng.choice(TERRAFORM), dest)
                    fuzzing.mutate_terraform(rng, dest)
                else:
                    (folder / f"pkg{i:03d}.zip").write_bytes(fuzzing.mutate_package(rng))
            if kind == "packages":
                (folder / "packages.yaml").write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n" + "".join(
                    f"  Fn{i}:\n    Type: AWS::Serverless::Function\n    Properties:\n      Runtime: python3.12\n"
                    f"      Handler: app.handler\n      CodeUri: pkg{i:03d}.zip\n" for i in range(n)))
            tally.inputs += n
            code, out, err, wall, peak = run(["scan", str(folder), "-f", "json", "--today", "2026-11-22"], folder)
            judge(kind, tally, folder, code, out, err, wall, peak, sentinel=True, config_may_stop=False, keep=keep)
    return tally


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--templates", type=int, default=10_000, help="mutated templates (default 10,000)")
    parser.add_argument("--batch", type=int, default=200, help="templates per CLI run (default 200)")
    parser.add_argument("--others", type=int, default=300, help="inputs of each other kind (default 300)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--out", type=Path, default=Path("fuzz-anomalies"), help="where lost batches are kept")
    parser.add_argument("--only", nargs="*", default=None, help="kinds to run (templates configs rules ...)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    print(f"seed {seed} (replay with --seed {seed})", flush=True)
    rng = random.Random(seed)
    args.out.mkdir(parents=True, exist_ok=True)
    kinds = {
        "templates": lambda: templates(rng, args.templates, args.batch, args.out),
        "configs": lambda: one_per_run("configs", rng, args.others, args.out),
        "rules": lambda: one_per_run("rules", rng, args.others, args.out),
        "baselines": lambda: one_per_run("baselines", rng, args.others, args.out),
        "snapshots": lambda: batched("snapshots", rng, args.others, 50, args.out),
        "cdk": lambda: batched("cdk", rng, args.others, 25, args.out),
        "serverless": lambda: batched("serverless", rng, args.others, 25, args.out),
        "packages": lambda: batched("packages", rng, args.others, 50, args.out),
        "terraform": lambda: batched("terraform", rng, args.others, 25, args.out),
    }
    started = time.perf_counter()
    results: dict[str, Tally] = {}
    for kind, go in kinds.items():
        if args.only is None or kind in args.only:
            results[kind] = go()
    print(f"\nsummary (seed {seed}, {time.perf_counter() - started:.0f} s in all):")
    for kind, t in results.items():
        print(f"  {kind:>10}: {t.inputs:>6} inputs in {t.batches} runs, {t.wall:6.0f} s, slowest run {t.slowest:4.1f} s, "
              f"peak {t.peak_mb:4.0f} MB, {len(t.lost)} lost runs, {len(t.internal_errors)} internal-error entries")
    for t in results.values():
        for line in t.lost + sorted(set(t.internal_errors)):
            print("  !", line)
    sys.exit(1 if any(t.lost or t.internal_errors for t in results.values()) else 0)


if __name__ == "__main__":
    main()
