"""Which local packages a template document has: the one answer both `scan` and the inspector use.

Kept apart from ``sources/package/`` (and free of its imports) so that `scan`
can ask this for every template and import the inspector only when the answer
is yes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from lambda_advisor.sources.files import exists


def is_dir(path: Path) -> bool:
    """``Path.is_dir`` that answers False for names too long or otherwise unusable, never raises."""
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def resolve(value: Any, template: Path | None) -> Path | None:
    """An existing local path: as written (the template source joins it already) or beside the template."""
    if not isinstance(value, str) or not value or "://" in value:
        return None
    p = Path(value)
    if exists(p):  # absolute, or as the template source wrote it (relative to the working folder)
        return p
    if not p.is_absolute() and template is not None and exists(template.parent / p):
        return template.parent / p
    return None


def built(template: Path | None, logical_id: Any) -> Path | None:
    """``.aws-sam/build/<LogicalId>`` beside the template, when ``sam build`` made one."""
    if template is None or not isinstance(logical_id, str) or not logical_id:
        return None
    p = template.parent / ".aws-sam" / "build" / logical_id
    return p if is_dir(p) else None


def local_packages(doc: dict[str, Any]) -> tuple[Path | None, list[tuple[int, Path]]]:
    """The function's package and its layers' (index, path), for template documents not yet inspected.

    The ``sam build`` output wins over ``code.local_path``: it is what gets deployed.
    """
    src = doc.get("source") or {}
    code = doc.get("code") or {}
    if src.get("kind") != "template" or doc.get("package_type") == "Image" or code.get("inspection") is not None:
        return None, []
    template = Path(src["file"]) if src.get("file") else None
    package = built(template, src.get("logical_id")) or resolve(code.get("local_path"), template)
    layers = []
    for i, layer in enumerate(doc.get("layers") or ()):
        path = built(template, layer.get("logical_id")) or resolve(layer.get("local_path"), template)
        if path is not None:
            layers.append((i, path))
    return package, layers


def has_local_packages(docs: list[dict[str, Any]]) -> bool:
    """Whether any document has code to inspect: a package or layer on disk, or inline source."""
    for doc in docs:
        try:
            package, layers = local_packages(doc)
        except Exception:
            return True  # the inspector's own barrier reports it
        if package is not None or layers or isinstance((doc.get("extra") or {}).get("inline_code"), dict):
            return True
    return False
