"""CDK cloud assemblies (``cdk.out/``): every stack template, nested stacks and stages.

``manifest.json`` lists the artifacts: ``aws:cloudformation:stack`` (its
``properties.templateFile``) and ``cdk:cloud-assembly`` (a stage: another
assembly in ``properties.directoryName``). Nested stacks are
``AWS::CloudFormation::Stack`` resources whose ``aws:asset:path`` metadata names
a ``*.nested.template.json`` in the same folder. Stages and nested stacks are
read once each (a visited set: an assembly that names itself as a stage is not
walked again), and every path must stay inside the assembly. The template source reads each
template with ``asset_root`` set to the assembly folder, so a function's
``aws:asset:path`` (``asset.<hash>``) becomes its ``code.local_path`` and the
package inspection can look inside.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lambda_advisor.result import InputError
from lambda_advisor.sources import Loaded
from lambda_advisor.sources.files import (
    MAX_JSON_BYTES,
    MAX_TEMPLATE_BYTES,
    InputProblem,
    display,
    exists,
    inside,
    not_regular,
    read_json,
)

MAX_DEPTH = 8  # stages in stages, nested stacks in nested stacks


def claims_dir(path: Path) -> bool:
    return (path / "manifest.json").is_file() and ((path / "cdk.out").is_file() or path.name == "cdk.out")


def load(path: Path, *, explicit: bool = True) -> Loaded:
    out = Loaded()
    _assembly(path, out, depth=0, seen=set(), top=path.resolve())
    return out


def _read_json(path: Path, out: Loaded) -> Any:
    try:
        return read_json(path, MAX_JSON_BYTES, path.name)
    except InputProblem as exc:
        out.errors.append(InputError(display(path), str(exc), exc.line))
    return None



def _assembly(root: Path, out: Loaded, *, depth: int, seen: set[Path], top: Path) -> None:
    key = root.resolve()
    if key in seen:
        return  # a stage that names an assembly already read (itself, or a parent)
    seen.add(key)
    manifest = _read_json(root / "manifest.json", out)
    if manifest is None:
        return
    artifacts = manifest.get("artifacts") if isinstance(manifest, dict) else None
    if not isinstance(artifacts, dict):
        out.errors.append(InputError(display(root / "manifest.json"),
                                     "no artifacts: not a CDK cloud assembly manifest"))
        return
    for artifact_id, artifact in artifacts.items():
        if not isinstance(artifact, dict):
            continue
        props = artifact.get("properties")
        props = props if isinstance(props, dict) else {}
        kind = artifact.get("type")
        if kind == "aws:cloudformation:stack" and isinstance(props.get("templateFile"), str):
            stack = props.get("stackName") or artifact.get("displayName") or artifact_id
            _stack(root, root / props["templateFile"], str(stack), out, depth=depth, seen=seen, top=top)
        elif kind == "cdk:cloud-assembly" and isinstance(props.get("directoryName"), str) and depth < MAX_DEPTH:
            sub = root / props["directoryName"]
            if not inside(top, sub):
                out.errors.append(InputError(display(sub), f"stage {artifact_id}: outside the assembly; not read"))
            elif (sub / "manifest.json").is_file():
                _assembly(sub, out, depth=depth + 1, seen=seen, top=top)
            else:
                out.errors.append(InputError(display(sub), f"stage {artifact_id}: no manifest.json"))


def _stack(root: Path, template: Path, stack: str, out: Loaded, *, depth: int, seen: set[Path],
           top: Path) -> None:
    from lambda_advisor.sources.template import load_template

    key = template.resolve()
    if key in seen:
        return
    seen.add(key)
    if not inside(top, template):
        out.errors.append(InputError(display(template), f"stack {stack}: template outside the assembly; not read"))
        return
    reason = not_regular(template)
    if reason is not None:
        problem = "is missing" if not exists(template) else f"is {reason}"
        out.errors.append(InputError(display(template), f"stack {stack}: template named in manifest.json {problem}"))
        return
    loaded = load_template(template, explicit=True, fmt="cdk", asset_root=root)
    for doc in loaded.documents:
        source = doc.setdefault("source", {})
        if not source.get("stack"):
            source["stack"] = stack
    out.documents.extend(loaded.documents)
    out.errors.extend(loaded.errors)
    out.notices.extend(loaded.notices)
    if depth >= MAX_DEPTH:
        return
    for nested, logical_id in _nested_templates(template):
        _stack(root, root / nested, f"{stack}/{logical_id}", out, depth=depth + 1, seen=seen, top=top)


def _nested_templates(template: Path) -> list[tuple[str, str]]:
    try:
        data = read_json(template, MAX_TEMPLATE_BYTES)
    except InputProblem:
        return []  # load_template already reported it
    resources = data.get("Resources") if isinstance(data, dict) else None
    found = []
    for logical_id, res in (resources.items() if isinstance(resources, dict) else ()):
        if not isinstance(res, dict) or res.get("Type") != "AWS::CloudFormation::Stack":
            continue
        metadata = res.get("Metadata")
        asset = metadata.get("aws:asset:path") if isinstance(metadata, dict) else None
        if isinstance(asset, str) and asset.endswith(".json"):
            found.append((asset, str(logical_id)))
    return found
