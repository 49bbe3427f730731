"""Read CloudFormation YAML and JSON with the line each key and item was written on.

PyYAML's C loader does the parsing (fast); mappings become :class:`LineDict`
and sequences :class:`LineList`, which remember lines. Short-form tags
(``!Ref``, ``!GetAtt``, ``!Sub`` …) become their long ``Fn::`` forms, and
timestamps stay strings (``2010-09-09`` is a version, not a date).

Budgets, not luck: a duplicate key is an error at its line. Configuration and
rule files are refused; a template collects its duplicates (rule LA001 reports
each) and the last value wins, as the SAM CLI deploys it, so one slip does not
hide every other function of the file; nesting is capped at
:data:`MAX_DEPTH`; aliases may add at most :data:`MAX_ALIAS_NODES` nodes to the
document (no billion laughs); integers too long to convert and ``.inf``/``.nan``
stay the text they were written as, so nothing downstream computes with them.
"""

from __future__ import annotations

import gc
import math
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]


class LineDict(dict):  # type: ignore[type-arg,unused-ignore]
    """A mapping that knows its own line and the line of each key."""

    __slots__ = ("key_lines", "line")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = 0
        self.key_lines: dict[Any, int] = {}

    def line_of(self, key: Any) -> int:
        return self.key_lines.get(key, self.line)


class LineList(list):  # type: ignore[type-arg,unused-ignore]
    """A sequence that knows its own line and the line of each item."""

    __slots__ = ("item_lines", "line")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line = 0
        self.item_lines: list[int] = []

    def line_of(self, index: int) -> int:
        return self.item_lines[index] if 0 <= index < len(self.item_lines) else self.line


class TemplateSyntaxError(Exception):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


#: Deeper than any real template (and far below Python's recursion limit).
MAX_DEPTH = 100
#: Nodes that aliases may add to a document beyond the ones written out.
MAX_ALIAS_NODES = 100_000
#: Digits an integer may have; longer ones stay text (Python refuses to convert past 4,300).
MAX_INT_DIGITS = 100
_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"


class _Loader(_BaseLoader):
    depth = 0
    #: ``None``: a duplicate key is an error; a list: each duplicate is recorded there, the last value wins.
    duplicates: list[tuple[str, int, int]] | None = None


class _PlainLoader(_Loader):
    """Configuration and rule files: the same budgets, no CloudFormation tags."""


def _enter(loader: _Loader, node: yaml.Node) -> None:
    loader.depth += 1
    if loader.depth > MAX_DEPTH:
        raise TemplateSyntaxError(f"nested more than {MAX_DEPTH} levels deep", node.start_mark.line + 1)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
    _enter(loader, node)
    explicit = sum(1 for k, _ in node.value if k.tag != _MERGE_TAG)
    if explicit != len(node.value):
        loader.flatten_mapping(node)
    merged = len(node.value) - explicit  # pairs from `<<` merges come first and may be overridden
    out = LineDict()
    out.line = node.start_mark.line + 1
    for i, (key_node, value_node) in enumerate(node.value):
        line = key_node.start_mark.line + 1
        if type(key_node) is yaml.ScalarNode and not key_node.tag.startswith("!"):
            key = key_node.value  # keys are names: `123:` is the logical ID "123", as CloudFormation reads it
        else:
            key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise TemplateSyntaxError(f"a mapping key must be a plain value, not a {kind_of(key)}", line)
        if i >= merged and key in out and out.key_lines.get(key, 0) > 0:
            if loader.duplicates is None:
                raise TemplateSyntaxError(f"duplicate key {_short(key)} (first on line {out.key_lines[key]})", line)
            loader.duplicates.append((key if len(key) <= 60 else key[:57] + "...", line, out.key_lines[key]))
        out[key] = _value(loader, value_node)
        out.key_lines[key] = line if i >= merged else -line  # negative: from a merge, may be overridden
    if merged:
        for key, line in out.key_lines.items():
            out.key_lines[key] = abs(line)
    loader.depth -= 1
    return out


