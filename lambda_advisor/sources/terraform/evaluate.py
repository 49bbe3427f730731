"""Evaluate a Terraform module's expressions: known where Terraform would know before apply.

One :class:`ModuleEval` per module instance (the root, and each ``module`` call with its
arguments). Values are computed lazily and memoised: ``local.x``, ``var.x``, a resource's
arguments, a module's outputs. What only ``apply`` knows (``aws_sqs_queue.jobs.arn``) is an
:class:`~.values.Attr`, which the translation turns into a CloudFormation ``Fn::GetAtt`` so the
template reader links it; a variable with no value is a :class:`~.values.VarRef`, like a parameter
with no default. Cycles, depth and errors in an expression make that value unknown, never a crash
and never a guess.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lambda_advisor.sources.terraform import hcl
from lambda_advisor.sources.terraform.functions import FUNCTIONS, FunctionError
from lambda_advisor.sources.terraform.references import Instances, ReferenceParts
from lambda_advisor.sources.terraform.render import render
from lambda_advisor.sources.terraform.values import (
    EvalError,
    InstanceRef,
    JsonText,
    Partial,
    Unknown,
    decode_partial,
    equal,
    is_known,
    key_text,
    num_key,
    number,
    pairs,
    refs_of,
    text_of,
)
from lambda_advisor.sources.yaml_loader import LineDict, LineList

if TYPE_CHECKING:
    from lambda_advisor.sources.terraform.project import ModuleDef, Project


#: How deep expressions, locals and module calls may nest before a value is given up as unknown.
MAX_DEPTH = 60
#: Instances one ``count`` or ``for_each`` may expand to before the rest are left out with a notice.
MAX_INSTANCES = 256


@dataclass
class Value:
    """An evaluated attribute: its value, the (virtual) line to report, and where it was defined."""

    value: Any
    line: int
    origin: str | None = None  # set when the value came in through a module argument


@dataclass
class Body:
    """An evaluated block: attributes, nested blocks (``dynamic`` ones expanded), its line."""

    line: int
    attrs: dict[str, Value] = field(default_factory=dict)
    blocks: dict[str, list[Body]] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        v = self.attrs.get(name)
        return default if v is None else v.value

    def first(self, kind: str) -> Body | None:
        found = self.blocks.get(kind)
        return found[0] if found else None


class ModuleEval(ReferenceParts):
    """The values of one module instance."""

    def __init__(self, defn: ModuleDef, project: Project, prefix: str,
                 inputs: dict[str, Value], depth: int = 0, call_file: str | None = None) -> None:
        self.defn = defn
        self.project = project
        self.prefix = prefix  # "" for the root, "module.orders." or 'module.orders["a"].'
        self.inputs = inputs
        self.depth = depth
        self._locals: dict[str, Any] = {}
        self._vars: dict[str, Any] = {}
        self._busy: set[Any] = set()
        self._children: dict[str, Any] = {}

    # -- public ---------------------------------------------------------------------------------

    def address(self, kind: str, name: str, key: Any = None) -> str:
        base = f"{self.prefix}{kind}.{name}"
        return base + key_text(key) if key is not None else base

    def instances(self, block: hcl.Block, *, data: bool = False) -> list[tuple[str, dict[str, Any]]]:
        """``(address, scope)`` for each instance of a resource or data block (none for ``count = 0``)."""
        kind, name = block.labels[0], block.labels[1]
        base = self.address(("data." if data else "") + kind, name)
        return [(base + key_text(key) if key is not None else base, scope)
                for key, scope in self.expand(block, f"{base}")]

    def expand(self, block: hcl.Block, where: str) -> list[tuple[Any, dict[str, Any]]]:
        """The instance keys and scopes ``count``/``for_each`` give (one keyless instance without them)."""
        if "count" in block.attributes:
            n = self.eval_attr(block, "count", {})
            if isinstance(n, bool) or not isinstance(n, int | float):
                # unknown until apply: one instance stands for them all, keyed as Terraform's first
                return [(0, {"count": {"index": 0}})]
            count = int(n)
            if count > MAX_INSTANCES:
                self.project.notice(f"{where}: count = {count}; the first {MAX_INSTANCES} instances are checked")
                count = MAX_INSTANCES
            return [(i, {"count": {"index": i}}) for i in range(max(count, 0))]
        if "for_each" in block.attributes:
            coll = self.eval_attr(block, "for_each", {})
            items: list[tuple[Any, Any]]
            if isinstance(coll, dict):
                items = list(coll.items())
            elif isinstance(coll, list) and all(isinstance(x, str) for x in coll):
                items = [(x, x) for x in coll]
            else:
                return [("*", {"each": {"key": Unknown("each.key"), "value": Unknown("each.value")}})]
            if len(items) > MAX_INSTANCES:
                self.project.notice(f"{where}: for_each has {len(items)} entries; the first {MAX_INSTANCES} "
                                    "are checked")
                items = items[:MAX_INSTANCES]
            return [(k, {"each": {"key": k, "value": v}}) for k, v in items]
        return [(None, {})]

    def eval_attr(self, block: hcl.Block, name: str, scope: dict[str, Any]) -> Any:
        attr = block.attributes.get(name)
        if attr is None:
            return None
        return self.safe(attr.expr, block.file_of(name), scope)

    def body(self, block: hcl.Block, scope: dict[str, Any], depth: int = 0) -> Body:
        """Every attribute and nested block of ``block``, evaluated in ``scope`` (``dynamic`` expanded)."""
        out = Body(self.project.vline(block.file, block.line))
        for name, attr in block.attributes.items():
            if name in ("count", "for_each", "depends_on", "provider", "lifecycle"):
                continue
            out.attrs[name] = self.value_of(attr, block.file_of(name), scope)
        if depth > MAX_DEPTH:
            return out
        for child in block.blocks:
            if child.type == "dynamic" and child.labels:
                out.blocks.setdefault(child.labels[0], []).extend(self._dynamic(child, scope, depth))
            elif child.type not in ("lifecycle", "provisioner", "connection"):
                out.blocks.setdefault(child.type, []).append(self.body(child, scope, depth + 1))
        return out

    def _dynamic(self, block: hcl.Block, scope: dict[str, Any], depth: int) -> list[Body]:
        """``dynamic "x" { for_each = …; content { … } }``: one ``x`` block per element."""
        content = block.children("content")
        if not content:
            return []
        iterator = block.labels[0]
        named = block.attributes.get("iterator")
        if named is not None and isinstance(named.expr, hcl.Var):
            iterator = named.expr.name
        coll = self.eval_attr(block, "for_each", scope)
        if not isinstance(coll, list | dict):
            unknown = {iterator: {"key": Unknown(f"{iterator}.key"), "value": Unknown(f"{iterator}.value")}}
            return [self.body(content[0], {**scope, **unknown}, depth + 1)]
        return [self.body(content[0], {**scope, iterator: {"key": k, "value": v}}, depth + 1)
                for k, v in pairs(coll)[:MAX_INSTANCES]]

    def value_of(self, attr: hcl.Attribute, file: int, scope: dict[str, Any]) -> Value:
        value = self.safe(attr.expr, file, scope)
        line = self.project.vline(file, attr.line)
        origin = None
        given = [v for v in _vars_in(attr.expr) if v in self.inputs and self.inputs[v].line]
        var = given[0] if len(set(given)) == 1 else None  # the one caller argument this value depends on
        if var is not None:
            # A module argument: reported at the caller's argument, the definition kept.
            standin = self.project.standin_files.get(file)
            where = standin[0] if standin is not None else f"{self.project.files[file]}:{attr.line}"
            origin = f"{where} in {self.prefix.rstrip('.')}"
            line = self.inputs[var].line
        return Value(value, line, origin)

    def safe(self, expr: hcl.Expr, file: int, scope: dict[str, Any]) -> Any:
        try:
            return self.eval(expr, file, scope, 0)
        except (EvalError, FunctionError, RecursionError, ArithmeticError, ValueError, TypeError,
                KeyError, IndexError) as exc:
            return Unknown(f"{render(expr)} ({exc})" if isinstance(exc, EvalError | FunctionError) else render(expr))

    # -- expressions ----------------------------------------------------------------------------

    def eval(self, e: hcl.Expr, file: int, scope: dict[str, Any], depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise EvalError("nested too deep")
        d = depth + 1
        if isinstance(e, hcl.Lit):
            return e.value
        if isinstance(e, hcl.Template):
            return self._template(e, file, scope, d)
        if isinstance(e, hcl.TupleExpr):
            out = LineList(self.eval(i, file, scope, d) for i in e.items)
            out.line = self.project.vline(file, e.line)
            out.item_lines = [self.project.vline(file, i.line) for i in e.items]
            return out
        if isinstance(e, hcl.ObjectExpr):
            obj = LineDict()
            obj.line = self.project.vline(file, e.line)
            for key, value, line in e.items:
                k = key if isinstance(key, str) else self.eval(key, file, scope, d)
                if isinstance(k, bool):
                    k = "true" if k else "false"
                elif isinstance(k, int | float):
                    k = num_key(k)
                if not isinstance(k, str):
                    return Unknown(render(e), refs_of(k))
                obj[k] = self.eval(value, file, scope, d)
                obj.key_lines[k] = self.project.vline(file, line)
            return obj
        if isinstance(e, hcl.Var | hcl.GetAttr | hcl.Index):
            return self._traversal(e, file, scope, d)
        if isinstance(e, hcl.Splat):
            return self._splat(e, file, scope, d)
        if isinstance(e, hcl.Call):
            return self._call(e, file, scope, d)
        if isinstance(e, hcl.Cond):
            c = self.eval(e.cond, file, scope, d)
            if isinstance(c, bool):
                return self.eval(e.then if c else e.other, file, scope, d)
            a, b = self.safe_at(e.then, file, scope, d), self.safe_at(e.other, file, scope, d)
            if is_known(a) and a == b:
                return a
            return Unknown(render(e), refs_of(c) + refs_of(a) + refs_of(b))
        if isinstance(e, hcl.BinOp):
            return self._binop(e, file, scope, d)
        if isinstance(e, hcl.UnOp):
            v = self.eval(e.operand, file, scope, d)
            if not is_known(v):
                return Unknown(render(e), refs_of(v))
            if e.op == "!":
                if not isinstance(v, bool):
                    raise EvalError("! needs a bool")
                return not v
            return -number(v)
        if isinstance(e, hcl.ForExpr):
            return self._for(e, file, scope, d)
        if isinstance(e, hcl.TemplateIf | hcl.TemplateFor):
            return self._template(hcl.Template(e.line, [e]), file, scope, d)
        raise EvalError(f"cannot evaluate {type(e).__name__}")

    def safe_at(self, e: hcl.Expr, file: int, scope: dict[str, Any], depth: int) -> Any:
        try:
            return self.eval(e, file, scope, depth)
        except (EvalError, FunctionError, ArithmeticError, ValueError, TypeError, KeyError, IndexError):
            return Unknown(render(e))

    def _template(self, e: hcl.Template, file: int, scope: dict[str, Any], d: int) -> Any:
        if len(e.parts) == 1 and isinstance(e.parts[0], hcl.Expr) and \
                not isinstance(e.parts[0], hcl.TemplateIf | hcl.TemplateFor):
            return self.eval(e.parts[0], file, scope, d)  # "${x}" is x itself, of any type
        pieces: list[Any] = []
        for p in e.parts:
            if isinstance(p, str):
                pieces.append(p)
                continue
            if isinstance(p, hcl.TemplateIf):
                c = self.eval(p.cond, file, scope, d)
                if not isinstance(c, bool):
                    pieces.append(Unknown(render(p), refs_of(c)))
                    continue
                branch = p.then if c else p.other
                v: Any = self._template(branch, file, scope, d) if branch is not None else ""
            elif isinstance(p, hcl.TemplateFor):
                v = self._template_for(p, file, scope, d)
            else:
                v = self.eval(p, file, scope, d)
            if isinstance(v, Partial):
                pieces.extend(v.parts)
            elif isinstance(v, Unknown | JsonText | InstanceRef):
                pieces.append(v if isinstance(v, Unknown) else Unknown(render(p), refs_of(v)))
            elif isinstance(v, list | dict):
                raise EvalError("a template cannot hold a list or a map")
            elif v is None:
                raise EvalError("a template cannot hold null")
            else:
                pieces.append(text_of(v))
        merged: list[Any] = []
        for piece in pieces:
            if isinstance(piece, str) and merged and isinstance(merged[-1], str):
                merged[-1] += piece
            else:
                merged.append(piece)
        if all(isinstance(x, str) for x in merged):
            return "".join(merged)
        return Partial(merged)

    def _template_for(self, p: hcl.TemplateFor, file: int, scope: dict[str, Any], d: int) -> Any:
        coll = self.eval(p.collection, file, scope, d)
        if not is_known(coll):
            return Unknown(render(p), refs_of(coll))
        out: list[Any] = []
        for k, v in pairs(coll):
            inner = {**scope, p.value_var: v}
            if p.key_var:
                inner[p.key_var] = k
            piece = self._template(p.body, file, inner, d)
            out.extend(piece.parts if isinstance(piece, Partial) else [piece])
        return Partial(out) if any(not isinstance(x, str) for x in out) else "".join(out)

    def _for(self, e: hcl.ForExpr, file: int, scope: dict[str, Any], d: int) -> Any:
        coll = self.eval(e.collection, file, scope, d)
        if not isinstance(coll, list | dict):
            if coll is None:
                raise EvalError("for over null")
            return Unknown(render(e), refs_of(coll))
        items: list[Any] = []
        obj: dict[str, Any] = {}
        for k, v in pairs(coll):
            inner = {**scope, e.value_var: v}
            if e.key_var:
                inner[e.key_var] = k
            if e.cond is not None:
                keep = self.eval(e.cond, file, inner, d)
                if not isinstance(keep, bool):
                    return Unknown(render(e), refs_of(keep))
                if not keep:
                    continue
            value = self.eval(e.value, file, inner, d)
            if e.key is None:
                items.append(value)
                continue
            key = self.eval(e.key, file, inner, d)
            if not isinstance(key, str):
                if isinstance(key, int | float) and not isinstance(key, bool):
                    key = num_key(key)
                else:
                    return Unknown(render(e), refs_of(key))
            if e.group:
                obj.setdefault(key, []).append(value)
            else:
                obj[key] = value
        return items if e.key is None else obj

    def _binop(self, e: hcl.BinOp, file: int, scope: dict[str, Any], d: int) -> Any:
        left = self.eval(e.left, file, scope, d)
        if e.op == "&&" and left is False:
            return False
        if e.op == "||" and left is True:
            return True
        right = self.eval(e.right, file, scope, d)
        if e.op in ("&&", "||"):
            if isinstance(left, bool) and isinstance(right, bool):
                return (left and right) if e.op == "&&" else (left or right)
            if e.op == "&&" and right is False:
                return False
            if e.op == "||" and right is True:
                return True
            return Unknown(render(e), refs_of(left) + refs_of(right))
        if not (is_known(left) and is_known(right)):
            return Unknown(render(e), refs_of(left) + refs_of(right))
        if e.op == "==":
            return equal(left, right)
        if e.op == "!=":
            return not equal(left, right)
        a, b = number(left), number(right)
        ops: dict[str, Callable[[Any, Any], Any]] = {
            "+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "%": operator.mod,
            "<": operator.lt, ">": operator.gt, "<=": operator.le, ">=": operator.ge}
        if e.op not in ops:
            raise EvalError(f"unknown operator {e.op}")
        if e.op in "+-*" and (abs(a) > 1e300 or abs(b) > 1e300):
            raise EvalError("number too large")
        result = ops[e.op](a, b)
        if isinstance(result, float) and result.is_integer() and abs(result) < 1e15 and e.op not in "<>=":
            return int(result)
        return result

    def _call(self, e: hcl.Call, file: int, scope: dict[str, Any], d: int) -> Any:
        name = e.name.split("::")[-1]  # provider::aws::arn_parse and friends: the short name
        if name in ("try", "can"):
            for arg in e.args:
                try:
                    v = self.eval(arg, file, scope, d)
                except (EvalError, FunctionError, ArithmeticError, ValueError, TypeError, KeyError, IndexError):
                    if name == "can":
                        return False
                    continue
                return True if name == "can" else v
            if name == "can":
                return False
            raise EvalError("no argument of try() could be evaluated")
        args = [self.eval(a, file, scope, d) for a in e.args]
        if e.expand_last and args:
            last = args.pop()
            if not isinstance(last, list):
                return Unknown(render(e), refs_of(last))
            args.extend(last)
        if name == "coalesce":
            for a in args:
                if not is_known(a):
                    return Unknown(render(e), refs_of(a))
                if a not in (None, ""):
                    return a
            raise EvalError("coalesce: no non-empty argument")
        if name in ("file", "templatefile", "fileexists"):
            return self._file(name, e, args, file)
        if name in ("jsonencode",):
            return FUNCTIONS[name][0](*args)
        if name == "jsondecode" and args and isinstance(args[0], Partial):
            return decode_partial(args[0])
        if name in ("merge", "concat") and all(isinstance(a, dict | list) or a is None for a in args):
            pass  # unknown members inside the maps or lists are carried, not lost
        elif not all(is_known(a) for a in args):
            return Unknown(render(e), tuple(r for a in args for r in refs_of(a)))
        spec = FUNCTIONS.get(name)
        if spec is None:
            return Unknown(render(e), tuple(r for a in args for r in refs_of(a)))
        fn, low, high = spec
        if len(args) < low or (high is not None and len(args) > high):
            raise EvalError(f"{name}() takes {low} to {high} arguments")
        return fn(*args)

    def _file(self, name: str, e: hcl.Call, args: list[Any], file: int) -> Any:
        if not args or not isinstance(args[0], str):
            return Unknown(render(e), tuple(r for a in args for r in refs_of(a)))
        # Terraform reads relative paths from the working folder: the root module's (path.module is
        # written relative to it too).
        path = self.project.inside(self.project.root, args[0])
        if name == "fileexists":
            return path is not None and path.is_file()
        if path is not None and not path.is_file():
            self.project.notice(f"{self.project.files[file]}:{e.line}: {name}({args[0]!r}): no such file in the "
                                "project (built before apply?); its content is not checked")
            return Unknown(render(e))
        if path is None:
            self.project.notice(f"{self.project.files[file]}:{e.line}: {name}({args[0]!r}) points outside the "
                                "scanned project; its content is not read")
            return Unknown(render(e))
        text = self.project.read_text(path)
        if text is None:
            return Unknown(render(e))
        if name == "file":
            return text
        variables = args[1] if len(args) > 1 else {}
        if not isinstance(variables, dict):
            return Unknown(render(e), refs_of(variables))
        try:
            _, attrs, _ = hcl.parse_native(b'__t = <<__LA_EOT\n' + text.encode("utf-8") + b"\n__LA_EOT\n", file)
        except hcl.HclError:
            return Unknown(render(e))
        value = self.safe(attrs["__t"].expr, file, dict(variables)) if "__t" in attrs else Unknown(render(e))
        if isinstance(value, str) and value.endswith("\n") and not text.endswith("\n"):
            value = value[:-1]
        return value

    def _splat(self, e: hcl.Splat, file: int, scope: dict[str, Any], d: int) -> Any:
        target = self.eval(e.target, file, scope, d)
        if isinstance(target, Instances):
            target = target.all()
        if isinstance(target, Unknown):
            return Unknown(render(e), refs_of(target))
        if target is None:
            return []
        items = target if isinstance(target, list) else [target]
        out = []
        for item in items:
            v = item
            for kind, step in e.rest:
                if kind == "attr":
                    v = self._get(v, step, render(e))
                else:
                    v = self._index(v, self.eval(step, file, scope, d), render(e))
            out.append(v)
        return out

# -- helpers --------------------------------------------------------------------------------------


def _vars_in(expr: Any, depth: int = 0) -> list[str]:
    """The input variables an expression reads (``var.x`` anywhere in it)."""
    if depth > MAX_DEPTH:
        return []
    if isinstance(expr, hcl.GetAttr) and isinstance(expr.target, hcl.Var) and expr.target.name == "var":
        return [expr.name]
    out: list[str] = []
    if isinstance(expr, hcl.Expr):
        for value in vars(expr).values():
            out += _vars_in(value, depth + 1)
    elif isinstance(expr, list | tuple):
        for item in expr:
            out += _vars_in(item, depth + 1)
    return out


__all__ = ["MAX_DEPTH", "Body", "EvalError", "ModuleEval", "Value", "decode_partial"]
