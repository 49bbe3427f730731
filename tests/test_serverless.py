"""Serverless Framework output: the generated template and the artifact zips."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

from lambda_advisor.pipeline import Settings, scan_paths
from lambda_advisor.sources import serverless

ROOT = Path(__file__).resolve().parent.parent
SERVICE = ROOT / "fixtures" / "serverless"
TODAY = date(2026, 11, 22)


def test_claims_the_output_folder() -> None:
    assert serverless.claims_dir(SERVICE / ".serverless")
    assert not serverless.claims_dir(SERVICE)


def test_function_is_mapped_to_its_artifact_zip() -> None:
    loaded = serverless.load(SERVICE / ".serverless")
    assert not loaded.errors
    (doc,) = loaded.documents
    assert doc["source"]["format"] == "serverless"
    assert doc["name"] == "orders-dev-api"
    assert Path(doc["code"]["local_path"]).name == "orders.zip"


def test_scan_of_the_service_inspects_the_zip() -> None:
    result = scan_paths([SERVICE], Settings(today=TODAY))
    assert not result.errors
    (doc,) = result.documents
    inspection = doc["code"]["inspection"]
    assert inspection["files"] == 2 and isinstance(inspection["zipped_bytes"], int)
    rules = {f.rule_id for f in result.findings}
    assert {"LA301", "LA304", "LA509"} <= rules
    la304 = next(f for f in result.findings if f.rule_id == "LA304")
    assert "Express" in la304.message and "serverless-http" in la304.message


def test_artifact_from_serverless_state_and_missing_artifacts(tmp_path: Path) -> None:
    service = tmp_path / "svc"
    shutil.copytree(SERVICE, service)
    out = service / ".serverless"
    (out / "orders.zip").rename(service / "build.zip")
    state = json.loads((out / "serverless-state.json").read_text())
    state["service"]["functions"]["api"]["package"] = {"artifact": "build.zip"}
    (out / "serverless-state.json").write_text(json.dumps(state))
    (doc,) = serverless.load(out).documents
    assert Path(doc["code"]["local_path"]) == service / "build.zip"
    (service / "build.zip").unlink()
    loaded = serverless.load(out)
    assert loaded.documents[0]["code"]["local_path"] is None
    assert any("artifact orders.zip of ApiLambdaFunction is not in the folder" in n for n in loaded.notices)


def test_logical_ids_follow_serverless_naming() -> None:
    assert serverless.logical_id("api") == "ApiLambdaFunction"
    assert serverless.logical_id("my-func_v2") == "MyDashfuncUnderscorev2LambdaFunction"


def test_an_artifact_name_no_file_system_takes_is_no_package_and_no_error(tmp_path: Path) -> None:
    # Found by `make fuzz`: a 5,000-character artifact name made the folder an internal error.
    service = tmp_path / "svc"
    shutil.copytree(SERVICE, service)
    out = service / ".serverless"
    state = json.loads((out / "serverless-state.json").read_text())
    state["service"]["functions"]["api"]["package"] = {"artifact": "a" * 5000}
    (out / "serverless-state.json").write_text(json.dumps(state))
    template = json.loads((out / "cloudformation-template-update-stack.json").read_text())
    for res in template["Resources"].values():
        if res.get("Type") == "AWS::Lambda::Function":
            res["Properties"]["Code"]["S3Key"] = "b" * 5000
    (out / "cloudformation-template-update-stack.json").write_text(json.dumps(template))
    loaded = serverless.load(out)
    assert not loaded.errors, [str(e) for e in loaded.errors]
    assert loaded.documents[0]["code"]["local_path"] is None