def _value(loader: _Loader, node: yaml.Node) -> Any:
    """A node's value; plain strings (most of a template) without the constructor's round trip."""
    if type(node) is yaml.ScalarNode and node.tag == _STR_TAG:
        return node.value
    return loader.construct_object(node, deep=True)


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    _enter(loader, node)
    out = LineList(_value(loader, child) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    loader.depth -= 1
    return out


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int | str:
    text = str(loader.construct_scalar(node))
    if sum(c.isalnum() for c in text) > MAX_INT_DIGITS:
        return text
    try:
        return int(loader.construct_yaml_int(node))
    except ValueError:
        return text


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float | str:
    value = loader.construct_yaml_float(node)
    return value if math.isfinite(value) else str(loader.construct_scalar(node))


def kind_of(value: Any) -> str:
    """``mapping``, ``list``, ``number`` …: what a value is, in a template author's words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "mapping" if isinstance(value, dict) else "list" if isinstance(value, list) else "text"


def _short(key: Any) -> str:
    text = str(key)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def _construct_tag(loader: _Loader, suffix: str, node: yaml.Node) -> LineDict:
    """``!GetAtt A.B`` → ``{"Fn::GetAtt": ["A", "B"]}``; ``!Ref X`` → ``{"Ref": "X"}``."""
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt" and isinstance(value, str):
            value = LineList(value.split(".", 1))
            value.line = node.start_mark.line + 1
            value.item_lines = [value.line] * len(value)
    elif isinstance(node, yaml.SequenceNode):
        value = _construct_sequence(loader, node)
    else:
        value = _construct_mapping(loader, node)  # type: ignore[arg-type]
    key = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    out = LineDict({key: value})
    out.line = node.start_mark.line + 1
    out.key_lines[key] = out.line
    return out


def _construct_timestamp(loader: _Loader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_multi_constructor("!", _construct_tag)
_PlainLoader.yaml_multi_constructors = {}


def _check_aliases(root: yaml.Node) -> None:
    """Refuse documents whose aliases expand to more than MAX_ALIAS_NODES extra nodes, or refer to themselves."""
    sizes: dict[int, int] = {}
    written = 0
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    on_path: set[int] = set()
    while stack:
        node, done = stack.pop()
        key = id(node)
        children = _children(node)
        if done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] - written > MAX_ALIAS_NODES:
                raise TemplateSyntaxError(f"aliases expand the document by more than {MAX_ALIAS_NODES} nodes "
                                          "(an alias bomb?)", node.start_mark.line + 1)
            continue
        if key in sizes:
            continue  # an alias of a node already measured
        if key in on_path:
            raise TemplateSyntaxError("an alias refers to the node that contains it", node.start_mark.line + 1)
        on_path.add(key)
        written += 1
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _compose(text: str, loader_class: type[_Loader], duplicates: list[tuple[str, int, int]] | None) -> Any:
    """Parse and build, with the cyclic garbage collector paused: building allocates only live
    objects, and a collector pass over every node built so far made a 2 MB template cost 10x."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _compose_now(text, loader_class, duplicates)
    finally:
        if enabled:
            gc.enable()


def _compose_now(text: str, loader_class: type[_Loader], duplicates: list[tuple[str, int, int]] | None) -> Any:
    loader = loader_class(text)
    loader.duplicates = duplicates
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "&" in text:
            _check_aliases(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def loads(text: str, *, is_json: bool = False, plain: bool = False,
          duplicates: list[tuple[str, int, int]] | None = None) -> Any:
    """Parse a template. JSON goes through the same YAML parser so it gets lines too.

    Raw tabs are never valid inside JSON strings, so turning them into spaces
    only changes indentation, which YAML would otherwise reject. ``plain`` reads
    configuration and rule files: the same budgets, no CloudFormation tags.
    ``duplicates``, when given, collects each duplicate key as (key, line, first
    line) and lets the last value win instead of refusing the document.
    """
    if is_json:
        text = text.replace("\t", " ")
    try:
        return _compose(text, _PlainLoader if plain else _Loader, duplicates)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = exc.problem or str(exc)
        if exc.context:
            problem = f"{exc.context}: {problem}"
        raise TemplateSyntaxError(problem, line) from exc
    except yaml.YAMLError as exc:
        # The reader's errors (control characters) give a character offset: turn it into a line.
        position = getattr(exc, "position", None)
        line = text.count("\n", 0, position) + 1 if isinstance(position, int) else None
        problem = getattr(exc, "reason", None) or str(exc).split("\n", 1)[0]
        character = getattr(exc, "character", None)
        if isinstance(character, str):
            problem = f"{problem} (character U+{ord(character):04X})"
        elif isinstance(character, int):
            problem = f"{problem} (character U+{character:04X})"
        raise TemplateSyntaxError(problem, line) from exc
    except RecursionError as exc:
        raise TemplateSyntaxError(f"nested more than {MAX_DEPTH} levels deep", None) from exc
