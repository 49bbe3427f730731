"""Load rules, run them on function documents, and turn hits into findings."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from lambda_advisor.checks import Check, Context, Hit
from lambda_advisor.findings import SEVERITY_RANK, Affected, Finding, Location
from lambda_advisor.model import FILE_LINE_STRIDE, Document
from lambda_advisor.result import InputError
from lambda_advisor.rule_message import render_message
from lambda_advisor.schema_match import compile_schema
from lambda_advisor.views import rule_views


class RuleError(Exception):
    """A rule file that cannot be used: names the file and the bad key."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)


@dataclass
class Rule:
    id: str
    title: str
    severity: str
    category: str
    what: str
    why: str
    fix: str
    path: str
    example: str | None = None
    use_instead: str | None = None
    references: list[str] = field(default_factory=list)
    #: CWE weaknesses the rule finds (SARIF ``external/cwe/cwe-N`` tags and the CWE taxonomy).
    cwe: list[int] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    sources: list[str] | None = None
    #: On documents from these sources the rule is opt-in (a ``select`` of its full ID or ALL
    #: turns it on there); elsewhere ``default`` decides. For facts a source can only guess.
    opt_in_sources: list[str] | None = None
    match: dict[str, Any] | None = None
    check: str | None = None
    message: str | None = None
    locate: str | None = None
    #: ``{function, safety, reason}``: a mechanical fix in ``lambda_advisor.fixes`` (see ``--fix``).
    autofix: dict[str, str] | None = None
    #: False for an opt-in rule: only a ``select`` of its full ID (or ``ALL``) turns it on.
    default: bool = True
    builtin: bool = True

    @property
    def help_uri(self) -> str | None:
        """The AWS documentation the rule cites first (SARIF ``helpUri``, cfn-lint ``source_url``), if any."""
        return next((r for r in self.references if r.startswith("https://")), None)


def builtin_rules_dir() -> Path:
    """``rules/`` inside the installed wheel, or at the top of a checkout."""
    here = Path(__file__).resolve().parent
    installed = here / "rules"
    return installed if installed.is_dir() else here.parent / "rules"


@lru_cache(maxsize=1)
def _rule_validator() -> Any:
    import json

    import jsonschema

    with (builtin_rules_dir() / "rule.schema.json").open(encoding="utf-8") as fh:
        schema = json.load(fh)
    return jsonschema.Draft202012Validator(schema)


