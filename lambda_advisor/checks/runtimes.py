"""LA501: deprecated runtimes, decided by date from a maintained table.

The table is cfn-lint's ``data/AdditionalSpecs/LmbdRuntimeLifecycle.json``,
read as a file: importing cfnlint costs about half a second, and
``importlib.util.find_spec`` finds the package folder without importing it.
A copy ships in ``lambda_advisor/data/runtime_lifecycle.json`` for when
cfn-lint is missing; cfn-lint's entries win because they are newer.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterator
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from lambda_advisor.checks import Context, Document, Hit
from lambda_advisor.checks.web import WEB_FUNCTION_RUNTIMES

BUNDLED = Path(__file__).resolve().parent.parent / "data" / "runtime_lifecycle.json"
CFNLINT_RELATIVE = Path("data") / "AdditionalSpecs" / "LmbdRuntimeLifecycle.json"

#: Phases from least to most severe, with the table's key for each date.
PHASES = (("deprecated", "deprecated"), ("create_blocked", "create-block"), ("update_blocked", "update-block"))
DEFAULT_SEVERITY = {"upcoming": "low", "deprecated": "medium", "create_blocked": "high", "update_blocked": "high"}


def cfnlint_lifecycle_file() -> Path | None:
    """cfn-lint's lifecycle file, located without importing cfnlint."""
    try:
        spec = importlib.util.find_spec("cfnlint")
    except (ImportError, ValueError):
        return None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidate = Path(folder) / CFNLINT_RELATIVE
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=1)
def lifecycle() -> dict[str, dict[str, Any]]:
    """Runtime -> {deprecated, create-block, update-block, successor}: bundled copy, then cfn-lint's."""
    table: dict[str, dict[str, Any]] = {}
    for path in (BUNDLED, cfnlint_lifecycle_file()):
        if path is None:
            continue
        try:
            with path.open(encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            continue
        if isinstance(data, dict):
            table.update({k: v for k, v in data.items() if isinstance(v, dict)})
    return table


def _date(text: Any) -> date | None:
    try:
        return date.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        return None


def runtime_phase(runtime: str, today: date, warn_days: int = 180) -> tuple[str, dict[str, date | None]] | None:
    """The phase ``runtime`` is in on ``today`` (``upcoming`` within ``warn_days`` of deprecation)."""
    entry = lifecycle().get(runtime)
    if entry is None:
        return None
    dates = {phase: _date(entry.get(key)) for phase, key in PHASES}
    reached = [phase for phase, _ in PHASES if (d := dates[phase]) is not None and d <= today]
    if reached:
        return reached[-1], dates
    deprecated = dates["deprecated"]
    if deprecated is not None and deprecated <= today + timedelta(days=warn_days):
        return "upcoming", dates
    return None


def _when(d: date | None, today: date, past: str, future: str) -> str | None:
    if d is None:
        return None
    return f"{past} {d.isoformat()}" if d <= today else f"{future} {d.isoformat()}"


#: The customer-managed runtime's lifecycle fields, by phase.
_CUSTOM_PHASES = (("deprecated", "deprecation_date"), ("create_blocked", "function_create_block_date"),
                  ("update_blocked", "function_update_block_date"))


def deprecated_runtime(doc: Document, ctx: Context) -> Iterator[Hit]:
    """LA501: one hit when the function's runtime is deprecated, blocked, or soon deprecated."""
    runtime = doc.get("runtime")
    if isinstance(doc.get("runtime_config"), dict):
        yield from _custom_runtime(doc, doc["runtime_config"], ctx)
        return
    if not isinstance(runtime, str):
        return
    if doc.get("kind") == "web" and runtime not in WEB_FUNCTION_RUNTIMES:
        return  # LA703: a runtime Web Functions do not offer fails to deploy at all
    found = runtime_phase(runtime, ctx.today, int(ctx.params.get("warn_days", 180)))
    if found is None:
        return
    phase, dates = found
    today = ctx.today
    facts = [
        _when(dates["deprecated"], today, "deprecated since", "deprecated from"),
        _when(dates["create_blocked"], today, "creating functions blocked since", "function creation blocked from"),
        _when(dates["update_blocked"], today, "updates blocked since", "updates blocked from"),
    ]
    successor = lifecycle()[runtime].get("successor")
    move = f"move to {successor}" if successor else "no successor is announced"
    severities = {**DEFAULT_SEVERITY, **(ctx.params.get("severity_by_phase") or {})}
    yield Hit(
        message=f"{doc['name']} uses runtime {runtime}: " + "; ".join(f for f in facts if f) + f"; {move}",
        pointer="/runtime",
        subject=f"runtime:{runtime}",
        extra={"runtime": runtime, "phase": phase, "successor": successor,
               **{k: (v.isoformat() if v else None) for k, v in dates.items()}},
        severity=severities.get(phase),
    )


def _custom_runtime(doc: Document, config: dict[str, Any], ctx: Context) -> Iterator[Hit]:
    """A customer-managed runtime alias past (or near) the dates its publisher declared."""
    today = ctx.today
    dates = {phase: _date(config.get(field)) for phase, field in _CUSTOM_PHASES}
    reached = [phase for phase, _ in _CUSTOM_PHASES if (d := dates[phase]) is not None and d <= today]
    deprecated = dates["deprecated"]
    if reached:
        phase = reached[-1]
    elif config.get("release_state") == "DEPRECATED":
        phase = "deprecated"
    elif deprecated is not None and deprecated <= today + timedelta(days=int(ctx.params.get("warn_days", 180))):
        phase = "upcoming"
    else:
        return
    facts = [
        _when(dates["deprecated"], today, "deprecated since", "deprecated from"),
        _when(dates["create_blocked"], today, "creating functions blocked since", "function creation blocked from"),
        _when(dates["update_blocked"], today, "updates blocked since", "updates blocked from"),
    ]
    if config.get("release_state") == "DEPRECATED" and dates["deprecated"] is None:
        facts.append("its release state is DEPRECATED")
    alias = config.get("alias")
    label = alias if isinstance(alias, str) else "(unresolved alias)"
    severities = {**DEFAULT_SEVERITY, **(ctx.params.get("severity_by_phase") or {})}
    yield Hit(
        message=(f"{doc['name']} uses customer-managed runtime alias {label}: " + "; ".join(f for f in facts if f)
                 + "; Lambda sends no notice for customer-managed runtimes, so point the function at a "
                   "supported alias of the runtime"),
        pointer="/runtime_config", subject=f"runtime-alias:{label}",
        extra={"runtime": "custom", "alias": label, "phase": phase,
               **{k: (v.isoformat() if v else None) for k, v in dates.items()}},
        severity=severities.get(phase),
    )
