"""The reading stages of a run: collect inputs, inspect their packages, evaluate the rules.

They sit below :mod:`lambda_advisor.pipeline` (which adds baseline, fixing and
rendering) so that what re-reads a template — the fix stage checking an edit, a
live audit evaluating what it read — imports them without reaching back up to
the pipeline that calls it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lambda_advisor.engine import Engine, RuleError, RunOptions, load_rules, select_rules
from lambda_advisor.result import InputError, ScanResult

if TYPE_CHECKING:
    from lambda_advisor.sources import Loaded


@dataclass
class Settings:
    """Everything a run was asked to do: command-line options folded over the configuration."""

    fmt: str | None = None
    output: Path | None = None
    fail_on: str | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    rules_dirs: list[Path] = field(default_factory=list)
    today: date = field(default_factory=date.today)
    color: bool | None = None
    quiet: bool = False
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    severity: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


# -- collect ------------------------------------------------------------------------------------

def collect(paths: list[Path], settings: Settings | None = None) -> Loaded:
    """Read every template, cdk.out, .serverless/ and snapshot under ``paths`` into function documents.

    Folder walks leave out the configuration's ``exclude``/``extend-exclude``
    patterns and what ``.gitignore`` ignores; say so when nothing was found.
    """
    from lambda_advisor.exclusion import Exclusion
    from lambda_advisor.sources import collect as collect_sources

    config = (settings.extra.get("config") if settings is not None else None)
    exclusion = Exclusion.from_config(config) if config is not None else Exclusion(base=Path.cwd())
    var_files = settings.extra.get("var_files") if settings is not None else None
    collected = collect_sources(paths, exclusion, var_files=var_files)
    collected.notices.extend(exclusion.notices)
    if not collected.documents and not collected.errors and not collected.gaps:
        where = ", ".join(str(p) for p in paths) or "."
        if not collected.scanned:
            collected.notices.append(f"no templates found under {where}: nothing was scanned "
                                     "(CloudFormation/SAM templates, Terraform, cdk.out, .serverless/ or snapshots)")
        else:
            collected.notices.append(f"no Lambda functions in the templates under {where}")
    return collected


# -- inspect ------------------------------------------------------------------------------------

def inspect(collected: Loaded, settings: Settings) -> None:
    """Look inside the local deployment packages the documents name (unless ``--no-inspect-code``)."""
    from lambda_advisor.sources.package_paths import has_local_packages

    if settings.extra.get("inspect_code", True) is False or not has_local_packages(collected.documents):
        return
    from lambda_advisor.sources.package import inspect_documents

    inspected = inspect_documents(collected.documents, roots=collected.roots or None)
    collected.errors.extend(InputError(where, message) for where, message in inspected.errors)
    collected.notices.extend(inspected.notices)


# -- evaluate -----------------------------------------------------------------------------------

def build_engine(settings: Settings, problems: list[RuleError] | None = None) -> Engine:
    """The engine of the selected rules; user rule files that cannot be used go to ``problems``."""
    rules = select_rules(load_rules(settings.rules_dirs, problems), settings.select, settings.ignore)
    return Engine(rules, RunOptions(today=settings.today, params=settings.params, severity=settings.severity,
                                    named=frozenset(settings.select)))


def evaluate(docs: list[dict[str, Any]], settings: Settings, *, kind: str = "scan",
             errors: list[InputError] | None = None) -> ScanResult:
    """Run the selected rules over the documents (template ``Metadata`` suppressions are marked here).

    A user rule file that cannot be used is one input error; the other rules, built-in and
    custom, still run and their findings are reported.
    """
    from lambda_advisor import selectors
    from lambda_advisor.model import bound_numbers

    problems: list[RuleError] = []
    try:
        engine = build_engine(settings, problems)
    except RuleError as exc:
        return ScanResult(findings=[], documents=docs, errors=[*(errors or []), _rule_input_error(exc)], kind=kind)
    selectors.normalise_suppressions(docs)
    for doc in docs:
        bound_numbers(doc)
    findings = engine.run(docs)
    if any(isinstance(doc.get("evidence"), dict) for doc in docs):  # live audits and their snapshots
        from lambda_advisor.evidence_links import attach_evidence

        attach_evidence(findings, docs)
    rule_errors = [_rule_input_error(p) for p in problems]
    result = ScanResult(findings=findings, documents=docs, errors=[*(errors or []), *rule_errors, *engine.errors],
                        rules=engine.rules, kind=kind)
    all_ids = [r.id for r in load_rules(settings.rules_dirs, [])]
    result.notices += selectors.suppression_warnings(docs, findings, all_ids, [r.id for r in engine.rules])
    return result


def _rule_input_error(exc: RuleError) -> InputError:
    return InputError(exc.path, str(exc)[len(exc.path) + 2:] if str(exc).startswith(exc.path) else str(exc))


def per_file_ignores(result: ScanResult, settings: Settings) -> None:
    """Mark findings in files that the configuration's ``per-file-ignores`` patterns match as suppressed."""
    config = settings.extra.get("config")
    if config is None or not config.per_file_ignores:
        return
    import pathspec

    from lambda_advisor.report.paths import absolute

    base = config.path.resolve().parent if config.path else Path.cwd()
    specs = [(pattern, pathspec.GitIgnoreSpec.from_lines([pattern]), ids)
             for pattern, ids in config.per_file_ignores.items()]
    for f in result.findings:
        if f.suppressed or not f.location.file:
            continue
        try:
            rel = absolute(f.location.file).relative_to(base).as_posix()
        except ValueError:
            continue
        for pattern, spec, ids in specs:
            if spec.match_file(rel) and any(f.rule_id.startswith(i) or i == "ALL" for i in ids):
                f.suppressed = f"per-file-ignores {pattern!r} in {config.path}"
                break


def scan_paths(paths: list[Path], settings: Settings) -> ScanResult:
    """Collect, inspect and evaluate: the findings of ``paths`` before any baseline."""
    collected = collect(paths, settings)
    inspect(collected, settings)
    result = evaluate(collected.documents, settings, errors=collected.errors)
    per_file_ignores(result, settings)
    result.skipped = collected.skipped
    result.notices = [*collected.notices, *result.notices]
    result.gaps = list(collected.gaps)
    result.meta["scanned"] = list(collected.scanned)
    result.meta["excluded"] = list(collected.excluded)
    if collected.snapshots:
        from lambda_advisor.audit_scope import snapshots_scope

        result.meta["scope"] = snapshots_scope(collected.snapshots, collected.documents)
        result.meta["account_names"] = {str(s["account"]): str(s["name"]) for s in collected.snapshots
                                         if s.get("account") and s.get("name")}
    return result