def load_rule_file(path: Path, *, builtin: bool = True) -> Rule:
    from lambda_advisor.sources.files import MAX_CONFIG_BYTES, InputProblem, read_text
    from lambda_advisor.sources.yaml_loader import TemplateSyntaxError, loads

    try:
        data = loads(read_text(path, MAX_CONFIG_BYTES, "rule file"), plain=True)
    except (InputProblem, TemplateSyntaxError) as exc:
        where = f"line {exc.line}: " if exc.line else ""
        raise RuleError(path, f"{where}cannot read rule file: {exc}") from exc
    if not isinstance(data, dict):
        raise RuleError(path, "a rule file must be a mapping")
    errors = sorted(_rule_validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(str(p) for p in err.absolute_path) or "(top level)"
        raise RuleError(path, f"invalid key {where}: {err.message}")
    if data.get("match") is not None:
        _compile_match(path, data["match"], data.get("params", {}))
    if data.get("message") is not None:
        _check_message(path, data["message"], data.get("params", {}))
    return Rule(path=str(path), builtin=builtin, **data)


def _check_message(path: Path, message: str, params: dict[str, Any]) -> None:
    """A ``message`` may name ``{doc[key]…}`` of the function document and ``{params[name]}`` the rule has."""
    from lambda_advisor.model import function_schema
    from lambda_advisor.rule_message import MessageError, check_message

    try:
        check_message(message, set(function_schema().get("properties", {})), set(params))
    except MessageError as exc:
        raise RuleError(path, f"invalid key message: {exc}") from exc


def load_rules(extra_dirs: Sequence[Path | str] = (), errors: list[RuleError] | None = None) -> list[Rule]:
    """Built-in rules plus user rule directories; a duplicate ID is an error.

    With ``errors``, a user rule file (or directory) that cannot be used is recorded there and
    left out, and every other rule is returned: one broken file is one input error, never a lost
    run. Without it, the first problem raises :class:`RuleError`.
    """
    def refuse(exc: RuleError) -> None:
        if errors is None:
            raise exc
        errors.append(exc)

    rules: dict[str, Rule] = {}
    dirs: list[tuple[Path, bool]] = [(builtin_rules_dir(), True)]
    dirs += [(Path(d), False) for d in extra_dirs]
    for directory, builtin in dirs:
        if not directory.is_dir():
            refuse(RuleError(directory, "rules directory does not exist"))
            continue
        problems: list[RuleError] = []
        if builtin:
            loaded = _builtin_rules(directory)
        else:
            loaded, problems = _load_rule_dir(directory, builtin, keep_going=errors is not None)
        for problem in problems:
            refuse(problem)
        for rule in loaded:
            if rule.id in rules:
                refuse(RuleError(rule.path, f"rule id {rule.id} is already defined in {rules[rule.id].path}"))
                continue
            rules[rule.id] = rule
    for bad in _check_user_params(rules.values()):
        refuse(bad)
        rules.pop(next(r.id for r in rules.values() if r.path == bad.path), None)
    return sorted(rules.values(), key=lambda r: r.id)


def _check_user_params(rules: Iterable[Rule]) -> list[RuleError]:
    """A user rule reusing a built-in ``check:`` must give the parameters that check reads."""
    rules = list(rules)
    needed: dict[str, tuple[set[str], str]] = {}
    for rule in rules:
        if rule.builtin and rule.check:
            names, ids = needed.get(rule.check, (set(), ""))
            needed[rule.check] = (names | set(rule.params), f"{ids}, {rule.id}" if ids else rule.id)
    problems = []
    for rule in rules:
        if rule.builtin or not rule.check or rule.check not in needed:
            continue
        names, ids = needed[rule.check]
        missing = sorted(names - set(rule.params))
        if missing:
            problems.append(RuleError(rule.path, f"invalid key params: check {rule.check} needs parameter(s) "
                                                 f"{', '.join(missing)} (see {ids})"))
    return problems


#: The built-in rules read in this process, by folder and the size and time of each of its files.
_BUILTIN: dict[tuple[str, tuple[tuple[str, int, int], ...]], list[Rule]] = {}


def _builtin_rules(directory: Path) -> list[Rule]:
    """The built-in rules: from the catalog shipped in the package when it matches the rule files
    (:mod:`lambda_advisor.rule_catalog`), else read and validated from the files."""
    try:
        with os.scandir(directory) as entries:
            key = (str(directory), tuple(sorted((e.name, (st := e.stat()).st_size, st.st_mtime_ns) for e in entries)))
    except OSError:
        key = (str(directory), ())
    if key in _BUILTIN:
        return _BUILTIN[key]
    from lambda_advisor.rule_catalog import catalog_rules

    shipped = catalog_rules(directory)
    if shipped is None:
        rules = _load_rule_dir(directory, True)[0]
    else:
        rules = [Rule(path=str(directory / entry.pop("file")), builtin=True, **entry) for entry in shipped]
    _BUILTIN[key] = rules
    return rules


def _load_rule_dir(directory: Path, builtin: bool, *, keep_going: bool = False) -> tuple[list[Rule], list[RuleError]]:
    """Rules of one directory, from the cache when no file changed since they were validated.

    Validating rule files needs jsonschema (~60 ms to import); a warm cache
    keeps it off the start-up path that pre-commit pays on every commit. With
    ``keep_going`` a file that cannot be used is returned as a problem and the
    others load; a directory with a problem is not cached, so it is reported
    on every run.
    """
    import json  # user rule folders only: the built-in rules come from the catalog

    paths = sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")])
    cache = rules_cache_file(directory, paths)
    if cache is not None:
        try:
            with cache.open(encoding="utf-8") as fh:
                return [Rule(**data) for data in json.load(fh)], []
        except (OSError, ValueError, TypeError):
            pass
    rules: list[Rule] = []
    problems: list[RuleError] = []
    for path in paths:
        try:
            rules.append(load_rule_file(path, builtin=builtin))
        except RuleError as exc:
            if not keep_going:
                raise
            problems.append(exc)
    if cache is not None and not problems:
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps([dataclasses.asdict(r) for r in rules]), encoding="utf-8")
            tmp.replace(cache)
        except OSError:
            pass  # a read-only home only costs speed
    return rules, problems


#: Bumped when what loading checks changes, so rules validated by an older check are read again.
_CACHE_FORMAT = 2


