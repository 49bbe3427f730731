"""Package inspection: what is inside a function's deployment package and its layers.

Public surface:

* :func:`inspect_package` – one zip path, zip bytes or folder → ``code.inspection`` dict;
* :func:`inspect_documents` – fill ``code.inspection`` for template documents whose
  packages are on disk (``code.local_path``, layer ``local_path``, ``.aws-sam/build``);
* :func:`lambda_advisor.sources.package.live.inspect_live` – the same for live
  functions, from presigned download URLs.

Facts only; the rules in ``checks/packaging.py`` and ``checks/code.py`` judge them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from lambda_advisor.barrier import internal_error
from lambda_advisor.sources.files import display, inside
from lambda_advisor.sources.package.code import Site, scan_source
from lambda_advisor.sources.package.scan import (
    Limits,
    PackageError,
    PackageFacts,
    inspection,
    scan_path,
    scan_zip,
)
from lambda_advisor.sources.package_paths import local_packages, resolve

__all__ = ["Inspector", "Limits", "PackageError", "PackageFacts", "inspect_documents", "inspect_inline",
           "inspect_package", "layer_label"]

Document = dict[str, Any]


def inspect_package(source: str | os.PathLike[str] | bytes | IO[bytes], *, handler: str | None = None,
                    runtime: str | None = None, limits: Limits | None = None) -> dict[str, Any]:
    """``code.inspection`` for one package; raises :class:`PackageError` when it cannot be read."""
    if isinstance(source, (str, os.PathLike)):
        facts = scan_path(source, limits)
    else:
        facts = scan_zip(source, limits)
    return inspection(facts, handler_clients(facts, handler, runtime))


def layer_label(layer: dict[str, Any]) -> str:
    """How a layer is named in inspection results: logical ID, else ARN, else path."""
    arn = layer.get("arn")
    return str(layer.get("logical_id") or (arn if isinstance(arn, str) else None)
               or layer.get("local_path") or "layer")


def handler_clients(facts: PackageFacts, handler: str | None, runtime: str | None) -> list[Site]:
    """Clients created inside the handler function (or, handler unknown, any ``*handler`` function)."""
    sites = facts.code.function_clients
    if not sites:
        return []
    if not handler:
        return [s for s in sites if str(s.get("name") or "").lower().endswith("handler")]
    stems = handler_stems(handler)
    func = handler.rpartition(".")[2]
    return [s for s in sites if s.get("name") == func and _stem(s) in stems]


def handler_stems(handler: Any) -> set[str]:
    """The paths, without suffix, the handler's module can have in its package (``a.b.h`` → ``a.b``, ``a/b``)."""
    if not isinstance(handler, str) or "::" in handler:
        return set()
    module = handler.rpartition(".")[0]
    return {module, module.replace(".", "/")} if module else set()


def _stem(site: Site) -> str:
    return str(site["path"]).removeprefix("./").rsplit(".", 1)[0]


#: Site lists that say what a function's code does, as opposed to what its package holds.
_CODE_SITES = ("invoke_calls", "frameworks")
_MANIFEST_LANGUAGES = {"json", "text"}


def _drop_foreign(result: dict[str, Any], foreign: set[str]) -> None:
    """Leave out the code of other functions' handler modules in a package several functions share.

    One ``CodeUri`` often holds one handler file per function (``validator.py``,
    ``processor.py``): an invoke call or a framework import in another function's
    entry module is that function's, not this one's. Shared modules that no
    handler names stay with every function, since any of them may import them.
    """
    if not foreign:
        return
    for key in _CODE_SITES:
        result[key] = [s for s in result.get(key) or []
                       if s.get("language") in _MANIFEST_LANGUAGES or _stem(s) not in foreign]


@dataclass
class Outcome:
    """What inspecting documents produced besides the documents themselves."""

    errors: list[tuple[str, str]] = field(default_factory=list)  # (where, message)
    notices: list[str] = field(default_factory=list)


