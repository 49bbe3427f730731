"""Bad input of every kind in one scan: each is a clear error naming the file, and the rest goes on."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from lambda_advisor.cli import cli

ROOT = Path(__file__).resolve().parent.parent

SAM_WITH_ZIP = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Packed:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: build/packed.zip
"""


def test_every_kind_of_bad_input_is_named_and_the_good_template_still_scanned(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(ROOT / "fixtures" / "sources" / "mixed" / "nested" / "cfn.yml", good / "cfn.yml")

    snap = tmp_path / "audit.json"  # a snapshot whose version field is wrong
    snap.write_text(json.dumps({"format": "lambda-advisor-snapshot", "version": "one", "functions": []}))

    cdk_out = tmp_path / "app" / "cdk.out"  # a cloud assembly whose manifest is not JSON
    cdk_out.mkdir(parents=True)
    (cdk_out / "cdk.out").write_text('{"version": "36.0.0"}')
    (cdk_out / "manifest.json").write_text("{not json")

    sam = tmp_path / "sam"  # a SAM app whose package is not a zip
    (sam / "build").mkdir(parents=True)
    (sam / "template.yaml").write_text(SAM_WITH_ZIP)
    (sam / "build" / "packed.zip").write_bytes(b"PK\x03\x04 this is not really a zip")

    broken = tmp_path / "broken.yaml"  # a template that does not parse
    broken.write_text("Resources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties: {Runtime: [x\n")

    result = CliRunner().invoke(cli, ["scan", str(tmp_path), "--format", "json", "--select", "LA205",
                                      "--today", "2026-11-22"])
    assert result.exit_code == 2, result.output
    report = json.loads(result.stdout)
    named = sorted(Path(e["where"]).name for e in report["errors"])
    assert named == ["audit.json", "broken.yaml", "manifest.json", "packed.zip"], report["errors"]
    by_name = {Path(e["where"]).name: e for e in report["errors"]}
    assert by_name["broken.yaml"]["line"] == 4 or by_name["broken.yaml"]["line"] == 5
    assert "version 'one' is not supported" in by_name["audit.json"]["message"]
    assert "not valid JSON" in by_name["manifest.json"]["message"]
    assert "Packed: not a readable zip" in by_name["packed.zip"]["message"]
    # the good template was scanned all the same, and so was the function with the broken package
    assert [(Path(f["location"]["file"]).name, f["rule_id"]) for f in report["findings"]] == [("cfn.yml", "LA205")]
    assert report["summary"]["functions"] >= 2
