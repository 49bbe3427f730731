"""``--show-settings``: the effective configuration, where each value came from, and which rules run.

The answer to "why did LA205 not fire?": every rule is listed as running, or
with the reason it does not (opt-in, not selected, ignored — and by whom).
"""

from __future__ import annotations

from typing import Any

from lambda_advisor.engine import ALL, load_rules, select_rules

#: settings key -> (config file key, command-line option, click parameter name)
KEYS: list[tuple[str, str, str | None, str | None]] = [
    ("select", "select", "--select", "select"), ("ignore", "ignore", "--ignore", "ignore"),
    ("fail_on", "fail-on", "--fail-on", "fail_on"), ("fmt", "format", "--format", "fmt"),
    ("severity", "severity", None, None), ("params", "params", None, None),
    ("rules_dirs", "rules-dirs", "--rules-dir", "rules_dir"), ("baseline", "baseline", "--baseline", "baseline"),
    ("show_suppressed", "show-suppressed", "--show-suppressed", "show_suppressed"),
    ("exclude", "exclude", None, None), ("extend_exclude", "extend-exclude", None, None),
    ("per_file_ignores", "per-file-ignores", None, None), ("respect_gitignore", "respect-gitignore", None, None),
]
DEFAULTS = {"fail_on": "low", "fmt": "text"}


def _value(settings: Any, config: Any, key: str) -> Any:
    value = getattr(settings, key) if hasattr(settings, key) else settings.extra.get(key)
    if value in (None, [], {}) and hasattr(config, key):
        value = getattr(config, key)
    if key == "exclude" and value is None:
        from lambda_advisor.exclusion import DEFAULT_EXCLUDE

        value = DEFAULT_EXCLUDE
    if value in (None, [], {}):
        value = DEFAULTS.get(key, value)
    return value


def render(settings: Any) -> str:
    config = settings.extra.get("config")
    given: set[str] = settings.extra.get("from_command_line") or set()
    source = str(config.path) if config is not None and config.path else None
    lines = [f"configuration file: {source or '(none found; defaults)'}", ""]
    for key, file_key, option, param in KEYS:
        value = _value(settings, config, key)
        if param is not None and param in given:
            origin = f"command line ({option})"
        elif config is not None and file_key in config.keys:
            origin = source or "configuration"
        else:
            origin = "default"
        if isinstance(value, list):
            shown = ", ".join(str(v) for v in value) or "(none)"
        elif isinstance(value, dict):
            shown = ", ".join(f"{k}={v}" for k, v in value.items()) or "(none)"
        else:
            shown = str(value)
        lines.append(f"{file_key:<18} {shown}  [{origin}]")
    lines += ["", "rules:"]
    lines += rule_status(settings, config)
    return "\n".join(lines) + "\n"


def rule_status(settings: Any, config: Any = None) -> list[str]:
    """One line a rule: runs (severity, overridden parameters) or off, and why."""
    rules = load_rules(settings.rules_dirs)
    running = {r.id for r in select_rules(rules, settings.select, settings.ignore)}
    from_file = set(getattr(config, "ignore", None) or ())
    where = str(config.path) if config is not None and config.path else "configuration"
    out = []
    for r in rules:
        if r.id in running:
            sev = settings.severity.get(r.id, r.severity)
            overrides = settings.params.get(r.id) or {}
            extra = f"  params: {', '.join(f'{k}={v!r}' for k, v in overrides.items())}" if overrides else ""
            out.append(f"  {r.id:<6} runs  {sev}{extra}")
            continue
        ignored_by = next((i for i in settings.ignore if i == ALL or r.id.startswith(i)), None)
        if ignored_by is not None:
            why = f"ignored by {ignored_by!r} ({where if ignored_by in from_file else '--ignore'})"
        elif not r.default and r.id not in settings.select and ALL not in settings.select:
            why = f"opt-in: select {r.id} (or ALL) to run it"
        else:
            why = f"not selected (select: {', '.join(settings.select)})"
        out.append(f"  {r.id:<6} off   {why}")
    return out