def rules_cache_file(directory: Path, paths: Sequence[Path]) -> Path | None:
    """Where validated rules of ``directory`` are cached, keyed by every file's size and mtime."""
    if os.environ.get("LAMBDA_ADVISOR_NO_CACHE"):
        return None
    import hashlib

    from lambda_advisor import __version__

    digest = hashlib.sha256(f"{__version__}\0{_CACHE_FORMAT}\0{directory.resolve()}".encode())
    try:
        for path in [*paths, builtin_rules_dir() / "rule.schema.json"]:
            st = path.stat()
            digest.update(f"\0{path.name}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    except OSError:
        return None
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "lambda-advisor"
    return base / f"rules-{digest.hexdigest()[:24]}.json"


#: A ``select``/``ignore`` entry that names every rule, opt-in rules included (as in ruff).
ALL = "ALL"


def select_rules(rules: Iterable[Rule], select: Sequence[str] = (), ignore: Sequence[str] = ()) -> list[Rule]:
    """ruff-style selection: a code or any prefix of one (``LA2`` selects LA201…LA299).

    An opt-in rule (``default: false``) runs only when ``select`` names its full ID or
    ``ALL``; a prefix such as ``LA5`` never pulls it in, and no ``select`` leaves it out.
    ``ignore`` wins over ``select``; ``ignore: [ALL]`` turns every rule off.
    """
    chosen = []
    for rule in rules:
        if not _selected(rule, select):
            continue
        if any(i == ALL or rule.id.startswith(i) for i in ignore):
            continue
        chosen.append(rule)
    return chosen


def _selected(rule: Rule, select: Sequence[str]) -> bool:
    if ALL in select or rule.id in select:
        return True
    if not rule.default:
        return False
    return not select or any(rule.id.startswith(s) for s in select)


def substitute_params(schema: Any, params: dict[str, Any]) -> Any:
    """Replace ``{"$param": name}`` anywhere in a match schema by the parameter value."""
    if isinstance(schema, dict):
        if set(schema) == {"$param"}:
            return params[schema["$param"]]
        return {k: substitute_params(v, params) for k, v in schema.items()}
    if isinstance(schema, list):
        return [substitute_params(v, params) for v in schema]
    return schema


def _compile_match(path: Path | str, match: dict[str, Any], params: dict[str, Any]) -> Any:
    import jsonschema

    from lambda_advisor.rule_schema import SchemaRefError, match_validator

    try:
        schema = substitute_params(match, params)
    except KeyError as exc:
        raise RuleError(path, f"invalid key match: unknown parameter {exc}") from exc
    try:
        jsonschema.Draft202012Validator.check_schema(schema)
    except jsonschema.SchemaError as exc:
        where = "/".join(str(p) for p in exc.absolute_path)
        raise RuleError(path, f"invalid key match/{where}: {exc.message}") from exc
    try:
        return match_validator(schema)
    except SchemaRefError as exc:
        raise RuleError(path, f"invalid key match: {exc}") from exc


def _match_runner(rule: Rule, params: dict[str, Any]) -> Any:
    """A predicate for a match rule: the jsonschema-free fast path, or jsonschema itself."""
    assert rule.match is not None
    try:
        schema = substitute_params(rule.match, params)
    except KeyError as exc:
        raise RuleError(rule.path, f"invalid key match: unknown parameter {exc}") from exc
    fast = compile_schema(schema)
    if fast is not None:
        return fast
    return _compile_match(rule.path, rule.match, params).is_valid


def resolve_check(rule: Rule) -> Check:
    assert rule.check is not None
    module_name, _, func_name = rule.check.rpartition(".")
    try:
        module = importlib.import_module(f"lambda_advisor.checks.{module_name}")
        func: Check = getattr(module, func_name)
    except (ImportError, AttributeError) as exc:
        raise RuleError(rule.path, f"invalid key check: cannot find {rule.check}: {exc}") from exc
    return func


def resolve_pointer(doc: Any, pointer: str) -> Any:
    node = doc
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict):
            node = node.get(part)
        else:
            return None
    return node


#: Parts of a document whose entries carry a template ``line`` of their own (code sites do not:
#: their line is in another file).
_OWN_LINE = ("/role/statements/", "/resource_policy/", "/event_sources/", "/duplicate_keys/", "/revisions/",
             "/endpoints/")


