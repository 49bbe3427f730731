"""Serverless Framework output (``.serverless/``): the generated template and its artifacts.

``serverless package`` (or ``deploy``) writes
``cloudformation-template-update-stack.json`` and the zips it uploads. Each
``AWS::Lambda::Function`` names its zip in ``Code.S3Key``; the file of that name
in ``.serverless/`` is the package (one shared zip by default, one per function
with ``package.individually``). Layers (``AWS::Lambda::LayerVersion``) work the
same way. ``serverless-state.json`` is the fallback for artifacts that live
elsewhere (``package.artifact``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from lambda_advisor.result import InputError
from lambda_advisor.sources import Loaded
from lambda_advisor.sources.files import (
    MAX_JSON_BYTES,
    MAX_TEMPLATE_BYTES,
    InputProblem,
    display,
    inside,
    not_regular,
    read_json,
)

TEMPLATE = "cloudformation-template-update-stack.json"
STATE = "serverless-state.json"


def claims_dir(path: Path) -> bool:
    return (path / TEMPLATE).is_file()


def load(path: Path, *, explicit: bool = True) -> Loaded:
    from lambda_advisor.sources.template import load_template

    template = path / TEMPLATE
    loaded = load_template(template, explicit=True, fmt="serverless", asset_root=path)
    artifacts = _artifacts(path, template, loaded)
    for doc in loaded.documents:
        code = doc.get("code")
        lid = (doc.get("source") or {}).get("logical_id")
        if isinstance(code, dict) and not code.get("local_path") and lid in artifacts:
            code["local_path"] = str(artifacts[lid])
        for layer in doc.get("layers") or ():
            if not layer.get("local_path") and layer.get("logical_id") in artifacts:
                layer["local_path"] = str(artifacts[layer["logical_id"]])
    return loaded


def _artifacts(root: Path, template: Path, loaded: Loaded) -> dict[str, Path]:
    """Logical ID of each function and layer -> its zip on disk."""
    try:
        data = read_json(template, MAX_TEMPLATE_BYTES)
    except InputProblem:
        return {}  # load_template reported it
    state = _state(root, loaded)
    found: dict[str, Path] = {}
    for lid, res in _mapping(_mapping(data).get("Resources")).items():
        if not isinstance(res, dict):
            continue
        props = _mapping(res.get("Properties"))
        if res.get("Type") == "AWS::Lambda::Function":
            key = _mapping(props.get("Code")).get("S3Key")
        elif res.get("Type") == "AWS::Lambda::LayerVersion":
            key = _mapping(props.get("Content")).get("S3Key")
        else:
            continue
        name = _key_name(key)
        candidate = root / name if name else None
        if candidate is not None and not_regular(candidate) is None and inside(root, candidate):
            found[lid] = candidate
        elif lid in state:
            found[lid] = state[lid]
        elif name:
            loaded.notices.append(f"{root}: artifact {name} of {lid} is not in the folder; package not inspected")
    return found


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}



def _key_name(key: Any) -> str | None:
    if isinstance(key, str):
        return key.rsplit("/", 1)[-1] or None
    if isinstance(key, dict) and isinstance(key.get("Fn::Join"), list) and len(key["Fn::Join"]) == 2:
        parts = key["Fn::Join"][1]
        if isinstance(parts, list) and parts and isinstance(parts[-1], str):
            return parts[-1].rsplit("/", 1)[-1] or None
    return None


def logical_id(function_name: str) -> str:
    """Serverless's logical ID for a function key: ``my-func`` -> ``MyDashfuncLambdaFunction``."""
    name = function_name[:1].upper() + function_name[1:]
    return re.sub(r"[^A-Za-z0-9]", "", name.replace("-", "Dash").replace("_", "Underscore")) + "LambdaFunction"


def _state(root: Path, loaded: Loaded) -> dict[str, Path]:
    path = root / STATE
    if not path.is_file():
        return {}
    try:
        state = read_json(path, MAX_JSON_BYTES, STATE)
    except InputProblem as exc:
        loaded.errors.append(InputError(display(path), f"cannot read: {exc}", exc.line))
        return {}
    service = state.get("service") if isinstance(state, dict) else None
    if not isinstance(service, dict):
        return {}
    service_dir = root.parent
    shared = _mapping(service.get("package")).get("artifact")
    out: dict[str, Path] = {}
    for name, fn in _mapping(service.get("functions")).items():
        if not isinstance(fn, dict):
            continue
        artifact = _mapping(fn.get("package")).get("artifact") or shared
        if isinstance(artifact, str) and "\0" not in artifact:
            p = Path(artifact)
            p = p if p.is_absolute() else service_dir / p
            if not_regular(p) is not None:  # missing, or a name no file system takes (too long)
                continue
            if inside(service_dir, p):
                out[logical_id(str(name))] = p
            else:
                loaded.notices.append(f"{display(path)}: artifact {display(p)} of {name} is outside the "
                                      "service folder; package not inspected")
    return out
