"""`--fix`: each fix turns its before fixture into its expected file, and the result still deploys.

"Deploys" is checked three ways on every fixed pair and on a sweep over every rule
fixture (:func:`deploy_problems`): no new cfn-lint error (nor W1001, a reference to a
resource whose condition may be false), the SAM translator still translates it, and
the permission verifier the fix stage uses finds every new requirement granted.

A fix fixture in ``fixtures/fixes/`` is ``<RULE>-<variant>.<ext>`` with its
expected result beside it, ``<RULE>-<variant>.fixed.<ext>``; adding a case is
adding the pair. Each pair is fixed (with ``--unsafe-fixes``, that rule only) in
a copy, and must: equal the expected file byte for byte, keep every comment
line, lose every finding of the rule that has a fix, gain no cfn-lint error,
and change nothing when fixed a second time. SAM results are also translated
by aws-sam-translator (``test_sam_oracle`` reads both files of each pair too).
"""

from __future__ import annotations

import functools
import re
import shutil
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from lambda_advisor.pipeline import Settings, run_scan

ROOT = Path(__file__).resolve().parent.parent
FIX_FIXTURES = ROOT / "fixtures" / "fixes"
TODAY = date(2026, 11, 22)
NAME = re.compile(r"^(?P<rule>[A-Z]+[0-9]{3})-[^.]+\.(?P<ext>ya?ml|json)$")


def pairs() -> list[Path]:
    return [p for p in sorted(FIX_FIXTURES.iterdir()) if NAME.match(p.name)]


def expected_of(before: Path) -> Path:
    return before.with_name(before.name.rsplit(".", 1)[0] + ".fixed" + before.suffix)


def _copy_pair(before: Path, tmp_path: Path) -> Path:
    """The before file, and the code folder (``src/``) its functions point at."""
    if (FIX_FIXTURES / "src").is_dir():
        shutil.copytree(FIX_FIXTURES / "src", tmp_path / "src")
    shutil.copy(before, tmp_path / before.name)
    return tmp_path / before.name


def fix(path: Path, select: list[str], *, unsafe: bool = True, **extra: Any) -> Any:
    settings = Settings(today=TODAY, select=select, quiet=True,
                        extra={"fix": True, "unsafe_fixes": unsafe, **extra})
    return run_scan([path], settings)


def comment_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#")]


@functools.lru_cache(maxsize=1)
def _cfn_lint_rules() -> Any:
    from cfnlint.config import ConfigMixIn
    from cfnlint.runner import Runner

    return Runner(ConfigMixIn([])).rules  # loading them is most of a cfn-lint run: once per worker


#: cfn-lint warnings that mean a stack fails to deploy: W1001 is a Ref or GetAtt to a resource whose
#: condition may be false from one that exists regardless (the new queue of a conditional function).
DEPLOY_WARNINGS = ("W1001",)


def cfn_lint_errors(path: Path) -> Counter[str]:
    """cfn-lint's error-level findings (E…) and deploy-breaking warnings of a template, by rule and message."""
    from cfnlint.api import lint

    matches = lint(path.read_text(encoding="utf-8"), rules=_cfn_lint_rules())
    return Counter(f"{m.rule.id} {m.message}" for m in matches
                   if m.rule.id.startswith("E") or m.rule.id in DEPLOY_WARNINGS)


def _translates(text: str) -> bool:
    try:
        sam_translates(text)
    except Exception:
        return False
    return True


def deploy_problems(after: Path, before_text: str) -> list[str]:
    """What stops ``after`` (a fixed template) from deploying that ``before_text`` did not have: new cfn-lint
    errors, a SAM translation failure, a right its functions now need and their roles do not grant."""
    from lambda_advisor.fixes.permissions import new_unmet
    from lambda_advisor.sources.yaml_loader import loads

    original = after.with_name(f".original-{after.name}")
    original.write_text(before_text, encoding="utf-8")
    try:
        problems = [f"cfn-lint: {e}" for e in new_cfn_lint_errors(after, original)]
    finally:
        original.unlink()
    text = after.read_text(encoding="utf-8")
    if "AWS::Serverless-2016-10-31" in text:
        try:
            sam_translates(text)
        except Exception as exc:
            if _translates(before_text):  # a template the translator never took is not the fix's doing
                problems.append(f"SAM translator: {exc}")
    problems += [f"permissions: {why}" for _, why in new_unmet(loads(before_text), loads(text))]
    return problems


