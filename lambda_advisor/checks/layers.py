"""LA109: a layer version shared with every AWS account publishes the code inside it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.event_sources import value_name


def _layer_name(layer: dict[str, Any]) -> str:
    arn = layer.get("arn")
    if isinstance(arn, str) and ":layer:" in arn:
        parts = arn.split(":")
        return ":".join(parts[6:8]) if len(parts) > 7 else parts[-1]
    return str(layer.get("logical_id") or value_name(arn) or "layer")


def layer_shared_with_everyone(doc: Document, ctx: Context) -> Iterator[Hit]:
    """One fact per layer version (``group``): reported once, naming every function that uses it."""
    for i, layer in enumerate(doc.get("layers") or []):
        if layer.get("public") is not True:
            continue
        name = _layer_name(layer)
        yield Hit(message=(f"{doc['name']} uses layer {name}, whose layer version policy shares it with every AWS "
                           "account: anyone can download its code (lambda:GetLayerVersion), and any secret or "
                           "internal logic packed inside"),
                  pointer=f"/layers/{i}", subject=f"layer-public:{name}", group=f"layer-public:{name}",
                  extra={"layer": name})
