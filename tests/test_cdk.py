"""cdk.out: the cloud assembly, stack and nested-stack templates, stages, assets mapped to functions."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

from lambda_advisor.pipeline import Settings, scan_paths
from lambda_advisor.sources import cdk, collect

ROOT = Path(__file__).resolve().parent.parent
CDK_OUT = ROOT / "fixtures" / "cdk" / "cdk.out"
TODAY = date(2026, 11, 22)


def test_claims_only_cloud_assemblies(tmp_path: Path) -> None:
    assert cdk.claims_dir(CDK_OUT)
    assert not cdk.claims_dir(CDK_OUT / "asset.1a2b3c")
    (tmp_path / "manifest.json").write_text("{}")
    assert not cdk.claims_dir(tmp_path)  # a manifest.json alone is not an assembly


def test_stacks_nested_stacks_and_assets() -> None:
    loaded = cdk.load(CDK_OUT)
    assert not loaded.errors
    docs = {d["source"]["logical_id"]: d for d in loaded.documents}
    assert set(docs) == {"OrdersHandler1A2B3C4D", "ReportFunctionAAAA1111"}
    handler, report = docs["OrdersHandler1A2B3C4D"], docs["ReportFunctionAAAA1111"]
    assert handler["source"]["format"] == "cdk" and handler["source"]["stack"] == "OrdersStack"
    assert report["source"]["stack"] == "OrdersStack/ReportsNestedStackResourceA1B2C3"
    assert report["source"]["file"].endswith("OrdersStackReports1234ABCD.nested.template.json")
    assert Path(handler["code"]["local_path"]).resolve() == (CDK_OUT / "asset.1a2b3c").resolve()
    assert Path(report["code"]["local_path"]).resolve() == (CDK_OUT / "asset.4d5e6f").resolve()
    assert Path(handler["layers"][0]["local_path"]).resolve() == (CDK_OUT / "asset.7a8b9c").resolve()


def test_scan_inspects_the_assets_and_finds_the_invoke_call() -> None:
    result = scan_paths([CDK_OUT], Settings(today=TODAY))
    assert not result.errors
    handler = next(d for d in result.documents if d["source"]["logical_id"] == "OrdersHandler1A2B3C4D")
    inspection = handler["code"]["inspection"]
    assert inspection["files"] == 1
    assert inspection["layers"] == [{"name": "DepsLayer9F8E7D6C", "files": 1, "zipped_bytes": None,
                                     "unzipped_bytes": 17}]
    (call,) = inspection["invoke_calls"]
    assert (call["path"], call["line"], call["target"]) == ("index.js", 6, "process.env.REPORT_FUNCTION")
    la301 = [f for f in result.findings if f.rule_id == "LA301"]
    assert any("index.js:6" in f.message for f in la301)


def test_a_folder_holding_cdk_out_is_found_by_the_walk(tmp_path: Path) -> None:
    shutil.copytree(CDK_OUT, tmp_path / "infra" / "cdk.out")
    docs = collect([tmp_path]).documents
    assert len(docs) == 2


def test_stages_are_nested_assemblies(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    shutil.copytree(CDK_OUT, out / "assembly-Prod")
    (out / "cdk.out").write_text('{"version":"36.0.0"}')
    (out / "manifest.json").write_text(json.dumps({"version": "36.0.0", "artifacts": {
        "assembly-Prod": {"type": "cdk:cloud-assembly",
                          "properties": {"directoryName": "assembly-Prod", "displayName": "Prod"}},
        "Missing": {"type": "cdk:cloud-assembly", "properties": {"directoryName": "assembly-Gone"}},
    }}))
    loaded = cdk.load(out)
    assert len(loaded.documents) == 2
    assert [e.message for e in loaded.errors] == ["stage Missing: no manifest.json"]


def test_broken_manifest_and_missing_template_are_errors(tmp_path: Path) -> None:
    out = tmp_path / "cdk.out"
    out.mkdir()
    (out / "cdk.out").write_text("{}")
    (out / "manifest.json").write_text("{not json")
    assert "not valid JSON" in cdk.load(out).errors[0].message
    (out / "manifest.json").write_text(json.dumps({"artifacts": {"S": {
        "type": "aws:cloudformation:stack", "properties": {"templateFile": "S.template.json"}}}}))
    (err,) = cdk.load(out).errors
    assert "stack S: template named in manifest.json is missing" in err.message
