"""Evaluate a rule's ``match:`` schema without importing jsonschema.

Why: importing jsonschema costs ~60 ms, more than everything else ``scan``
does on a small template, and pre-commit runs ``scan`` on every commit. Most
match rules use a small core of JSON Schema (type, properties, required,
const/enum, numeric and string bounds, items/contains, not/anyOf/allOf/oneOf,
if/then/else). :func:`compile_schema` turns such a schema into a predicate;
for anything outside that core it returns ``None`` and the engine uses
jsonschema itself. ``tests/test_schema_match.py`` checks both agree on every
rule and every fixture document.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Predicate = Callable[[Any], bool]

_IGNORED = {"$schema", "$id", "$comment", "title", "description", "examples", "default", "deprecated"}
_TYPES: dict[str, Predicate] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}


class Unsupported(Exception):
    pass


def compile_schema(schema: Any) -> Predicate | None:
    """A predicate equivalent to ``jsonschema.Draft202012Validator(schema).is_valid``, or None."""
    try:
        return _compile(schema)
    except Unsupported:
        return None


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def json_equal(a: Any, b: Any) -> bool:
    """JSON equality: ``true`` is not ``1``; ``1`` equals ``1.0``."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if _is_number(a) and _is_number(b):
        return bool(a == b)
    return type(a) is type(b) and a == b


def _compile(schema: Any) -> Predicate:
    if schema is True:
        return lambda v: True
    if schema is False:
        return lambda v: False
    if not isinstance(schema, dict):
        raise Unsupported(repr(schema))
    checks: list[Predicate] = []
    for key, arg in schema.items():
        if key in _IGNORED:
            continue
        builder = _KEYWORDS.get(key)
        if builder is None:
            if key in ("then", "else") and "if" in schema:
                continue
            if key == "additionalProperties" and "properties" in schema:
                continue
            if key in ("minContains", "maxContains") and "contains" in schema:
                continue
            raise Unsupported(key)
        checks.append(builder(arg, schema))
    if len(checks) == 1:
        return checks[0]
    return lambda v: all(c(v) for c in checks)


def _type(arg: Any, _: dict[str, Any]) -> Predicate:
    names = arg if isinstance(arg, list) else [arg]
    preds = [_TYPES[n] for n in names]
    return lambda v: any(p(v) for p in preds)


def _const(arg: Any, _: dict[str, Any]) -> Predicate:
    return lambda v: json_equal(v, arg)


def _enum(arg: Any, _: dict[str, Any]) -> Predicate:
    return lambda v: any(json_equal(v, option) for option in arg)


def _numeric(op: Callable[[Any, Any], bool]) -> Callable[[Any, dict[str, Any]], Predicate]:
    def build(arg: Any, _: dict[str, Any]) -> Predicate:
        return lambda v: not _is_number(v) or op(v, arg)
    return build


def _length(op: Callable[[int, int], bool]) -> Callable[[Any, dict[str, Any]], Predicate]:
    def build(arg: Any, _: dict[str, Any]) -> Predicate:
        return lambda v: not isinstance(v, str) or op(len(v), arg)
    return build


def _count(kind: type[dict[Any, Any]] | type[list[Any]],
           op: Callable[[int, int], bool]) -> Callable[[Any, dict[str, Any]], Predicate]:
    def build(arg: Any, _: dict[str, Any]) -> Predicate:
        return lambda v: not isinstance(v, kind) or op(len(v), arg)
    return build


def _pattern(arg: Any, _: dict[str, Any]) -> Predicate:
    regex = re.compile(arg)
    return lambda v: not isinstance(v, str) or regex.search(v) is not None


def _properties(arg: Any, schema: dict[str, Any]) -> Predicate:
    props = {name: _compile(sub) for name, sub in arg.items()}
    extra = schema.get("additionalProperties", True)
    extra_pred = _compile(extra) if "additionalProperties" in schema else None

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        for name, value in v.items():
            pred = props.get(name)
            if pred is not None:
                if not pred(value):
                    return False
            elif extra_pred is not None and not extra_pred(value):
                return False
        return True
    return check


def _required(arg: Any, _: dict[str, Any]) -> Predicate:
    names = list(arg)
    return lambda v: not isinstance(v, dict) or all(n in v for n in names)


def _items(arg: Any, schema: dict[str, Any]) -> Predicate:
    if "prefixItems" in schema or isinstance(arg, list):
        raise Unsupported("prefixItems")
    pred = _compile(arg)
    return lambda v: not isinstance(v, list) or all(pred(x) for x in v)


def _contains(arg: Any, schema: dict[str, Any]) -> Predicate:
    pred = _compile(arg)
    low = schema.get("minContains", 1)
    high = schema.get("maxContains")

    def check(v: Any) -> bool:
        if not isinstance(v, list):
            return True
        n = sum(1 for x in v if pred(x))
        return n >= low and (high is None or n <= high)
    return check


def _not(arg: Any, _: dict[str, Any]) -> Predicate:
    pred = _compile(arg)
    return lambda v: not pred(v)


def _any_of(arg: Any, _: dict[str, Any]) -> Predicate:
    preds = [_compile(s) for s in arg]
    return lambda v: any(p(v) for p in preds)


def _all_of(arg: Any, _: dict[str, Any]) -> Predicate:
    preds = [_compile(s) for s in arg]
    return lambda v: all(p(v) for p in preds)


def _one_of(arg: Any, _: dict[str, Any]) -> Predicate:
    preds = [_compile(s) for s in arg]
    return lambda v: sum(1 for p in preds if p(v)) == 1


def _if(arg: Any, schema: dict[str, Any]) -> Predicate:
    cond = _compile(arg)
    then = _compile(schema.get("then", True))
    other = _compile(schema.get("else", True))
    return lambda v: then(v) if cond(v) else other(v)


_KEYWORDS: dict[str, Callable[[Any, dict[str, Any]], Predicate]] = {
    "type": _type,
    "const": _const,
    "enum": _enum,
    "minimum": _numeric(lambda v, a: v >= a),
    "maximum": _numeric(lambda v, a: v <= a),
    "exclusiveMinimum": _numeric(lambda v, a: v > a),
    "exclusiveMaximum": _numeric(lambda v, a: v < a),
    "minLength": _length(lambda n, a: n >= a),
    "maxLength": _length(lambda n, a: n <= a),
    "pattern": _pattern,
    "properties": _properties,
    "required": _required,
    "minProperties": _count(dict, lambda n, a: n >= a),
    "maxProperties": _count(dict, lambda n, a: n <= a),
    "items": _items,
    "minItems": _count(list, lambda n, a: n >= a),
    "maxItems": _count(list, lambda n, a: n <= a),
    "contains": _contains,
    "not": _not,
    "anyOf": _any_of,
    "allOf": _all_of,
    "oneOf": _one_of,
    "if": _if,
}
