"""Imports flow one way: the stages a run calls never import the run back.

Every import counts, the lazy ones inside functions too (they are how a cycle
hides): the module graph of ``lambda_advisor`` restricted to the run's stages must
have no cycle, and the lower modules must not reach the upper ones.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "lambda_advisor"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    """module -> the lambda_advisor modules it imports anywhere in its body (``from x import y`` counts x.y
    when x.y is a module, else x)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom):  # the project writes absolute imports only
                base = node.module or ""
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    deps.add(full if full in modules else base)
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def reaches(graph: dict[str, set[str]], start: str, target: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        node = todo.pop()
        for dep in graph.get(node, ()):
            if dep == target:
                return True
            if dep not in seen:
                seen.add(dep)
                todo.append(dep)
    return False


def test_the_graph_sees_lazy_imports() -> None:
    graph = import_graph()
    assert "lambda_advisor.fixes.apply" in graph["lambda_advisor.pipeline"]  # imported inside a function
    assert "lambda_advisor.audit" in graph["lambda_advisor.pipeline"]


def test_fix_stage_and_audit_never_import_the_pipeline() -> None:
    graph = import_graph()
    stages = [m for m in graph if m.startswith("lambda_advisor.fixes")] + [
        "lambda_advisor.audit", "lambda_advisor.scanning"]
    for module in stages:
        assert not reaches(graph, module, "lambda_advisor.pipeline"), f"{module} imports the pipeline back"
    assert not reaches(graph, "lambda_advisor.scanning", "lambda_advisor.fixes.apply")
    assert not reaches(graph, "lambda_advisor.scanning", "lambda_advisor.audit")


def test_no_cycle_among_the_run_stages() -> None:
    graph = import_graph()
    stages = {"lambda_advisor.pipeline", "lambda_advisor.scanning", "lambda_advisor.audit",
              *(m for m in graph if m.startswith("lambda_advisor.fixes"))}
    for module in sorted(stages):
        for dep in graph[module] & stages:
            assert not reaches(graph, dep, module), f"cycle: {module} -> {dep} -> … -> {module}"
