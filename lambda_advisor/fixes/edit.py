"""Targeted text edits at the node positions the YAML parser reports.

A fix never re-serialises the template: it replaces one scalar or inserts the
lines of a new key, at the offsets PyYAML's composer gives each node, and
everything else — comments, blank lines, short-form tags (``!Ref``), anchors,
quoting, key order, a JSON file's indentation — stays byte for byte. This is
why no round-trip library is needed (and none is imported on any path).

Writing follows the file: block YAML gets block lines at the sibling keys'
indentation, flow mappings and JSON get ``"Key": value`` with the file's
indentation unit, CRLF files get CRLF.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Node = yaml.Node


class CannotFix(Exception):
    """This template cannot take the fix safely (an alias, a merge key, an intrinsic where a literal is needed)."""


@dataclass(frozen=True)
class Tag:
    """A CloudFormation intrinsic to write: ``Tag("Ref", "X")`` is ``!Ref X`` in YAML, ``{"Ref": "X"}`` in JSON."""

    name: str  # Ref, GetAtt, Sub
    value: str

    def long_form(self) -> dict[str, Any]:
        if self.name == "Ref":
            return {"Ref": self.value}
        if self.name == "GetAtt":
            return {"Fn::GetAtt": self.value.split(".", 1)}
        return {f"Fn::{self.name}": self.value}


def ref(name: str) -> Tag:
    return Tag("Ref", name)


def get_att(logical_id: str, attribute: str) -> Tag:
    return Tag("GetAtt", f"{logical_id}.{attribute}")


@dataclass
class _Edit:
    start: int
    end: int
    text: str
    depth: int  # inserts at one offset: the deeper one goes first
    seq: int


def scalar_value(node: Node | None) -> Any:
    """The plain value of an untagged scalar node (str, int, bool), else None."""
    if not isinstance(node, yaml.ScalarNode) or node.tag.startswith("!"):
        return None
    if node.style not in (None, ""):
        return node.value
    try:
        return yaml.load(node.value, Loader=_Loader)
    except (yaml.YAMLError, ValueError):  # ValueError: an integer past Python's 4,300-digit conversion limit
        return node.value


class TemplateText:
    """One template's text, its node tree, and the edits pending on it."""

    def __init__(self, text: str, *, is_json: bool) -> None:
        self.text = text
        self.is_json = is_json
        parsed = text.replace("\t", " ") if is_json else text
        root = yaml.compose(parsed, Loader=_Loader)
        if not isinstance(root, yaml.MappingNode):
            raise CannotFix("the template is not a mapping")
        self.root: yaml.MappingNode = root
        self.newline = "\r\n" if "\r\n" in text else "\n"
        self._edits: list[_Edit] = []
        self.unit = self._indent_unit()
        self.tab_indent = is_json and bool(re.search(r"^\t", text, re.M))

    # -- reading -----------------------------------------------------------------------------

    def get(self, mapping: Node | None, key: str) -> Node | None:
        """The value node of ``key`` in ``mapping`` (the last one when a key repeats), or None."""
        if not isinstance(mapping, yaml.MappingNode):
            return None
        found = None
        for k, v in mapping.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                found = v
        if found is not None and not self._inside(found, mapping):
            raise CannotFix(f"{key} is an alias of a node written elsewhere")
        return found

    def path(self, *keys: str, start: Node | None = None) -> Node | None:
        node: Node | None = start if start is not None else self.root
        for key in keys:
            node = self.get(node, key)
            if node is None:
                return None
        return node

    def resource(self, logical_id: str) -> yaml.MappingNode | None:
        node = self.path("Resources", logical_id)
        return node if isinstance(node, yaml.MappingNode) else None

    def resource_type(self, logical_id: str) -> str | None:
        value = scalar_value(self.get(self.resource(logical_id), "Type"))
        return value if isinstance(value, str) else None

    def resource_ids(self) -> list[str]:
        resources = self.get(self.root, "Resources")
        if not isinstance(resources, yaml.MappingNode):
            return []
        return [k.value for k, _ in resources.value if isinstance(k, yaml.ScalarNode)]

    def properties(self, logical_id: str) -> yaml.MappingNode | None:
        """The resource's ``Properties`` mapping, or None when it has none."""
        node = self.get(self.resource(logical_id), "Properties")
        if isinstance(node, yaml.MappingNode):
            return node
        if node is not None:
            raise CannotFix(f"{logical_id}.Properties is not a mapping")
        return None

    # -- editing ------------------------------------------------------------------------------

    def set(self, mapping: Node | None, key: str, value: Any) -> None:
        """``mapping[key] = value``; a dict merges into an existing mapping key by key."""
        if not isinstance(mapping, yaml.MappingNode):
            raise CannotFix(f"no mapping to set {key} in")
        self._check_mapping(mapping)
        existing = self.get(mapping, key)
        if existing is None:
            self._add(mapping, key, value)
        elif isinstance(value, dict) and not isinstance(value, Tag):
            if not isinstance(existing, yaml.MappingNode):
                raise CannotFix(f"{key} is not a mapping")
            for k, v in value.items():
                self.set(existing, k, v)
        elif isinstance(existing, yaml.ScalarNode) and not isinstance(value, dict | list | Tag):
            self._replace_scalar(existing, value)
        else:
            raise CannotFix(f"{key} is written in a form this fix does not rewrite")

    def set_in(self, mapping: Node, keys: list[str], value: Any) -> None:
        """Set a nested key, creating the mappings on the way (``set_in(p, ["A", "B"], 1)``)."""
        nested: Any = value
        for k in reversed(keys[1:]):
            nested = {k: nested}
        self.set(mapping, keys[0], nested)

    def set_property(self, logical_id: str, keys: list[str], value: Any) -> None:
        """Set ``Properties.<keys…>`` of a resource, writing the ``Properties`` key when it has none."""
        resource = self.resource(logical_id)
        if resource is None:
            raise CannotFix(f"no resource {logical_id}")
        props = self.get(resource, "Properties")
        if props is None:
            self.set_in(resource, ["Properties", *keys], value)
        else:
            self.set_in(props, keys, value)

    def append(self, sequence: Node, item: Any) -> None:
        """Add ``item`` at the end of a sequence."""
        if not isinstance(sequence, yaml.SequenceNode) or not sequence.value:
            raise CannotFix("not a non-empty sequence")
        last = sequence.value[-1]
        if sequence.flow_style or self.is_json:
            first = sequence.value[0]
            at = last.end_mark.index
            plain = _json_ready(item)
            if first.start_mark.line > sequence.start_mark.line:
                line_start = self._line_start(first.start_mark.line)
                indent = self.text[line_start:line_start + first.start_mark.column]
                body = json.dumps(plain, indent=self.unit).replace("\n", self.newline + indent)
                self._record(at, at, "," + self.newline + indent + body, depth=first.start_mark.column)
            else:
                self._record(at, at, ", " + json.dumps(plain), depth=first.start_mark.column)
            return
        column = sequence.start_mark.column  # a block sequence starts at its first dash
        if self.text[sequence.start_mark.index:sequence.start_mark.index + 1] != "-":
            raise CannotFix("cannot find the sequence's dash")
        end = _content_end(sequence)
        at, lead = self._after_line(end)
        lines = _yaml_item(item, column, self.unit)
        self._record(at, at, lead + self.newline.join(lines) + self.newline, depth=column)

    def add_resource(self, wanted: str, body: dict[str, Any], *, condition: str | None = None) -> str:
        """Add a resource under a logical ID no section uses yet (``wanted``, then ``wanted2`` …); returns it.

        CloudFormation refuses a resource named like a parameter, and ``!Ref`` in an output
        would silently change meaning, so every top-level section's names are taken.
        ``condition`` is written as the resource's ``Condition`` (that of what it serves).
        """
        resources = self.get(self.root, "Resources")
        if not isinstance(resources, yaml.MappingNode):
            raise CannotFix("no Resources mapping")
        taken = self.names()
        name, n = wanted, 1
        while name in taken:
            n += 1
            name = f"{wanted}{n}"
        if condition is not None:
            body = {"Type": body["Type"], "Condition": condition, **{k: v for k, v in body.items() if k != "Type"}}
        self._add(resources, name, body)
        return name

    def names(self) -> frozenset[str]:
        """Every name a template declares: parameters, resources, conditions, mappings, outputs."""
        out: list[str] = []
        for section in ("Parameters", "Resources", "Conditions", "Mappings", "Outputs"):
            node = self.get(self.root, section)
            if isinstance(node, yaml.MappingNode):
                out += [str(k.value) for k, _ in node.value if isinstance(k, yaml.ScalarNode)]
        return frozenset(out)

    def condition(self, logical_id: str) -> str | None:
        """The ``Condition`` of a resource, when it has one written as a plain name."""
        node = self.get(self.resource(logical_id), "Condition")
        if node is None:
            return None
        value = scalar_value(node)
        if not isinstance(value, str):
            raise CannotFix(f"{logical_id}.Condition is not a plain condition name")
        return value

    def unseen_functions(self, seen: Collection[str]) -> list[str]:
        """Function resources (or ``Fn::ForEach`` loops that may make some) that are not in ``seen``."""
        out = []
        for lid in self.resource_ids():
            if lid.startswith("Fn::ForEach") or (lid not in seen and self._function_like(lid)):
                out.append(lid)
        return out

    def _function_like(self, logical_id: str) -> bool:
        node = self.get(self.resource(logical_id), "Type")
        kind = scalar_value(node)
        return kind in ("AWS::Serverless::Function", "AWS::Lambda::Function") or \
            (node is not None and not isinstance(kind, str))  # a type written with an intrinsic: unknown

    def result(self) -> str:
        """The text with every pending edit applied (the tree is not updated: make a new TemplateText)."""
        out = self.text
        for edit in sorted(self._edits, key=lambda e: (e.start, -e.depth, e.seq), reverse=True):
            out = out[:edit.start] + edit.text + out[edit.end:]
        return out

    def replacements(self) -> list[tuple[int, int, str]]:
        """The pending edits as (start offset, end offset, new text) on the original text, in file order."""
        ordered = sorted(self._edits, key=lambda e: (e.start, -e.depth, e.seq))
        merged: list[tuple[int, int, str]] = []
        for e in ordered:  # inserts at one offset become one replacement, in the order result() writes them
            if merged and merged[-1][0] == merged[-1][1] == e.start == e.end:
                merged[-1] = (e.start, e.end, merged[-1][2] + e.text)
            else:
                merged.append((e.start, e.end, e.text))
        return merged

    @property
    def changed(self) -> bool:
        return bool(self._edits)

    # -- internals ----------------------------------------------------------------------------

    def _record(self, start: int, end: int, text: str, depth: int = 0) -> None:
        self._edits.append(_Edit(start, end, text, depth, len(self._edits)))

    @staticmethod
    def _inside(node: Node, parent: Node) -> bool:
        return parent.start_mark.index <= node.start_mark.index <= parent.end_mark.index

    def _check_mapping(self, mapping: Node) -> None:
        if not isinstance(mapping, yaml.MappingNode):
            raise CannotFix("not a mapping")
        if any(isinstance(k, yaml.ScalarNode) and k.value == "<<" for k, _ in mapping.value):
            raise CannotFix("a mapping with a YAML merge key (<<)")

    def _indent_unit(self) -> int:
        root = self.root
        if self.is_json or root.flow_style:
            if root.value and root.value[0][0].start_mark.line > root.start_mark.line:
                return max(1, root.value[0][0].start_mark.column - self._line_indent(root.start_mark.line))
            return 2
        resources = self.get(root, "Resources")
        if isinstance(resources, yaml.MappingNode) and resources.value and not resources.flow_style:
            return max(1, resources.value[0][0].start_mark.column - root.value[0][0].start_mark.column)
        return 2

    def _line_start(self, line: int) -> int:
        pos = 0
        for _ in range(line):
            pos = self.text.index("\n", pos) + 1
        return pos

    def _line_indent(self, line: int) -> int:
        start = self._line_start(line)
        rest = self.text[start:]
        return len(rest) - len(rest.lstrip(" \t"))

    def _replace_scalar(self, node: yaml.ScalarNode, value: Any) -> None:
        if node.tag.startswith("!"):
            raise CannotFix("the value is an intrinsic function")
        if self.is_json or node.style == '"':
            text = json.dumps(value)
        elif node.style == "'" and isinstance(value, str):
            text = "'" + value.replace("'", "''") + "'"
        elif node.style in ("|", ">"):
            raise CannotFix("a block scalar")
        else:
            text = _yaml_scalar(value)
        self._record(node.start_mark.index, node.end_mark.index, text)

    def _add(self, mapping: yaml.MappingNode, key: str, value: Any) -> None:
        self._check_mapping(mapping)
        if mapping.flow_style or self.is_json:
            self._add_flow(mapping, key, value)
        else:
            self._add_block(mapping, key, value)

    def _add_block(self, mapping: yaml.MappingNode, key: str, value: Any) -> None:
        if not mapping.value:
            raise CannotFix("an empty block mapping")
        column = mapping.value[0][0].start_mark.column
        at, lead = self._after_line(_content_end(mapping))
        lines = _yaml_lines(key, value, column, self.unit)
        self._record(at, at, lead + self.newline.join(lines) + self.newline, depth=column)

    def _after_line(self, end: int) -> tuple[int, str]:
        """Where new lines go after content ending at ``end``: the start of the next line (and a newline
        to write first when the file does not end with one)."""
        text = self.text
        if end > 0 and text[end - 1] == "\n":
            return end, ""
        nl = text.find("\n", end)
        return (nl + 1, "") if nl != -1 else (len(text), self.newline)

    def _add_flow(self, mapping: yaml.MappingNode, key: str, value: Any) -> None:
        plain = _json_ready(value)
        if not mapping.value:
            start, end = mapping.start_mark.index, mapping.end_mark.index
            self._record(start, end, "{" + json.dumps(key) + ": " + json.dumps(plain) + "}")
            return
        first_key = mapping.value[0][0]
        last_value = mapping.value[-1][1]
        at = last_value.end_mark.index
        if first_key.start_mark.line > mapping.start_mark.line:  # one key per line
            line_start = self._line_start(first_key.start_mark.line)
            indent = self.text[line_start:line_start + first_key.start_mark.column]
            body = json.dumps(plain, indent=self.unit)
            if self.tab_indent:
                body = re.sub(r"^( +)", lambda m: "\t" * (len(m.group(1)) // self.unit), body, flags=re.M)
            body = body.replace("\n", self.newline + indent)
            self._record(at, at, "," + self.newline + indent + json.dumps(key) + ": " + body,
                         depth=first_key.start_mark.column)
        elif self.is_json:
            self._record(at, at, ", " + json.dumps(key) + ": " + json.dumps(plain),
                         depth=first_key.start_mark.column)
        else:  # a YAML flow mapping on one line: YAML flow, short-form tags
            self._record(at, at, ", " + _yaml_scalar(key) + ": " + _yaml_flow(value),
                         depth=first_key.start_mark.column)


def _content_end(node: Node) -> int:
    """Offset just past the last character of a block node's own content (not the comments after it)."""
    if isinstance(node, yaml.MappingNode) and not node.flow_style and node.value:
        return _content_end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and not node.flow_style and node.value:
        return _content_end(node.value[-1])
    return int(node.end_mark.index)


def _json_ready(value: Any) -> Any:
    if isinstance(value, Tag):
        return value.long_form()
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    return value


_PLAIN = re.compile(r"[A-Za-z0-9_./-][A-Za-z0-9_./:-]*")


def _yaml_scalar(value: Any) -> str:
    if isinstance(value, Tag):
        return f"!{value.name} {value.value}" if _PLAIN.fullmatch(value.value) else \
            f"!{value.name} {json.dumps(value.value)}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and _reads_back_as(text):
        return text
    return json.dumps(text)


def _reads_back_as(text: str) -> bool:
    """Whether ``text`` written plain reads back as that very string (not a number, a date, a boolean)."""
    try:
        return bool(yaml.load(text, Loader=_Loader) == text)
    except (yaml.YAMLError, ValueError):  # an integer past Python's conversion limit is no string either
        return False


def _yaml_flow(value: Any) -> str:
    if isinstance(value, dict) and not isinstance(value, Tag):
        return "{" + ", ".join(f"{_yaml_scalar(k)}: {_yaml_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_yaml_flow(v) for v in value) + "]"
    return _yaml_scalar(value)


def _yaml_lines(key: str, value: Any, column: int, unit: int) -> list[str]:
    pad = " " * column
    if isinstance(value, dict) and value:
        lines = [f"{pad}{key}:"]
        for k, v in value.items():
            lines += _yaml_lines(k, v, column + unit, unit)
        return lines
    if isinstance(value, list) and value:
        lines = [f"{pad}{key}:"]
        for item in value:
            lines += _yaml_item(item, column + unit, unit)
        return lines
    if isinstance(value, dict | list):
        return [f"{pad}{key}: {json.dumps(value)}"]
    return [f"{pad}{key}: {_yaml_scalar(value)}"]


def _yaml_item(item: Any, column: int, unit: int) -> list[str]:
    pad = " " * column
    if isinstance(item, dict) and item:
        inner: list[str] = []
        for k, v in item.items():
            inner += _yaml_lines(k, v, column + 2, unit)
        inner[0] = pad + "- " + inner[0][column + 2:]
        return inner
    return [f"{pad}- {_yaml_scalar(item)}"]
