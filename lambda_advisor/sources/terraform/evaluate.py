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
from lambda_advisor.sources.terraform.values import (
    Attr,
    InstanceRef,
    JsonText,
    Partial,
    RefText,
    Unknown,
    VarRef,
    is_known,
    refs_of,
)
from lambda_advisor.sources.yaml_loader import LineDict, LineList

if TYPE_CHECKING:
    from lambda_advisor.sources.terraform.project import ModuleDef, Project


class EvalError(Exception):
    """Terraform would stop here (a wrong type, a missing key); the value is unknown to us."""


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


class ModuleEval:
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
        return base + _key_text(key) if key is not None else base

    def instances(self, block: hcl.Block, *, data: bool = False) -> list[tuple[str, dict[str, Any]]]:
        """``(address, scope)`` for each instance of a resource or data block (none for ``count = 0``)."""
        kind, name = block.labels[0], block.labels[1]
        base = self.address(("data." if data else "") + kind, name)
        return [(base + _key_text(key) if key is not None else base, scope)
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
        return self.safe(attr.expr, block.file, scope)

    def body(self, block: hcl.Block, scope: dict[str, Any], depth: int = 0) -> Body:
        """Every attribute and nested block of ``block``, evaluated in ``scope`` (``dynamic`` expanded)."""
        out = Body(self.project.vline(block.file, block.line))
        for name, attr in block.attributes.items():
            if name in ("count", "for_each", "depends_on", "provider", "lifecycle"):
                continue
            out.attrs[name] = self.value_of(attr, block.file, scope)
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
                for k, v in _pairs(coll)[:MAX_INSTANCES]]

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
                    k = _num_key(k)
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
            return -_number(v)
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
                pieces.append(_text(v))
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
        for k, v in _pairs(coll):
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
        for k, v in _pairs(coll):
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
                    key = _num_key(key)
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
            return _equal(left, right)
        if e.op == "!=":
            return not _equal(left, right)
        a, b = _number(left), _number(right)
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

    # -- references -----------------------------------------------------------------------------

    def _traversal(self, e: hcl.Expr, file: int, scope: dict[str, Any], d: int) -> Any:
        steps: list[tuple[str, Any]] = []
        node = e
        while isinstance(node, hcl.GetAttr | hcl.Index):
            steps.append(("attr", node.name) if isinstance(node, hcl.GetAttr) else ("index", node.key))
            node = node.target
        steps.reverse()
        if not isinstance(node, hcl.Var):
            value = self.eval(node, file, scope, d)
        else:
            value, steps = self._root(node.name, steps, scope, render(e), d)
        for kind, step in steps:
            if kind == "attr":
                value = self._get(value, step, render(e))
            else:
                value = self._index(value, self.eval(step, file, scope, d), render(e))
        return value

    def _root(self, name: str, steps: list[tuple[str, Any]], scope: dict[str, Any], text: str,
              d: int) -> tuple[Any, list[tuple[str, Any]]]:
        if name in scope:
            return scope[name], steps
        first = steps[0][1] if steps and steps[0][0] == "attr" else None
        if name == "var" and first is not None:
            return self.variable(first, d), steps[1:]
        if name == "local" and first is not None:
            return self.local(first, d), steps[1:]
        if name == "path" and first is not None:
            return self.project.path_value(self.defn.folder, first), steps[1:]
        if name == "terraform" and first == "workspace":
            return "default", steps[1:]
        if name == "module" and first is not None:
            return self.module_ref(first, d), steps[1:]
        if name == "data" and first is not None and len(steps) > 1 and steps[1][0] == "attr":
            key = f"{first}.{steps[1][1]}"
            block = self.defn.data.get(key)
            if block is None:
                raise EvalError(f"no data source {key}")
            return Instances(self, block, "data"), steps[2:]
        if first is not None and f"{name}.{first}" in self.defn.resources:
            return Instances(self, self.defn.resources[f"{name}.{first}"], "resource"), steps[1:]
        if name in ("count", "each", "self"):
            return Unknown(text), []
        raise EvalError(f"unknown reference {text}")

    def variable(self, name: str, d: int) -> Any:
        if name in self._vars:
            return self._vars[name]
        block = self.defn.variables.get(name)
        if name in self.inputs:
            value = self.inputs[name].value
        elif block is not None and self.depth == 0 and name in self.project.tfvars:
            value = self.project.tfvars[name]
        elif block is not None and "default" in block.attributes:
            value = self.safe(block.attributes["default"].expr, block.file, {})
        else:
            sensitive = block is not None and self.eval_attr(block, "sensitive", {}) is True
            value = VarRef(f"var.{name}", name=name, sensitive=sensitive)
        if block is not None:
            value = _convert(value, block.attributes.get("type"))
        self._vars[name] = value
        return value

    def sensitive(self, name: str) -> bool:
        block = self.defn.variables.get(name)
        return block is not None and self.eval_attr(block, "sensitive", {}) is True

    def local(self, name: str, d: int) -> Any:
        if name in self._locals:
            return self._locals[name]
        found = self.defn.locals.get(name)
        if found is None:
            raise EvalError(f"no local value {name}")
        attr, file = found
        if ("local", name) in self._busy:
            raise EvalError(f"local.{name} refers to itself")
        self._busy.add(("local", name))
        try:
            value = self.safe(attr.expr, file, {})
        finally:
            self._busy.discard(("local", name))
        self._locals[name] = value
        return value

    def module_ref(self, name: str, d: int) -> Any:
        children = self.project.children_of(self, name)
        if children is None:
            raise EvalError(f"no module {name}")
        if isinstance(children, dict):
            return {k: ModuleOutputs(c) for k, c in children.items()}
        if isinstance(children, list):
            return [ModuleOutputs(c) for c in children]
        return ModuleOutputs(children) if isinstance(children, ModuleEval) else children

    def _get(self, value: Any, name: str, text: str) -> Any:
        if isinstance(value, Instances):
            value = value.single(text)
        if isinstance(value, InstanceRef):
            return self.instance_attr(value, name)
        if isinstance(value, ModuleOutputs):
            return value.output(name)
        if isinstance(value, dict):
            if name not in value:
                raise EvalError(f"no attribute {name}")
            return value[name]
        if isinstance(value, Unknown):
            return Unknown(text, refs_of(value))
        if isinstance(value, list) and value and all(isinstance(v, InstanceRef) for v in value):
            raise EvalError("a list of instances has no attributes (use [*] or an index)")
        raise EvalError(f"no attribute {name} on a {type(value).__name__}")

    def _index(self, value: Any, key: Any, text: str) -> Any:
        if isinstance(value, Instances):
            return value.at(key, text)
        if not is_known(key):
            return Unknown(text, refs_of(key) + refs_of(value))
        if isinstance(value, list):
            try:
                i = int(_number(key))
            except (EvalError, ValueError, OverflowError):
                raise EvalError("a list index must be a number") from None
            if not 0 <= i < len(value):
                raise EvalError("index out of range")
            return value[i]
        if isinstance(value, dict):
            k = key if isinstance(key, str) else _num_key(key) if isinstance(key, int | float) else None
            if k is None or k not in value:
                raise EvalError(f"no key {key!r}")
            return value[k]
        if isinstance(value, Unknown):
            return Unknown(text, refs_of(value))
        raise EvalError("cannot index this value")

    def instance_attr(self, ref: InstanceRef, name: str) -> Any:
        """An attribute of a resource or data instance: its argument when written, else computed."""
        block = ref.block
        if ref.kind == "data" and block is not None:
            special = self.project.data_attribute(ref, name)
            if special is not None:
                return special
        if block is not None and name in block.attributes:
            key = (ref.address, name)
            if key in self._busy:
                raise EvalError(f"{ref.address}.{name} refers to itself")
            self._busy.add(key)
            try:
                value = ref.owner.safe(block.attributes[name].expr, block.file, ref.bindings)
            finally:
                self._busy.discard(key)
            if ref.kind != "resource":
                return value
            if isinstance(value, str):
                return RefText(value, ref.address, name)
            if not is_known(value):
                # known only at apply: the reference itself, so the resource it names stays linked
                return Attr(f"{ref.address}.{name}", refs_of(value), address=ref.address, attribute=name)
            return value
        derived = self.project.derived_attribute(ref, name)
        if derived is not None:
            return derived
        return Attr(f"{ref.address}.{name}", address=ref.address, attribute=name)


