"""`make emulator`: the emulated account keeps serving, so a user can run `audit` against it by hand."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("moto")


def _wait_for(proc: subprocess.Popen[str], needle: str, timeout: float = 90) -> list[str]:
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line.rstrip("\n"))
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} not printed; got {lines}")


def test_emulator_serves_until_stopped(tmp_path: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "lambda_advisor.serve_emulator", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = _wait_for(proc, "serving until Ctrl-C")
        export = next(line for line in lines if line.strip().startswith("export "))
        env = dict(re.findall(r"(\w+)=(\S+)", export))
        assert env["AWS_ENDPOINT_URL"].startswith("http://127.0.0.1:")
        run_env = {**{k: v for k, v in os.environ.items() if not k.startswith("AWS_")}, **env,
                   "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
        snapshot = tmp_path / "account.json"
        # twice: the account is still there after the first audit (one region each, to stay quick)
        for extra in (["--region", "us-east-1", "--save", str(snapshot)], ["--region", "eu-west-1"]):
            audit = subprocess.run([sys.executable, "-m", "lambda_advisor", "audit", "-q", "--format", "json",
                                    *extra], env=run_env, capture_output=True, text=True, timeout=120, check=False)
            assert audit.returncode == 1, audit.stderr  # findings: the seeded pitfalls
            report = json.loads(audit.stdout)
            assert report["summary"]["functions"] >= 2 and report["summary"]["findings"] > 0
        assert snapshot.is_file()
        assert proc.poll() is None  # still serving
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "emulator stopped" in out
