"""LA501: move a deprecated runtime to its successor, when the successor is the same language."""

from __future__ import annotations

import re

from lambda_advisor.checks.runtimes import lifecycle
from lambda_advisor.fixes import Document, FixContext

#: Runtime families that are one language under two names.
_SAME_LANGUAGE = {"dotnetcore": "dotnet"}


def language(runtime: str) -> str:
    """``python3.9`` → ``python``, ``nodejs18.x`` → ``nodejs``, ``dotnetcore3.1`` → ``dotnet``."""
    match = re.match(r"[a-z]+", runtime)
    family = match.group(0) if match else runtime
    return _SAME_LANGUAGE.get(family, family)


def successor(runtime: object) -> str | None:
    """The announced successor of the same language (``go1.x`` → ``provided.al2023`` is not one)."""
    if not isinstance(runtime, str):
        return None
    nxt = (lifecycle().get(runtime) or {}).get("successor")
    if not isinstance(nxt, str) or language(nxt) != language(runtime):
        return None
    return nxt


def move_to_successor(ctx: FixContext) -> str | None:
    """Write the successor where the runtime is set: the function, or Globals when every sharer moves too."""
    new = successor(ctx.doc.get("runtime"))
    if new is None:
        return None
    where = ctx.set_function_value("Runtime", new, "/runtime", same_fix=_successor_of)
    return f"{where}: {ctx.doc.get('runtime')} → {new}"


def _successor_of(doc: Document) -> str | None:
    return successor(doc.get("runtime"))
