"""Package rules end to end: LA401-LA406, LA304, LA509 through ``scan`` and the engine.

LA401, LA402 and LA406 need packages too big to commit, so their failing cases
are generated here (the rule fixture harness names this file for them).
"""

from __future__ import annotations

import shutil
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from lambda_advisor.cli import cli
from lambda_advisor.engine import Engine, RunOptions, load_rules
from lambda_advisor.model import validate_document
from lambda_advisor.pipeline import Settings, scan_paths
from lambda_advisor.sources.package.binaries import make_elf, make_pe

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 11, 22)
MB = 1 << 20

SAM = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  ResizeFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      Handler: app.handler
      CodeUri: {code_uri}
      Architectures: [{arch}]
{layers}
"""


def sam_app(root: Path, files: dict[str, bytes], *, arch: str = "arm64", code_uri: str = "src/",
            layers: str = "") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data)
    (root / "template.yaml").write_text(SAM.format(code_uri=code_uri, arch=arch, layers=layers), encoding="utf-8")
    return root


def by_rule(result: Any) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    for f in result.findings:
        out.setdefault(f.rule_id, []).append(f)
    return out


def test_done_when_windows_exe_and_x86_so_in_an_arm64_sam_function(tmp_path: Path) -> None:
    app = sam_app(tmp_path / "app", {
        "src/app.py": b"def handler(event, context):\n    return 1\n",
        "src/bin/sometool.exe": make_pe("x86_64"),
        "src/lib/libimage.so": make_elf("x86_64"),
        "src/lib/libok.so": make_elf("arm64"),
    })
    result = scan_paths([app], Settings(today=TODAY))
    assert not result.errors
    found = by_rule(result)
    (la404,) = found["LA404"]
    (la405,) = found["LA405"]
    assert "bin/sometool.exe" in la404.message and "Windows" in la404.message
    assert "lib/libimage.so" in la405.message and "x86_64" in la405.message and "arm64" in la405.message
    assert la404.location.line == la405.location.line == 9  # the CodeUri line
    # The same through the command line, with --no-inspect-code as the way out.
    cli_result = CliRunner().invoke(cli, ["scan", str(app), "--today", "2026-11-22"])
    assert cli_result.exit_code == 1
    assert "LA404" in cli_result.output and "bin/sometool.exe" in cli_result.output
    assert "LA405" in cli_result.output and "lib/libimage.so" in cli_result.output
    quiet = CliRunner().invoke(cli, ["scan", str(app), "--no-inspect-code", "--today", "2026-11-22"])
    assert "LA404" not in quiet.output and "LA405" not in quiet.output


def test_macho_fires_in_any_architecture_and_x86_function_flags_arm(tmp_path: Path) -> None:
    from lambda_advisor.sources.package.binaries import make_macho

    app = sam_app(tmp_path / "app", {"src/a.dylib": make_macho("x86_64"), "src/b.so": make_elf("arm64")},
                  arch="x86_64")
    messages = [f.message for f in by_rule(scan_paths([app], Settings(today=TODAY)))["LA405"]]
    assert len(messages) == 2
    assert any("macOS (Mach-O x86_64) binary a.dylib" in m for m in messages)
    assert any("b.so, built for arm64, but ResizeFunction runs on x86_64" in m for m in messages)


def test_layer_binaries_point_at_the_layer(tmp_path: Path) -> None:
    layers = ("      Layers:\n        - !Ref Tools\n  Tools:\n    Type: AWS::Serverless::LayerVersion\n"
              "    Properties:\n      ContentUri: layer/\n")
    app = sam_app(tmp_path / "app", {"src/app.py": b"x = 1\n", "layer/bin/conv.dll": make_pe("x86")},
                  layers=layers)
    (la404,) = by_rule(scan_paths([app], Settings(today=TODAY)))["LA404"]
    assert la404.location.line == 12  # "- !Ref Tools"
    assert "layer Tools holds Windows binary bin/conv.dll" in la404.message


def test_la401_zip_over_50_mb(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    with zipfile.ZipFile(app / "big.zip", "w", zipfile.ZIP_STORED) as z:
        z.writestr("app.py", "def handler(e, c):\n    return 1\n")
        z.writestr("model/weights.bin", b"\0" * (51 * MB))
    sam_app(app, {}, code_uri="big.zip", arch="x86_64")
    found = by_rule(scan_paths([app], Settings(today=TODAY)))
    (la401,) = found["LA401"]
    assert "zipped package is 51.0 MB, over the 50.0 MB limit" in la401.message
    assert la401.location.line == 9
    assert "LA406" not in found  # over the limit is LA401's, not a near-limit warning


def test_la401_and_la406_with_lowered_thresholds(tmp_path: Path) -> None:
    app = sam_app(tmp_path / "app", {"src/app.py": b"x" * 900}, arch="x86_64")
    (app / "p.zip").write_bytes((tmp_path / "app" / "src" / "app.py").read_bytes())
    params = {"LA402": {"max_unzipped_bytes": 1000}, "LA406": {"max_unzipped_bytes": 1000}}
    found = by_rule(scan_paths([app], Settings(today=TODAY, params=params)))
    assert "LA402" not in found
    (la406,) = found["LA406"]
    assert la406.severity == "low" and "90% of the 1000 bytes limit" in la406.message
    params = {"LA402": {"max_unzipped_bytes": 800}}
    found = by_rule(scan_paths([app], Settings(today=TODAY, params=params)))
    assert "unzips to 900 bytes, over the 800 bytes limit" in found["LA402"][0].message


def test_la402_cdk_out_with_an_oversized_asset(tmp_path: Path) -> None:
    cdk_out = tmp_path / "cdk.out"
    shutil.copytree(ROOT / "fixtures" / "cdk" / "cdk.out", cdk_out)
    with (cdk_out / "asset.1a2b3c" / "model.onnx").open("wb") as fh:
        fh.truncate(300 * MB)  # sparse: costs no disk
    result = scan_paths([tmp_path], Settings(today=TODAY))
    assert not result.errors
    found = by_rule(result)
    (la402,) = found["LA402"]
    assert la402.location.function_name == "OrdersHandler1A2B3C4D"
    assert "over the 250.0 MB limit" in la402.message
    assert "function package 300.0 MB" in la402.message and "layer DepsLayer9F8E7D6C" in la402.message
    assert "model.onnx 300.0 MB" in la402.message
    assert la402.location.line == 6  # the function's Code in OrdersStack.template.json


def _doc(**code: Any) -> dict[str, Any]:
    """A valid live function document with the given ``code`` facts."""
    from lambda_advisor.model import Function, Source

    fn = Function(id="arn:aws:lambda:eu-west-1:1:function:f", name="f",
                  source=Source(kind="account", arn="arn:aws:lambda:eu-west-1:1:function:f"),
                  architectures=["x86_64"], layers=[], code=dict(code))
    return fn.to_json()


def _run(doc: dict[str, Any], *rules: str) -> list[Any]:
    chosen = [r for r in load_rules() if r.id in rules]
    return Engine(chosen, RunOptions(today=TODAY)).run([doc])


def test_la406_image_sizes_from_live_documents() -> None:
    (over,) = _run(_doc(image_bytes=11 * 1024 * MB), "LA406")
    assert over.severity == "high" and "over Lambda's 10.0 GB limit" in over.message
    (near,) = _run(_doc(image_bytes=9 * 1024 * MB), "LA406")
    assert near.severity == "low" and "90% of the 10.0 GB limit" in near.message
    assert _run(_doc(image_bytes=1024 * MB), "LA406") == []


def test_la401_from_live_code_size() -> None:
    (hit,) = _run(_doc(zipped_bytes=60 * MB), "LA401")
    assert "60.0 MB" in hit.message
    (near,) = _run(_doc(zipped_bytes=45 * MB), "LA406")
    assert "90% of the 50.0 MB direct-upload limit" in near.message


def test_la403_from_the_layers_list_alone() -> None:
    doc = _doc()
    doc["layers"] = [{"arn": f"arn:aws:lambda:eu-west-1:1:layer:l{i}:1"} for i in range(6)]
    validate_document(doc)
    (hit,) = _run(doc, "LA403")
    assert hit.message == "f uses 6 layers; Lambda allows at most 5"


def test_binary_findings_are_capped() -> None:
    doc = _doc()
    doc["code"]["inspection"] = {"binaries": [{"path": f"b{i}.exe", "format": "PE", "arch": None}
                                              for i in range(25)]}
    validate_document(doc)
    hits = _run(doc, "LA404")
    assert len(hits) == 21
    assert sum(h.message == "f: 5 more Windows binaries not listed" for h in hits) == 1


def test_la304_and_la509_from_the_code(tmp_path: Path) -> None:
    app = sam_app(tmp_path / "app", {
        "src/app.py": (ROOT / "fixtures" / "packages" / "python" / "app.py").read_bytes()}, arch="x86_64")
    found = by_rule(scan_paths([app], Settings(today=TODAY)))
    (la304,) = found["LA304"]
    assert "Flask web framework (app.py:5) behind mangum (app.py:6)" in la304.message
    assert sorted(f.message.split(" inside")[0] for f in found["LA509"]) == [
        "ResizeFunction creates boto3.client('lambda')", "ResizeFunction creates boto3.client('s3')"]
    la301 = [f for f in found["LA301"] if "app.py" in f.message]
    assert len(la301) == 2, [f.message for f in found.get("LA301", [])]


def test_corrupt_zip_is_an_input_error_and_the_scan_goes_on(tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "good").mkdir(parents=True)
    (app / "good" / "tool.exe").write_bytes(make_pe())
    (app / "broken.zip").write_bytes(b"PK\x03\x04 definitely not a zip")
    (app / "template.yaml").write_text("""\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Broken:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.13, Handler: app.handler, CodeUri: broken.zip}
  Good:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.13, Handler: app.handler, CodeUri: good/}
