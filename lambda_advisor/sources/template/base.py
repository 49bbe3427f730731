"""The state a template reader keeps, and the small helpers every resource family uses.

Each resource family (functions, event sources, permissions and policies, APIs, SAM
expansion) lives in its own module of this package and adds its part to the reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambda_advisor.model import Function, unresolved
from lambda_advisor.sources import sam as samlib
from lambda_advisor.sources.intrinsics import Resolver, is_intrinsic, short_text
from lambda_advisor.sources.sam import MergedDict
from lambda_advisor.sources.yaml_loader import LineDict, LineList, kind_of

FUNCTION_TYPES = {"AWS::Lambda::Function", "AWS::Serverless::Function"}


class ReaderBase:
    def __init__(self, path: str, data: dict[str, Any], *, base_dir: Path, fmt: str | None = None,
                 text: str | None = None) -> None:
        self.path = path
        self.text_lines = text.splitlines() if text else []  # the template's own lines (inline code)
        self.data = data
        self.base_dir = base_dir
        self.resolver = Resolver(data, samlib.generated_names(data))
        self.problems: list[tuple[str, int | None]] = []
        self.notices: list[str] = []
        self.resources: dict[str, Any] = {}
        for k, v in data["Resources"].items():
            if isinstance(v, dict) and not isinstance(v.get("Type", ""), str):
                self.problems.append((f"resource {k}: Type must be a string, not a {kind_of(v['Type'])}; "
                                      "resource not read", self._res_line(k)))
            elif isinstance(v, dict):
                self.resources[k] = v
        self.sam = samlib.is_sam(data)
        self.fmt = fmt or ("sam" if self.sam else "cloudformation")
        glob = data.get("Globals")
        function_globals = glob.get("Function") if isinstance(glob, dict) else None
        self.globals: dict[str, Any] = function_globals if isinstance(function_globals, dict) else {}
        self.docs: dict[str, Function] = {}
        self.names: dict[str, str] = {}  # literal FunctionName -> logical ID
        # Sources known only from a Permission; added last, when nothing else wires that service.
        self.permission_sources: list[tuple[str, dict[str, Any], int]] = []

    # helpers

    def _res_line(self, lid: str) -> int:
        res_map = self.data["Resources"]
        return res_map.line_of(lid) if isinstance(res_map, LineDict) else 0

    def _set(self, doc: Function, pointer: str, container: Any, key: Any) -> None:
        """Record the line of ``container[key]`` for ``pointer``, and whether Globals gave it."""
        if isinstance(container, LineDict):
            doc.lines[pointer] = container.line_of(key)
            if isinstance(container, MergedDict) and key in container.inherited:
                # SAM Globals, or (Terraform) the module definition a caller's argument filled
                doc.inherited[pointer] = getattr(container, "origins", {}).get(key, "Globals")
        elif isinstance(container, LineList) and isinstance(key, int):
            doc.lines[pointer] = container.line_of(key)

    def function_for(self, node: Any, _via: frozenset[str] = frozenset()) -> str | None:
        """The function (logical ID) an expression designates: Ref, GetAtt, alias/version, or name.

        Aliases and versions that name each other in a cycle designate no function.
        """
        target = self.resolver.logical_target(node)
        if target is not None:
            rtype = self.resolver.resource_type(target)
            if rtype in FUNCTION_TYPES:
                return target
            if rtype in ("AWS::Lambda::Alias", "AWS::Lambda::Version") and target not in _via:
                return self.function_for(res_props(self.resources[target]).get("FunctionName"), _via | {target})
            return None
        text = self.resolver.text(node)
        if text:
            name = text.split(":function:", 1)[-1].split(":", 1)[0]
            return self.names.get(name)
        return None

    def _value(self, node: Any) -> Any:
        """A string property's value: text (``7`` and ``true`` as CloudFormation passes them), None,
        or an unresolved marker."""
        v = self.resolver.value(node)
        if isinstance(v, dict | list) and not (isinstance(v, dict) and "unresolved" in v):
            return unresolved(short_text(node), self.resolver.refs(node))
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int | float):
            return str(v)
        return v

    def _int(self, node: Any) -> int | None:
        v = self.resolver.value(node)
        try:
            return int(v) if isinstance(v, str | int | float) and not isinstance(v, bool) else None
        except (ValueError, OverflowError):
            return None

    def sqs_subscription(self, eprops: dict[str, Any]) -> bool:
        """Does a SAM SNS event put a queue between topic and function (``SqsSubscription``)?

        A mapping of queue settings does; a value does when it resolves to true, a parameter
        through its default (``!Ref UseQueue`` defaulting to false makes no queue). A value that
        cannot be resolved counts as the property's default, false.
        """
        node = eprops.get("SqsSubscription")
        if isinstance(node, dict) and not is_intrinsic(node):
            return True
        return self._bool(node) is True

    def _bool(self, node: Any) -> bool | None:
        v = self.resolver.value(node)
        if isinstance(v, bool):
            return v
        if isinstance(v, str) and v.lower() in ("true", "false"):
            return v.lower() == "true"
        return None


def as_props(node: Any) -> Any:
    """The node when it is a mapping, else an empty one: templates are often half-written."""
    return node if isinstance(node, dict) else LineDict()


def res_props(resource: Any) -> Any:
    return as_props(resource.get("Properties")) if isinstance(resource, dict) else LineDict()



def escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
