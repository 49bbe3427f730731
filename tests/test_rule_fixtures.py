"""Fixture-driven rule tests: adding a case is adding a file.

A fixture in ``fixtures/rules/`` is named ``<RULE>-<variant>.(pass|fail).<ext>``
(a file, or a folder scanned as a whole). The findings it must produce are
written in it: ``# expect: LA205`` (comma-separated for several) at the end of
the line the finding points at. Files that cannot carry comments (JSON) use a
sidecar ``<fixture>.expect`` with lines ``<line> <RULE>[,<RULE>]`` (or
``<relative path>:<line> <RULE>`` for a folder fixture). A snapshot fixture (an audit saved
as JSON: its functions have no lines) names the function instead: ``function=<name> <RULE>``.
The scan must produce
exactly the marked set, for all selected rules: nothing missing, nothing extra.
``fixtures/demo/`` is checked the same way.

Opt-in rules (``default: false``) run only when selected, so their fixtures
opt in on the first line: ``# lambda-advisor-fixture: select=ALL`` (every rule,
opt-in ones included) or ``select=LA502,LA503`` (only those). The fixture is
scanned with that selection, and must mark every finding of every rule it selects.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from lambda_advisor.engine import load_rules, select_rules
from lambda_advisor.findings import Finding
from lambda_advisor.model import validate_document
from lambda_advisor.pipeline import Settings, scan_paths

ROOT = Path(__file__).resolve().parent.parent
RULE_FIXTURES = ROOT / "fixtures" / "rules"
DEMO = ROOT / "fixtures" / "demo"
TODAY = date(2026, 11, 22)

NAME = re.compile(r"^(?P<rule>[A-Z]+[0-9]{3})-[^.]+\.(?P<kind>pass|fail)(?:\.(?:ya?ml|json|template))?$")
EXPECT = re.compile(r"#\s*expect:\s*(?P<rules>[A-Z]+[0-9]{3}(?:\s*,\s*[A-Z]+[0-9]{3})*)\s*$")
TEXT_SUFFIXES = {".yaml", ".yml", ".json", ".template", ".tf", ".tfvars"}
HEADER = re.compile(r"^#\s*lambda-advisor-fixture:\s*select\s*=\s*(?P<select>[A-Z0-9]+(?:\s*,\s*[A-Z0-9]+)*)\s*$")

#: Rules whose cases cannot be a template fixture (they need a live account, a package server, or a
#: package too big to commit), with the test that covers them instead. Keep this list short.
LIVE_ONLY: dict[str, str] = {
    "LA401": "tests/test_package_rules.py",  # a zip over 50 MB: generated in the test, too big to commit
    "LA402": "tests/test_package_rules.py",  # a cdk.out asset holding a sparse 300 MB file, generated in the test
    "LA406": "tests/test_package_rules.py",  # packages near the size limits, generated in the test
    "LA407": "tests/test_account_live.py",  # moto server: a function on a deleted layer version
}

Key = tuple[str, int | str, str]  # (file relative to the fixture, line or "function=<name>", rule id)


def fixtures() -> list[Path]:
    found = [p for p in sorted(RULE_FIXTURES.iterdir()) if NAME.match(p.name)] if RULE_FIXTURES.is_dir() else []
    if DEMO.is_dir():
        found.append(DEMO)
    return found


def _files(fixture: Path) -> list[Path]:
    if fixture.is_file():
        return [fixture]
    return sorted(p for p in fixture.rglob("*") if p.is_file() and p.suffix.lower() in TEXT_SUFFIXES)


def _rel(fixture: Path, file: Path) -> str:
    return file.name if fixture.is_file() else file.resolve().relative_to(fixture.resolve()).as_posix()


def expected(fixture: Path) -> set[Key]:
    """The (file, line, rule) marks written in a fixture and its sidecar."""
    marks: set[Key] = set()
    for file in _files(fixture):
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            m = EXPECT.search(line)
            if m:
                marks |= {(_rel(fixture, file), number, r.strip()) for r in m.group("rules").split(",")}
    sidecar = fixture.with_name(fixture.name + ".expect")
    if sidecar.is_file():
        default = fixture.name
        for raw in sidecar.read_text(encoding="utf-8").splitlines():
            raw = raw.split("#", 1)[0].strip()
            if not raw:
                continue
            where, rules = raw.split(None, 1)
            if where.startswith("function="):
                marks |= {(default, where, r.strip()) for r in rules.split(",")}
                continue
            file, _, number = where.rpartition(":")
            marks |= {(file or default, int(number), r.strip()) for r in rules.split(",")}
    return marks


def selection(fixture: Path) -> list[str]:
    """The rules a fixture's first line selects (``# lambda-advisor-fixture: select=...``); [] for the default set."""
    if not fixture.is_file() or fixture.suffix.lower() not in TEXT_SUFFIXES:
        return []
    with fixture.open(encoding="utf-8") as fh:
        first = fh.readline().strip()
    if not first.startswith("#") or "lambda-advisor-fixture" not in first:
        return []
    m = HEADER.match(first)
    assert m, f"{fixture.name}: bad fixture header {first!r}; write '# lambda-advisor-fixture: select=ALL' or select=LA502,LA503"
    return [s.strip() for s in m.group("select").split(",")]