class Instances:
    """The instances of one resource or data block, as an expression names them."""

    def __init__(self, owner: ModuleEval, block: hcl.Block, kind: str) -> None:
        self.owner = owner
        self.block = block
        self.kind = kind
        self.keyed = "count" in block.attributes or "for_each" in block.attributes

    def _ref(self, key: Any, scope: dict[str, Any]) -> InstanceRef:
        prefix = "data." if self.kind == "data" else ""
        address = self.owner.address(prefix + self.block.labels[0], self.block.labels[1],
                                     key if self.keyed else None)
        return InstanceRef(self.kind, address, self.owner, self.block, scope)

    def single(self, text: str) -> InstanceRef:
        if self.keyed:
            raise EvalError(f"{text}: this resource has count or for_each; name an instance")
        return self._ref(None, {})

    def at(self, key: Any, text: str) -> Any:
        if not self.keyed:
            raise EvalError(f"{text}: this resource has no count or for_each")
        for k, scope in self.owner.expand(self.block, self.block.labels[1]):
            if k == key or (isinstance(key, float) and k == int(key)):
                return self._ref(k, scope)
        if not is_known(key) or any(k == "*" for k, _ in self.owner.expand(self.block, "")):
            scope = {"count": {"index": key}} if "count" in self.block.attributes else \
                {"each": {"key": key, "value": Unknown("each.value")}}
            return self._ref(key if is_known(key) else "*", scope)
        raise EvalError(f"no instance {key!r}")

    def all(self) -> Any:
        if not self.keyed:
            return [self._ref(None, {})]
        found = self.owner.expand(self.block, self.block.labels[1])
        if "for_each" in self.block.attributes:
            return {str(k): self._ref(k, scope) for k, scope in found}
        return [self._ref(k, scope) for k, scope in found]