def line_for(doc: Document, pointer: str | None) -> tuple[int | None, str | None]:
    """The line a pointer's value was written on: the pointer itself, or its nearest parent."""
    lines: dict[str, int] = doc.get("lines") or {}
    inherited: dict[str, str] = doc.get("inherited") or {}
    probe = pointer or ""
    while probe:
        if probe in lines:
            return lines[probe], inherited.get(probe)
        node = None
        if probe.startswith(_OWN_LINE):  # statements and event sources carry their own line
            try:
                node = resolve_pointer(doc, probe)
            except (IndexError, ValueError):
                node = None
        if isinstance(node, dict) and isinstance(node.get("line"), int):
            return node["line"], None
        probe = probe.rpartition("/")[0]
    return doc["source"].get("line"), None


@dataclass
class RunOptions:
    today: date = field(default_factory=date.today)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # rule id -> overrides
    severity: dict[str, str] = field(default_factory=dict)  # rule id -> severity override
    #: What ``select`` names in full (rule IDs, or ALL): turns opt-in rules on (``opt_in_sources``).
    named: frozenset[str] = frozenset()


class Engine:
    """Runs a fixed set of rules over the documents of one scan."""

    def __init__(self, rules: Sequence[Rule], options: RunOptions | None = None) -> None:
        self.rules = list(rules)
        self.options = options or RunOptions()
        #: Rules that failed on a document: one error entry each, the other rules and documents went on.
        self.errors: list[InputError] = []
        self._prepared: list[tuple[Rule, dict[str, Any], Any]] = []
        for rule in list(self.rules):
            params = {**rule.params, **self.options.params.get(rule.id, {})}
            try:
                if rule.match is not None:
                    runner = _match_runner(rule, params)
                elif rule.builtin:  # imported on the first document the rule applies to (tests resolve each one)
                    runner = None
                else:
                    runner = resolve_check(rule)
            except RuleError as exc:
                if rule.builtin:
                    raise
                # A user rule that cannot run is one input error; every other rule still runs.
                self.errors.append(InputError(exc.path, str(exc).split(": ", 1)[-1]))
                self.rules.remove(rule)
                continue
            self._prepared.append((rule, params, runner))

    def run(self, docs: Sequence[Document]) -> list[Finding]:
        findings: list[Finding] = []
        rule_ids = frozenset(rule.id for rule in self.rules)
        for index, (rule, params, runner) in enumerate(self._prepared):
            ctx = Context(params=params, today=self.options.today, functions=list(docs), rules=rule_ids)
            keyed: list[tuple[tuple[str, ...] | None, Finding]] = []
            for doc in docs:
                if rule.sources and doc["source"]["kind"] not in rule.sources:
                    continue
                if (rule.opt_in_sources and doc["source"]["kind"] in rule.opt_in_sources
                        and rule.id not in self.options.named and ALL not in self.options.named):
                    continue
                if runner is None:
                    runner = resolve_check(rule)
                    self._prepared[index] = (rule, params, runner)
                try:  # the barrier: one rule on one document
                    found = [(hit, self._finding(rule, view, hit, prefix, owner=doc))
                             for view, prefix in rule_views(doc) for hit in self._hits(rule, runner, view, ctx)]
                except Exception as exc:
                    self.errors.append(_rule_error(rule, doc, exc))
                    continue
                keyed += [(_shared_key(finding, hit, doc), finding) for hit, finding in found]
            findings += merge_shared(keyed)
        findings.sort(key=_sort_key)
        return findings

    def _hits(self, rule: Rule, runner: Any, doc: Document, ctx: Context) -> Iterable[Hit]:
        if rule.match is None:
            yield from runner(doc, ctx)
            return
        if not runner(doc):
            return
        pointer = rule.locate
        # The title is text, never a template: only a rule's ``message`` names placeholders.
        rendered = render_message(rule.message, doc, ctx.params) if rule.message else None
        message = rendered or f"{doc['name']}: {rule.title}"
        yield Hit(message=message, pointer=pointer)

    def _finding(self, rule: Rule, doc: Document, hit: Hit, prefix: str = "", owner: Document | None = None) -> Finding:
        """A finding at the line ``doc`` (a function, or a revision view) gives, for the function ``owner``."""
        src = doc["source"]
        line, inherited = line_for(doc, hit.pointer)
        file = src.get("file")
        files = src.get("files")
        if files and isinstance(line, int) and line >= FILE_LINE_STRIDE:  # a line of another file (Terraform)
            index, line = divmod(line, FILE_LINE_STRIDE)
            file = files[index] if index < len(files) else file
        location = Location(
            function_id=(owner or doc)["id"],
            function_name=(owner or doc)["name"],
            kind=src["kind"],
            file=file,
            line=line,
            logical_id=src.get("logical_id"),
            arn=src.get("arn"),
            account=src.get("account"),
            region=src.get("region"),
            inherited_from=inherited,
        )
        suppressed = None
        for sup in doc.get("suppressions") or ():
            if rule.id.startswith(sup["rule"]):
                suppressed = sup.get("reason") or f"suppressed by {sup.get('origin') or 'configuration'}"
                break
        return Finding(
            rule_id=rule.id,
            severity=self.options.severity.get(rule.id, hit.severity or rule.severity),
            title=rule.title,
            message=hit.message,
            fix=rule.fix.strip(),
            location=location,
            subject=prefix + (hit.subject or hit.pointer or ""),
            suppressed=suppressed,
            extra=hit.extra,
            aliases=list(hit.aliases),
        )


