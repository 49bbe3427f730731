"""lambda-advisor's template rules as a cfn-lint plugin.

Usage (cfn-lint 1.x imports the module by its dotted name)::

    cfn-lint --append-rules lambda_advisor.integrations.cfnlint template.yaml

Each built-in rule that can run on templates becomes one cfn-lint rule. IDs
map as ``LA<nnn>`` → ``<letter>9<nnn>``: the letter is cfn-lint's level for
the rule's severity (critical/high → ``E``, medium/low → ``W``, info → ``I``),
and the ``9`` keeps clear of cfn-lint's own ranges (custom rules by
convention). ``LA101`` (high) is ``E9101``, ``LA205`` (low) is ``W9205``,
``LA504`` (info) is ``I9504`` (cfn-lint shows ``I`` rules with
``--include-checks I``). The message ends with our own ID.

The template is read by lambda-advisor's own template source — SAM natively
(Globals, Events, Policies), which cfn-lint ≥ 1.54 no longer expands — so
lines point at what the author wrote, inherited Globals included. The nearest
``.lambda-advisor.yaml`` / ``[tool.lambda-advisor]`` applies (select, ignore,
params, per-file-ignores); suppressions in resource ``Metadata`` apply as in
``scan``, and cfn-lint's own ``ignore_checks`` work with either ID. The findings
are ``scan``'s, code findings included (the local packages the template names
are inspected); what cfn-lint reports itself (deprecated runtimes: E2531,
W2531, E2533; a plain function's environment over 4 KB: E3697) is left to it.
Matches carry the column of the key they point at.
"""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from lambda_advisor.report.escape import terminal

LETTERS = {"critical": "E", "high": "E", "medium": "W", "low": "W", "info": "I"}


def cfnlint_id(rule_id: str, severity: str) -> str:
    """``LA205`` (low) → ``W9205``."""
    return f"{LETTERS[severity]}9{rule_id[-3:]}"


#: Our rules that cfn-lint already reports itself, with its rule IDs and the resource types they cover
#: (None: every function, SAM ``Globals`` included). Reporting them again would say it twice.
REPORTED_BY_CFN_LINT: dict[str, tuple[tuple[str, ...], frozenset[str] | None]] = {
    "LA501": (("E2531", "W2531", "E2533"), None),  # deprecated runtimes, from the same AWS dates
    "LA508": (("E3697",), frozenset({"AWS::Lambda::Function"})),  # environment over 4 KB (not in SAM)
}


def reported_by_cfn_lint(rule_id: str, resource_type: str | None) -> bool:
    entry = REPORTED_BY_CFN_LINT.get(rule_id)
    if entry is None:
        return False
    types = entry[1]
    return types is None or resource_type in types


@lru_cache(maxsize=32)
def _findings(filename: str, mtime: float) -> tuple[tuple[Any, ...], str | None]:
    """Every finding for one template, as ``scan`` finds them, and an error that stops the run.

    The same stages as ``scan``: the nearest configuration (select, ignore,
    params, severity, per-file-ignores), the local packages the template names
    (code findings such as an invoke call in the handler), suppressions.
    """
    from lambda_advisor import pipeline
    from lambda_advisor.config import ConfigError, apply, check_params, check_selectors, resolve
    from lambda_advisor.engine import RuleError, load_rules
    from lambda_advisor.report.columns import fill_columns

    path = Path(filename)
    settings = pipeline.Settings(today=date.today(), quiet=True)
    try:
        config = resolve(None, [path])
        apply(settings, config)
        settings.extra["config"] = config
        rules = load_rules(settings.rules_dirs)
        check_params(config, rules)
        check_selectors(config, {"select": [], "ignore": []}, [r.id for r in rules])  # a typo is no silent pass
        pipeline.build_engine(settings)
    except (ConfigError, RuleError) as exc:
        return (), f"lambda-advisor: {exc}"
    result = pipeline.scan_paths([path], settings)
    fill_columns(result.findings)
    return tuple(result.findings), None


class _LambdaAdvisorRule(CloudFormationLintRule):
    la_id: ClassVar[str] = ""
    tags: ClassVar[list[str]] = ["lambda", "lambda-advisor"]

    def match(self, cfn: Any) -> list[RuleMatch]:
        filename = getattr(cfn, "filename", None)
        if not filename or not os.path.isfile(filename):
            return []
        findings, error = _findings(os.path.abspath(filename), os.path.getmtime(filename))
        if error is not None:
            if self.la_id == _FIRST[0]:  # once per template; cfn-lint shows it as E0002
                raise RuntimeError(error)
            return []
        matches = []
        resources = cfn.template.get("Resources") if isinstance(getattr(cfn, "template", None), dict) else None
        for f in findings:
            if f.rule_id != self.la_id or f.suppressed:
                continue
            loc = f.location
            resource = resources.get(loc.logical_id) if isinstance(resources, dict) and loc.logical_id else None
            if reported_by_cfn_lint(f.rule_id, resource.get("Type") if isinstance(resource, dict) else None):
                continue
            path: list[str | int] = ["Resources", loc.logical_id] if loc.logical_id else ["Resources"]
            message = f"{f.message} [{f.rule_id}]"
            if loc.inherited_from:
                message += f" (inherited from {loc.inherited_from})"
            if len(f.affected) > 1:
                message += f"; affects {', '.join(a.function_name for a in f.affected)}"
            message = terminal(message)  # names from the template, inert in every format cfn-lint writes
            if loc.line:
                col = (loc.column or 1) - 1  # cfn-lint counts lines and columns from 0
                matches.append(RuleMatch(path, message, location=(loc.line - 1, col, loc.line - 1, col)))
            else:
                matches.append(RuleMatch(path, message))
        return matches


_FIRST: list[str] = [""]  # the first rule's ID: the one that reports a configuration error


def _make_rules(base: type[CloudFormationLintRule]) -> dict[str, type[CloudFormationLintRule]]:
    from lambda_advisor.engine import load_rules

    classes: dict[str, type[CloudFormationLintRule]] = {}
    for rule in load_rules():
        if rule.sources and "template" not in rule.sources:
            continue
        if not rule.id.startswith("LA"):
            continue
        name = f"LambdaAdvisor{rule.id}"
        classes[name] = type(name, (base,), {
            "__module__": __name__,
            "__doc__": rule.title,
            "id": cfnlint_id(rule.id, rule.severity),
            "la_id": rule.id,
            "shortdesc": f"{rule.title} ({rule.id})",
            "description": " ".join(rule.what.split()),
            "source_url": rule.help_uri or "",
            "tags": ["lambda", "lambda-advisor", rule.category],
        })
    _FIRST[0] = min((getattr(c, "la_id", "") for c in classes.values()), default="")
    return classes


# cfn-lint instantiates every CloudFormationLintRule subclass it finds in this module,
# so the abstract base must not be visible as a module attribute.
globals().update(_make_rules(_LambdaAdvisorRule))
del _LambdaAdvisorRule
