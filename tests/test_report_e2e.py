"""Real scans through every reporter: the demo app's SARIF validates against the official schema."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_report_formats import report_validator, sarif_validator

from lambda_advisor.pipeline import Settings, scan_paths
from lambda_advisor.report import render
from lambda_advisor.result import ScanResult

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", params=["fixtures/demo", "fixtures/rules"])
def scanned(request: pytest.FixtureRequest) -> Iterator[ScanResult]:
    target = REPO / request.param
    if not target.is_dir():
        pytest.skip(f"{request.param} is not in this checkout yet")
    old = Path.cwd()
    os.chdir(REPO)  # repository-relative paths, as in CI
    try:
        result = scan_paths([Path(request.param)], Settings())
        result.meta["show_suppressed"] = True
        yield result
    finally:
        os.chdir(old)


def test_sarif_of_a_real_scan_validates(scanned: ScanResult) -> None:
    assert scanned.findings, "the scan found nothing; the fixture should show pitfalls"
    doc = json.loads(render("sarif", scanned))
    errors = list(sarif_validator().iter_errors(doc))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
    run = doc["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {f.rule_id for f in scanned.findings}
    for res in run["results"]:
        phys = res["locations"][0]["physicalLocation"]
        uri = phys["artifactLocation"]["uri"]
        assert not uri.startswith(("/", "file:")), uri  # repository-relative for GitHub
        if uri.startswith("aws/"):
            continue  # a function of a snapshot fixture: its logical place in the account, no file
        assert (REPO / uri).is_file(), uri
        assert phys["region"]["startLine"] >= 1


def test_json_of_a_real_scan_validates(scanned: ScanResult) -> None:
    report_validator().validate(json.loads(render("json", scanned)))


def test_junit_markdown_html_of_a_real_scan(scanned: ScanResult) -> None:
    root = ET.fromstring(render("junit", scanned))
    failures = int(root.get("failures") or 0)
    assert failures >= 1
    assert failures <= sum(len(f.affected) for f in scanned.active)  # a shared fact fails each function's case
    assert render("markdown", scanned).startswith("## lambda-advisor")
    html = render("html", scanned)
    assert html.count('<section class="fn') >= len(scanned.documents)
