"""One Terraform root module and every module it calls: files, variables, module instances.

A :class:`Project` owns what is shared across modules: the files read (each gets an index, and
lines are encoded as ``index * STRIDE + line`` so one CloudFormation-shaped template can carry
lines of many files), the scanned roots nothing may be read outside of, the root's variable
values, the errors and notices. A :class:`ModuleDef` is one folder's blocks.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from lambda_advisor.model import FILE_LINE_STRIDE
from lambda_advisor.result import InputError
from lambda_advisor.sources.files import display
from lambda_advisor.sources.terraform import hcl
from lambda_advisor.sources.terraform.evaluate import Body, EvalError, ModuleEval, Value
from lambda_advisor.sources.terraform.hcl_json import parse_json
from lambda_advisor.sources.terraform.values import (
    Attr,
    InstanceRef,
    JsonText,
    Partial,
    Unknown,
    decode_partial,
    is_known,
)
from lambda_advisor.sources.yaml_loader import LineDict, LineList

#: Lines of file ``i`` are ``i * STRIDE + line`` in the translated template.
STRIDE = FILE_LINE_STRIDE
#: The largest Terraform file read (the same budget as a template).
MAX_FILE_BYTES = 10 * 1024 * 1024
#: Module calls nested deeper than this are not followed.
MAX_MODULE_DEPTH = 12
#: Module instances one project may evaluate.
MAX_MODULE_INSTANCES = 500


def is_tf_file(name: str) -> bool:
    return name.endswith((".tf", ".tf.json"))


def _nested_kind(block: hcl.Block) -> str:
    """The block type a nested block stands for: ``dynamic "environment"`` is an ``environment`` block."""
    return block.labels[0] if block.type == "dynamic" and block.labels else block.type


def is_override_file(name: str) -> bool:
    """``override.tf`` and ``*_override.tf`` (and their ``.tf.json``): merged into the other files' blocks."""
    return name.endswith(("_override.tf", "_override.tf.json")) or name in ("override.tf", "override.tf.json")


class ModuleDef:
    """The blocks of one module folder (every ``*.tf`` and ``*.tf.json`` in it)."""

    def __init__(self, project: Project, folder: Path, standin: tuple[str, int] | None = None) -> None:
        self.folder = folder
        #: A built-in stand-in for a module not on disk: (its label, the line of the call it serves).
        self.standin = standin
        self.variables: dict[str, hcl.Block] = {}
        self.locals: dict[str, tuple[hcl.Attribute, int]] = {}
        self.resources: dict[str, hcl.Block] = {}
        self.data: dict[str, hcl.Block] = {}
        self.modules: dict[str, hcl.Block] = {}
        self.outputs: dict[str, hcl.Block] = {}
        self.files: list[int] = []
        try:
            names = sorted(n for n in os.listdir(folder) if is_tf_file(n))
        except OSError as exc:
            project.errors.append(InputError(project.shown(folder), f"cannot list: {exc.strerror or exc}"))
            return
        overrides = [n for n in names if is_override_file(n)]
        for name in [n for n in names if not is_override_file(n)]:
            blocks = project.parse(folder / name, standin)
            if blocks is None:
                continue
            for block in blocks:
                self._add(block)
        for name in overrides:  # after every other file, in name order, as Terraform merges them
            blocks = project.parse(folder / name, standin)
            for block in blocks or []:
                orphan = self._override(block)
                if orphan is not None:
                    project.notice(f"{project.shown(folder / name)}: line {block.line % STRIDE}: {orphan} "
                                   "overrides nothing (Terraform refuses it); left out")

    def _registry(self, block: hcl.Block) -> tuple[dict[str, hcl.Block], str] | None:
        """Where a top-level block of this kind is kept, and its key there."""
        labels = block.labels
        if block.type in ("resource", "data") and len(labels) == 2:
            return (self.resources if block.type == "resource" else self.data), f"{labels[0]}.{labels[1]}"
        registries = {"variable": self.variables, "module": self.modules, "output": self.outputs}
        if block.type in registries and len(labels) == 1:
            return registries[block.type], labels[0]
        return None

    def _override(self, block: hcl.Block) -> str | None:
        """Merge a block of an override file into the block it names, as Terraform does
        (https://developer.hashicorp.com/terraform/language/files/override): each argument replaces the
        one of that name, and nested blocks replace every nested block of their type, ``dynamic`` ones
        included (their contents are not merged). Local values replace the local of that name.
        What names nothing to override is returned, and left out."""
        if block.type == "locals":
            missing = [name for name in block.attributes if name not in self.locals]
            for name, attr in block.attributes.items():
                if name not in missing:
                    self.locals[name] = (attr, block.file)
            return f"local {', '.join(missing)}" if missing else None
        if block.type in ("terraform", "provider"):
            return None  # settings this reading does not use
        place = self._registry(block)
        base = place[0].get(place[1]) if place is not None else None
        if base is None:
            return " ".join([block.type, ".".join(block.labels)]).strip()
        base.attributes.update(block.attributes)
        base.attribute_files.update({name: block.file for name in block.attributes})
        replaced = {_nested_kind(nested) for nested in block.blocks}
        base.blocks = [nested for nested in base.blocks if _nested_kind(nested) not in replaced] + list(block.blocks)
        return None

    def _add(self, block: hcl.Block) -> None:
        if block.type == "locals":
            for name, attr in block.attributes.items():
                self.locals[name] = (attr, block.file)
            return
        place = self._registry(block)
        if place is not None:
            place[0][place[1]] = block