class Inspector:
    """Inspects packages once per path for a run (Serverless shares one zip between functions)."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._cache: dict[str, PackageFacts | PackageError] = {}

    def facts(self, path: Path) -> PackageFacts:
        key = os.path.realpath(path)
        cached = self._cache.get(key)
        if cached is None:
            try:
                cached = scan_path(key, self.limits)
            except PackageError as exc:
                cached = exc
            self._cache[key] = cached
        if isinstance(cached, PackageError):
            raise cached
        return cached

    def inspect_document(self, doc: Document, package: Path | None,
                         layer_paths: list[tuple[int, str, Path]], outcome: Outcome,
                         foreign: set[str] | None = None) -> None:
        """Fill ``doc["code"]["inspection"]`` from a function package and layer packages on disk.

        ``foreign``: the handler modules (paths without suffix) of the other functions that share the package.
        """
        code = doc.get("code")
        if code is None:
            code = doc["code"] = {}
        result: dict[str, Any] | None = None
        problems: list[tuple[str, str]] = []  # (where, message)
        if package is not None:
            try:
                facts = self.facts(package)
                result = inspection(facts, handler_clients(facts, doc.get("handler"), doc.get("runtime")))
                _drop_foreign(result, foreign or set())
                _notices(outcome, package, facts)
                problems += [(str(package), e) for e in facts.errors]
            except PackageError as exc:
                problems.append((str(package), str(exc)))
        if result is None:
            result = {"files": None, "zipped_bytes": None, "unzipped_bytes": None, "largest": [], "layers": [],
                      "binaries": [], "invoke_calls": [], "handler_clients": [], "frameworks": [],
                      "errors": [f"{where}: {m}" for where, m in problems], "truncated": False}
        for _, label, path in layer_paths:
            try:
                facts = self.facts(path)
            except PackageError as exc:
                result["errors"].append(f"layer {label}: {exc}")
                problems.append((str(path), f"layer {label}: {exc}"))
                continue
            _notices(outcome, path, facts)
            merge_layer(result, label, facts)
            problems += [(str(path), f"layer {label}: {e}") for e in facts.errors]
        for where, message in problems:
            text = f"{where}: {message}"
            if text not in doc.setdefault("errors", []):
                doc["errors"].append(text)
            outcome.errors.append((where, f"{doc['name']}: {message}"))
        code["inspection"] = result


def merge_layer(result: dict[str, Any], label: str, facts: PackageFacts) -> None:
    """Add one layer's facts to a function's inspection, each item marked with the layer."""
    result["layers"].append({"name": label, "files": facts.files, "zipped_bytes": facts.zipped_bytes,
                             "unzipped_bytes": facts.unzipped_bytes})
    result["binaries"].extend({**b, "layer": label} for b in facts.binaries)
    result["invoke_calls"].extend({**s, "layer": label} for s in facts.code.invoke_calls)
    result["frameworks"].extend({**s, "layer": label} for s in facts.code.frameworks)
    result["errors"].extend(f"layer {label}: {e}" for e in facts.errors)
    result["truncated"] = bool(result["truncated"] or facts.truncated)
    merged = result["largest"] + [{"path": name, "bytes": size, "layer": label} for size, name in facts.sizes]
    result["largest"] = sorted(merged, key=lambda x: -x["bytes"])[: max(len(result["largest"]), len(facts.sizes))]


def _notices(outcome: Outcome, path: Path, facts: PackageFacts) -> None:
    for n in facts.notices:
        text = f"{path}: {n}"
        if text not in outcome.notices:
            outcome.notices.append(text)


def _in_project(path: Path, roots: list[Path], doc: Document, outcome: Outcome) -> bool:
    if any(inside(root, path) for root in roots):
        return True
    outcome.notices.append(f"{display(path)}: package of {doc.get('name')} is outside the scanned project; "
                           "not inspected")
    return False


def _source_key(doc: Document, package: Path) -> str:
    """What functions share: the source folder the template names (``sam build`` copies it once per function)."""
    template = (doc.get("source") or {}).get("file")
    source = resolve((doc.get("code") or {}).get("local_path"), Path(template) if template else None)
    return os.path.realpath(source or package)


def _barrier_error(doc: Document, exc: Exception, outcome: Outcome) -> None:
    where = str((doc.get("source") or {}).get("file") or doc.get("id"))
    err = internal_error(display(where), exc, f"while inspecting the package of {doc.get('name')}")
    outcome.errors.append((err.where, err.message))


#: The file CloudFormation writes inline code to, by runtime family (the handler names its module).
_INLINE_SUFFIX = {"python": ".py", "nodejs": ".js"}


def inspect_inline(doc: Document, notices: list[str] | None = None) -> bool:
    """Fill ``code.inspection`` from the function's inline source (``ZipFile``, ``InlineCode``).

    The code is scanned as the file Lambda runs (``index.py`` for handler ``index.handler``); each site
    then points at the template, on the line the code was written on. Inline code has the budgets of a
    package's source file; ``notices`` hears when it was over one.
    """
    inline = (doc.get("extra") or {}).get("inline_code")
    code = doc.get("code")
    if not isinstance(inline, dict) or not isinstance(code, dict) or code.get("inspection") is not None:
        return False
    runtime = str(doc.get("runtime") or "")
    suffix = next((s for family, s in _INLINE_SUFFIX.items() if runtime.startswith(family)), None)
    handler = str(doc.get("handler") or "index.handler")
    if suffix is None:
        return False
    module = handler.rpartition(".")[0] or "index"
    data = str(inline.get("text") or "").encode("utf-8", "surrogatepass")
    facts = PackageFacts(files=1, unzipped_bytes=len(data))
    scan_source(module.replace(".", "/") + suffix, data, facts.code)
    result = inspection(facts, handler_clients(facts, handler, runtime))
    file = os.path.basename((doc.get("source") or {}).get("file") or "template")  # stable in fingerprints
    if notices is not None:
        where = display((doc.get("source") or {}).get("file") or "template")
        notices.extend(f"{where}: inline code of {doc.get('name')}: {n}" for n in facts.code.notices)
    first = int(inline.get("line") or 0)
    for key in ("invoke_calls", "handler_clients", "frameworks"):
        for site in result[key]:
            site["path"] = file
            site["line"] = first + int(site.get("line") or 1) - 1 if inline.get("block") else first
    result["largest"] = []
    code["inspection"] = result
    return True


def inspect_documents(docs: list[Document], *, limits: Limits | None = None,
                      inspector: Inspector | None = None, roots: list[Path] | None = None) -> Outcome:
    """Inspect the local packages of template documents, in place.

    The function package is ``.aws-sam/build/<LogicalId>`` beside the template when
    ``sam build`` made one (it is what gets deployed), else ``code.local_path``
    (absolute, or relative to the template). Layers with a ``local_path`` (or a
    ``.aws-sam/build/<LayerLogicalId>``) are inspected too. Documents from live
    sources and image functions are left alone. With ``roots``, a package outside all of
    them (``CodeUri: /``, an asset path of ``../../..``) is not read: a notice says so.
    """
    inspector = inspector or Inspector(limits)
    outcome = Outcome()
    todo: list[tuple[Document, Path | None, list[tuple[int, Path]]]] = []
    handlers: dict[str, set[str]] = {}  # package (real path) → handler modules of every function on it
    for doc in docs:
        try:  # the barrier: one function's packages, one error entry
            package, layers = local_packages(doc)
            if roots is not None:
                package = package if package is None or _in_project(package, roots, doc, outcome) else None
                layers = [(i, p) for i, p in layers if _in_project(p, roots, doc, outcome)]
            if package is None and not layers:
                inspect_inline(doc, outcome.notices)
                continue
            if package is not None:
                handlers.setdefault(_source_key(doc, package), set()).update(handler_stems(doc.get("handler")))
            todo.append((doc, package, layers))
        except Exception as exc:
            _barrier_error(doc, exc, outcome)
    for doc, package, layers in todo:
        try:
            layer_paths = [(i, layer_label((doc.get("layers") or [])[i]), path) for i, path in layers]
            foreign = handlers[_source_key(doc, package)] - handler_stems(doc.get("handler")) if package else set()
            inspector.inspect_document(doc, package, layer_paths, outcome, foreign)
        except Exception as exc:
            _barrier_error(doc, exc, outcome)
    return outcome


