"""LA304 and LA509: what the function's code does, from ``code.inspection``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.packaging import layer_pointer

FRAMEWORK_NAMES = {
    "express": "Express", "koa": "Koa", "fastify": "Fastify", "nestjs": "NestJS", "hapi": "hapi",
    "flask": "Flask", "fastapi": "FastAPI", "django": "Django", "starlette": "Starlette",
    "spring-boot": "Spring Boot",
}


def _site(s: dict[str, Any]) -> str:
    where = f"{s['path']}:{s['line']}" if s.get("line") else s["path"]
    return f"{where} in layer {s['layer']}" if s.get("layer") else where


def web_frameworks(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA304: one hit per web framework packed into the function (or its layers)."""
    if doc.get("kind") == "web":
        return  # a Web Function is a web server by design
    sites = ((doc.get("code") or {}).get("inspection") or {}).get("frameworks") or []
    frameworks: dict[str, dict[str, Any]] = {}
    adapters: dict[str, dict[str, Any]] = {}
    for s in sites:
        name = s.get("name") or ""
        # Prefer the user's own code (with a line) over a packaged dependency.
        bucket = frameworks if name in FRAMEWORK_NAMES else adapters
        if name not in bucket or (not bucket[name].get("line") and s.get("line")):
            bucket[name] = s
    via = ""
    if adapters:
        via = " behind " + ", ".join(f"{name} ({_site(s)})" for name, s in sorted(adapters.items()))
    if not frameworks and adapters:
        name, s = sorted(adapters.items())[0]
        yield Hit(message=f"{doc['name']} serves a web application through {name} ({_site(s)})",
                  pointer=layer_pointer(doc, s.get("layer")), subject=f"framework:{name}")
        return
    for name, s in sorted(frameworks.items()):
        yield Hit(message=f"{doc['name']} packs the {FRAMEWORK_NAMES[name]} web framework ({_site(s)}){via}",
                  pointer=layer_pointer(doc, s.get("layer")), subject=f"framework:{name}")


def clients_in_handler(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA509: SDK clients or database connections created inside the handler."""
    if doc.get("kind") == "web":
        return  # a Web Function runs a server process, not a handler per event
    sources = doc.get("event_sources") or []
    if sources and all(s.get("type") == "cloudformation" for s in sources):
        return  # a custom resource runs on stack operations only: no warm execution environment to reuse
    sites = ((doc.get("code") or {}).get("inspection") or {}).get("handler_clients") or []
    for s in sites:
        yield Hit(message=f"{doc['name']} creates {s.get('call') or 'a client'} inside its handler "
                          f"{s.get('name') or ''}() at {_site(s)}; every invocation pays for a new client or "
                          "connection",
                  pointer="/code", subject=f"{s['path']}:{s.get('name')}:{s.get('call')}")
