"""Fixes that rules name with ``autofix: {function: module.name, safety, reason}``.

A fix function receives a :class:`FixContext` — the finding, its function
document, the other functions of the same template and the template's text
(:class:`~lambda_advisor.fixes.edit.TemplateText`) — records its edits on the
text and returns a short description of what it changed, or ``None`` when this
finding has no mechanical fix (a value set by a parameter, a queue from another
stack). It never writes files: :mod:`lambda_advisor.fixes.apply` re-scans the
edited text and keeps the edit only when the finding is gone and nothing new
appeared.

Safety, as ruff means it: a *safe* fix leaves what the template does for
successful work unchanged (it only adds protection, or corrects a value that
cannot deploy); an *unsafe* one changes behaviour, cost or data retention, or
adds resources. ``--fix`` applies safe fixes; ``--unsafe-fixes`` adds the rest.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import yaml

from lambda_advisor.fixes.edit import CannotFix, TemplateText

Document = dict[str, Any]

SAFETIES = ("safe", "unsafe")
_SAM_FUNCTION = "AWS::Serverless::Function"


@dataclass
class FixContext:
    finding: Any  # findings.Finding
    doc: Document
    template: TemplateText
    #: The function documents of the same template (for SAM Globals decisions).
    documents: list[Document] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    #: (rule ID, logical ID) of every finding this run will try to fix in this template.
    fixing: set[tuple[str, str]] = field(default_factory=set)
    #: The run's date (``--today``): which runtimes are still live.
    today: date = field(default_factory=date.today)

    @property
    def logical_id(self) -> str:
        return str(self.doc["source"]["logical_id"])

    @property
    def is_sam(self) -> bool:
        return (self.doc.get("extra") or {}).get("resource_type") == _SAM_FUNCTION

    def set_function_property(self, keys: list[str], value: Any) -> None:
        """Set ``Properties.<keys…>`` on the function itself (never in Globals)."""
        self.template.set_property(self.logical_id, keys, value)

    @property
    def condition(self) -> str | None:
        """The function's ``Condition``: every resource a fix adds for it carries the same one."""
        return self.template.condition(self.logical_id)

    @property
    def affected_docs(self) -> list[Document]:
        """The documents of every function the finding concerns (several for a merged Globals finding)."""
        ids = [a.function_id for a in self.finding.affected]
        by_id = {d["id"]: d for d in self.documents}
        return [by_id[i] for i in ids if i in by_id] or [self.doc]

    def set_function_value(self, key: str, value: Any, pointer: str,
                           same_fix: Callable[[Document], Any] | None = None, *, globals_ok: bool = True) -> str:
        """Set a function property where it belongs; returns where it went.

        A value the function inherits from SAM ``Globals`` is changed in Globals
        only when every function inheriting it is being fixed by the same rule to
        the same value (``same_fix(doc)`` is that value for another function);
        otherwise each function the finding concerns gets its own override and the
        others keep the Globals value. Globals is never edited when the template holds
        functions the run could not read (``Fn::ForEach``, an unreadable resource), nor when
        ``globals_ok`` is false (the caller cannot vouch for every function it would reach).
        """
        rule_id = self.finding.rule_id
        unseen = self.template.unseen_functions({str(d["source"]["logical_id"]) for d in self.documents})
        if unseen or not globals_ok:
            pass  # Globals would reach functions this run cannot see (or check): per-function overrides only
        elif (self.doc.get("inherited") or {}).get(pointer) == "Globals":
            sharers = [d for d in self.documents if (d.get("inherited") or {}).get(pointer) == "Globals"]
            glob = self.template.path("Globals", "Function")
            if glob is not None and all(
                    (rule_id, d["source"]["logical_id"]) in self.fixing
                    and (same_fix is None or same_fix(d) == value) for d in sharers):
                self.template.set(glob, key, value)
                names = ", ".join(sorted(d["source"]["logical_id"] for d in sharers))
                return f"Globals.Function.{key} (shared by {names})"
        elif self.is_sam and pointer not in (self.doc.get("lines") or {}):
            # Written nowhere: when every SAM function lacks it and is being fixed the same way,
            # one line in Globals keeps them alike (SAM derives each role from it, for one).
            sam = [d for d in self.documents if (d.get("extra") or {}).get("resource_type") == _SAM_FUNCTION]
            glob = self.template.path("Globals", "Function")
            if glob is not None and len(sam) > 1 and all(
                    pointer not in (d.get("lines") or {}) and (rule_id, d["source"]["logical_id"]) in self.fixing
                    and (same_fix is None or same_fix(d) == value) for d in sam):
                self.template.set(glob, key, value)
                return f"Globals.Function.{key} (for every function: {', '.join(sorted(d['source']['logical_id'] for d in sam))})"
        targets = self.affected_docs
        for doc in targets:
            own = value if same_fix is None or doc is self.doc else same_fix(doc)
            if own is None:
                raise CannotFix(f"no fix for {doc['source']['logical_id']}, which shares this finding")
            self.template.set_property(str(doc["source"]["logical_id"]), [key], own)
        return ", ".join(f"{d['source']['logical_id']}.{key}" for d in targets)

    def event_properties(self, source: dict[str, Any]) -> yaml.MappingNode | None:
        """The properties node of an event source: a SAM event's ``Properties`` or an event source mapping's."""
        name = source.get("name")
        if not isinstance(name, str):
            return None
        if self.is_sam:
            event = self.template.path("Properties", "Events", name, start=self.template.resource(self.logical_id))
            if event is not None:
                props = self.template.get(event, "Properties")
                return props if isinstance(props, yaml.MappingNode) else None
        if self.template.resource_type(name) == "AWS::Lambda::EventSourceMapping":
            return self.template.properties(name)
        return None


FixFunction = Callable[[FixContext], "str | None"]


def resolve_fix(rule: Any) -> FixFunction | None:
    """The function a rule's ``autofix.function`` names, or None when the rule has no fix."""
    spec = getattr(rule, "autofix", None)
    if not spec:
        return None
    module_name, _, func_name = str(spec["function"]).rpartition(".")
    module = importlib.import_module(f"lambda_advisor.fixes.{module_name}")
    func: FixFunction = getattr(module, func_name)
    return func


__all__ = ["SAFETIES", "CannotFix", "FixContext", "FixFunction", "resolve_fix"]
