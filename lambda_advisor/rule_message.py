"""A user rule's ``message``: named placeholders filled with plain values, never a format string.

``str.format`` over live objects lets a message walk attributes and indexes
(``{doc[name].__class__.__init__.__globals__}``) to anything in the process, the CI
environment included, and a format spec such as ``{doc[name]:>999999999}`` allocates
without bound. A rule file comes from the repository under review, so its message is
checked when it is loaded and filled here by plain lookups into the function document.
"""

from __future__ import annotations

import re
import string
from collections.abc import Collection, Iterator
from typing import Any

#: ``doc[key]`` with optional deeper ``[key]`` or ``[index]`` steps, or ``params[name]``.
_FIELD = re.compile(r"(?P<head>doc|params)(?P<steps>(?:\[[A-Za-z0-9_-]{1,100}\]){1,8})")
_STEP = re.compile(r"\[([A-Za-z0-9_-]+)\]")

_PLAIN = (str, int, float, bool, type(None))


class MessageError(ValueError):
    """A placeholder a message may not use; the text names it and says what is allowed."""


def check_message(message: str, document_keys: Collection[str], params: Collection[str]) -> None:
    """Refuse a message whose placeholders are anything but ``{doc[key]…}`` or ``{params[name]}``."""
    for head, keys in _placeholders(message):
        if head == "doc" and keys[0] not in document_keys:
            raise MessageError(f"{{{head}{_brackets(keys)}}}: the function document has no key '{keys[0]}' "
                               f"(known: {', '.join(sorted(document_keys))})")
        if head == "params" and (len(keys) != 1 or keys[0] not in params):
            if len(keys) != 1:
                raise MessageError(f"{{{head}{_brackets(keys)}}}: a parameter is named by one key, "
                                   "as in {params[name]}")
            raise MessageError(f"{{params[{keys[0]}]}}: the rule has no parameter '{keys[0]}'")


def render_message(message: str, doc: Any, params: Any) -> str | None:
    """The message with each placeholder filled, or None when one names no plain value.

    Lookups only index mappings by key and lists by position; a missing key reads as
    ``None``; a value that is not a string, number, boolean or list of them (a mapping, a
    list of mappings) leaves the message unrenderable, and the caller uses the rule title.
    """
    out: list[str] = []
    for literal, field_name, _, _ in string.Formatter().parse(message):
        out.append(literal)
        if field_name is None:
            continue
        head, keys = _parse_field(field_name)
        value = _lookup(doc if head == "doc" else params, keys)
        if isinstance(value, list) and all(isinstance(v, _PLAIN) for v in value):
            out.append(", ".join(str(v) for v in value))
        elif isinstance(value, _PLAIN):
            out.append(str(value))
        else:
            return None
    return "".join(out)


def _placeholders(message: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    try:
        parsed = list(string.Formatter().parse(message))
    except ValueError as exc:
        raise MessageError(str(exc)) from exc
    for _, field_name, spec, conversion in parsed:
        if field_name is None:
            continue
        shown = "{" + field_name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
        if conversion:
            raise MessageError(f"{shown}: conversions (!{conversion}) are not allowed; "
                               "name the value alone, as in {doc[name]}")
        if spec:
            raise MessageError(f"{shown}: format specs and nested fields are not allowed; "
                               "name the value alone, as in {doc[name]}")
        yield _parse_field(field_name)


def _parse_field(field_name: str) -> tuple[str, tuple[str, ...]]:
    found = _FIELD.fullmatch(field_name)
    if found is None:
        raise MessageError(f"{{{field_name}}}: only {{doc[key]}} (optionally deeper, as in "
                           "{doc[vpc][availability_zones][0]}) and {params[name]} can be named; "
                           "no attribute access, calls or other names")
    return found["head"], tuple(_STEP.findall(found["steps"]))


def _lookup(node: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    return node


def _brackets(keys: tuple[str, ...]) -> str:
    return "".join(f"[{k}]" for k in keys)
