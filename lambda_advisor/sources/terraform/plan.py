"""``terraform show -json`` plans: the values Terraform will apply, at the lines of the ``.tf`` beside them.

Values come from ``planned_values`` (every module's instances, with their ``count``/``for_each``
keys); what is known only after apply comes from the ``configuration`` references, so a role or a
queue still links to the resource it names. Sensitive values are in the plan in clear and are read
like any other value (LA101 judges them). When the plan's folder holds the ``.tf`` files it was made
from, every finding points at the attribute's line there; otherwise at the plan file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lambda_advisor.result import InputError
from lambda_advisor.sources import Loaded
from lambda_advisor.sources.files import display
from lambda_advisor.sources.terraform import hcl
from lambda_advisor.sources.terraform.evaluate import Body, ModuleEval, Value
from lambda_advisor.sources.terraform.project import Project
from lambda_advisor.sources.terraform.values import Attr, Unknown
from lambda_advisor.sources.yaml_loader import LineDict, LineList

#: ``type.name[key].attribute`` in a configuration reference (linear: bounded character classes).
_REFERENCE = re.compile(r"^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)(\[[^\]]{0,200}\])?\.([A-Za-z0-9_]+)")

#: The largest plan read (plans of large estates are bigger than templates).
MAX_PLAN_BYTES = 64 * 1024 * 1024
#: How deep a plan's values may nest before the rest is left out.
MAX_DEPTH = 60


def is_plan(head: bytes) -> bool:
    """A ``terraform show -json`` document (its first keys are the format and Terraform versions)."""
    return b'"format_version"' in head and (b'"terraform_version"' in head or b'"planned_values"' in head)


def load_plan(path: Path, roots: list[Path]) -> Loaded:
    from lambda_advisor.sources.template.reader import TemplateReader
    from lambda_advisor.sources.terraform import place_documents
    from lambda_advisor.sources.terraform.shapes import Translation
    from lambda_advisor.sources.terraform.translate import TRANSLATORS, TYPES

    out = Loaded()
    shown = display(path)
    try:
        if path.stat().st_size > MAX_PLAN_BYTES:
            out.errors.append(InputError(shown, f"larger than the {MAX_PLAN_BYTES >> 20} MB this tool reads for a "
                                         "Terraform plan; not read"))
            return out
        plan = json.loads(path.read_bytes().decode("utf-8-sig"), parse_constant=_refuse)
    except (OSError, ValueError, RecursionError) as exc:
        out.errors.append(InputError(shown, f"cannot read this Terraform plan: {exc}"))
        return out
    if not isinstance(plan, dict) or not isinstance(plan.get("planned_values"), dict):
        out.errors.append(InputError(shown, "not a Terraform plan: no planned_values (write it with "
                                     "`terraform show -json PLANFILE`)"))
        return out
    project = Project(path.parent, roots or [path.parent])
    plan_file = project.add_file(path)
    builder = _PlanBodies(project, plan, plan_file)
    t = Translation(project)
    todo = []
    for res, module_address in builder.instances():
        kind = res.get("type")
        if res.get("mode", "managed") != "managed" or kind not in TRANSLATORS:
            continue
        address = str(res.get("address") or f"{kind}.{res.get('name')}")
        t.types[address] = TYPES.get(kind, "")
        todo.append((kind, address, res, module_address))
    for kind, address, res, module_address in todo:
        body, block = builder.body(address, res, module_address)
        TRANSLATORS[kind](t, address, body, block, builder.eval_for(module_address) or project.root_eval)
    template = t.finish()
    out.errors.extend(project.errors)
    out.notices.extend(project.notices)
    if not t.resources:
        return out
    reader = TemplateReader(shown, template, base_dir=path.parent, fmt="terraform")
    docs = [d.to_json() for d in reader.read()]
    out.documents.extend(place_documents(docs, project.files))
    out.errors.extend(InputError(shown, msg, None) for msg, _ in reader.problems)
    return out


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


class _PlanBodies:
    """Bodies for the translator, from planned values, configuration references and the ``.tf`` lines."""

    def __init__(self, project: Project, plan: dict[str, Any], plan_file: int) -> None:
        self.project = project
        self.plan = plan
        self.plan_line = project.vline(plan_file, 1)
        self.evals = {ev.prefix: ev for ev in project.all_module_instances()}
        self.after_unknown: dict[str, Any] = {}
        for change in plan.get("resource_changes") or []:
            if isinstance(change, dict) and isinstance(change.get("change"), dict):
                self.after_unknown[str(change.get("address"))] = change["change"].get("after_unknown") or {}
        self.config: dict[str, dict[str, Any]] = {}
        self._configuration(_dict(_dict(plan.get("configuration")).get("root_module")), "", 0)

    def _configuration(self, module: dict[str, Any], prefix: str, depth: int) -> None:
        if depth > 20:
            return
        for res in module.get("resources") or []:
            if isinstance(res, dict) and isinstance(res.get("address"), str):
                self.config[prefix + res["address"]] = _dict(res.get("expressions"))
        for name, call in _dict(module.get("module_calls")).items():
            if isinstance(call, dict):
                self._configuration(_dict(call.get("module")), f"{prefix}module.{name}.", depth + 1)

    def instances(self) -> list[tuple[dict[str, Any], str]]:
        out: list[tuple[dict[str, Any], str]] = []
        stack = [(_dict(_dict(self.plan.get("planned_values")).get("root_module")), 0)]
        while stack:
            module, depth = stack.pop()
            prefix = str(module.get("address") or "")
            out.extend((r, prefix) for r in module.get("resources") or [] if isinstance(r, dict))
            if depth < 20:
                stack.extend((m, depth + 1) for m in module.get("child_modules") or [] if isinstance(m, dict))
        return out

    def eval_for(self, module_address: str) -> ModuleEval | None:
        return self.evals.get(f"{module_address}." if module_address else "")

    def _block(self, address: str, module_address: str) -> hcl.Block | None:
        ev = self.eval_for(module_address)
        if ev is None:
            return None
        local = address[len(module_address) + 1:] if module_address else address
        base = local.split("[", 1)[0]
        return ev.defn.resources.get(base)

    def body(self, address: str, res: dict[str, Any], module_address: str) -> tuple[Body, Any]:
        block = self._block(address, module_address)
        values = _dict(res.get("values"))
        unknown = _dict(self.after_unknown.get(address))
        config_key = (module_address + "." if module_address else "") + \
            (address[len(module_address) + 1:] if module_address else address).split("[", 1)[0]
        expressions = self.config.get(config_key, {})
        self.index = res.get("index")
        body = self._body(values, unknown, expressions, block, module_address, 0)
        return body, block or hcl.Block("resource", [str(res.get("type")), str(res.get("name"))], 1, 1, 0)

    def _line(self, block: hcl.Block | None, name: str | None = None) -> int:
        if block is None:
            return self.plan_line
        if name is not None and name in block.attributes:
            return self.project.vline(block.file_of(name), block.attributes[name].line)
        if name is not None:
            for child in block.blocks:
                if child.type == name or (child.type == "dynamic" and child.labels[:1] == [name]):
                    return self.project.vline(child.file, child.line)
        return self.project.vline(block.file, block.line)

    def _body(self, values: dict[str, Any], unknown: dict[str, Any], expressions: dict[str, Any],
              block: hcl.Block | None, module_address: str, depth: int) -> Body:
        body = Body(self._line(block))
        if depth > MAX_DEPTH:
            return body
        for name, value in values.items():
            line = self._line(block, name)
            if isinstance(value, list) and value and all(isinstance(v, dict) for v in value) and name not in (
                    "tags", "tags_all"):
                inner_block = next((c for c in block.blocks if c.type == name), None) if block else None
                got_unknown, got_expr = unknown.get(name), expressions.get(name)
                inner_unknown: list[Any] = got_unknown if isinstance(got_unknown, list) else []
                inner_expr: list[Any] = got_expr if isinstance(got_expr, list) else []
                body.blocks[name] = [
                    self._body(v, _dict(inner_unknown[i]) if i < len(inner_unknown) else {},
                               _dict(inner_expr[i]) if i < len(inner_expr) else {}, inner_block, module_address,
                               depth + 1)
                    for i, v in enumerate(value)]
                continue
            if value is None and unknown.get(name) is True:
                value = self._reference(expressions.get(name), module_address, name)
            elif value is None:
                continue
            body.attrs[name] = Value(_lined(value, line), line)
        for name, flag in unknown.items():
            if flag is True and name not in body.attrs:
                body.attrs[name] = Value(self._reference(expressions.get(name), module_address, name),
                                         self._line(block, name))
        return body

    def _reference(self, expression: Any, module_address: str, name: str) -> Any:
        """What an unknown value refers to (``aws_iam_role.r.arn``), from the plan's configuration."""
        refs = _dict(expression).get("references") if isinstance(expression, dict) else None
        prefix = f"{module_address}." if module_address else ""
        for ref in refs or []:
            m = _REFERENCE.match(ref) if isinstance(ref, str) else None
            if m is None or m.group(1) in ("var", "local", "each", "count", "path", "data", "module", "terraform"):
                continue
            address = prefix + f"{m.group(1)}.{m.group(2)}" + self._key(m.group(3))
            return Attr(prefix + ref, address=address, attribute=m.group(4))
        return Unknown(f"{name} (known after apply)")

    def _key(self, index: str | None) -> str:
        """``[each.key]`` and ``[count.index]`` of the instance being read; a literal key as written."""
        if not index:
            return ""
        inner = index[1:-1]
        if inner in ("each.key", "count.index") and self.index is not None:
            return f"[{self.index}]" if isinstance(self.index, int) else '["' + str(self.index) + '"]'
        return index


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def _lined(value: Any, line: int, depth: int = 0) -> Any:
    """Plan values as the translator's structures, each part at the attribute's line."""
    if depth > MAX_DEPTH:
        return Unknown("nested too deep")
    if isinstance(value, dict):
        out = LineDict()
        out.line = line
        for k, v in value.items():
            out[str(k)] = _lined(v, line, depth + 1)
            out.key_lines[str(k)] = line
        return out
    if isinstance(value, list):
        lst = LineList(_lined(v, line, depth + 1) for v in value)
        lst.line = line
        lst.item_lines = [line] * len(lst)
        return lst
    return value
