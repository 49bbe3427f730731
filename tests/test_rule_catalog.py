"""The catalog of built-in rules shipped in the package is what the rule files say, validated."""

from __future__ import annotations

import shutil
from pathlib import Path

from lambda_advisor import engine, rule_catalog
from lambda_advisor.engine import builtin_rules_dir, load_rule_file, load_rules


def test_the_shipped_catalog_matches_the_rule_files() -> None:
    # Fails after a rule file changed: run `make docs` (python -m lambda_advisor.rule_catalog).
    assert rule_catalog.catalog_rules(builtin_rules_dir()) is not None, "rules catalog out of date: run `make docs`"
    assert rule_catalog.CATALOG.read_text(encoding="utf-8") == rule_catalog.render(builtin_rules_dir())


def test_rules_from_the_catalog_equal_rules_read_from_the_files() -> None:
    from_files = [load_rule_file(p) for p in sorted(builtin_rules_dir().iterdir()) if p.suffix == ".yaml"]
    expected = sorted(from_files, key=lambda r: r.id)
    assert load_rules() == expected
    assert repr(load_rules()) == repr(expected)  # key order too: rule pages list parameters as written


def test_an_edited_rule_file_is_read_from_the_file_not_the_stale_catalog(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir(), rules)
    page = rules / "LA205-timeout-near-max.yaml"
    assert page.exists()
    page.write_text(page.read_text(encoding="utf-8").replace("severity: low", "severity: critical"),
                    encoding="utf-8")
    assert rule_catalog.catalog_rules(rules) is None
    (found,) = [r for r in engine._builtin_rules(rules) if r.id == "LA205"]
    assert found.severity == "critical"
    assert found.path == str(page)


def test_a_rule_file_added_or_removed_is_not_in_the_catalog(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(builtin_rules_dir(), rules)
    assert rule_catalog.catalog_rules(rules) is not None
    (rules / "LA205-timeout-near-max.yaml").unlink()
    assert rule_catalog.catalog_rules(rules) is None
    assert "LA205" not in {r.id for r in engine._builtin_rules(rules)}


def test_every_built_in_check_resolves() -> None:
    # The engine imports a built-in rule's check on the first document it applies to; none may be missing.
    for rule in load_rules():
        if rule.check is not None:
            assert callable(engine.resolve_check(rule)), rule.id
