"""LA401–LA406: what is inside the deployment package, against Lambda's limits.

The facts come from ``code.inspection`` (filled by package inspection) and, for
live functions, ``code.zipped_bytes`` / ``code.image_bytes`` / layer ``code_size``.
Findings about the function's own package point at ``/code``; about a layer,
at ``/layers/<i>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lambda_advisor.checks import Context, Document, Hit

MB = 1024 * 1024


def size_text(n: int | float) -> str:
    if n >= 1024 * MB:
        return f"{n / (1024 * MB):.1f} GB"
    if n >= MB:
        return f"{n / MB:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{int(n)} bytes"


def _inspection(doc: Document) -> dict[str, Any]:
    return (doc.get("code") or {}).get("inspection") or {}


def layer_pointer(doc: Document, label: str | None) -> str:
    """``/layers/<i>`` for the layer an inspection item names, else ``/code``."""
    if label is None:
        return "/code"
    for i, layer in enumerate(doc.get("layers") or ()):
        arn = layer.get("arn")
        if label in (layer.get("logical_id"), arn if isinstance(arn, str) else None, layer.get("local_path")):
            return f"/layers/{i}"
    return "/code"


def _label(layer: dict[str, Any]) -> str:
    """The name inspection gives a layer: logical ID, else ARN, else local path."""
    arn = layer.get("arn")
    return str(layer.get("logical_id") or (arn if isinstance(arn, str) else None)
               or layer.get("local_path") or "layer")


def _where(doc: Document, item: dict[str, Any]) -> str:
    layer = item.get("layer")
    return f"{doc['name']}: layer {layer}" if layer else f"{doc['name']}: package"


def zipped_size(doc: Document) -> int | None:
    inspected = _inspection(doc).get("zipped_bytes")
    if isinstance(inspected, int):
        return inspected
    live = (doc.get("code") or {}).get("zipped_bytes")
    return live if isinstance(live, int) else None


def unzipped_parts(doc: Document) -> tuple[list[tuple[str, int]], bool]:
    """(part name, unzipped bytes) for the function and each inspected layer; and whether all are known."""
    ins = _inspection(doc)
    own = ins.get("unzipped_bytes")
    if not isinstance(own, int):
        own = (doc.get("code") or {}).get("unzipped_bytes")
    if not isinstance(own, int):
        return [], False
    parts = [("function package", own)]
    known = {layer.get("name") for layer in ins.get("layers") or ()}
    for layer in ins.get("layers") or ():
        if isinstance(layer.get("unzipped_bytes"), int):
            parts.append((f"layer {layer['name']}", layer["unzipped_bytes"]))
    complete = all(_label(layer) in known for layer in doc.get("layers") or ())
    return parts, complete


def zipped_over_limit(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA401."""
    size = zipped_size(doc)
    limit = int(ctx.params["max_zipped_bytes"])
    if size is None or size <= limit:
        return
    yield Hit(message=f"{doc['name']}: zipped package is {size_text(size)}, over the {size_text(limit)} "
                      "limit for direct upload",
              pointer="/code", subject="zipped", extra={"bytes": size})


