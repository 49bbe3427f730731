"""docs/rules.md is generated from rules/*.yaml; this fails when someone forgot `make docs`."""

from __future__ import annotations

from pathlib import Path

import pytest

from lambda_advisor.docs import rules_page
from lambda_advisor.engine import load_rules

REPO = Path(__file__).resolve().parent.parent


def test_rules_page_is_up_to_date() -> None:
    current = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert current == rules_page(load_rules()), "docs/rules.md is stale: run `make docs` and commit it"


def test_every_rule_has_an_anchor_in_the_rules_page() -> None:
    page = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in load_rules():
        assert f'<a id="{rule.id.lower()}"></a>' in page, rule.id


def test_help_uri_is_the_aws_documentation_the_rule_cites() -> None:
    for rule in load_rules():
        if rule.references:
            assert rule.help_uri == rule.references[0], rule.id
            assert rule.help_uri.startswith("https://docs.aws.amazon.com/"), rule.id
        else:
            assert rule.help_uri is None, rule.id


def test_ci_doc_has_the_copy_paste_examples() -> None:
    ci = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    for needle in ("github/codeql-action/upload-sarif", "--format sarif", "junit", "reports:",
                   "lambda-advisor baseline create", "--baseline", "- id: lambda-advisor",
                   "--append-rules lambda_advisor.integrations.cfnlint", "--format github", "codequality:",
                   "uses: lambda-advisor/lambda-advisor@", "--exit-zero", "--show-settings", "per-file-ignores"):
        assert needle in ci, needle


def test_readme_sample_output_is_what_the_tool_prints(monkeypatch: pytest.MonkeyPatch) -> None:
    from lambda_advisor.docs import SAMPLE_END, SAMPLE_START, readme_sample

    monkeypatch.chdir(REPO)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split(SAMPLE_START, 1)[1].split(SAMPLE_END, 1)[0].strip()
    assert block == readme_sample(), "README.md's sample is stale: run `make docs`"
    assert any(" findings (" in line for line in block.splitlines()[-4:])  # the summary closes the sample
