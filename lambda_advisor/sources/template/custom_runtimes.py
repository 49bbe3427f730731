"""Customer-managed runtimes: ``Runtime: custom`` with ``RuntimeConfig`` (runtime ARN and alias).

The alias's release lifecycle (``AWS::Lambda::RuntimeAlias`` ``ReleaseLifecycle``, else the one of
its ``AWS::Lambda::Runtime``, which an alias inherits by default) is what LA501 judges: Lambda
sends no notice when a runtime publisher deprecates an alias.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lambda_advisor.model import Function
from lambda_advisor.sources.template.base import as_props, res_props
from lambda_advisor.sources.yaml_loader import LineDict

if TYPE_CHECKING:
    from lambda_advisor.sources.template.base import ReaderBase

ALIAS_TYPE = "AWS::Lambda::RuntimeAlias"
RUNTIME_TYPE = "AWS::Lambda::Runtime"
_LIFECYCLE_KEYS = (("ReleaseState", "release_state"), ("DeprecationDate", "deprecation_date"),
                   ("FunctionCreateBlockDate", "function_create_block_date"),
                   ("FunctionUpdateBlockDate", "function_update_block_date"))


def runtime_config(r: ReaderBase, doc: Function, props: Any) -> dict[str, Any] | bool | None:
    """The customer-managed runtime a function uses, False for a Lambda-managed one."""
    config = props.get("RuntimeConfig")
    if config is None:
        return False
    config = as_props(config)
    r._set(doc, "/runtime_config", props, "RuntimeConfig")
    alias_node, arn_node = config.get("RuntimeAlias"), config.get("RuntimeArn")
    out: dict[str, Any] = {"runtime_arn": r._value(arn_node) if arn_node is not None else None,
                           "alias": r._value(alias_node) if alias_node is not None else None,
                           "alias_logical_id": None, "release_state": None, "deprecation_date": None,
                           "function_create_block_date": None, "function_update_block_date": None, "line": None}
    runtime_lid = _target(r, arn_node, RUNTIME_TYPE)
    alias_lid = _target(r, alias_node, ALIAS_TYPE) or _alias_by_name(r, r.resolver.text(alias_node), runtime_lid)
    lifecycle_of = None
    if alias_lid is not None:
        out["alias_logical_id"] = alias_lid
        aprops = res_props(r.resources[alias_lid])
        if not isinstance(out["alias"], str):  # !Ref of the alias resource: name it by its Name
            out["alias"] = r.resolver.text(aprops.get("Name")) or out["alias"]
        runtime_lid = runtime_lid or _target(r, aprops.get("RuntimeName"), RUNTIME_TYPE)
        if "ReleaseLifecycle" in aprops:
            lifecycle_of = aprops
    if lifecycle_of is None and runtime_lid is not None and "ReleaseLifecycle" in res_props(r.resources[runtime_lid]):
        lifecycle_of = res_props(r.resources[runtime_lid])
    if lifecycle_of is not None:
        lifecycle = as_props(lifecycle_of.get("ReleaseLifecycle"))
        for key, field in _LIFECYCLE_KEYS:
            out[field] = r.resolver.text(lifecycle.get(key))
        if out["release_state"] not in ("PREVIEW", "GA", "DEPRECATED"):
            out["release_state"] = None
        out["line"] = lifecycle_of.line_of("ReleaseLifecycle") if isinstance(lifecycle_of, LineDict) else None
    return out


def _target(r: ReaderBase, node: Any, rtype: str) -> str | None:
    target = r.resolver.logical_target(node) if node is not None else None
    return target if target is not None and r.resolver.resource_type(target) == rtype else None


def _alias_by_name(r: ReaderBase, name: str | None, runtime_lid: str | None) -> str | None:
    if name is None:
        return None
    for lid, res in r.resources.items():
        if res.get("Type") != ALIAS_TYPE:
            continue
        props = res_props(res)
        if r.resolver.text(props.get("Name")) != name:
            continue
        if runtime_lid is None or _target(r, props.get("RuntimeName"), RUNTIME_TYPE) in (None, runtime_lid):
            return lid
    return None