""", encoding="utf-8")
    result = scan_paths([app], Settings(today=TODAY))
    assert [e.where for e in result.errors] == [str(app / "broken.zip")]
    assert "Broken: not a readable zip file" in result.errors[0].message
    broken = next(d for d in result.documents if d["name"] == "Broken")
    assert broken["errors"] and "not a readable zip file" in broken["code"]["inspection"]["errors"][0]
    assert [f.location.function_name for f in result.findings if f.rule_id == "LA404"] == ["Good"]
    assert result.exit_code("low") == 2


def test_sam_build_output_is_preferred(tmp_path: Path) -> None:
    app = sam_app(tmp_path / "app", {"src/app.py": b"x = 1\n",
                                     ".aws-sam/build/ResizeFunction/app.py": b"x = 1\n",
                                     ".aws-sam/build/ResizeFunction/lib/dep.so": make_elf("x86_64")})
    found = by_rule(scan_paths([app], Settings(today=TODAY)))
    assert "lib/dep.so" in found["LA405"][0].message


def test_sam_build_copies_of_one_code_uri_keep_each_handlers_calls_apart(tmp_path: Path) -> None:
    # `sam build` copies the shared CodeUri once per function; the copies are still one source folder.
    shared = ROOT / "fixtures" / "rules" / "LA301-shared-package.fail"
    app = tmp_path / "app"
    shutil.copytree(shared, app)
    for logical_id in ("DispatcherFunction", "ReportFunction"):
        shutil.copytree(shared / "src", app / ".aws-sam" / "build" / logical_id)
    la301 = by_rule(scan_paths([app / "template.yaml"], Settings(today=TODAY))).get("LA301", [])
    assert [(f.location.logical_id, "dispatcher.py" in f.message) for f in la301] == [("DispatcherFunction", True)]
