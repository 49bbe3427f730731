"""Terraform's JSON syntax (``.tf.json``, ``.tfvars.json``) read into the tree :mod:`.hcl` builds.

Lines come from the JSON reader that keeps them; strings are templates, as Terraform reads them,
and go through the native grammar.
"""

from __future__ import annotations

from typing import Any

from lambda_advisor.sources.terraform.hcl import (
    MAX_DEPTH,
    Attribute,
    Block,
    Expr,
    HclError,
    Lit,
    ObjectExpr,
    TupleExpr,
    parse_native,
)

# -- JSON syntax --------------------------------------------------------------------------------

#: Block types whose JSON form nests one label level per name (``"resource": {"type": {"name": {...}}}``).
_LABELS = {"resource": 2, "data": 2, "module": 1, "variable": 1, "output": 1, "provider": 1,
           "locals": 0, "terraform": 0, "moved": 0, "import": 0, "check": 1, "removed": 0}


def parse_json(data: bytes, file: int) -> tuple[list[Block], dict[str, Attribute], list[tuple[int, str]]]:
    """A ``.tf.json`` (or ``.tfvars.json``) file: the same tree, lines from a JSON reader that keeps them."""
    from lambda_advisor.sources.yaml_loader import LineDict, LineList, TemplateSyntaxError, loads

    try:
        doc = loads(data.decode("utf-8-sig"), is_json=True)
    except (TemplateSyntaxError, UnicodeDecodeError) as exc:
        raise HclError(f"not valid JSON: {exc}", getattr(exc, "line", None)) from exc
    if not isinstance(doc, dict):
        raise HclError("a Terraform JSON file holds one object", 1)
    reader = _Json(file, LineDict, LineList)
    blocks: list[Block] = []
    attrs: dict[str, Attribute] = {}
    for kind, value in doc.items():
        line = doc.line_of(kind) if isinstance(doc, LineDict) else 1
        if kind in _LABELS:
            blocks.extend(reader.blocks(kind, value, _LABELS[kind], [], line))
        elif kind != "//":
            attrs[kind] = Attribute(kind, reader.value(value, line, 0), line)
    return blocks, attrs, []


class _Json:
    def __init__(self, file: int, line_dict: type, line_list: type) -> None:
        self.file = file
        self.line_dict = line_dict
        self.line_list = line_list

    def line(self, container: Any, key: Any, default: int) -> int:
        if isinstance(container, self.line_dict | self.line_list):
            return int(container.line_of(key))  # type: ignore[attr-defined]
        return default

    def blocks(self, kind: str, value: Any, labels: int, got: list[str], line: int) -> list[Block]:
        if isinstance(value, list):  # a block type may be given as a list of bodies
            return [b for i, v in enumerate(value) for b in self.blocks(kind, v, labels, got, self.line(value, i, line))]
        if not isinstance(value, dict):
            raise HclError(f"{kind}: expected an object", line)
        if labels > 0:
            return [b for k, v in value.items() if k != "//"
                    for b in self.blocks(kind, v, labels - 1, [*got, k], self.line(value, k, line))]
        return [self.body(kind, got, value, line, 0)]

    def body(self, kind: str, labels: list[str], value: dict[str, Any], line: int, depth: int) -> Block:
        if depth > MAX_DEPTH:
            raise HclError(f"nested more than {MAX_DEPTH} levels deep", line)
        blk = Block(kind, labels, line, line, self.file)
        for key, v in value.items():
            at = self.line(value, key, line)
            if key == "//":
                continue
            if kind in ("locals", "variable", "output", "terraform") or key in _ATTRIBUTE_KEYS or \
                    not _looks_like_block(v):
                blk.attributes[key] = Attribute(key, self.value(v, at, depth + 1), at)
            else:
                bodies = v if isinstance(v, list) else [v]
                for i, b in enumerate(bodies):
                    if key == "dynamic" and isinstance(b, dict):
                        for label, inner in b.items():
                            if isinstance(inner, dict):
                                sub = self.body("dynamic", [label], inner, self.line(b, label, at), depth + 1)
                                blk.blocks.append(sub)
                    elif isinstance(b, dict):
                        blk.blocks.append(self.body(key, [], b, self.line(v, i, at) if isinstance(v, list) else at,
                                                    depth + 1))
        return blk

    def value(self, v: Any, line: int, depth: int) -> Expr:
        if depth > MAX_DEPTH:
            raise HclError(f"nested more than {MAX_DEPTH} levels deep", line)
        if isinstance(v, str):
            return string_template(v, line)
        if isinstance(v, list):
            return TupleExpr(line, [self.value(x, self.line(v, i, line), depth + 1) for i, x in enumerate(v)])
        if isinstance(v, dict):
            return ObjectExpr(line, [(k, self.value(x, self.line(v, k, line), depth + 1), self.line(v, k, line))
                                     for k, x in v.items() if k != "//"])
        return Lit(line, v)


#: Attributes whose JSON value is an object but that are attributes, not nested blocks.
_ATTRIBUTE_KEYS = {"tags", "tags_all", "variables", "environment_variables", "for_each", "depends_on",
                   "triggers", "policy", "assume_role_policy", "redrive_policy", "inputs", "providers",
                   "count", "lifecycle_policy", "labels", "metadata", "settings", "config"}


def _looks_like_block(v: Any) -> bool:
    if isinstance(v, list):
        return bool(v) and all(isinstance(x, dict) for x in v)
    return isinstance(v, dict)


def string_template(text: str, line: int) -> Expr:
    """A JSON string as Terraform reads it: a template when it holds ``${`` or ``%{``, else text."""
    if "${" not in text and "%{" not in text:
        return Lit(line, text)
    quoted = '__v = "' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
        .replace("\r", "\\r").replace("\t", "\\t") + '"\n'
    try:
        _, attrs, _ = parse_native(quoted.encode("utf-8"), 0)
    except HclError:
        return Lit(line, text)
    expr = attrs["__v"].expr
    _reline(expr, line)
    return expr


def _reline(expr: Any, line: int, depth: int = 0) -> None:
    if depth > MAX_DEPTH or not isinstance(expr, Expr):
        return
    expr.line = line
    for value in vars(expr).values():
        if isinstance(value, Expr):
            _reline(value, line, depth + 1)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, Expr):
                    _reline(item, line, depth + 1)
                elif isinstance(item, tuple):
                    for x in item:
                        _reline(x, line, depth + 1)
