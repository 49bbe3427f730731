"""The template reader: functions first, then every resource that shapes one, then permissions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lambda_advisor.barrier import internal_message
from lambda_advisor.model import Function
from lambda_advisor.sources.template import apis, events, functions, layers, permissions
from lambda_advisor.sources.template.base import FUNCTION_TYPES, res_props
from lambda_advisor.sources.template.connectors import link_connectors
from lambda_advisor.sources.template.web import (
    ENDPOINT_TYPE,
    REVISION_TYPE,
    WEB_FUNCTION_TYPES,
    WebParts,
)
from lambda_advisor.sources.template.web_links import link_web


class TemplateReader(WebParts):
    def read(self) -> list[Function]:
        for lid, res in self.resources.items():
            if res.get("Type") in FUNCTION_TYPES:
                try:
                    self.docs[lid] = self._function(lid, res)
                except Exception as exc:  # the barrier: one function, one error entry
                    self.problems.append((f"function {lid}: {internal_message(exc)}", self._res_line(lid)))
        self._read_web_functions()
        for lid, res in self.resources.items():
            rtype = res.get("Type", "")
            linker = _LINKERS.get(rtype) or (events.link_custom_resource if rtype.startswith("Custom::") else None)
            if linker is not None:
                try:
                    linker(self, lid, res, res_props(res))
                except Exception as exc:  # the barrier: one resource, one error entry
                    self.problems.append((f"{res.get('Type')} {lid}: {internal_message(exc)}",
                                          self._res_line(lid)))
        link_connectors(self)
        link_web(self)
        for fn, entry, line in self.permission_sources:
            self._add_permission_source(fn, entry, line)
        for doc in self.docs.values():
            self._finish(doc)
        return list(self.docs.values())

    def _read_web_functions(self) -> None:
        """Web Functions first, then the revisions and endpoints that name them (in template order)."""
        parts = {REVISION_TYPE: self._web_revision, ENDPOINT_TYPE: self._web_endpoint}
        for lid, res in self.resources.items():
            if res.get("Type") in WEB_FUNCTION_TYPES:
                try:
                    self.docs[lid] = self._web_function(lid, res)
                except Exception as exc:  # the barrier: one function, one error entry
                    self.problems.append((f"web function {lid}: {internal_message(exc)}", self._res_line(lid)))
        for lid, res in self.resources.items():
            reader = parts.get(res.get("Type", ""))
            if reader is not None:
                try:
                    reader(lid, res)
                except Exception as exc:  # the barrier: one resource, one error entry
                    self.problems.append((f"{res.get('Type')} {lid}: {internal_message(exc)}", self._res_line(lid)))


_LINKERS: dict[str, Callable[[TemplateReader, str, dict[str, Any], dict[str, Any]], None]] = {
    **events.LINKERS, **permissions.LINKERS, **functions.LINKERS, **apis.LINKERS, **layers.LINKERS,
}
