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
params); suppressions in resource ``Metadata`` apply as in ``scan``, and
cfn-lint's own ``ignore_checks`` work with either ID.
"""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from cfnlint.rules import CloudFormationLintRule, RuleMatch

LETTERS = {"critical": "E", "high": "E", "medium": "W", "low": "W", "info": "I"}


def cfnlint_id(rule_id: str, severity: str) -> str:
    """``LA205`` (low) → ``W9205``."""
    return f"{LETTERS[severity]}9{rule_id[-3:]}"


@lru_cache(maxsize=32)
def _findings(filename: str, mtime: float) -> tuple[tuple[Any, ...], str | None]:
    """Every finding for one template, and an error that stops the run (a bad configuration)."""
    from lambda_advisor.config import ConfigError, resolve
    from lambda_advisor.engine import Engine, RuleError, RunOptions, load_rules, select_rules
    from lambda_advisor.sources.template import load_template

    path = Path(filename)
    try:
        config = resolve(None, [path])
        rules = select_rules(load_rules(), config.select, config.ignore)
        engine = Engine(rules, RunOptions(today=date.today(), params=config.params))
    except (ConfigError, RuleError) as exc:
        return (), f"lambda-advisor: {exc}"
    loaded = load_template(path, explicit=True)
    return tuple(engine.run(loaded.documents)), None


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
        for f in findings:
            if f.rule_id != self.la_id or f.suppressed:
                continue
            loc = f.location
            path: list[str | int] = ["Resources", loc.logical_id] if loc.logical_id else ["Resources"]
            message = f"{f.message} [{f.rule_id}]"
            if loc.inherited_from:
                message += f" (inherited from {loc.inherited_from})"
            if len(f.affected) > 1:
                message += f"; affects {', '.join(a.function_name for a in f.affected)}"
            if loc.line:
                matches.append(RuleMatch(path, message, location=(loc.line - 1, 0, loc.line - 1, 0)))
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
