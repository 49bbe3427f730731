"""A rule folder from a pull request can neither reach into the process nor make the scan fetch anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_bad_inputs import RULE as BASE_RULE

from lambda_advisor.cli import cli
from lambda_advisor.engine import Engine, RuleError, load_rule_file

ROOT = Path(__file__).resolve().parent.parent
GOOD = (ROOT / "fixtures" / "sources" / "mixed" / "nested" / "cfn.yml").read_text()

RULE = BASE_RULE + "params: {tag: cost-centre}\nmatch: {required: [name]}\n"


def _rule(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rules" / "org001.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def _scan(args: list[str]) -> tuple[int, dict, str]:
    result = CliRunner().invoke(cli, ["scan", *args, "--format", "json", "--today", "2026-11-22"])
    assert "Traceback" not in result.stderr, result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, json.loads(result.stdout), result.stderr


WALKS = [
    "{doc[name].__class__.__init__.__globals__}",
    "{doc.__class__.__init__.__globals__[os].environ}",
    "{doc[name].__class__}",
    "{params.__class__}",
    "{params[tag].upper}",
    "{doc[environment].__class__.__mro__[1].__subclasses__}",
    "{0}",
    "{}",
    "{ctx}",
    "{doc}",
    "{params}",
    "{doc[name]!r}",
    "{doc[name]!s}",
    "{doc[name]:>999999999}",
    "{doc[name]:{doc[name].__class__}}",
    "{doc[name]:{params[tag]}}",
    "{doc[name][0].__class__}",
    "{doc[ name ]}",
    "{doc[name]} {doc[role]!a}",
    "{params[tag][0]}",
    "{params[tag][__class__][__init__]}",
]


@pytest.mark.parametrize("message", WALKS)
def test_a_message_that_walks_objects_or_formats_is_refused_when_the_rule_is_loaded(tmp_path: Path,
                                                                                  message: str) -> None:
    path = _rule(tmp_path, RULE + f"message: {json.dumps(message)}\n")
    with pytest.raises(RuleError) as exc:
        load_rule_file(path, builtin=False)
    text = str(exc.value)
    assert text.startswith(f"{path}: invalid key message: "), text
    assert "{" in text.partition("invalid key message: ")[2], text  # names the placeholder


def test_a_walking_message_ends_the_scan_with_an_error_naming_rule_file_and_placeholder(tmp_path: Path,
                                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI_SECRET_TOKEN", "s3cr3t-value-from-the-runner")
    path = _rule(tmp_path, RULE + 'message: "{doc[name].__class__.__init__.__globals__[os].environ}"\n')
    (tmp_path / "good.yaml").write_text(GOOD)
    code, report, stderr = _scan([str(tmp_path / "good.yaml"), "--rules-dir", str(path.parent)])
    assert code == 2
    (err,) = report["errors"]
    assert err["where"] == str(path)
    assert "{doc[name].__class__.__init__.__globals__[os].environ}" in err["message"]
    assert "s3cr3t" not in json.dumps(report) + stderr


@pytest.mark.parametrize(("message", "expected"), [
    ("{doc[name]} has no {params[tag]} tag", "Fn has no cost-centre tag"),
    ("{doc[name]} runs {doc[architectures]}", "Fn runs arm64, x86_64"),
    ("{doc[name]} zone {doc[vpc][availability_zones][1]}", "Fn zone b"),
    ("{doc[name]} zone {doc[vpc][availability_zones][9]}", "Fn zone None"),
    ("{doc[name]} {{literal braces}} {doc[timeout_s]} s", "Fn {literal braces} 30 s"),
    ("{doc[name]} with {doc[environment]}", "Fn: Functions must carry a cost-centre tag"),  # a mapping: the title
    ("{doc[name]} sees {doc[vpc][availability_zones][0][x]}", "Fn sees None"),
    ("{doc[name][__class__]}", "None"),  # keys index data only: a dunder is just a missing key
])
def test_a_message_fills_plain_values_only(tmp_path: Path, message: str, expected: str) -> None:
    rule = load_rule_file(_rule(tmp_path, RULE + f"message: {json.dumps(message)}\n"), builtin=False)
    doc = {"id": "f", "name": "Fn", "source": {"kind": "template"}, "architectures": ["arm64", "x86_64"],
           "timeout_s": 30, "vpc": {"availability_zones": ["a", "b"]}, "environment": {"A": {"value": "x"}}}
    (finding,) = Engine([rule]).run([doc])
    assert finding.message == expected


@pytest.mark.parametrize("ref", [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "https://example.com/schema.json",
    "file:///etc/passwd",
    "file:///dev/zero",
    "other-rule.yaml#/match",
    "../config.schema.json",
    "urn:example:thing",
    "#/$defs/missing",
    "ftp://example.com/x.json",
])
def test_a_ref_outside_the_rule_and_the_bundled_schemas_is_a_load_time_error_naming_it(
        tmp_path: Path, ref: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import urllib.request

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"fetched {args}")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    body = RULE.replace("match: {required: [name]}\n", "") + "match:\n  properties:\n    name: {$ref: " \
        + json.dumps(ref) + "}\n"
    with pytest.raises(RuleError) as exc:
        load_rule_file(_rule(tmp_path, body), builtin=False)
    assert f"'{ref}' does not resolve inside the rule file or the bundled schemas" in str(exc.value)
    assert str(exc.value).startswith(str(tmp_path / "rules" / "org001.yaml"))


def test_a_ref_under_a_hostile_base_id_is_refused_too(tmp_path: Path) -> None:
    body = RULE.replace("match: {required: [name]}\n", "") + (
        "match:\n  $id: http://attacker.example/base/\n  properties:\n    name: {$ref: evil.json}\n")
    with pytest.raises(RuleError, match=r"'evil\.json' does not resolve"):
        load_rule_file(_rule(tmp_path, body), builtin=False)


def test_local_and_bundled_refs_resolve_and_match(tmp_path: Path) -> None:
    body = RULE.replace("match: {required: [name]}\n", "") + """\
