"""Project configuration: ``.lambda-advisor.yaml`` or ``[tool.lambda-advisor]`` in ``pyproject.toml``.

Found like ruff finds its own: walk up from the scanned path; in each folder a
``.lambda-advisor.yaml`` (or ``.yml``) wins over ``pyproject.toml``, and a
``pyproject.toml`` without a ``[tool.lambda-advisor]`` table is passed over.
``--config FILE`` names the file explicitly. The file is validated against
``schema/config.schema.json``; a bad key is one :class:`ConfigError` naming the
key and the file. Whatever is wrong with the file (not UTF-8, not parseable, nested
too deep, a duplicate key, an integer too long) is one such error with its line,
never a traceback; a ``pyproject.toml`` without our table is never judged at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).parent / "schema" / "config.schema.json"
YAML_NAMES = (".lambda-advisor.yaml", ".lambda-advisor.yml")
PYPROJECT = "pyproject.toml"


class ConfigError(Exception):
    """A configuration file that cannot be used; the message names the file and the key."""

    def __init__(self, path: Path | str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = str(path)


@dataclass
class Config:
    path: Path | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: dict[str, str] = field(default_factory=dict)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    rules_dirs: list[Path] = field(default_factory=list)
    fmt: str | None = None
    fail_on: str | None = None
    baseline: Path | None = None
    show_suppressed: bool | None = None
    exclude: list[str] | None = None  # None: the default list
    extend_exclude: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)
    respect_gitignore: bool = True
    #: every key the file set, as written (``--show-settings`` says where a value came from)
    keys: list[str] = field(default_factory=list)
    fix: bool | None = None
    unsafe_fixes: bool | None = None
    fixable: list[str] | None = None
    unfixable: list[str] = field(default_factory=list)


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _text(path: Path) -> str:
    from lambda_advisor.sources.files import MAX_CONFIG_BYTES, InputProblem, read_text

    try:
        return read_text(path, MAX_CONFIG_BYTES, "configuration file")
    except InputProblem as exc:
        raise ConfigError(path, f"line {exc.line}: {exc}" if exc.line else str(exc)) from exc


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    from lambda_advisor.sources.files import InputProblem, check_depth

    text = _text(path)
    try:
        data: dict[str, Any] = tomllib.loads(text)
        check_depth(data)
    except RecursionError as exc:
        raise ConfigError(path, "not read: nested too deep") from exc
    except (ValueError, InputProblem) as exc:  # TOMLDecodeError names the line; an int too long does not
        raise ConfigError(path, f"not valid TOML: {' '.join(str(exc).split())[:200]}") from exc
    return data


def _tool_table(path: Path, *, ours: bool = False) -> dict[str, Any] | None:
    """``[tool.lambda-advisor]``, or None when there is none; ``ours``: named by --config, so judge it."""
    tool = _read_toml(path).get("tool")
    if not isinstance(tool, dict):
        if tool is not None and ours:
            raise ConfigError(path, "'tool' must be a table")
        return None
    table = tool.get("lambda-advisor")
    if table is not None and not isinstance(table, dict):
        raise ConfigError(path, "[tool.lambda-advisor] must be a table")
    return table


def find_config(start: Path) -> Path | None:
    """The nearest configuration file at or above ``start`` (a file or folder)."""
    here = start.resolve()
    if not here.is_dir():
        here = here.parent
    for folder in (here, *here.parents):
        for name in YAML_NAMES:
            if (folder / name).is_file():
                return folder / name
        pyproject = folder / PYPROJECT
        if pyproject.is_file() and _may_hold_our_table(_head(pyproject)):
            try:
                if _tool_table(pyproject) is not None:
                    return pyproject
            except ConfigError:
                continue  # an unrelated broken pyproject.toml is not ours to judge
    return None


def _may_hold_our_table(data: bytes) -> bool:
    """Whether ``lambda-advisor`` may be a key in the file, not only a value (``name = "lambda-advisor"``,
    a dependency): only then is it parsed, as parsing TOML costs a tenth of a one-template scan.

    ``[tool.lambda-advisor]``, ``tool.lambda-advisor.select = …`` and ``"lambda-advisor" = {…}`` put it
    before the line's ``=``, an inline table after a ``{``; a line without ``=`` is parsed to be sure.
    """
    for text in data.splitlines():
        at = text.find(b"lambda-advisor")
        if at < 0:
            continue
        equals = text.find(b"=")
        if equals < 0 or at < equals or b"{" in text[:at]:
            return True
    return False


def _head(path: Path) -> bytes:
    """The file's bytes, when it is a regular file of sensible size (else nothing: not ours to judge)."""
    from lambda_advisor.sources.files import MAX_CONFIG_BYTES, InputProblem, read_bytes

    try:
        return read_bytes(path, MAX_CONFIG_BYTES)
    except InputProblem:
        return b""


