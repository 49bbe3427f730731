"""LA501: move a deprecated runtime to a successor the function's visible code can run on.

The lifecycle table names the newest runtime of the language as successor, but
a jump is only mechanical when the code survives it. Callback-style Node.js
handlers (``(event, context, callback)``) are not supported from ``nodejs24.x`` on
(Lambda Developer Guide, "Define Lambda function handler in Node.js"; the runtime
team's announcement in aws-lambda-nodejs-runtime-interface-client#137), so such a
handler moves to the newest runtime that still runs it and is not deprecated, or
gets no fix. Python 2 code that does not parse as Python 3 gets no fix. When no
code is visible (a package in S3, an image) the fix says the jump needs testing.
"""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

from lambda_advisor.checks.runtimes import lifecycle, runtime_phase
from lambda_advisor.fixes import Document, FixContext
from lambda_advisor.fixes.edit import CannotFix
from lambda_advisor.sources.package import handler_stems

#: Runtime families that are one language under two names.
_SAME_LANGUAGE = {"dotnetcore": "dotnet"}
#: The first Node.js runtime without callback-style handlers.
NODE_WITHOUT_CALLBACKS = 24
#: Largest handler module read to judge the jump.
_MAX_SOURCE = 1_000_000


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
    old = ctx.doc.get("runtime")
    warn_days = int(ctx.params.get("warn_days", 180))
    choice = choose(ctx.doc, ctx.today, warn_days)
    if choice is None:
        return None
    new, why = choice

    def same(doc: Document) -> str | None:
        try:
            other = choose(doc, ctx.today, warn_days)
        except CannotFix:
            return None
        return other[0] if other else None

    where = ctx.set_function_value("Runtime", new, "/runtime", same_fix=same)
    return f"{where}: {old} → {new} ({why})"


def choose(doc: Document, today: date, warn_days: int = 180) -> tuple[str, str] | None:
    """(runtime, why) for the function's code, or None when the announced successor is another language.

    Raises :class:`CannotFix` when the visible code cannot run on any live successor.
    """
    old = doc.get("runtime")
    new = successor(old)
    if new is None:
        return None
    source = handler_source(doc)
    if source is None:
        return new, f"no code is visible: test the function on {new} before deploying"
    path, text = source
    if language(new) == "nodejs" and _node_major(new) >= NODE_WITHOUT_CALLBACKS and _callback_handler(doc, text):
        older = _newest_node_with_callbacks(today)
        if older is None or runtime_phase(older, today, warn_days) is not None:
            raise CannotFix(f"the handler in {path} takes a callback, which {new} no longer supports, and every "
                            "Node.js runtime that does is deprecated or soon will be: make the handler async, "
                            f"then move to {new}")
        return older, f"the handler in {path} takes a callback, which {new} no longer supports"
    if str(old).startswith("python2"):
        try:
            ast.parse(text)
        except SyntaxError as exc:
            raise CannotFix(f"{path} is Python 2 code (line {exc.lineno} does not parse as Python 3): "
                            f"port it before moving to {new}") from None
        return new, f"{path} parses as Python 3; test string and division semantics"
    return new, f"the handler module {path} was read"


def handler_source(doc: Document) -> tuple[str, str] | None:
    """(shown path, text) of the handler's module: inline code, or the file in a local package folder."""
    inline = (doc.get("extra") or {}).get("inline_code")
    if isinstance(inline, dict) and isinstance(inline.get("text"), str):
        return "the inline code", inline["text"]
    code = doc.get("code") or {}
    folder = code.get("local_path")
    if not code.get("inspection") or not isinstance(folder, str):
        return None  # only a package the scan itself read (inside the scanned roots)
    base = Path(folder)
    if not base.is_dir() or base.is_symlink():
        return None
    suffixes = (".py",) if language(str(doc.get("runtime"))) == "python" else (".js", ".mjs", ".cjs", ".ts")
    for stem in sorted(handler_stems(doc.get("handler"))):
        for suffix in suffixes:
            candidate = base / f"{stem}{suffix}"
            try:
                if candidate.is_file() and not candidate.is_symlink() and candidate.stat().st_size <= _MAX_SOURCE:
                    return f"{stem}{suffix}", candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                return None
    return None


def _node_major(runtime: str) -> int:
    match = re.match(r"nodejs(\d+)", runtime)
    return int(match.group(1)) if match else 0


def _callback_handler(doc: Document, text: str) -> bool:
    """Whether the exported handler function is declared with a third (callback) parameter."""
    name = str(doc.get("handler") or "").rpartition(".")[2]
    if not re.fullmatch(r"[A-Za-z_$][\w$]*", name):
        return False
    three = r"\(\s*[\w$]+\s*,\s*[\w$]+\s*,\s*[\w$]+\s*\)"
    patterns = [
        rf"(?:exports|module\.exports)\.{re.escape(name)}\s*=\s*(?:async\s+)?(?:function\s*[\w$]*\s*)?{three}",
        rf"function\s+{re.escape(name)}\s*{three}",
        rf"(?:const|let|var)\s+{re.escape(name)}\s*=\s*(?:async\s+)?(?:function\s*[\w$]*\s*)?{three}",
    ]
    return any(re.search(p, text) for p in patterns)


def _newest_node_with_callbacks(today: date) -> str | None:
    table = lifecycle()
    live = [r for r, facts in table.items() if language(r) == "nodejs" and 0 < _node_major(r) < NODE_WITHOUT_CALLBACKS
            and str((facts or {}).get("deprecated") or "9999") > today.isoformat()]
    return max(live, key=_node_major) if live else None