def _rule_error(rule: Rule, doc: Document, exc: Exception) -> InputError:
    from lambda_advisor.barrier import internal_error

    src: dict[str, Any] = doc.get("source") or {}
    where = str(src.get("file") or src.get("arn") or doc.get("id") or "?")
    origin = "" if rule.builtin else f" (from {rule.path})"
    return internal_error(where, exc, f"in rule {rule.id}{origin} on function {doc.get('name')}",
                          src.get("line") if isinstance(src.get("line"), int) else None)


def _shared_key(finding: Finding, hit: Hit, doc: Document) -> tuple[str, ...] | None:
    """What makes two findings of one rule the same fact, or None when the finding is its function's own.

    A check names a shared fact with ``Hit.group`` (a statement of a shared policy); a value a
    function inherits from SAM ``Globals`` is shared by construction (one line, one fix), and so is
    a line of a Terraform block that ``count``/``for_each`` repeats.
    """
    loc = finding.location
    if hit.group is not None:
        group = hit.group
    elif loc.inherited_from and loc.file and loc.line:
        group = f"{loc.inherited_from}:{finding.subject}"
    elif doc["source"].get("format") == "terraform" and "[" in (loc.logical_id or "") and loc.line:
        group = f"{loc.line}:{_INSTANCE_KEY.sub('', loc.logical_id or '')}:{finding.subject}"
    else:
        return None
    return (loc.file or "", loc.account or "", group, finding.suppressed or "")


#: A Terraform instance key (``["resize"]``, ``[0]``): instances of one block share its lines. An
#: unquoted key stops at the next ``[``, so a name of many brackets is read once, not once per bracket.
_INSTANCE_KEY = re.compile(r'\[(?:"(?:[^"\\]|\\.)*"|[^\]"[]*)\]')


def merge_shared(keyed: Sequence[tuple[tuple[str, ...] | None, Finding]]) -> list[Finding]:
    """One fact, one finding: findings of one rule with the same shared key become one.

    The merged finding keeps the first function's location and message (by function ID, so the
    choice is stable), the worst severity, and lists every function in ``functions``; its
    fingerprint is the group's, independent of which functions share it. A group of one stays
    as it was, so its fingerprint does not change.
    """
    out: list[Finding] = []
    groups: dict[tuple[str, ...], list[Finding]] = {}
    for key, finding in keyed:
        finding.functions = list(finding.affected)
        if key is None:
            out.append(finding)
        else:
            groups.setdefault(key, []).append(finding)
    for key, members in groups.items():
        if len(members) == 1:
            out.append(members[0])
            continue
        members.sort(key=lambda f: (f.location.function_id, f.location.line or 0))
        first = members[0]
        seen: set[str] = set()
        affected = []
        for member in members:
            for a in member.affected:
                if a.function_id not in seen:
                    seen.add(a.function_id)
                    affected.append(a)
        first.functions = affected
        first.message = _shared_message(first.message, first.location.function_name, affected)
        first.group = key[2]
        first.severity = max((m.severity for m in members), key=lambda s: SEVERITY_RANK[s])
        out.append(first)
    return out


def _shared_message(message: str, name: str, affected: Sequence[Affected]) -> str:
    """Say in the message itself that the fact concerns several functions, not just the first one."""
    others = [a.function_name for a in affected if a.function_name != name]
    if not others or not message.startswith(name):
        return message
    shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
    return f"{name} (and {shown})" + message[len(name):]


def _sort_key(f: Finding) -> tuple[Any, ...]:
    loc = f.location
    return (loc.file or "", loc.region or "", loc.line or 0, loc.function_id, f.rule_id, f.subject)


def copy_documents(docs: Iterable[Document]) -> list[Document]:
    return [copy.deepcopy(d) for d in docs]
