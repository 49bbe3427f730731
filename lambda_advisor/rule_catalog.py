"""The built-in rules, validated once and shipped as Python data, so that a scan starts without YAML or schemas.

Reading the rule files at every start means parsing 60-odd YAML files and
validating each against ``rule.schema.json`` with jsonschema: most of a
one-template scan. Instead ``make docs`` (``python -m lambda_advisor.rule_catalog``)
reads and validates them the slow way and writes what it read to
:mod:`lambda_advisor.data.rules_catalog`, which Python imports from its bytecode.

The catalog records each file's CRC-32. A checkout whose rule files were edited
since (a rule being written) no longer matches it, and the rules are then read
from the files as before; ``tests/test_rule_catalog.py`` fails until the catalog
is written again, so a stale one never ships.
"""

from __future__ import annotations

import os
import zlib
from pathlib import Path
from typing import Any

CATALOG = Path(__file__).parent / "data" / "rules_catalog.py"
SUFFIXES = (".yaml", ".yml")


def fingerprints(directory: Path) -> dict[str, int] | None:
    """Each rule file's CRC-32 by name (and the rule schema's), or None when the folder cannot be read."""
    out: dict[str, int] = {}
    try:
        with os.scandir(directory) as entries:
            names = sorted(e.name for e in entries if e.name.endswith(SUFFIXES) or e.name == "rule.schema.json")
        for name in names:
            with open(directory / name, "rb") as fh:
                out[name] = zlib.crc32(fh.read())
    except OSError:
        return None
    return out


def catalog_rules(directory: Path) -> list[dict[str, Any]] | None:
    """The catalog's rules (as ``Rule`` keyword arguments, ``file`` naming the rule file) when it matches
    the files of ``directory`` byte for byte; None when it does not (or there is none)."""
    try:
        from lambda_advisor.data import rules_catalog
    except ImportError:
        return None
    if fingerprints(directory) != rules_catalog.FILES:
        return None
    return [dict(rule) for rule in rules_catalog.RULES]


def render(directory: Path) -> str:
    """The catalog module for the rule files of ``directory``, each validated as a scan without it would."""
    import pprint

    from lambda_advisor.engine import load_rule_file

    rules = [load_rule_file(path, builtin=True) for path in sorted(directory.iterdir()) if path.suffix in SUFFIXES]
    entries = []
    for rule in rules:
        data = {k: v for k, v in vars(rule).items() if k not in ("path", "builtin")}
        data["file"] = Path(rule.path).name
        entries.append(data)
    files = fingerprints(directory)
    return (f'"""The built-in rules as validated data: written by `make docs` (python -m lambda_advisor.rule_catalog);'
            f' do not edit."""\n\nfrom typing import Any\n\n'
            f"FILES: dict[str, int] = {pprint.pformat(files, width=110, sort_dicts=True)}\n\n"
            f"RULES: list[dict[str, Any]] = {pprint.pformat(entries, width=110, sort_dicts=False)}\n")


def main() -> None:
    from lambda_advisor.engine import builtin_rules_dir

    CATALOG.write_text(render(builtin_rules_dir()), encoding="utf-8")


if __name__ == "__main__":
    main()
