"""What a name in an expression designates: variables, locals, resources and data sources (with their
instances), module outputs, and the attributes read from them.

:class:`ReferenceParts` is the half of a module's evaluator that resolves names; the other half
(:mod:`.evaluate`) computes expressions. A resource's argument is read where it is written, in the
instance's own scope; what Terraform computes at apply (``arn``, ``id``) stays a reference.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from lambda_advisor.sources.terraform import hcl
from lambda_advisor.sources.terraform.render import render
from lambda_advisor.sources.terraform.values import (
    Attr,
    EvalError,
    InstanceRef,
    RefText,
    Unknown,
    VarRef,
    convert_declared,
    is_known,
    num_key,
    number,
    refs_of,
)

if TYPE_CHECKING:
    from lambda_advisor.sources.terraform.evaluate import ModuleEval, Value
    from lambda_advisor.sources.terraform.project import ModuleDef, Project


class ReferenceParts:
    """Name resolution for :class:`~.evaluate.ModuleEval`."""

    if TYPE_CHECKING:
        defn: ModuleDef
        project: Project
        inputs: dict[str, Value]
        depth: int
        _locals: dict[str, Any]
        _vars: dict[str, Any]
        _busy: set[Any]

        def eval(self, e: hcl.Expr, file: int, scope: dict[str, Any], depth: int) -> Any: ...
        def safe(self, expr: hcl.Expr, file: int, scope: dict[str, Any]) -> Any: ...
        def eval_attr(self, block: hcl.Block, name: str, scope: dict[str, Any]) -> Any: ...

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
            return Instances(cast("ModuleEval", self), block, "data"), steps[2:]
        if first is not None and f"{name}.{first}" in self.defn.resources:
            return Instances(cast("ModuleEval", self), self.defn.resources[f"{name}.{first}"], "resource"), steps[1:]
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
            value = self.safe(block.attributes["default"].expr, block.file_of("default"), {})
        else:
            sensitive = block is not None and self.eval_attr(block, "sensitive", {}) is True
            value = VarRef(f"var.{name}", name=name, sensitive=sensitive)
        if block is not None:
            value = convert_declared(value, block.attributes.get("type"))
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
        children = self.project.children_of(cast("ModuleEval", self), name)
        if children is None:
            raise EvalError(f"no module {name}")
        if isinstance(children, dict):
            return {k: ModuleOutputs(c) for k, c in children.items()}
        if isinstance(children, list):
            return [ModuleOutputs(c) for c in children]
        return ModuleOutputs(cast("ModuleEval", children)) if isinstance(children, ReferenceParts) else children

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
                i = int(number(key))
            except (EvalError, ValueError, OverflowError):
                raise EvalError("a list index must be a number") from None
            if not 0 <= i < len(value):
                raise EvalError("index out of range")
            return value[i]
        if isinstance(value, dict):
            k = key if isinstance(key, str) else num_key(key) if isinstance(key, int | float) else None
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
                value = ref.owner.safe(block.attributes[name].expr, block.file_of(name), ref.bindings)
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
            return self.child.safe(block.attributes["value"].expr, block.file_of("value"), {})
        finally:
            self.child._busy.discard(key)
