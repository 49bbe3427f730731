"""Layer version permissions: ``AWS::Lambda::LayerVersionPermission`` that shares a layer the template
defines with every AWS account (``Principal: "*"`` without ``OrganizationId``), for LA109."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lambda_advisor.sources.template.reader import TemplateReader


def _link_layer_permission(r: TemplateReader, lid: str, res: dict[str, Any], props: dict[str, Any]) -> None:
    target = r.resolver.logical_target(props.get("LayerVersionArn"))
    if not target:
        return
    principal = r.resolver.value(props.get("Principal"))
    if "OrganizationId" in props or principal != "*":
        verdict: bool | None = False if isinstance(principal, str) else None  # unresolved: not known
    else:
        verdict = True
    for doc in r.docs.values():
        for layer in doc.layers or []:
            if layer.get("logical_id") == target and layer.get("public") is not True:
                layer["public"] = verdict if verdict is not False else layer.get("public", False)


LINKERS = {"AWS::Lambda::LayerVersionPermission": _link_layer_permission}