def _key(fixture: Path, finding: Finding) -> Key:
    """Where a finding points: file and line, or the function of a snapshot (which has no lines)."""
    loc = finding.location
    if loc.kind == "snapshot" and loc.line is None:
        return (fixture.name, f"function={loc.function_name}", finding.rule_id)
    assert loc.file is not None and loc.line is not None, finding
    return (_rel(fixture, Path(loc.file)), loc.line, finding.rule_id)


def _id(p: Path) -> str:
    return p.name


@pytest.mark.parametrize("fixture", fixtures(), ids=_id)
def test_fixture_produces_exactly_the_marked_findings(fixture: Path) -> None:
    result = scan_paths([fixture], Settings(today=TODAY, select=selection(fixture)))
    assert not result.errors, [str(e) for e in result.errors]
    assert result.documents, f"{fixture.name}: no function documents read"
    for doc in result.documents:
        validate_document(doc)
    got: set[Key] = set()
    for finding in result.findings:
        if finding.suppressed:
            continue
        got.add(_key(fixture, finding))
    want = expected(fixture)
    messages = {_key(fixture, f): f.message for f in result.findings}
    missing = sorted(want - got, key=str)
    extra = sorted(((k, messages.get(k, "")) for k in got - want), key=str)
    assert not missing and not extra, f"missing: {missing}\nextra (add '# expect:' if right): {extra}"


def test_every_rule_has_a_failing_and_a_passing_fixture() -> None:
    """A rule without a case that must fire and one that must not is an untested rule."""
    rules = {r.id: r for r in load_rules()}
    by_rule: dict[str, dict[str, list[str]]] = {}
    for fixture in fixtures():
        m = NAME.match(fixture.name)
        if not m:
            continue
        marked = {rule for _, _, rule in expected(fixture)}
        own = m.group("rule")
        if own in rules:
            # An opt-in rule's fixture that does not select it would pass without running it.
            assert [r.id for r in select_rules([rules[own]], selection(fixture) or ())], (
                f"{fixture.name}: {own} is opt-in; start the fixture with "
                f"'# lambda-advisor-fixture: select={own}' (or select=ALL)")
        if m.group("kind") == "fail":
            assert own in marked, f"{fixture.name}: a .fail fixture must mark at least one {own} finding"
        else:
            assert own not in marked, f"{fixture.name}: a .pass fixture must not expect {own}"
        by_rule.setdefault(own, {}).setdefault(m.group("kind"), []).append(fixture.name)
    missing = []
    for rule in rules.values():
        if rule.id in LIVE_ONLY:
            continue
        kinds = by_rule.get(rule.id, {})
        for kind in ("fail", "pass"):
            if not kinds.get(kind):
                missing.append(f"{rule.id} has no fixtures/rules/{rule.id}-*.{kind}.* fixture")
    assert not missing, "\n".join(missing)


def test_live_only_rules_name_a_test_that_covers_them() -> None:
    for rule, test in LIVE_ONLY.items():
        path = ROOT / test.split("::", 1)[0]
        assert path.is_file(), f"{rule} is allowed without fixtures because {test} covers it, but it is missing"
        assert rule in path.read_text(encoding="utf-8"), f"{test} never mentions {rule}"


def test_expectation_parser() -> None:
    assert EXPECT.search("      Timeout: 900  # expect: LA205, LA206").group("rules") == "LA205, LA206"  # type: ignore[union-attr]
    assert EXPECT.search("# expect LA205") is None
    assert NAME.match("LA205-timeout-globals.fail.yaml")
    assert NAME.match("LA404-windows-binary.fail")
    assert not NAME.match("LA205-timeout.fail.yaml.expect")
    assert HEADER.match("# lambda-advisor-fixture: select=ALL").group("select") == "ALL"  # type: ignore[union-attr]
    assert HEADER.match("# lambda-advisor-fixture: select=LA502, LA503").group("select") == "LA502, LA503"  # type: ignore[union-attr]
    assert HEADER.match("# lambda-advisor-fixture: select=") is None


def test_fixture_header_selects(tmp_path: Path) -> None:
    fixture = tmp_path / "LA502-x.fail.yaml"
    fixture.write_text("# lambda-advisor-fixture: select=LA502,LA504\nResources: {}\n", encoding="utf-8")
    assert selection(fixture) == ["LA502", "LA504"]
    fixture.write_text("# lambda-advisor-fixture: select=ALL\nResources: {}\n", encoding="utf-8")
    assert selection(fixture) == ["ALL"]
    fixture.write_text("# a plain comment\nResources: {}\n", encoding="utf-8")
    assert selection(fixture) == []
    fixture.write_text("# lambda-advisor-fixture: select ALL\n", encoding="utf-8")
    with pytest.raises(AssertionError, match="bad fixture header"):
        selection(fixture)
