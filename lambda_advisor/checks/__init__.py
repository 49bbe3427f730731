"""Python checks that rules name with ``check: module.function``.

A check receives one function document and a :class:`Context`, and yields
:class:`Hit`s. It knows nothing about where the document came from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

Document = dict[str, Any]


@dataclass
class Hit:
    """One problem a check found in one function.

    ``pointer`` is a JSON pointer into the document (its line becomes the
    finding's line); ``subject`` identifies the problem for the fingerprint
    (defaults to the pointer), so it must not contain line numbers.
    """

    message: str
    pointer: str | None = None
    subject: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: Overrides the rule's severity for this hit (e.g. a runtime past its update-block date).
    severity: str | None = None
    #: Identity of a fact written once for several functions (a shared policy statement): hits of
    #: one rule with the same group in one file become one finding naming every function. No line
    #: numbers. Values inherited from SAM Globals are grouped by the engine without it.
    group: str | None = None
    #: Subjects the same problem was reported under before (old baselines keep matching it).
    aliases: list[str] = field(default_factory=list)


@dataclass
class Context:
    """What a check may know beyond its function: parameters, today, the other functions."""

    params: dict[str, Any]
    today: date
    functions: list[Document] = field(default_factory=list)
    #: IDs of the rules this run evaluates: a check whose fact another rule already states defers to it.
    rules: frozenset[str] = frozenset()


Check = Callable[[Document, Context], Iterable[Hit]]


def iter_values(value: Any) -> Iterator[Any]:
    """Walk nested lists and dicts, yielding leaves and dicts alike."""
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from iter_values(v)
    elif isinstance(value, list):
        for v in value:
            yield from iter_values(v)
