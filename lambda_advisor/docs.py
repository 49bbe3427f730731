"""Rule documentation, rendered from the rule files only (explain, docs/rules.md, SARIF help)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any


def rule_markdown(rule: Any, *, heading: str = "#") -> str:
    """One rule in ruff's four parts: what it does, why it is bad, example, use instead."""
    selection = "" if rule.default else f" · **opt-in**: runs only with `--select {rule.id}` (or `ALL`)"
    parts = [f"{heading} {rule.id}: {rule.title}", "",
             f"Severity: **{rule.severity}** · category: {rule.category}{selection}", "",
             f"{heading}# What it does", "", rule.what.strip(), "",
             f"{heading}# Why is this bad?", "", rule.why.strip(), ""]
    if rule.example:
        parts += [f"{heading}# Example", "", "```yaml", rule.example.rstrip(), "```", ""]
    if rule.use_instead:
        parts += [f"{heading}# Use instead", "", "```yaml", rule.use_instead.rstrip(), "```", ""]
    parts += [f"{heading}# Fix", "", rule.fix.strip(), "", fix_availability(rule), ""]
    if rule.params:
        parts += [f"{heading}# Parameters", ""]
        parts += [f"- `{k}` (default `{v!r}`)" for k, v in rule.params.items()]
        parts.append("")
    if rule.references:
        parts += [f"{heading}# References", ""] + [f"- <{r}>" for r in rule.references] + [""]
    return "\n".join(parts)


def fix_availability(rule: Any) -> str:
    """Whether ``--fix`` can apply this rule's fix, whether it is safe, and why."""
    spec = getattr(rule, "autofix", None)
    if not spec:
        return "Fix availability: **none** (the change needs the author's judgement)."
    flag = "`--fix`" if spec["safety"] == "safe" else "`--fix --unsafe-fixes`"
    return f"Fix availability: **{spec['safety']}**, applied by {flag}. {' '.join(spec['reason'].split())}"


def rules_page(rules: Sequence[Any]) -> str:
    """The whole ``docs/rules.md`` page."""
    lines = ["# lambda-advisor rules", "",
             "Generated from `rules/*.yaml` by `make docs`; do not edit by hand.", "",
             "Rules marked **opt-in** would fire on most functions, so they are off unless selected by "
             "their full ID or `ALL` (`--select LA502`, `--select ALL`, or `select: [ALL]` in the "
             "configuration). A prefix such as `--select LA5` does not turn them on, as ruff's preview "
             "rules need explicit selection.", "",
             "The *fix* column says whether `--fix` repairs a finding by itself (**safe**) or only with "
             "`--unsafe-fixes` (**unsafe**: it changes behaviour or cost, or adds resources).", "",
             "| ID | severity | category | default | fix | title |", "|---|---|---|---|---|---|"]
    lines += [f"| [{r.id}](#{r.id.lower()}) | {r.severity} | {r.category} | {'on' if r.default else '**opt-in**'} "
              f"| {(r.autofix or {}).get('safety', '')} | {r.title} |" for r in rules]
    lines.append("")
    for r in rules:
        lines += [f'<a id="{r.id.lower()}"></a>', "", rule_markdown(r, heading="##")]
    return "\n".join(lines).rstrip() + "\n"


def main() -> None:
    from lambda_advisor.engine import load_rules

    sys.stdout.write(rules_page(load_rules()))


if __name__ == "__main__":
    main()