def new_cfn_lint_errors(after: Path, before: Path) -> Counter[str]:
    """cfn-lint errors of ``after`` that ``before`` does not have (``before`` is linted only when needed)."""
    errors = cfn_lint_errors(after)
    return errors - cfn_lint_errors(before) if errors else errors


def sam_translates(text: str) -> None:
    from samtranslator.translator.transform import transform
    from test_sam_oracle import _Loader, _plain, _s3_code

    from lambda_advisor.sources.yaml_loader import loads

    transform(_s3_code(_plain(loads(text))), {}, _Loader())


def test_there_are_fix_pairs_for_every_rule_with_a_fix() -> None:
    from lambda_advisor.engine import load_rules

    with_fix = {r.id for r in load_rules() if r.autofix}
    covered = {NAME.match(p.name).group("rule") for p in pairs()}  # type: ignore[union-attr]
    assert with_fix <= covered, f"no fixtures/fixes pair for {sorted(with_fix - covered)}"
    for before in pairs():
        assert expected_of(before).is_file(), f"{before.name} has no expected file {expected_of(before).name}"


@pytest.mark.parametrize("before", pairs(), ids=lambda p: p.name)
def test_fix_pair(before: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    rule = NAME.match(before.name).group("rule")  # type: ignore[union-attr]
    work = _copy_pair(before, tmp_path)
    result = fix(work, [rule])
    summary = result.meta["fixes"]
    after = work.read_text(encoding="utf-8")

    assert summary["rolled_back"] == 0, summary["rolled_back_fixes"]
    assert summary["fixed"] >= 1
    assert after == expected_of(before).read_text(encoding="utf-8")
    assert comment_lines(after) == comment_lines(before.read_text(encoding="utf-8"))
    # Every finding of the rule is gone, except those its fix does not apply to (go1.x has no same-language successor).
    left = [f for f in result.active if f.rule_id == rule]
    assert len(left) == summary["not_applicable"], [f.message for f in left]
    assert not deploy_problems(work, before.read_text(encoding="utf-8"))
    again = fix(work, [rule])
    assert again.meta["fixes"]["files_changed"] == [] and work.read_text(encoding="utf-8") == after


def test_safe_fixes_only_without_unsafe_fixes(tmp_path: Path) -> None:
    work = tmp_path / "t.yaml"
    shutil.copy(FIX_FIXTURES / "LA502-sam.yaml", work)
    (tmp_path / "u.yaml").write_text((FIX_FIXTURES / "LA206-globals.yaml").read_text())
    result = fix(tmp_path, ["LA502", "LA206"], unsafe=False)
    assert "Tracing: Active" in work.read_text()  # LA502's fix is safe
    assert "Timeout: 60" in (tmp_path / "u.yaml").read_text()  # LA206's is not
    assert {f.rule_id for f in result.active} == {"LA206"}


def test_unfixable_and_fixable_lists(tmp_path: Path) -> None:
    work = tmp_path / "t.yaml"
    shutil.copy(FIX_FIXTURES / "LA501-globals.yaml", work)
    fix(work, ["LA501"], unfixable=["LA5"])
    assert work.read_text() == (FIX_FIXTURES / "LA501-globals.yaml").read_text()
    fix(work, ["LA501"], fixable=["LA2"])
    assert work.read_text() == (FIX_FIXTURES / "LA501-globals.yaml").read_text()
    fix(work, ["LA501"], fixable=["LA501"])
    assert work.read_text() == (FIX_FIXTURES / "LA501-globals.fixed.yaml").read_text()


def test_globals_value_moves_only_when_every_sharer_is_fixed(tmp_path: Path) -> None:
    """LA206-shared: the nightly job shares Timeout 60 but has no API, so the override goes on the API function."""
    work = tmp_path / "t.yaml"
    shutil.copy(FIX_FIXTURES / "LA206-shared.yaml", work)
    fix(work, ["LA206"])
    text = work.read_text()
    assert "    Timeout: 60   # the nightly job" in text
    assert text.count("Timeout: 30") == 1


def test_a_suppressed_finding_is_not_fixed(tmp_path: Path) -> None:
    text = (FIX_FIXTURES / "LA204-sam.yaml").read_text().replace(
        "  Worker:\n    Type: AWS::Serverless::Function\n",
        "  Worker:\n    Type: AWS::Serverless::Function\n    Metadata:\n      lambda-advisor:\n        ignore: [LA204]\n")
    work = tmp_path / "t.yaml"
    work.write_text(text)
    fix(work, ["LA204"])
    assert work.read_text() == text


def _sweep_fixtures() -> list[Path]:
    """Every template fixture; Terraform is reported, never edited (fixes write CloudFormation and SAM)."""
    from test_rule_fixtures import fixtures

    return [f for f in fixtures() if not (f.is_dir() and any(f.rglob("*.tf*")))]


def test_terraform_is_reported_never_edited(tmp_path: Path) -> None:
    work = tmp_path / "tf"
    shutil.copytree(Path(__file__).resolve().parent.parent / "fixtures" / "rules" / "LA202-terraform-queue.fail", work)
    before = (work / "main.tf").read_text()
    result = fix(work, ["ALL"])
    assert [f.rule_id for f in result.active if f.rule_id == "LA202"] == ["LA202"]
    assert result.meta["fixes"]["files_changed"] == []
    assert (work / "main.tf").read_text() == before


def _comments(text: str) -> Counter[str]:
    """Comment lines, and the comment at the end of a line (YAML: `` #`` after a value)."""
    out: Counter[str] = Counter()
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#"):
            out[stripped] += 1
        elif " #" in line:
            out[line[line.index(" #"):].strip()] += 1
    return out


def _templates(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    return sorted(p for p in root.rglob("*") if p.suffix in (".yaml", ".yml", ".json") and p.is_file()
                  and "Resources" in p.read_text(errors="replace"))


@pytest.mark.parametrize("fixture", _sweep_fixtures(), ids=lambda p: p.name)
def test_fix_removes_every_fixable_finding_of_every_rule_fixture(fixture: Path, tmp_path: Path) -> None:
    """The issue's bar, on every rule fixture and the demo app: ``--fix --unsafe-fixes`` with every rule."""
    work = tmp_path / fixture.name
    if fixture.is_dir():
        shutil.copytree(fixture, work)
    else:
        shutil.copy(fixture, work)
    before = {p.relative_to(work) if work.is_dir() else p.name: p.read_text() for p in _templates(work)}
    result = fix(work, ["ALL"])
    summary = result.meta["fixes"]
    assert summary["rolled_back"] == 0, summary["rolled_back_fixes"]
    reasons = {(n["rule_id"], n["function"]) for n in summary["not_applicable_fixes"]}
    with_fix = {r.id for r in result.rules if r.autofix}
    left = {(f.rule_id, f.location.logical_id) for f in result.active if f.rule_id in with_fix}
    assert left <= reasons, f"fixable findings left: {sorted(left - reasons)}"
    for path in _templates(work):
        key = path.relative_to(work) if work.is_dir() else path.name
        after = path.read_text()
        assert not (_comments(before[key]) - _comments(after)), f"{key}: a comment was lost"
        if after != before[key]:
            problems = deploy_problems(path, before[key])
            assert not problems, f"{key}: {problems}"
    assert fix(work, ["ALL"]).meta["fixes"]["files_changed"] == []


def _apply_sarif_fixes(text: str, results: list[dict[str, Any]]) -> str:
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1  # ASCII fixtures: UTF-16 columns are characters

    edits = []
    for r in results:
        for fix_ in r.get("fixes", []):
            for change in fix_["artifactChanges"]:
                for rep in change["replacements"]:
                    region = rep["deletedRegion"]
                    edits.append((offset(region["startLine"], region["startColumn"]),
                                  offset(region["endLine"], region["endColumn"]), rep["insertedContent"]["text"]))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    return text


@pytest.mark.parametrize("before", pairs(), ids=lambda p: p.name)
def test_sarif_results_carry_the_fix_as_replacements(before: Path, tmp_path: Path) -> None:
    """Applying every SARIF ``fixes`` replacement of a pair's findings gives its expected file."""
    import json

    from test_report_formats import sarif_validator

    from lambda_advisor.report import render

    rule = NAME.match(before.name).group("rule")  # type: ignore[union-attr]
    work = _copy_pair(before, tmp_path)
    result = run_scan([work], Settings(today=TODAY, select=[rule], fmt="sarif", quiet=True,
                                       extra={"unsafe_fixes": True}))
    sarif = json.loads(render("sarif", result))
    sarif_validator().validate(sarif)
    results = sarif["runs"][0]["results"]
    assert any("fixes" in r for r in results)
    assert _apply_sarif_fixes(before.read_text(), results) == expected_of(before).read_text()
    assert work.read_text() == before.read_text()  # proposing changes nothing
