"""The jsonschema-free matcher agrees with jsonschema, and the rule cache stays honest."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from lambda_advisor.engine import load_rules, rules_cache_file, substitute_params
from lambda_advisor.schema_match import compile_schema
from lambda_advisor.sources import collect

ROOT = Path(__file__).resolve().parent.parent

SCHEMAS: list[Any] = [
    True, False, {},
    {"type": "integer", "minimum": 840},
    {"type": ["integer", "null"], "exclusiveMaximum": 10},
    {"properties": {"a": {"const": 1}}, "required": ["a"]},
    {"properties": {"a": {"enum": [True, "x", None]}}},
    {"properties": {"a": {"type": "string", "pattern": "^py(thon)?3\\.[0-8]$", "minLength": 3, "maxLength": 9}}},
    {"properties": {"a": {"type": "array", "items": {"type": "integer"}, "minItems": 1, "maxItems": 2}}},
    {"properties": {"a": {"contains": {"const": "x"}, "minContains": 2}}},
    {"properties": {"a": {"not": {"type": "object"}}}},
    {"anyOf": [{"required": ["a"]}, {"required": ["b"]}]},
    {"oneOf": [{"required": ["a"]}, {"required": ["b"]}]},
    {"allOf": [{"minProperties": 1}, {"maxProperties": 2}]},
    {"if": {"required": ["a"]}, "then": {"required": ["b"]}, "else": {"required": ["c"]}},
    {"properties": {"a": {"type": "number"}}, "additionalProperties": False},
    {"properties": {"a": {"type": "integer"}}, "additionalProperties": {"type": "string"}},
]
VALUES: list[Any] = [
    None, True, False, 0, 1, 1.0, 1.5, 839, 840, 900.0, "", "x", "python3.8", "py3.9", "python3.12",
    [], [1], [1, 2, 3], ["x"], ["x", "x"], [True], {}, {"a": 1}, {"a": True}, {"a": 1.0}, {"b": 2},
    {"a": 1, "b": 2}, {"a": 1, "b": 2, "c": 3}, {"a": "x"}, {"a": None}, {"a": ["x", "x"]}, {"a": [1]},
    {"a": {}}, {"c": 1}, {"a": "python3.8"}, {"a": 1, "z": "s"}, {"a": 1, "z": 2},
]


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: str(s)[:60])
def test_fast_matcher_agrees_with_jsonschema(schema: Any) -> None:
    fast = compile_schema(schema)
    assert fast is not None
    reference = jsonschema.Draft202012Validator(schema)
    for value in VALUES:
        assert fast(value) == reference.is_valid(value), value


@pytest.mark.parametrize("schema", [{"$ref": "#/$defs/x"}, {"format": "uri"}, {"patternProperties": {}},
                                    {"prefixItems": [{}]}, {"properties": {"a": {"dependentRequired": {}}}}])
def test_unsupported_keywords_fall_back(schema: Any) -> None:
    assert compile_schema(schema) is None


def test_every_match_rule_agrees_on_every_fixture_document() -> None:
    docs = collect([ROOT / "fixtures"]).documents
    assert docs
    rules = [r for r in load_rules() if r.match is not None]
    assert rules
    for rule in rules:
        schema = substitute_params(rule.match, rule.params)
        fast = compile_schema(schema)
        reference = jsonschema.Draft202012Validator(schema)
        for doc in docs:
            expected = reference.is_valid(doc)
            assert (fast(doc) if fast else expected) == expected, (rule.id, doc["id"])


def test_rule_cache_is_invalidated_by_an_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("LAMBDA_ADVISOR_NO_CACHE", raising=False)
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    rule = rules_dir / "ORG001.yaml"
    body = ("id: ORG001\ntitle: Functions must be tagged\nseverity: low\ncategory: operations\n"
            "what: w\nwhy: y\nfix: f\nmatch: {properties: {tags: {maxProperties: 0}}}\n")
    rule.write_text(body)
    first = {r.id: r for r in load_rules([rules_dir])}
    cache = rules_cache_file(rules_dir, [rule])
    assert cache is not None and cache.exists()
    assert first["ORG001"].title == "Functions must be tagged"
    rule.write_text(body.replace("must be tagged", "need tags"))
    later = time.time() + 5
    os.utime(rule, (later, later))
    assert {r.id: r for r in load_rules([rules_dir])}["ORG001"].title == "Functions need tags"
    rule.write_text(body.replace("severity: low", "severity: urgent"))
    os.utime(rule, (later + 5, later + 5))
    with pytest.raises(Exception, match="severity"):
        load_rules([rules_dir])