match:
  $defs:
    short: {type: integer, maximum: 3}
  properties:
    timeout_s: {$ref: "#/$defs/short"}
    source: {$ref: "https://lambda-advisor.dev/schema/function.schema.json#/properties/source"}
  required: [timeout_s]
"""
    rule = load_rule_file(_rule(tmp_path, body), builtin=False)
    short = {"id": "a", "name": "A", "source": {"kind": "template"}, "timeout_s": 3}
    long = {"id": "b", "name": "B", "source": {"kind": "template"}, "timeout_s": 30}
    assert [f.location.function_id for f in Engine([rule]).run([short, long])] == ["a"]


def test_a_rule_with_a_remote_ref_ends_the_scan_with_an_error_naming_file_and_reference(tmp_path: Path) -> None:
    body = RULE.replace("match: {required: [name]}\n", "") + "match: {$ref: 'http://127.0.0.1:9/x.json'}\n"
    path = _rule(tmp_path, body)
    (tmp_path / "good.yaml").write_text(GOOD)
    code, report, _ = _scan([str(tmp_path / "good.yaml"), "--rules-dir", str(path.parent)])
    assert code == 2
    (err,) = report["errors"]
    assert err["where"] == str(path) and "http://127.0.0.1:9/x.json" in err["message"]


@pytest.mark.parametrize("title", ["${A.B.C}", "{doc[name].__class__}", "an { unclosed brace", "}{0}{", "{params[tag]:>999999999}"])
def test_a_title_with_braces_is_text_in_the_finding_of_a_rule_without_message(tmp_path: Path, title: str) -> None:
    # Found by `make fuzz`: a rule with no `message` used its title as a template, and braces in it
    # turned every finding into an internal error.
    path = _rule(tmp_path, RULE.replace("title: Functions must carry a cost-centre tag", f"title: {json.dumps(title)}"))
    (tmp_path / "good.yaml").write_text(GOOD)
    _, report, _ = _scan([str(tmp_path / "good.yaml"), "--rules-dir", str(path.parent), "--select", "ORG001"])
    assert not report["errors"], report["errors"]
    messages = [f["message"] for f in report["findings"] if f["rule_id"] == "ORG001"]
    assert messages and all(m.endswith(f": {title}") for m in messages), messages
