"""LA301: a function that invokes another function of the same scan directly.

Evidence, each a separate hit at its own line: a role statement that allows
``lambda:InvokeFunction`` on another function (including SAM's
``LambdaInvokePolicy``), an environment variable carrying another function's
name or ARN, and invoke calls the package inspection found in the code.
This is a graph rule: it reads ``Context.functions`` to know the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.wildcards import wildcard_match

FUNCTION_TYPES = {"AWS::Lambda::Function", "AWS::Serverless::Function"}
_ARN_FUNCTION = re.compile(r":function:([A-Za-z0-9_*?-]+)")
#: A function name read from the environment in code: os.environ["X"], os.getenv("X"), process.env.X.
_ENV_READ = re.compile(r"(?:environ(?:\.get\(|\[)|getenv\(|process\.env(?:\.|\[))\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)")
_INVOKE_ACTIONS = ("lambda:invokefunction", "lambda:invokeasync")
#: What only a CodeDeploy lifecycle hook calls: it reports whether the new version passed.
_HOOK_ACTION = "codedeploy:putlifecycleeventhookexecutionstatus"


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
        if (fn.get("extra") or {}).get("external"):
            continue  # known only from a mapping to it: the function itself is defined elsewhere
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
            found.extend(fn for name, fn in index.by_name.items() if wildcard_match(name, pattern))
    unique: dict[str, Document] = {}
    for fn in found:
        if fn["id"] != doc["id"]:
            unique.setdefault(fn["id"], fn)
    return list(unique.values())


def _allows_invoke(statement: dict[str, Any]) -> bool:
    if statement.get("effect") != "Allow":
        return False
    actions = [a.lower() for a in statement.get("actions") or [] if isinstance(a, str)]
    return any(wildcard_match(wanted, a) for a in actions for wanted in _INVOKE_ACTIONS)


def _hook_targets(doc: Document, functions: list[Document]) -> list[str] | None:
    """The functions ``doc`` tests as a CodeDeploy pre- or post-traffic hook, or None when it is no hook.

    A hook is named in SAM ``DeploymentPreference.Hooks`` of the function it tests, or known by
    what only a hook does: report its verdict with PutLifecycleEventHookExecutionStatus (then
    which function it tests is unknown: an empty list, any function it names).
    """
    file, logical_id = (doc.get("source") or {}).get("file"), (doc.get("source") or {}).get("logical_id")
    tested = [fn["id"] for fn in functions if (fn.get("source") or {}).get("file") == file
              and logical_id in ((fn.get("deployment") or {}).get("hooks") or [])]
    if tested:
        return tested
    for statement in (doc.get("role") or {}).get("statements") or []:
        actions = [a.lower() for a in statement.get("actions") or [] if isinstance(a, str)]
        if statement.get("effect") == "Allow" and any(
                wildcard_match(_HOOK_ACTION, a) for a in actions if a.startswith("codedeploy:")):
            return []
    return None


def _identity(fn: Document) -> str:
    """Names a target in a fingerprint: not its id, which holds a path that depends on the cwd."""
    return str((fn.get("source") or {}).get("logical_id") or fn["name"])


def _token(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


@dataclass
class _Pair:
    """Everything that says this function calls one other function (or an unknown one)."""

    target: Document | None
    pointer: str
    name: str | None = None  # how the code names a callee that is not in the scan
    evidence: list[str] = field(default_factory=list)
    aliases: list[str] = field(default_factory=list)  # the per-evidence subjects of earlier versions
    code: bool = False
    role: bool = False
    denied: bool = False  # the code calls, but the completely known role may not


def _destinations(doc: Document, index: _Index) -> set[str]:
    """IDs of the functions this one sends its asynchronous results to (OnSuccess/OnFailure)."""
    invoke = doc.get("event_invoke")
    if not isinstance(invoke, dict):
        return set()
    return {t["id"] for key in ("on_success", "on_failure") if invoke.get(key)
            for t in _targets(invoke[key], doc, index)}


def _invoke_grants_known(role: dict[str, Any]) -> bool:
    """Every statement that could grant lambda:InvokeFunction was read. A role is that even when
    some SAM policy templates were not read: of SAM's policy templates only LambdaInvokePolicy
    grants it, and that one is always read."""
    if role.get("complete") is True:
        return True
    unread = role.get("unread") or []
    return bool(unread) and all(isinstance(u, str) and u.startswith("SAM ") for u in unread)


def _role_key(fn: Document) -> str | None:
    """Which role a function runs with: the role resource of its template, else the role's ARN."""
    role = fn.get("role") or {}
    if isinstance(role.get("logical_id"), str):
        return f"{(fn.get('source') or {}).get('file')}#{role['logical_id']}"
    return role["arn"] if isinstance(role.get("arn"), str) else None