def unzipped_over_limit(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA402."""
    parts, complete = unzipped_parts(doc)
    total = sum(n for _, n in parts)
    limit = int(ctx.params["max_unzipped_bytes"])
    if not parts or total <= limit:
        return
    biggest = sorted(parts, key=lambda p: -p[1])[:3]
    named = ", ".join(f"{name} {size_text(n)}" for name, n in biggest)
    largest = _inspection(doc).get("largest") or []
    files = ", ".join(f"{f['path']}{' in layer ' + f['layer'] if f.get('layer') else ''} {size_text(f['bytes'])}"
                      for f in largest[:3])
    at_least = "" if complete else "at least "
    with_layers = " with its layers" if len(parts) > 1 else ""
    yield Hit(message=f"{doc['name']} unzips to {at_least}{size_text(total)}{with_layers}, over the "
                      f"{size_text(limit)} limit: {named}" + (f"; largest files: {files}" if files else ""),
              pointer="/code", subject="unzipped", extra={"bytes": total})


def too_many_layers(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA403: works from the ``layers`` list alone."""
    layers = doc.get("layers") or []
    limit = int(ctx.params["max_layers"])
    if len(layers) <= limit:
        return
    yield Hit(message=f"{doc['name']} uses {len(layers)} layers; Lambda allows at most {limit}",
              pointer="/layers", subject="layers")


def windows_binaries(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA404: PE files (by header, or named .exe/.dll)."""
    found = [b for b in _inspection(doc).get("binaries") or () if b.get("format") == "PE"]
    yield from _capped(doc, ctx, found, lambda b: (
        f"{_where(doc, b)} holds Windows binary {b['path']}"
        f"{' (PE ' + b['arch'] + ')' if b.get('arch') else ''}; Lambda runs Amazon Linux and cannot execute it"),
        "Windows binaries")


def foreign_binaries(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA405: ELF for another architecture than the function's, and Mach-O anywhere."""
    archs = doc.get("architectures") or ["x86_64"]
    arch = archs[0]
    assumed = "" if doc.get("architectures") else " (the default)"
    found = []
    for b in _inspection(doc).get("binaries") or ():
        if b.get("fallback"):
            continue  # an optional accelerator: Python loads its pure-Python twin, nothing breaks
        if b.get("format") == "Mach-O":
            found.append((b, f"{_where(doc, b)} holds macOS (Mach-O {b.get('arch') or 'unknown CPU'}) binary "
                             f"{b['path']}; Lambda runs Linux and cannot load it"))
        elif b.get("format") == "ELF" and b.get("arch") and b["arch"] != arch:
            found.append((b, f"{_where(doc, b)} holds {b['path']}, built for {b['arch']}, but {doc['name']} "
                             f"runs on {arch}{assumed}; it will fail to load"))
    by_item = {id(b): text for b, text in found}
    yield from _capped(doc, ctx, [b for b, _ in found], lambda b: by_item[id(b)], "binaries for another architecture")


def _capped(doc: Document, ctx: Context, items: list[dict[str, Any]], text: Any, what: str) -> Iterator[Hit]:
    cap = int(ctx.params.get("max_files", 20))
    for b in items[:cap]:
        yield Hit(message=text(b), pointer=layer_pointer(doc, b.get("layer")),
                  subject=f"{b.get('layer') or 'code'}:{b['path']}")
    if len(items) > cap:
        yield Hit(message=f"{doc['name']}: {len(items) - cap} more {what} not listed", pointer="/code",
                  subject=f"more:{what}")


def near_limits(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA406: images over 10 GB, and packages within ``warn_ratio`` of a limit."""
    ratio = float(ctx.params["warn_ratio"])
    image = (doc.get("code") or {}).get("image_bytes")
    image_limit = int(ctx.params["max_image_bytes"])
    if isinstance(image, int):
        if image > image_limit:
            yield Hit(message=f"{doc['name']}: container image is {size_text(image)}, over Lambda's "
                              f"{size_text(image_limit)} limit", pointer="/code", subject="image", severity="high")
        elif image >= ratio * image_limit:
            yield Hit(message=f"{doc['name']}: container image is {size_text(image)}, "
                              f"{image / image_limit:.0%} of the {size_text(image_limit)} limit; big images "
                              "start slowly", pointer="/code", subject="image")
    zipped = zipped_size(doc)
    zlimit = int(ctx.params["max_zipped_bytes"])
    if zipped is not None and ratio * zlimit <= zipped <= zlimit:
        yield Hit(message=f"{doc['name']}: zipped package is {size_text(zipped)}, {zipped / zlimit:.0%} of the "
                          f"{size_text(zlimit)} direct-upload limit; large packages start slowly",
                  pointer="/code", subject="zipped")
    parts, _ = unzipped_parts(doc)
    total = sum(n for _, n in parts)
    ulimit = int(ctx.params["max_unzipped_bytes"])
    if parts and ratio * ulimit <= total <= ulimit:
        yield Hit(message=f"{doc['name']} unzips to {size_text(total)}, {total / ulimit:.0%} of the "
                          f"{size_text(ulimit)} limit; large packages start slowly",
                  pointer="/code", subject="unzipped")
