"""A Terraform expression written back as Terraform shows it, for messages (never evaluated)."""

from __future__ import annotations

from typing import Any

from lambda_advisor.sources.terraform import hcl
from lambda_advisor.sources.terraform.values import quote, text_of


def render(e: Any, depth: int = 0) -> str:
    """An expression written back as Terraform would show it (for messages; never evaluated)."""
    if depth > 12:
        return "…"
    d = depth + 1
    if isinstance(e, hcl.Lit):
        v = e.value
        if isinstance(v, str):
            return quote(v)
        return "null" if v is None else text_of(v)
    if isinstance(e, hcl.Var):
        return e.name
    if isinstance(e, hcl.GetAttr):
        return f"{render(e.target, d)}.{e.name}"
    if isinstance(e, hcl.Index):
        return f"{render(e.target, d)}[{render(e.key, d)}]"
    if isinstance(e, hcl.Splat):
        rest = "".join(f".{s}" if k == "attr" else f"[{render(s, d)}]" for k, s in e.rest)
        return f"{render(e.target, d)}[*]{rest}"
    if isinstance(e, hcl.Call):
        return f"{e.name}({', '.join(render(a, d) for a in e.args)}{'...' if e.expand_last else ''})"
    if isinstance(e, hcl.Template):
        return '"' + "".join(p.replace('"', '\\"') if isinstance(p, str) else "${" + render(p, d) + "}"
                             for p in e.parts) + '"'
    if isinstance(e, hcl.Cond):
        return f"{render(e.cond, d)} ? {render(e.then, d)} : {render(e.other, d)}"
    if isinstance(e, hcl.BinOp):
        return f"{render(e.left, d)} {e.op} {render(e.right, d)}"
    if isinstance(e, hcl.UnOp):
        return f"{e.op}{render(e.operand, d)}"
    if isinstance(e, hcl.TupleExpr):
        return "[" + ", ".join(render(i, d) for i in e.items) + "]"
    if isinstance(e, hcl.ObjectExpr):
        return "{" + ", ".join(f"{k if isinstance(k, str) else render(k, d)} = {render(v, d)}"
                               for k, v, _ in e.items) + "}"
    if isinstance(e, hcl.ForExpr):
        return f"[for {e.value_var} in {render(e.collection, d)} : …]"
    return "…"
