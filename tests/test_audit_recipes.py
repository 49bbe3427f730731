"""The organisation-audit recipes of docs/audit.md, checked and run.

The GitHub Actions workflow (``docs/recipes/github-actions-org-audit.yml``) is
validated against SchemaStore's workflow schema, vendored under
``tests/data/workflows`` (source and commit noted there). Then its ``run:``
steps, and the AWS Batch array-job script, are executed as a runner would,
against moto's server with an organisation in it: the accounts listed once,
each shard audited, the snapshots copied to S3 encrypted, one report merged.
What belongs to GitHub or AWS is stood in for: ``uses:`` steps are not run
(credentials come from the test's environment), ``aws s3 cp`` is a small
stand-in on ``PATH`` that copies into a folder and refuses an upload without
``--sse aws:kms``, and ``--all-regions`` is narrowed to one region for speed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from lambda_advisor.audit_emulator import ACCOUNT, Account, seed_organization

REPO = Path(__file__).resolve().parent.parent
WORKFLOW = REPO / "docs" / "recipes" / "github-actions-org-audit.yml"
BATCH = REPO / "docs" / "recipes" / "aws-batch-org-audit.sh"
SCHEMA = REPO / "tests" / "data" / "workflows" / "github-workflow.schema.json"
REGION = "us-east-1"

#: ``aws s3 cp --recursive SRC DST [--sse aws:kms --sse-kms-key-id K]`` into ``$FAKE_S3/<bucket>/<key>``.
AWS_STAND_IN = r'''
import os, shutil, sys
args = sys.argv[1:]
assert args[:3] == ["s3", "cp", "--recursive"], args
src, dst, rest = args[3], args[4], args[5:]
root = os.environ["FAKE_S3"]
def local(p): return os.path.join(root, p[len("s3://"):]) if p.startswith("s3://") else p
if dst.startswith("s3://"):
    if rest[:2] != ["--sse", "aws:kms"] or rest[2] != "--sse-kms-key-id" or not rest[3]:
        sys.exit("upload refused: not encrypted with --sse aws:kms --sse-kms-key-id KEY")
    with open(os.path.join(root, "uploads.log"), "a") as log:
        log.write(" ".join(args) + "\n")
shutil.copytree(local(src), local(dst), dirs_exist_ok=True)
'''


def _workflow() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    if True in data:  # YAML 1.1 reads the key `on` as a boolean; GitHub reads it as the string
        data["on"] = data.pop(True)
    return data


def test_workflow_validates_against_the_published_schema() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    errors = list(jsonschema.Draft7Validator(schema).iter_errors(_workflow()))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    broken = _workflow()
    broken["jobs"]["audit"].pop("runs-on")
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))  # the schema is not a pushover


def test_docs_show_the_recipes_as_they_are_tested() -> None:
    audit_md = (REPO / "docs" / "audit.md").read_text(encoding="utf-8")
    assert WORKFLOW.read_text(encoding="utf-8").strip() in audit_md
    assert BATCH.read_text(encoding="utf-8").strip() in audit_md


def test_workflow_practices() -> None:
    wf = _workflow()
    assert wf["permissions"]["id-token"] == "write"  # OIDC
    shard_steps = wf["jobs"]["audit"]["steps"]
    creds = [s for s in shard_steps if "configure-aws-credentials" in s.get("uses", "")]
    assert creds and int(creds[0]["with"]["role-duration-seconds"]) >= 4 * 3600
    assert wf["jobs"]["audit"]["strategy"]["fail-fast"] is False
    assert len(wf["jobs"]["audit"]["strategy"]["matrix"]["shard"]) == int(wf["env"]["SHARDS"])
    for job in wf["jobs"].values():
        for step in job["steps"]:
            script = step.get("run", "")
            assert "${{" not in script, step  # values reach scripts through env:, never pasted in
            if "\n" in script.strip():
                assert script.lstrip().startswith("set -euo pipefail"), step


def _env(moto: Any, tmp: Path, **extra: str) -> dict[str, str]:
    bin_dir = tmp / "bin"
    bin_dir.mkdir(exist_ok=True)
    aws = bin_dir / "aws"
    aws.write_text(f"#!{sys.executable}\n{AWS_STAND_IN}", encoding="utf-8")
    aws.chmod(0o755)
    (tmp / "s3").mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION, "AWS_ENDPOINT_URL": moto.endpoint, "AWS_EC2_METADATA_DISABLED": "true",
                "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "PATH": f"{bin_dir}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
                "FAKE_S3": str(tmp / "s3"), "MEMBER_ROLE": "Auditor", "SNAPSHOT_BUCKET": "audit-bucket",
                "SNAPSHOT_KMS_KEY": "alias/lambda-audit"})
    env.update(extra)
    return env


def _narrow(script: str) -> str:
    return script.replace("--all-regions", f"--region {REGION}")


def _run(script: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", _narrow(script)], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)


def _organization(moto: Any) -> tuple[dict[str, Any], str]:
    expected = seed_organization(moto.endpoint, REGION)
    suspended = sorted(a for a in expected if a != ACCOUNT)[0]
    Account(moto.endpoint).client("organizations").close_account(AccountId=suspended)
    return expected, suspended


def _step(job: dict[str, Any], name: str) -> dict[str, Any]:
    [step] = [s for s in job["steps"] if s.get("name", "").startswith(name)]
    return step


def _check_merged(report: dict[str, Any], expected: dict[str, Any], suspended: str) -> None:
    scope = report["scope"]
    assert scope["accounts"] == sorted(a for a in expected if a != suspended)
    assert [s["account"] for s in scope["skipped_accounts"]] == [suspended]
    assert scope["inventory"]["event_functions"] == sum(len(f) for a, f in expected.items() if a != suspended)


@pytest.mark.parametrize("engine", ["github-actions", "aws-batch"])
def test_the_recipe_audits_every_account_once_and_merges_one_report(moto: Any, tmp_path: Path, engine: str) -> None:
    expected, suspended = _organization(moto)
    wf = _workflow()
    shards = int(wf["env"]["SHARDS"]) if engine == "github-actions" else 2
    env = _env(moto, tmp_path, SHARDS=str(shards), RUN="run-1")
    listed = _run(_step(wf["jobs"]["accounts"], "List the accounts")["run"],
                  {**env, "GITHUB_OUTPUT": str(tmp_path / "out")}, tmp_path)
    assert listed.returncode == 0, listed.stderr
    accounts = re.search(r"^accounts=(.*)$", (tmp_path / "out").read_text(), re.M).group(1)  # type: ignore[union-attr]
    assert sorted(accounts.split(",")) == sorted(expected)  # the suspended one is reported as skipped
    for k in range(shards):
        work = tmp_path / f"shard{k}"
        work.mkdir()
        if engine == "github-actions":
            shard = _run(_step(wf["jobs"]["audit"], "Audit this shard")["run"],
                         {**env, "ACCOUNTS": accounts, "SHARD": str(k + 1)}, work)
        else:
            shard = _run(BATCH.read_text(encoding="utf-8"),
                         {**env, "ACCOUNTS": accounts, "AWS_BATCH_JOB_ARRAY_INDEX": str(k)}, work)
        assert shard.returncode == 0, (shard.stdout, shard.stderr)
    uploads = (tmp_path / "s3" / "uploads.log").read_text().splitlines()
    assert len(uploads) == shards and all("--sse aws:kms" in u for u in uploads)
    stored = sorted(p.name for p in (tmp_path / "s3" / "audit-bucket" / "lambda-audit" / "run-1").iterdir())
    assert stored == sorted(f"{a}.json" for a in expected)  # each account once (the skipped one says so)
    merge = tmp_path / "merge"
    merge.mkdir()
    merged = _run(_step(wf["jobs"]["report"], "Merge")["run"], env, merge)
    assert merged.returncode == 0, merged.stderr
    _check_merged(json.loads((merge / "audit.json").read_text()), expected, suspended)
    assert (merge / "audit.html").stat().st_size > 0 and (merge / "audit.sarif").stat().st_size > 0


def test_an_empty_account_list_stops_the_pipeline(moto: Any, tmp_path: Path) -> None:
    wf = _workflow()
    env = _env(moto, tmp_path, SHARDS="4", RUN="run-2", ACCOUNTS="", SHARD="1")
    Account(moto.endpoint).client("organizations").create_organization(FeatureSet="ALL")
    shard = _run(_step(wf["jobs"]["audit"], "Audit this shard")["run"], env, tmp_path)
    assert shard.returncode == 2 and "--accounts is empty" in shard.stderr  # never the whole organisation
