"""Web Functions in templates: one document each, kind "web", and nothing else changes.

The rule fixtures (``fixtures/rules/LA1xx-web-*``, ``LA70x-*``) pin the findings line by line;
these tests pin what the fixtures cannot show: the document shape, that SAM ``Globals.Function``
does not reach a Web Function, that MicroVM images are no functions, and that an Event Function
is judged exactly as before when Web Functions sit beside it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from lambda_advisor.model import validate_document
from lambda_advisor.pipeline import Settings, scan_paths
from lambda_advisor.sources.template import load_template
from lambda_advisor.views import rule_views

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "fixtures" / "rules"

WEB_RESOURCES = """
  Shop:
    Type: AWS::Serverless::WebFunction
    Properties:
      FunctionName: shop
      Runtime: nodejs24.x
      CodeUri: s3://shop-code/app.zip
      AuthType: ApplicationManaged
      EnvironmentVariables:
        API_TOKEN: ghp_0123456789abcdefghijklmnopqrstuvwxyz
  Image:
    Type: AWS::Serverless::MicrovmImage
    Properties:
      Name: tools
      CodeUri: s3://shop-code/tools.zip
      BaseImageArn: arn:aws:lambda:eu-west-1:aws:microvm-image/al2023
      BaseImageVersion: "1"
  RawImage:
    Type: AWS::Lambda::MicrovmImage
    Properties: {Name: raw}
"""


def _with_web(source: Path, tmp_path: Path) -> Path:
    text = source.read_text(encoding="utf-8")
    assert "\nResources:\n" in text
    out = tmp_path / source.name
    out.write_text(text.replace("\nResources:\n", "\nResources:\n" + WEB_RESOURCES.lstrip("\n"), 1), encoding="utf-8")
    return out


def _event_findings(path: Path) -> list[tuple[str, int | None, str, str]]:
    result = scan_paths([path], Settings(select=["ALL"]))
    assert not result.errors, [str(e) for e in result.errors]
    return sorted((f.rule_id, f.location.line, f.location.logical_id or "", f"{f.subject} {f.message}")
                  for f in result.findings
                  if f.location.logical_id not in ("Shop", "ShopRevision", "ShopEndpoint"))


def test_an_event_function_beside_web_functions_is_judged_exactly_as_before(tmp_path: Path) -> None:
    for name in ("LA205-timeout-globals.fail.yaml", "LA201-async-sources.fail.yaml", "LA502-tracing-off.fail.yaml"):
        source = RULES / name
        shifted = WEB_RESOURCES.strip("\n").count("\n") + 1
        before = [(r, (line + shifted) if line and line > _resources_line(source) else line, lid, fp)
                  for r, line, lid, fp in _event_findings(source)]
        after = _event_findings(_with_web(source, tmp_path))
        assert before and after == sorted(before), name


def _resources_line(path: Path) -> int:
    return path.read_text(encoding="utf-8").splitlines().index("Resources:") + 1


def test_sam_web_function_document_and_globals_do_not_reach_it(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text("Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Timeout: 900\n"
                        "    MemorySize: 2048\n    Environment:\n      Variables:\n        FROM_GLOBALS: x\n"
                        "Resources:\n" + WEB_RESOURCES.lstrip("\n"), encoding="utf-8")
    loaded = load_template(template, explicit=True)
    assert loaded.errors == []
    (doc,) = loaded.documents  # MicroVM images are not functions
    validate_document(doc)
    assert doc["kind"] == "web" and doc["name"] == "shop" and doc["architectures"] == ["arm64"]
    (rev,) = doc["revisions"]
    assert rev["logical_id"] == "ShopRevision" and rev["timeout_s"] == 30  # Lambda's default, not Globals' 900
    assert set(rev["environment"]) == {"API_TOKEN"} and doc["memory_mb"] is None
    assert rev["logging"]["log_group"] == "/aws/lambda/web/shop"
    (endpoint,) = doc["endpoints"]
    assert endpoint | {"line": None} == endpoint | {
        "name": "prod", "logical_id": "ShopEndpoint", "auth_type": "ApplicationManaged", "type": "HomeRegion",
        "auto_deployment": "LatestRevision", "rate_limit": False, "max_environments": False,
        "weights": [{"revision": "ShopRevision", "revision_index": 0, "weight": 100}], "line": None}
    assert rev["served_by"] == ["prod"]


def test_a_revision_view_reads_like_a_function_and_points_at_the_revision(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n" + WEB_RESOURCES.lstrip("\n"), encoding="utf-8")
    (doc,) = load_template(template, explicit=True).documents
    views = list(rule_views(doc))
    assert [prefix for _, prefix in views] == ["", "revision:ShopRevision:"]
    view = views[1][0]
    assert view["runtime"] == "nodejs24.x" and view["timeout_s"] == 30 and view["endpoints"] == []
    assert view["lines"]["/environment/API_TOKEN"] == doc["lines"]["/revisions/0/environment/API_TOKEN"]
    assert view["source"]["logical_id"] == "ShopRevision"


def test_a_web_functions_only_template_gives_findings(tmp_path: Path) -> None:
    template = tmp_path / "t.yaml"
    template.write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n" + WEB_RESOURCES.lstrip("\n"),
                        encoding="utf-8")
    result = scan_paths([template], Settings())
    assert {f.rule_id for f in result.findings} == {"LA101", "LA102", "LA107"}
    assert all(f.location.function_name == "shop" for f in result.findings)


def test_web_document_round_trips_through_yaml(tmp_path: Path) -> None:
    """The document is plain data (a snapshot keeps it as JSON/YAML)."""
    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n" + WEB_RESOURCES.lstrip("\n"), encoding="utf-8")
    (doc,) = load_template(template, explicit=True).documents
    assert yaml.safe_load(yaml.safe_dump(doc)) == doc


def test_a_revision_package_is_judged_as_arm64(tmp_path: Path) -> None:
    """LA404/LA405 on a Web Function: an inspected revision package (as --inspect-code fills it) runs on arm64."""
    from lambda_advisor.engine import Engine, load_rules, select_rules

    template = tmp_path / "t.yaml"
    template.write_text("Resources:\n" + WEB_RESOURCES.lstrip("\n"), encoding="utf-8")
    (doc,) = load_template(template, explicit=True).documents
    doc["revisions"][0]["code"]["inspection"] = {"binaries": [
        {"path": "node_modules/sharp/build/sharp.node", "format": "ELF", "arch": "x86_64"},
        {"path": "node_modules/fsevents/fsevents.node", "format": "Mach-O", "arch": "arm64"},
        {"path": "bin/tool.exe", "format": "PE", "arch": "x86_64"},
        {"path": "node_modules/argon2/argon2.node", "format": "ELF", "arch": "arm64"}]}
    validate_document(doc)
    findings = Engine(select_rules(load_rules(), ["LA404", "LA405"])).run([doc])
    got = sorted((f.rule_id, f.subject) for f in findings)
    assert got == [("LA404", "revision:ShopRevision:code:bin/tool.exe"),
                   ("LA405", "revision:ShopRevision:code:node_modules/fsevents/fsevents.node"),
                   ("LA405", "revision:ShopRevision:code:node_modules/sharp/build/sharp.node")], got
    assert all("arm64" in f.message or f.rule_id == "LA404" or "Mach-O" in f.message for f in findings)