def _named_by_a_role_mate(doc: Document, target: Document, functions: list[Document], index: _Index) -> bool:
    """Another function on the same role carries ``target``'s name in its environment or calls it in
    its code: the role's grant is that function's, not evidence that ``doc`` calls ``target``."""
    key = _role_key(doc)
    if key is None:
        return False
    for fn in functions:
        if fn["id"] in (doc["id"], target["id"]) or _role_key(fn) != key:
            continue
        values = list((fn.get("environment") or {}).values())
        values += [c.get("target") for c in ((fn.get("code") or {}).get("inspection") or {}).get("invoke_calls") or []]
        if any(target["id"] == t["id"] for v in values if v for t in _targets(v, fn, index)):
            return True
    return False


def _may_invoke(statements: list[dict[str, Any]], target: Document | None, doc: Document, index: _Index) -> bool:
    """Could a statement of the role invoke ``target`` (any function when None)?"""
    for st in statements:
        if not _allows_invoke(st):
            continue
        for resource in st.get("resources") or []:
            named = _targets(resource, doc, index)
            if named:
                if target is None or any(t["id"] == target["id"] for t in named):
                    return True
                continue
            if isinstance(resource, str):
                if target is None or resource == "*" or (("*" in resource or "?" in resource) \
                        and ":function:" in resource):
                    return True
            elif not _names_other_resources(resource):
                return True  # an expression we cannot read may cover it
    return False


def _names_other_resources(value: Any) -> bool:
    """An unresolved value that only refers to resources that are not functions (a table, a queue)."""
    refs = value.get("refs") or [] if isinstance(value, dict) else []
    return bool(refs) and all(r.get("type") not in FUNCTION_TYPES and r.get("type") not in (None, "Parameter")
                              for r in refs)


def caller_may_invoke(caller: Document, target: Document, ctx: Context) -> bool:
    """Could ``caller``'s role invoke ``target`` (True too when the role is not completely known)?"""
    role = caller.get("role") or {}
    if not _invoke_grants_known(role):
        return True
    statements = [st for st in role.get("statements") or [] if _allows_invoke(st)]
    return _may_invoke(statements, target, caller, _index(ctx.functions))


