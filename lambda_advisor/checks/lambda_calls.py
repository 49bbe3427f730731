"""LA301: a function that invokes another function of the same scan directly.

Evidence, each a separate hit at its own line: a role statement that allows
``lambda:InvokeFunction`` on another function (including SAM's
``LambdaInvokePolicy``), an environment variable carrying another function's
name or ARN, and invoke calls the package inspection found in the code.
This is a graph rule: it reads ``Context.functions`` to know the others.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lambda_advisor.checks import Context, Document, Hit

FUNCTION_TYPES = {"AWS::Lambda::Function", "AWS::Serverless::Function"}
_ARN_FUNCTION = re.compile(r":function:([A-Za-z0-9_*?-]+)")
#: A function name read from the environment in code: os.environ["X"], os.getenv("X"), process.env.X.
_ENV_READ = re.compile(r"(?:environ(?:\.get\(|\[)|getenv\(|process\.env(?:\.|\[))\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)")
_INVOKE_ACTIONS = ("lambda:invokefunction", "lambda:invokeasync")


@dataclass
class _Index:
    """The functions of one scan, findable by logical ID (per file), name and ARN."""

    by_logical: dict[tuple[str | None, str], Document] = field(default_factory=dict)
    by_name: dict[str, Document] = field(default_factory=dict)


_cache: tuple[list[Document], _Index] | None = None


def _index(functions: list[Document]) -> _Index:
    global _cache
    if _cache is not None and _cache[0] is functions:
        return _cache[1]
    index = _Index()
    for fn in functions:
        src = fn.get("source") or {}
        if src.get("logical_id"):
            index.by_logical[(src.get("file"), src["logical_id"])] = fn
        # A name that is only the logical ID fallback is no evidence when seen as a literal.
        if fn.get("name") and fn["name"] != src.get("logical_id"):
            index.by_name[fn["name"]] = fn
        arn = src.get("arn")
        if isinstance(arn, str) and (m := _ARN_FUNCTION.search(arn)):
            index.by_name.setdefault(m.group(1), fn)
    _cache = (functions, index)
    return index


def _targets(value: Any, doc: Document, index: _Index) -> list[Document]:
    """Other functions a value names: by reference, by literal name, or by ARN (wildcards allowed)."""
    found: list[Document] = []
    text: Any = value
    if isinstance(value, dict):
        file = doc["source"].get("file")
        for ref in value.get("refs") or []:
            target = index.by_logical.get((file, ref.get("logical_id")))
            if target is not None and (ref.get("type") in FUNCTION_TYPES or ref.get("type") is None):
                found.append(target)
        text = value.get("unresolved")
    if isinstance(text, str):
        patterns = [m.group(1) for m in _ARN_FUNCTION.finditer(text)]
        if not patterns and not isinstance(value, dict) and text in index.by_name:
            found.append(index.by_name[text])
        for pattern in patterns:
            if pattern.strip("*?") == "":
                continue  # any function: a wildcard (LA104), not a call graph edge
            found.extend(fn for name, fn in index.by_name.items() if fnmatch.fnmatchcase(name, pattern))
    unique: dict[str, Document] = {}
    for fn in found:
        if fn["id"] != doc["id"]:
            unique.setdefault(fn["id"], fn)
    return list(unique.values())


def _allows_invoke(statement: dict[str, Any]) -> bool:
    if statement.get("effect") != "Allow":
        return False
    actions = [a.lower() for a in statement.get("actions") or [] if isinstance(a, str)]
    return any(fnmatch.fnmatchcase(wanted, a) for a in actions for wanted in _INVOKE_ACTIONS)


def _identity(fn: Document) -> str:
    """Names a target in a fingerprint: not its id, which holds a path that depends on the cwd."""
    return str((fn.get("source") or {}).get("logical_id") or fn["name"])


def _token(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def lambda_invokes_lambda(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA301: one hit per piece of evidence that this function calls another one directly."""
    index = _index(ctx.functions)
    me = doc["name"]
    role = doc.get("role") or {}
    for i, statement in enumerate(role.get("statements") or []):
        if not _allows_invoke(statement):
            continue
        for target in (t for r in statement.get("resources") or [] for t in _targets(r, doc, index)):
            origin = f" (from {statement['origin']})" if statement.get("origin") else ""
            yield Hit(
                message=(f"{me} may invoke {target['name']} directly: its role allows "
                         f"lambda:InvokeFunction on {target['name']}{origin}"),
                pointer=f"/role/statements/{i}",
                subject=f"role:{_identity(target)}",
                extra={"target": target["id"], "evidence": "role"},
            )
    for name, value in (doc.get("environment") or {}).items():
        for target in _targets(value, doc, index):
            yield Hit(
                message=(f"{me} carries the name or ARN of {target['name']} in environment variable {name}, "
                         f"a sign that it invokes {target['name']} directly"),
                pointer=f"/environment/{_token(name)}",
                subject=f"env:{name}:{_identity(target)}",
                extra={"target": target["id"], "evidence": "environment"},
            )
    inspection = (doc.get("code") or {}).get("inspection") or {}
    seen: dict[str, int] = {}
    for call in inspection.get("invoke_calls") or []:
        path = call.get("path", "?")
        seen[path] = seen.get(path, 0) + 1
        target = call.get("target")
        targets = _targets(target, doc, index) if target else []
        env_name = _ENV_READ.search(target or "")
        if not targets and env_name:  # os.environ["PAYMENT_FUNCTION"]: follow the variable
            targets = _targets((doc.get("environment") or {}).get(env_name.group(1)), doc, index)
        whom = (f"{targets[0]['name']} (via {target})" if targets and targets[0]["name"] != target
                else target or "another function")
        what = f"{call['call']} at " if call.get("call") else ""
        yield Hit(
            message=f"{me} invokes {whom} from its code: {what}{path}:{call.get('line')}",
            pointer="/code",  # the finding sits on CodeUri; the message names the code line
            subject=f"code:{path}#{seen[path]}",
            extra={"path": path, "line": call.get("line"), "evidence": "code"},
        )