class ModuleOutputs:
    """``module.NAME``: its outputs, read on demand."""

    def __init__(self, child: ModuleEval) -> None:
        self.child = child

    def output(self, name: str) -> Any:
        block = self.child.defn.outputs.get(name)
        if block is None or "value" not in block.attributes:
            raise EvalError(f"module has no output {name}")
        key = ("output", name)
        if key in self.child._busy:
            raise EvalError(f"output {name} refers to itself")
        self.child._busy.add(key)
        try:
            return self.child.safe(block.attributes["value"].expr, block.file, {})
        finally:
            self.child._busy.discard(key)


# -- helpers --------------------------------------------------------------------------------------


def decode_partial(p: Partial) -> Any:
    """``jsondecode`` (or a heredoc policy) of a string with unknown pieces: each piece becomes a
    token, the JSON is read, and strings holding tokens become :class:`Partial` again."""
    import json

    tokens: dict[str, Any] = {}
    text = []
    for i, part in enumerate(p.parts):
        if isinstance(part, str):
            text.append(part)
        else:
            token = f"\u0001LA{i}\u0002"
            tokens[token] = part
            text.append(token)
    try:
        data = json.loads("".join(text), strict=False)
    except ValueError as exc:
        raise EvalError(f"not valid JSON: {exc}") from None

    def back(v: Any, depth: int = 0) -> Any:
        if depth > 60:
            raise EvalError("nested too deep")
        if isinstance(v, str) and "\u0001LA" in v:
            pieces: list[Any] = []
            rest = v
            while rest:
                start = rest.find("\u0001LA")
                if start < 0:
                    pieces.append(rest)
                    break
                end = rest.find("\u0002", start)
                if start:
                    pieces.append(rest[:start])
                pieces.append(tokens.get(rest[start:end + 1], Unknown("?")))
                rest = rest[end + 1:]
            return pieces[0] if len(pieces) == 1 and not isinstance(pieces[0], str) else Partial(pieces)
        if isinstance(v, list):
            return [back(x, depth + 1) for x in v]
        if isinstance(v, dict):
            return {back(k, depth + 1) if isinstance(k, str) and "\u0001" not in k else k: back(x, depth + 1)
                    for k, x in v.items()}
        return v

    return back(data)


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


def _convert(value: Any, type_attr: hcl.Attribute | None) -> Any:
    """tfvars give strings; a variable's declared type says what Terraform makes of them."""
    if type_attr is None or not isinstance(type_attr.expr, hcl.Var):
        return value
    kind = type_attr.expr.name
    if kind == "number" and isinstance(value, str):
        try:
            return _number(value)
        except EvalError:
            return value
    if kind == "bool" and value in ("true", "false"):
        return value == "true"
    if kind == "string" and isinstance(value, bool):
        return "true" if value else "false"
    if kind == "string" and isinstance(value, int | float):
        return _num_key(value)
    return value


def _pairs(coll: Any) -> list[tuple[Any, Any]]:
    if isinstance(coll, dict):
        return list(coll.items())
    return list(enumerate(coll))


def _number(v: Any) -> int | float:
    if isinstance(v, bool):
        raise EvalError("a number is required, not a bool")
    if isinstance(v, int | float):
        return v
    if isinstance(v, str):
        try:
            f = float(v)
        except ValueError:
            raise EvalError(f"{v!r} is not a number") from None
        if f != f or f in (float("inf"), float("-inf")):
            raise EvalError("not a finite number")
        return int(f) if f.is_integer() and abs(f) < 1e15 else f
    raise EvalError("a number is required")


def _num_key(v: int | float) -> str:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return _num_key(v)
    return str(v)


def _equal(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b if isinstance(a, bool) and isinstance(b, bool) else False
    return bool(a == b)


def _key_text(key: Any) -> str:
    if isinstance(key, int) and not isinstance(key, bool):
        return f"[{key}]"
    if key == "*":
        return "[*]"
    return "[" + _quote(str(key)) + "]"


def _quote(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render(e: Any, depth: int = 0) -> str:
    """An expression written back as Terraform would show it (for messages; never evaluated)."""
    if depth > 12:
        return "…"
    d = depth + 1
    if isinstance(e, hcl.Lit):
        v = e.value
        if isinstance(v, str):
            return _quote(v)
        return "null" if v is None else _text(v)
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