def lambda_invokes_lambda(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA301: one hit per function this one calls directly, with every piece of evidence for it.

    Silent for a durable caller (its ``context.invoke()`` suspends the caller without billing:
    the feature, not the pitfall) and a durable callee (invoking it starts a durable execution,
    as a Step Functions ``StartExecution`` would). Silent for a tenant-isolated callee: only a direct
    invoke can carry the tenant ID (event source mappings cannot), so a router function calling it
    is AWS's pattern. An asynchronous destination is the decoupled pattern, not a
    call. A name in the environment counts only when the role could make the call (or is not
    completely known): it may be there for something else, a schedule's target. A grant alone, on a
    role another function shares and whose environment or code names the callee, is that
    function's. A call in the code always counts, and says so when the role would refuse it.
    """
    if isinstance(doc.get("durable"), dict):
        return
    index = _index(ctx.functions)
    role = doc.get("role") or {}
    statements = [st for st in role.get("statements") or [] if _allows_invoke(st)]
    destinations = _destinations(doc, index)
    role_known = _invoke_grants_known(role)
    pairs: dict[str, _Pair] = {}

    def pair(target: Document | None, pointer: str, name: str | None = None) -> _Pair:
        """The evidence of one caller->callee pair; a callee outside the scan is known by its name."""
        key = target["id"] if target is not None else f"?{name or ''}"
        if key not in pairs:
            pairs[key] = _Pair(target=target, pointer=pointer, name=name)
        return pairs[key]

    for i, statement in enumerate(role.get("statements") or []):
        if not _allows_invoke(statement):
            continue
        for target in (t for r in statement.get("resources") or [] for t in _targets(r, doc, index)):
            if target["id"] in destinations:
                continue  # Lambda delivering an async result (a destination), not this function's code
            p = pair(target, f"/role/statements/{i}")
            origin = f" (from {statement['origin']})" if statement.get("origin") else ""
            p.evidence.append(f"its role allows lambda:InvokeFunction on it{origin}")
            p.aliases.append(f"role:{_identity(target)}")
            p.role = True
    for name, value in (doc.get("environment") or {}).items():
        for target in _targets(value, doc, index):
            if role_known and not _may_invoke(statements, target, doc, index):
                continue  # the role cannot invoke it: the name is for something else (a schedule target …)
            p = pair(target, f"/environment/{_token(name)}")
            p.evidence.append(f"environment variable {name} carries its name or ARN")
            p.aliases.append(f"env:{name}:{_identity(target)}")
    inspection = (doc.get("code") or {}).get("inspection") or {}
    seen: dict[str, int] = {}
    for call in inspection.get("invoke_calls") or []:
        path = call.get("path", "?")
        seen[path] = seen.get(path, 0) + 1
        target_text = call.get("target")
        targets = _targets(target_text, doc, index) if target_text else []
        env_name = _ENV_READ.search(target_text or "")
        if not targets and env_name:  # os.environ["PAYMENT_FUNCTION"]: follow the variable
            targets = _targets((doc.get("environment") or {}).get(env_name.group(1)), doc, index)
        callee = targets[0] if targets else None
        p = pair(callee, "/code", target_text)  # the finding sits on CodeUri; the message names the code line
        via = f" via {target_text}" if callee is not None and target_text and target_text != callee["name"] else ""
        what = f"{call['call']} at " if call.get("call") else ""
        p.evidence.append(f"its code calls it{via}: {what}{path}:{call.get('line')}")
        p.aliases.append(f"code:{path}#{seen[path]}")
        p.code = True
        p.denied = role_known and not _may_invoke(statements, callee, doc, index)
    known = [p for p in pairs.values() if p.target is not None]
    if len(known) == 1:  # one callee known: a call whose target the code hides (a variable) is to it
        for key in [k for k, p in pairs.items() if p.target is None]:
            unknown = pairs.pop(key)
            known[0].evidence += [e.replace("its code calls it:", f"its code calls it ({unknown.name}):")
                                  if unknown.name else e for e in unknown.evidence]
            known[0].aliases += unknown.aliases
            known[0].code = True
            known[0].denied = known[0].denied or unknown.denied
    for key in [k for k, p in pairs.items() if p.role and all(e.startswith("its role") for e in p.evidence)]:
        granted = pairs[key].target
        if granted is not None and _named_by_a_role_mate(doc, granted, ctx.functions, index):
            del pairs[key]  # a role shared with the function that calls it: one grant, that function's call
    tests = _hook_targets(doc, ctx.functions)
    for p in pairs.values():
        if tests is not None and (not tests or p.target is None or p.target["id"] in tests):
            continue  # a CodeDeploy hook invokes the new version it tests: that is its job
        if p.target is not None and isinstance(p.target.get("durable"), dict):
            continue  # invoking a durable function starts a durable execution: the workflow this rule asks for
        if p.target is not None and isinstance(p.target.get("tenant_isolation"), str):
            continue  # tenant isolation: only an invoke with a tenant ID reaches it, a router must call it
        whom = p.target["name"] if p.target is not None else \
            (f"another function ({p.name})" if p.name else "another function")
        verb = "invokes" if p.code else "may invoke"
        if p.denied:
            p.evidence.append("its role does not allow lambda:InvokeFunction on it, so the call fails "
                              "with AccessDeniedException")
        yield Hit(
            message=f"{doc['name']} {verb} {whom} directly: " + "; ".join(dict.fromkeys(p.evidence)),
            pointer=p.pointer,
            subject=f"call:{_identity(p.target)}" if p.target is not None else f"call:?{p.name or ''}",
            aliases=p.aliases,
            extra={"target": p.target["id"] if p.target is not None else None, "evidence": len(p.evidence)},
        )