class Project:
    """Everything read for one root module."""

    def __init__(self, root: Path, roots: list[Path], var_files: list[Path] | None = None) -> None:
        self.root = root
        self.roots = outermost(roots)
        self.files: list[str] = [""]  # index 0 is no file: every encoded line is at least STRIDE
        self.standin_files: dict[int, tuple[str, int]] = {}
        self.errors: list[InputError] = []
        self.notices: list[str] = []
        self.comments: dict[int, list[tuple[int, str]]] = {}
        self.tfvars: dict[str, Any] = {}
        self._defs: dict[Path, ModuleDef] = {}
        self._children: dict[tuple[int, str], Any] = {}
        self.evals: list[ModuleEval] = []
        self._modules_json = self._read_modules_json()
        self.root_def = self.module_def(root)
        self._read_tfvars(var_files or [])
        self.root_eval = ModuleEval(self.root_def, self, "", {})
        self.evals.append(self.root_eval)

    # -- files ----------------------------------------------------------------------------------

    def add_file(self, path: Path) -> int:
        self.files.append(self.shown(path))
        return len(self.files) - 1

    def shown(self, path: Path) -> str:
        """A path as the user wrote the scanned one: relative to the working folder when that was relative."""
        if self.root.is_absolute():
            return display(path)
        try:
            return display(os.path.relpath(os.path.realpath(path), _cwd()))
        except (OSError, ValueError):
            return display(path)

    def vline(self, file: int, line: int) -> int:
        standin = self.standin_files.get(file)
        if standin is not None:  # a built-in stand-in's lines are the module call's
            return standin[1]
        return file * STRIDE + line

    def place(self, vline: int) -> tuple[str, int]:
        index, line = divmod(vline, STRIDE)
        return (self.files[index] if 0 <= index < len(self.files) else "?"), line

    def read_bytes(self, path: Path) -> bytes | None:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                self.errors.append(InputError(self.shown(path), f"larger than the {MAX_FILE_BYTES >> 20} MB this "
                                              "tool reads for a Terraform file; not read"))
                return None
            return path.read_bytes()
        except OSError as exc:
            self.errors.append(InputError(self.shown(path), f"cannot read: {exc.strerror or exc}"))
            return None

    def read_text(self, path: Path) -> str | None:
        data = self.read_bytes(path)
        return data.decode("utf-8", "replace") if data is not None else None

    def parse(self, path: Path, standin: tuple[str, int] | None = None) -> list[hcl.Block] | None:
        data = self.read_bytes(path)
        if data is None:
            return None
        index = self.add_file(path)
        if standin is not None:
            self.files[index] = standin[0]
            self.standin_files[index] = standin
        try:
            if path.name.endswith(".json"):
                blocks, _, comments = parse_json(data, index)
            else:
                blocks, _, comments = hcl.parse_native(data, index)
        except hcl.HclError as exc:
            self.errors.append(InputError(self.shown(path), f"cannot parse: {exc}", exc.line))
            return None
        except RecursionError:
            self.errors.append(InputError(self.shown(path), "cannot parse: nested too deep"))
            return None
        self.comments[index] = comments
        return blocks

    def inside(self, folder: Path, relative: str) -> Path | None:
        """``relative`` (from ``folder``) when it lies inside a scanned root, else None."""
        if "\0" in relative:
            return None
        try:
            path = (folder / relative).resolve()
        except (OSError, RuntimeError, ValueError):
            return None
        text = str(path)
        if any(text == r or text.startswith(r.rstrip(os.sep) + os.sep) for r in self.roots):
            return path
        return None

    def notice(self, text: str) -> None:
        if text not in self.notices:
            self.notices.append(text)

    def path_value(self, folder: Path, which: str) -> Any:
        if which == "module":
            rel = os.path.relpath(folder, self.root)
            return "." if rel == "." else rel.replace(os.sep, "/")
        if which in ("root", "cwd"):
            return "."
        raise EvalError(f"no path.{which}")

    # -- variables ------------------------------------------------------------------------------

    def _read_tfvars(self, extra: list[Path]) -> None:
        """Terraform's order: terraform.tfvars, terraform.tfvars.json, *.auto.tfvars(.json) by name,
        then ``--var-file`` files; later ones win. Environment variables (TF_VAR_*) are never read."""
        try:
            names = sorted(os.listdir(self.root))
        except OSError:
            names = []
        found: list[str] = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
        found += [n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json"))]
        for path in [self.root / n for n in found] + list(extra):
            data = self.read_bytes(path)
            if data is None:
                continue
            index = self.add_file(path)
            try:
                _, attrs, _ = (parse_json if path.name.endswith(".json") else hcl.parse_native)(data, index)
            except hcl.HclError as exc:
                self.errors.append(InputError(self.shown(path), f"cannot parse: {exc}", exc.line))
                continue
            scratch = ModuleEval(self.root_def, self, "", {})
            for name, attr in attrs.items():
                self.tfvars[name] = scratch.safe(attr.expr, index, {})

    # -- modules --------------------------------------------------------------------------------

    def module_def(self, folder: Path) -> ModuleDef:
        folder = folder.resolve()
        if folder not in self._defs:
            self._defs[folder] = ModuleDef(self, folder)
        return self._defs[folder]

    def _read_modules_json(self) -> dict[str, str]:
        path = self.root / ".terraform" / "modules" / "modules.json"
        if not path.is_file():
            return {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.notice(f"{self.shown(path)}: not readable; modules installed by `terraform init` are not checked")
            return {}
        out: dict[str, str] = {}
        for entry in data.get("Modules", []) if isinstance(data, dict) else []:
            if isinstance(entry, dict) and isinstance(entry.get("Key"), str) and isinstance(entry.get("Dir"), str):
                out[entry["Key"]] = entry["Dir"]
        return out

    def children_of(self, caller: ModuleEval, name: str) -> Any:
        """The instances of ``module "name"`` called from ``caller``: one, a list or a map; None if absent."""
        key = (id(caller), name)
        if key in self._children:
            return self._children[key]
        block = caller.defn.modules.get(name)
        if block is None:
            return None
        self._children[key] = Unknown(f"module.{name}")  # a module referring to itself stays unknown
        folder, standin = self._module_folder(caller, name, block)
        if folder is None or caller.depth >= MAX_MODULE_DEPTH or len(self.evals) >= MAX_MODULE_INSTANCES:
            if folder is not None:
                self.notice(f"module.{name}: modules nested deeper than {MAX_MODULE_DEPTH} levels, or more than "
                            f"{MAX_MODULE_INSTANCES} instances, are not checked")
            return self._children[key]
        defn = self.module_def(folder) if standin is None else \
            ModuleDef(self, folder, (standin, self.vline(block.file, block.line)))
        result: Any
        keyed = "count" in block.attributes or "for_each" in block.attributes
        instances = caller.expand(block, f"{caller.prefix}module.{name}")
        made: dict[str, ModuleEval] = {}
        for k, scope in instances:
            prefix = f"{caller.prefix}module.{name}" + (_key(k) if keyed else "") + "."
            inputs = {arg: Value(caller.safe(attr.expr, block.file_of(arg), scope),
                                 self.vline(block.file_of(arg), attr.line))
                      for arg, attr in block.attributes.items()
                      if arg not in ("source", "version", "count", "for_each", "providers", "depends_on")}
            child = ModuleEval(defn, self, prefix, inputs, caller.depth + 1)
            child.module_key = _module_key(caller, name)  # type: ignore[attr-defined]
            self.evals.append(child)
            made[str(k)] = child
        if not keyed:
            result = next(iter(made.values()))
        elif "for_each" in block.attributes:
            result = made
        else:
            result = list(made.values())
        self._children[key] = result
        return result

    def _module_folder(self, caller: ModuleEval, name: str, block: hcl.Block) -> tuple[Path | None, str | None]:
        """The module's folder, and the label of a built-in stand-in when that is what is read."""
        source = caller.eval_attr(block, "source", {})
        where = f"{self.files[block.file]}:{block.line}"
        if not isinstance(source, str):
            self.notice(f"{where}: module.{name} has no source this tool can read")
            return None, None
        if source.startswith(("./", "../")):
            folder = self.inside(caller.defn.folder, source)
            if folder is None or not folder.is_dir():
                self.notice(f"{where}: module.{name} source {source!r} is not a folder inside the scanned project; "
                            "not checked")
                return None, None
            return folder, None
        key = ".".join([*getattr(caller, "module_key", "").split("."), name]).strip(".")
        installed = self._modules_json.get(key)
        if installed is not None:
            folder = self.inside(self.root, installed)
            if folder is not None and folder.is_dir():
                return folder, None
        known = _standin_for(source)
        if known is not None:
            self.notice(f"{where}: module.{name} ({source}) is not on disk; read through the built-in map of "
                        f"its main inputs (run `terraform init` to check the module itself)")
            return STANDINS / known, f"{source} (built-in map of its inputs)"
        self.notice(f"{where}: module.{name} ({source}) is not on disk; run `terraform init` to check module "
                    f"{name} too")
        return None, None

    def all_module_instances(self) -> list[ModuleEval]:
        """The root and every module instance it calls, depth first, each once."""
        pending = [self.root_eval]
        seen: set[int] = set()
        out: list[ModuleEval] = []
        while pending:
            ev = pending.pop(0)
            if id(ev) in seen:
                continue
            seen.add(id(ev))
            out.append(ev)
            for name in ev.defn.modules:
                children = self.children_of(ev, name)
                if isinstance(children, ModuleEval):
                    pending.append(children)
                elif isinstance(children, list):
                    pending.extend(c for c in children if isinstance(c, ModuleEval))
                elif isinstance(children, dict):
                    pending.extend(c for c in children.values() if isinstance(c, ModuleEval))
        return out

    # -- data sources and computed attributes ---------------------------------------------------

    def data_attribute(self, ref: InstanceRef, name: str) -> Any:
        kind = ref.block.labels[0] if ref.block is not None else ""
        if kind == "aws_iam_policy_document" and name in ("json", "minified_json"):
            return JsonText(policy_document(ref.owner.body(ref.block, ref.bindings)))
        if kind == "aws_caller_identity":
            return Unknown(f"{ref.address}.{name}")
        if kind == "aws_region" and name in ("name", "id", "region"):
            return Unknown(f"{ref.address}.{name}")
        return None

    def derived_attribute(self, ref: InstanceRef, name: str) -> Any:
        return None


def outermost(roots: list[Path]) -> list[str]:
    """The scanned roots, resolved, without those inside another one (containment checks stay short)."""
    resolved: list[str] = []
    for r in roots:
        try:
            resolved.append(os.path.realpath(r))
        except (OSError, ValueError):
            continue
    out: list[str] = []
    for real in sorted(set(resolved), key=len):
        if not any(real == o or real.startswith(o.rstrip(os.sep) + os.sep) for o in out):
            out.append(real)
    return out


@lru_cache(maxsize=1)
def _cwd() -> str:
    return os.path.realpath(os.getcwd())


#: Built-in stand-ins for community modules a project uses without `terraform init` having run.
STANDINS = Path(__file__).resolve().parent.parent.parent / "data" / "terraform"


def _standin_for(source: str) -> str | None:
    """``terraform-aws-modules/lambda/aws`` (registry) or its GitHub repository, at any version."""
    plain = source.split("?", 1)[0].removeprefix("git::").removeprefix("https://").removeprefix("registry.terraform.io/")
    plain = plain.removesuffix(".git").rstrip("/")
    if plain in ("terraform-aws-modules/lambda/aws", "github.com/terraform-aws-modules/terraform-aws-lambda"):
        return "lambda"
    return None


def policy_document(body: Body) -> Any:
    """``data "aws_iam_policy_document"``: statements (with their lines), source and override documents."""
    statements: list[Any] = []
    for source in _as_list(body.get("source_policy_documents")) + _as_list(body.get("source_json")):
        statements.extend(_statements_of(source))
    for st in body.blocks.get("statement", []):
        out = LineDict()
        out.line = st.line
        _put(out, "Sid", st, "sid")
        out["Effect"] = st.get("effect", "Allow")
        out.key_lines["Effect"] = st.attrs["effect"].line if "effect" in st.attrs else st.line
        for key, attr in (("Action", "actions"), ("NotAction", "not_actions"), ("Resource", "resources"),
                          ("NotResource", "not_resources")):
            _put(out, key, st, attr)
        for key, kind in (("Principal", "principals"), ("NotPrincipal", "not_principals")):
            blocks = st.blocks.get(kind, [])
            if blocks:
                principal = LineDict()
                principal.line = blocks[0].line
                for p in blocks:
                    ptype, ids = p.get("type"), p.get("identifiers")
                    if ptype == "*" and _as_list(ids) == ["*"]:
                        principal = "*"  # type: ignore[assignment]
                        break
                    if isinstance(ptype, str):
                        principal.setdefault(ptype, [])
                        principal[ptype] = [*principal[ptype], *_as_list(ids)]
                        principal.key_lines[ptype] = p.line
                out[key] = principal
                out.key_lines[key] = blocks[0].line
        conditions = st.blocks.get("condition", [])
        if conditions:
            cond = LineDict()
            cond.line = conditions[0].line
            for c in conditions:
                test, variable = c.get("test"), c.get("variable")
                if isinstance(test, str) and isinstance(variable, str):
                    cond.setdefault(test, LineDict())
                    cond[test][variable] = c.get("values")
                    cond.key_lines[test] = c.line
            out["Condition"] = cond
            out.key_lines["Condition"] = conditions[0].line
        sid = out.get("Sid")
        if isinstance(sid, str) and sid:
            statements = [s for s in statements if not (isinstance(s, dict) and s.get("Sid") == sid)]
        statements.append(out)
    for override in _as_list(body.get("override_policy_documents")) + _as_list(body.get("override_json")):
        for st in _statements_of(override):
            sid = st.get("Sid") if isinstance(st, dict) else None
            if sid:
                statements = [s for s in statements if not (isinstance(s, dict) and s.get("Sid") == sid)]
            statements.append(st)
    stmts = LineList(statements)
    stmts.line = body.line
    stmts.item_lines = [getattr(s, "line", body.line) for s in statements]
    doc = LineDict({"Version": body.get("version", "2012-10-17"), "Statement": stmts})
    doc.line = body.line
    return doc


def _put(out: LineDict, key: str, body: Body, attr: str) -> None:
    if attr in body.attrs:
        out[key] = body.attrs[attr].value
        out.key_lines[key] = body.attrs[attr].line


def _statements_of(doc: Any) -> list[Any]:
    if isinstance(doc, JsonText):
        doc = doc.value
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except ValueError:
            return []
    if isinstance(doc, Partial):
        try:
            doc = decode_partial(doc)
        except EvalError:
            return []
    if not isinstance(doc, dict):
        return []
    st = doc.get("Statement")
    return list(st) if isinstance(st, list) else [st] if isinstance(st, dict) else []


def _as_list(v: Any) -> list[Any]:
    if v is None or (not is_known(v) and not isinstance(v, list)):
        return []
    return list(v) if isinstance(v, list) else [v]


def _key(k: Any) -> str:
    if isinstance(k, int) and not isinstance(k, bool):
        return f"[{k}]"
    return '["' + str(k).replace("\\", "\\\\").replace('"', '\\"') + '"]'


def _module_key(caller: ModuleEval, name: str) -> str:
    parent = getattr(caller, "module_key", "")
    return f"{parent}.{name}" if parent else name


__all__ = ["STRIDE", "Attr", "ModuleDef", "Project", "is_tf_file", "policy_document"]
