"""The installed wheel carries rules/ and the schemas, and works outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_lists_every_rule(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(dist), str(ROOT)], check=True)
    wheel = next(dist.glob("lambda_advisor-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    rule_files = sorted(p.name for p in (ROOT / "rules").glob("*.yaml"))
    assert rule_files and all(f"lambda_advisor/rules/{name}" in names for name in rule_files)
    assert "lambda_advisor/rules/rule.schema.json" in names
    assert "lambda_advisor/schema/function.schema.json" in names

    # A fresh venv with only the wheel installed. Its dependencies are borrowed from the test
    # environment by a path entry (not the editable checkout: .pth files there are not processed),
    # so the test needs no network and takes seconds.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    Path(site, "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)],
                   check=True)
    out = subprocess.run([str(venv / "bin" / "lambda-advisor"), "rules"], capture_output=True, text=True,
                         cwd=tmp_path, check=True).stdout
    listed = {line.split()[0] for line in out.splitlines()[1:] if line.strip()}
    expected = {name.split("-")[0] for name in rule_files}
    assert listed == expected
    where = subprocess.run([str(py), "-c", "import lambda_advisor.engine as e; print(e.builtin_rules_dir())"],
                           capture_output=True, text=True, cwd=tmp_path, check=True).stdout.strip()
    assert where.startswith(site)  # the rules came from the wheel, not from this checkout
