"""Resolve CloudFormation intrinsic functions as far as a template alone allows.

What resolves becomes a literal (parameter defaults, ``AWS::Partition``,
``Sub``/``Join`` of literals, ``FindInMap`` with literal keys). What does not
stays marked ``{"unresolved": text, "refs": [...]}`` — never guessed, never a
crash — with the logical IDs it mentions, so rules can still tell that
``!GetAtt Worker.Arn`` names another function. A ``Fn::FindInMap`` whose value
leads back to itself is a cycle: it stays unresolved with a note, it is no error.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lambda_advisor.model import unresolved

KNOWN_PSEUDO = {"AWS::Partition": "aws", "AWS::URLSuffix": "amazonaws.com", "AWS::NoValue": None}
UNKNOWN_PSEUDO = {"AWS::Region", "AWS::AccountId", "AWS::StackName", "AWS::StackId", "AWS::NotificationARNs"}
#: A ``${Name}`` of Fn::Sub; a name never holds a brace, and stopping at one keeps the search linear.
_SUB_VAR = re.compile(r"\$\{([^}!{][^{}]*)\}")
_INTRINSIC_KEYS = {"Ref", "Condition"}
_FUNCTION_TYPES = {"AWS::Lambda::Function", "AWS::Serverless::Function"}


def is_intrinsic(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and (
        next(iter(value)) in _INTRINSIC_KEYS or str(next(iter(value))).startswith("Fn::"))


class Resolver:
    """Resolves values of one template."""

    def __init__(self, template: dict[str, Any],
                 synonym: Callable[[str], tuple[str, str] | None] | None = None) -> None:
        self.resources: dict[str, Any] = _as_dict(template.get("Resources"))
        self.parameters: dict[str, Any] = _as_dict(template.get("Parameters"))
        self.mappings: dict[str, Any] = _as_dict(template.get("Mappings"))
        self._resolving: set[tuple[str, ...]] = set()  # FindInMap lookups under way: a cycle guard
        # Names a transform generates for a resource (SAM: ``Fn.Alias``, ``FnAliaslive``) -> (resource, attribute).
        self.synonym = synonym
        # A function whose FunctionName is a !Sub (``${AWS::StackName}-worker``): that text -> its logical ID.
        self.sub_names: dict[str, str] = {}
        for lid, res in self.resources.items():
            if not isinstance(res, dict) or not isinstance(res.get("Type"), str) or res["Type"] not in _FUNCTION_TYPES:
                continue
            props = res.get("Properties")
            name = props.get("FunctionName") if isinstance(props, dict) else None
            if isinstance(name, dict) and \
                    isinstance(name.get("Fn::Sub"), str) and len(name) == 1:
                self.sub_names.setdefault(name["Fn::Sub"], lid)

    # -- public -----------------------------------------------------------------

    def value(self, node: Any) -> Any:
        """A literal, a list/dict of resolved values, or an unresolved marker."""
        if isinstance(node, dict):
            if is_intrinsic(node):
                return self._intrinsic(node)
            return {k: self.value(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self.value(v) for v in node]
        return node

    def text(self, node: Any) -> str | None:
        """The value as a string when it resolves to a literal, else None."""
        v = self.value(node)
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str | int | float):
            return str(v)
        return None

    def logical_target(self, node: Any) -> str | None:
        """The logical ID a Ref/GetAtt/Sub names, if it names exactly one resource."""
        refs = [r for r in self.refs(node) if r["logical_id"] in self.resources]
        ids = {r["logical_id"] for r in refs}
        return ids.pop() if len(ids) == 1 else None

    def refs(self, node: Any) -> list[dict[str, Any]]:
        """Every resource or parameter the expression mentions."""
        found: dict[tuple[str, str | None], dict[str, Any]] = {}
        self._collect_refs(node, found)
        return list(found.values())

    def resource_type(self, logical_id: str) -> str | None:
        res = self.resources.get(logical_id)
        rtype = res.get("Type") if isinstance(res, dict) else None
        return rtype if isinstance(rtype, str) else None

    # -- internals --------------------------------------------------------------

    def _ref_entry(self, name: str, attribute: str | None = None) -> dict[str, Any] | None:
        if name in self.resources:
            return {"logical_id": name, "type": self.resource_type(name), "attribute": attribute}
        generated = self.synonym(name) if self.synonym is not None and name not in self.parameters else None
        if generated is not None:
            return {"logical_id": generated[0], "type": self.resource_type(generated[0]),
                    "attribute": generated[1]}
        if name in self.parameters:
            param = _as_dict(self.parameters[name])
            entry: dict[str, Any] = {"logical_id": name, "type": "Parameter", "attribute": None}
            if str(param.get("NoEcho", "")).lower() == "true":
                entry["no_echo"] = True
            if isinstance(param.get("Type"), str):
                entry["parameter_type"] = param["Type"]
            return entry
        return None

    def _collect_refs(self, node: Any, found: dict[tuple[str, str | None], dict[str, Any]]) -> None:
        if isinstance(node, dict):
            if "Ref" in node and len(node) == 1 and isinstance(node["Ref"], str):
                entry = self._ref_entry(node["Ref"])
                if entry:
                    found[(entry["logical_id"], None)] = entry
                return
            if "Fn::GetAtt" in node and len(node) == 1:
                parts = _getatt_parts(node["Fn::GetAtt"])
                if parts:
                    entry = self._ref_entry(parts[0], parts[1])
                    if entry:
                        found[(entry["logical_id"], parts[1])] = entry
                return
            if "Fn::Sub" in node and len(node) == 1:
                body = node["Fn::Sub"]
                text, variables = (body[0], body[1] if len(body) > 1 else {}) if isinstance(body, list) and body else (body, {})
                if isinstance(text, str) and self.sub_names:
                    owner = self._named_by_sub(text)
                    if owner is not None:
                        found[(owner, "Name")] = {"logical_id": owner, "type": self.resource_type(owner),
                                                  "attribute": "Name"}
                if isinstance(text, str):
                    for var in _SUB_VAR.findall(text):
                        if isinstance(variables, dict) and var in variables:
                            continue
                        name, _, attr = var.partition(".")
                        entry = self._ref_entry(name, attr or None)
                        if entry:
                            found[(entry["logical_id"], attr or None)] = entry
                if isinstance(variables, dict):
                    for v in variables.values():
                        self._collect_refs(v, found)
                return
            for v in node.values():
                self._collect_refs(v, found)
        elif isinstance(node, list):
            for v in node:
                self._collect_refs(v, found)

    def _named_by_sub(self, text: str) -> str | None:
        """The function whose ``!Sub`` FunctionName this text is, or names in an ARN or log group name."""
        if text in self.sub_names:
            return self.sub_names[text]
        for name, lid in self.sub_names.items():
            if text == f"/aws/lambda/{name}" or text.endswith(f":function:{name}") or f":function:{name}:" in text:
                return lid
        return None

    def _intrinsic(self, node: dict[str, Any]) -> Any:
        (key, arg), = node.items()
        if key == "Ref":
            return self._ref(arg, node)
        if key == "Fn::Sub":
            return self._sub(arg, node)
        if key == "Fn::Join":
            return self._join(arg, node)
        if key == "Fn::FindInMap":
            return self._find_in_map(arg, node)
        if key == "Fn::Select":
            return self._select(arg, node)
        return unresolved(short_text(node), self.refs(node))

    def _ref(self, name: Any, node: dict[str, Any]) -> Any:
        if not isinstance(name, str):
            return unresolved(short_text(node), self.refs(node))
        if name in KNOWN_PSEUDO:
            return KNOWN_PSEUDO[name]
        if name in self.parameters:
            param = _as_dict(self.parameters[name])
            no_echo = str(param.get("NoEcho", "")).lower() == "true"
            if "Default" in param and not no_echo and not is_intrinsic(param["Default"]):
                default = param["Default"]
                return ",".join(map(str, default)) if isinstance(default, list) else default
        return unresolved(short_text(node), self.refs(node))

    def _sub(self, arg: Any, node: dict[str, Any]) -> Any:
        if isinstance(arg, list) and arg:
            text, variables = arg[0], (arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {})
        else:
            text, variables = arg, {}
        if not isinstance(text, str):
            return unresolved(short_text(node), self.refs(node))
        failed = False

        def replace(m: re.Match[str]) -> str:
            nonlocal failed
            var = m.group(1)
            if var in variables:
                value = self.value(variables[var])
            elif "." in var:
                failed = True
                return m.group(0)
            else:
                value = self._ref(var, {"Ref": var})
            if isinstance(value, str | int | float) and not isinstance(value, bool):
                return str(value)
            failed = True
            return m.group(0)

        out = _SUB_VAR.sub(replace, text).replace("${!", "${")
        return unresolved(short_text(node), self.refs(node)) if failed else out

    def _join(self, arg: Any, node: dict[str, Any]) -> Any:
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            return unresolved(short_text(node), self.refs(node))
        parts = self.value(arg[1])
        if isinstance(parts, list) and all(isinstance(p, str | int | float) and not isinstance(p, bool) for p in parts):
            return arg[0].join(str(p) for p in parts)
        return unresolved(short_text(node), self.refs(node))

    def _find_in_map(self, arg: Any, node: dict[str, Any]) -> Any:
        if isinstance(arg, list) and len(arg) >= 3:
            keys = [self.value(a) for a in arg[:3]]
            if all(isinstance(k, str) for k in keys):
                lookup = tuple(keys)
                if lookup in self._resolving:
                    return unresolved(f"{short_text(node)} (refers to itself)", self.refs(node))
                try:
                    found = self.mappings[keys[0]][keys[1]][keys[2]]
                except (KeyError, TypeError):
                    found = None
                if found is not None:
                    self._resolving.add(lookup)
                    try:
                        return self.value(found)
                    finally:
                        self._resolving.discard(lookup)
        return unresolved(short_text(node), self.refs(node))

    def _select(self, arg: Any, node: dict[str, Any]) -> Any:
        if isinstance(arg, list) and len(arg) == 2:
            index, items = self.value(arg[0]), self.value(arg[1])
            try:
                i = int(index)
            except (TypeError, ValueError, OverflowError):
                i = -1
            if isinstance(items, list) and 0 <= i < len(items):
                picked = items[i]
                if not isinstance(picked, dict | list):
                    return picked
        return unresolved(short_text(node), self.refs(node))


def short_text(node: Any, depth: int = 0) -> str:
    """A compact YAML-ish rendering of an expression, for messages (``!GetAtt Fn.Arn``)."""
    if depth > 3:
        return "…"
    if isinstance(node, dict) and len(node) == 1:
        (key, arg), = node.items()
        name = key[4:] if key.startswith("Fn::") else key
        if key == "Fn::Terraform":  # a Terraform expression known only at apply: shown as written
            return str(arg[0] if isinstance(arg, list) and arg else arg)
        if key == "Fn::GetAtt" and isinstance(arg, list):
            return "!GetAtt " + ".".join(str(a) for a in arg)
        if isinstance(arg, str):
            return f"!{name} {arg}" if arg else f'!{name} ""'
        return f"!{name} {short_text(arg, depth + 1)}"
    if isinstance(node, list):
        return "[" + ", ".join(short_text(v, depth + 1) for v in node) + "]"
    if isinstance(node, dict):
        return "{" + ", ".join(f"{k}: {short_text(v, depth + 1)}" for k, v in node.items()) + "}"
    return str(node)


def _getatt_parts(arg: Any) -> tuple[str, str] | None:
    if isinstance(arg, str) and "." in arg:
        name, attr = arg.split(".", 1)
        return name, attr
    if isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str) and isinstance(arg[1], str):
        return arg[0], arg[1]
    return None


def _as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