def _raw(path: Path) -> dict[str, Any]:
    if path.name == PYPROJECT:
        table = _tool_table(path, ours=True)
        if table is None:
            raise ConfigError(path, "has no [tool.lambda-advisor] table")
        return table
    if path.suffix == ".toml":
        return _read_toml(path)
    from lambda_advisor.sources.yaml_loader import TemplateSyntaxError, loads

    text = _text(path)
    try:
        data = loads(text, plain=True)
    except TemplateSyntaxError as exc:
        where = f"line {exc.line}: " if exc.line else ""
        raise ConfigError(path, f"{where}not valid YAML: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(path, "the configuration must be a mapping of keys to values")
    return data


def _key_path(parts: Sequence[Any]) -> str:
    return ".".join(str(p) for p in parts)


def validate(data: dict[str, Any], path: Path) -> None:
    errors = sorted(_validator().iter_errors(data), key=lambda e: (len(e.absolute_path), list(map(str, e.absolute_path))))
    if not errors:
        return
    err = errors[0]
    where = list(err.absolute_path)
    if err.validator == "additionalProperties" and isinstance(err.instance, dict):
        allowed = set((err.schema.get("properties") or {}).keys())
        unknown = sorted(k for k in err.instance if k not in allowed)
        key = _key_path([*where, unknown[0]]) if unknown else _key_path(where)
        hint = ""
        if unknown and unknown[0].replace("_", "-") in allowed:
            hint = f" (did you mean '{unknown[0].replace('_', '-')}'?)"
        known = ", ".join(sorted(allowed))
        raise ConfigError(path, f"unknown key '{key}'{hint}; known keys: {known}")
    if err.validator == "propertyNames" or "propertyNames" in err.schema_path:
        raise ConfigError(path, f"invalid key '{_key_path([*where, err.instance])}': not a rule ID such as LA205")
    key = _key_path(where) or "(top level)"
    message = err.message if len(err.message) <= 200 else err.message[:197] + "..."
    raise ConfigError(path, f"invalid value for '{key}': {message}")


def load_config(path: Path) -> Config:
    from lambda_advisor.sources.files import exists

    path = Path(path)
    if not exists(path):
        raise ConfigError(path, "no such configuration file")
    data = _raw(path)
    validate(data, path)
    base = path.resolve().parent
    baseline = data.get("baseline")
    from lambda_advisor.selectors import normalise

    return Config(
        path=path,
        select=normalise(data.get("select", [])),
        ignore=normalise(data.get("ignore", [])),
        severity=dict(data.get("severity", {})),
        params={k: dict(v) for k, v in data.get("params", {}).items()},
        rules_dirs=[base / d for d in data.get("rules-dirs", [])],
        fmt=data.get("format"),
        fail_on=data.get("fail-on"),
        baseline=(base / baseline) if baseline else None,
        show_suppressed=data.get("show-suppressed"),
        exclude=list(data["exclude"]) if "exclude" in data else None,
        extend_exclude=list(data.get("extend-exclude", [])),
        per_file_ignores={k: normalise(v) for k, v in data.get("per-file-ignores", {}).items()},
        respect_gitignore=bool(data.get("respect-gitignore", True)),
        keys=sorted(data),
        fix=data.get("fix"),
        unsafe_fixes=data.get("unsafe-fixes"),
        fixable=data.get("fixable"),
        unfixable=list(data.get("unfixable", [])),
    )


def check_params(config: Config, rules: Sequence[Any]) -> None:
    """Parameters and severities must name rules (and parameters) that exist."""
    by_id = {r.id: r for r in rules}
    where = config.path or "configuration"
    for rule_id in config.severity:
        if rule_id not in by_id:
            raise ConfigError(where, f"invalid key 'severity.{rule_id}': no such rule")
    for rule_id, params in config.params.items():
        rule = by_id.get(rule_id)
        if rule is None:
            raise ConfigError(where, f"invalid key 'params.{rule_id}': no such rule")
        for name, value in params.items():
            if name not in rule.params:
                known = ", ".join(sorted(rule.params)) or "none"
                raise ConfigError(where, f"unknown key 'params.{rule_id}.{name}'; {rule_id} parameters: {known}")
            expected = _kind(rule.params[name])
            if rule.params[name] is not None and _kind(value) != expected:
                default = json.dumps(rule.params[name])
                default = default if len(default) <= 40 else default[:37] + "..."
                raise ConfigError(where, f"invalid value for 'params.{rule_id}.{name}': expected {expected} "
                                         f"like the default {default}, not {_kind(value)}")


def _kind(value: Any) -> str:
    """What a parameter value is, in the words of a message (numbers may be int or float)."""
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a text"
    return "a list" if isinstance(value, list) else "a mapping" if isinstance(value, dict) else "null"


def check_selectors(config: Config, given: dict[str, list[str]], rule_ids: Sequence[str]) -> None:
    """Every selector on the command line and in the file must match a rule (a typo is no silent pass)."""
    from lambda_advisor.selectors import UnknownSelector, check

    where = str(config.path or "configuration")
    try:
        for option in ("select", "ignore"):
            check(given[option], rule_ids, f"--{option}")
        check(config.select, rule_ids, f"{where}: select")
        check(config.ignore, rule_ids, f"{where}: ignore")
        for pattern, ids in config.per_file_ignores.items():
            check(ids, rule_ids, f"{where}: per-file-ignores.{pattern}")
    except UnknownSelector as exc:
        raise ConfigError(*str(exc).split(": ", 1)) from exc


def resolve(explicit: Path | None, paths: Sequence[Path], *, isolated: bool = False) -> Config:
    """The configuration for a run: the named file, else the nearest one above the first path, else defaults.

    ``isolated`` (``--isolated``): no file is looked for in the scanned tree, so a pull request's own
    ``.lambda-advisor.yaml``, ``pyproject.toml`` and the rule folders they name have no say; only the
    command line and a ``--config`` file count.
    """
    if explicit is not None:
        return load_config(explicit)
    if isolated:
        return Config()
    start = paths[0] if paths else Path.cwd()
    found = find_config(start)
    return load_config(found) if found is not None else Config()


def apply(settings: Any, config: Config) -> None:
    """Fill ``pipeline.Settings`` from the configuration; what the command line said wins."""
    if not settings.select:
        settings.select = list(config.select)
    settings.ignore = [*config.ignore, *(i for i in settings.ignore if i not in config.ignore)]
    settings.severity = {**config.severity, **settings.severity}
    for rule_id, params in config.params.items():
        settings.params[rule_id] = {**params, **settings.params.get(rule_id, {})}
    settings.rules_dirs = [*config.rules_dirs, *settings.rules_dirs]
    if settings.fmt is None:
        settings.fmt = config.fmt
    if settings.fail_on is None:
        settings.fail_on = config.fail_on


def apply_to_settings(settings: Any, paths: Sequence[Path]) -> Config:
    """Resolve the configuration for a command and fold it into its settings (raises ConfigError)."""
    explicit = settings.extra.get("config_file")
    config = resolve(Path(explicit) if explicit else None, paths, isolated=bool(settings.extra.get("isolated")))
    given = {"select": list(settings.select), "ignore": list(settings.ignore)}
    apply(settings, config)
    settings.extra["config"] = config
    from lambda_advisor.engine import RuleError, load_rules

    try:
        rules = load_rules(settings.rules_dirs)
    except RuleError:
        rules = None  # the run itself reports the broken rule file
    if rules is not None:
        check_params(config, rules)
        check_selectors(config, given, [r.id for r in rules])
    if config.baseline is not None:
        settings.extra["baseline_default"] = config.baseline  # where `baseline create` writes
        if settings.extra.get("baseline") is None and config.baseline.is_file():
            settings.extra["baseline"] = config.baseline
    if settings.extra.get("show_suppressed") is None:
        settings.extra["show_suppressed"] = bool(config.show_suppressed)
    for key in ("fix", "unsafe_fixes"):  # --fix/--no-fix on the command line wins
        if settings.extra.get(key) is None:
            settings.extra[key] = bool(getattr(config, key))
    settings.extra.setdefault("fixable", config.fixable)
    settings.extra["unfixable"] = [*config.unfixable, *settings.extra.get("unfixable", [])]
    return config
