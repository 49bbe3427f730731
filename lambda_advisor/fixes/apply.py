"""The fix stage: apply the fixes rules offer, one finding at a time, each re-checked before it is kept.

For each template with fixable findings: edit the text for one finding, read
the edited text again with the same template source, code inspection and rules,
and keep the edit only when the text still parses fully, that finding is gone,
and no finding appeared that was not there before; otherwise roll it back and
say why. The file is written once, at the end, through a temporary file and a
rename (never a partial file), or only compared (``--diff``). A file that did
not parse fully is never touched.
"""

from __future__ import annotations

import difflib
import itertools
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lambda_advisor.engine import Rule
from lambda_advisor.findings import Finding
from lambda_advisor.fix_policy import FixPolicy, candidates
from lambda_advisor.fixes import CannotFix, FixContext, resolve_fix
from lambda_advisor.fixes.edit import TemplateText
from lambda_advisor.fixes.files import write_fixed
from lambda_advisor.result import ScanResult

NO_MECHANICAL_FIX = "no mechanical fix for this case"


@dataclass
class Applied:
    finding: Finding
    what: str


@dataclass
class RolledBack:
    finding: Finding
    why: str


@dataclass
class FixOutcome:
    """What the fix stage did, file by file."""

    fixable: int = 0  # findings a fix was offered for (under this policy)
    applied: list[Applied] = field(default_factory=list)
    also_fixed: int = 0  # findings that went away with another fix (a shared Globals value)
    rolled_back: list[RolledBack] = field(default_factory=list)
    no_fix: list[RolledBack] = field(default_factory=list)  # the fix did not apply to this template
    skipped_files: list[str] = field(default_factory=list)  # did not parse fully
    not_written: list[tuple[str, str]] = field(default_factory=list)  # (file, why): fixed text not written
    #: where the diff's paths start: the current folder, or the scan root outside it (``git apply`` there)
    diff_base: str | None = None
    in_unread_files: int = 0  # fixable findings in those files
    new_texts: dict[str, tuple[str, str]] = field(default_factory=dict)  # file -> (before, after)

    @property
    def fixed(self) -> int:
        return len(self.applied) + self.also_fixed

    def then(self, later: FixOutcome) -> None:
        """Fold in a later round over the fixed files: what it applied adds up, and what it refused or rolled
        back is the final word (a fix refused in one round may apply in the next, once others are in)."""
        self.applied += later.applied
        self.also_fixed += later.also_fixed
        self.rolled_back, self.no_fix = later.rolled_back, later.no_fix
        self.skipped_files, self.in_unread_files = later.skipped_files, later.in_unread_files
        refused = {file for file, _ in self.not_written}  # a file that could not be written is said once
        self.not_written += [(file, why) for file, why in later.not_written if file not in refused]
        for file, (_, after) in later.new_texts.items():
            before = self.new_texts[file][0] if file in self.new_texts else later.new_texts[file][0]
            self.new_texts[file] = (before, after)

    def diff(self, roots: list[Path] | None = None) -> str:
        """A unified diff ``git apply`` takes: paths relative to the current folder (or, for files outside
        it, to the scan root that holds them; :attr:`diff_base` then names that root)."""
        chunks: list[str] = []
        for file, (before, after) in sorted(self.new_texts.items()):
            rel = self._diff_path(file, roots or [])
            chunks.extend(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                               fromfile=f"a/{rel}", tofile=f"b/{rel}"))
        return "".join(c if c.endswith("\n") else c + "\n\\ No newline at end of file\n" for c in chunks)

    def _diff_path(self, file: str, roots: list[Path]) -> str:
        path = Path(os.path.abspath(file))
        for base in [Path.cwd(), *(Path(os.path.abspath(r)) if Path(r).is_dir() else Path(os.path.abspath(r)).parent
                                   for r in roots)]:
            try:
                rel = path.relative_to(base).as_posix()
            except ValueError:
                continue
            if base != Path.cwd():
                self.diff_base = str(base)
            return rel
        return path.name

    def summary(self) -> dict[str, Any]:
        return {
            "fixable": self.fixable, "fixed": self.fixed, "rolled_back": len(self.rolled_back),
            "not_applicable": len(self.no_fix), "in_unread_files": self.in_unread_files,
            "files_changed": sorted(self.new_texts),
            "applied": [{"rule_id": a.finding.rule_id, "function": a.finding.location.logical_id,
                         "file": a.finding.location.file, "change": a.what} for a in self.applied],
            "rolled_back_fixes": [{"rule_id": r.finding.rule_id, "function": r.finding.location.logical_id,
                                   "file": r.finding.location.file, "reason": r.why} for r in self.rolled_back],
            "not_applicable_fixes": [{"rule_id": r.finding.rule_id, "function": r.finding.location.logical_id,
                                      "file": r.finding.location.file, "reason": r.why} for r in self.no_fix],
        }

    def notices(self, *, written: bool = True) -> list[str]:
        verb = "fixed" if written else "would fix"
        out = [f"{verb} {a.finding.rule_id} in {a.finding.location.file} ({a.finding.location.logical_id}): "
               f"{a.what}" for a in self.applied]
        out += [f"{r.finding.rule_id} fix in {r.finding.location.file} ({r.finding.location.logical_id}) "
                f"rolled back: {r.why}" for r in self.rolled_back]
        out += [f"{r.finding.rule_id} not fixed in {r.finding.location.file} ({r.finding.location.logical_id}): "
                f"{r.why}" for r in self.no_fix if r.why != NO_MECHANICAL_FIX]
        out += [f"{f}: not fixed: it did not parse fully" for f in self.skipped_files]
        if not written and self.diff_base:
            out.append(f"the diff's paths are relative to {self.diff_base}: apply it there (git apply)")
        return out


def run_fixes(result: ScanResult, settings: Any, policy: FixPolicy, *, write: bool,
              roots: list[Path] | None = None) -> FixOutcome:
    """Fix every file with candidates; ``write`` False only computes the new texts (``--diff``).

    ``roots`` are the paths the scan was given: a file is written only inside them, never
    through a symlink that leads out of them (see :mod:`lambda_advisor.fixes.files`).
    """
    outcome = FixOutcome()
    found = candidates(result, policy)
    outcome.fixable = len(found)
    broken = {e.where for e in result.errors}
    by_file: dict[str, list[Finding]] = {}
    for f in found:
        by_file.setdefault(str(f.location.file), []).append(f)
    rules = {r.id: r for r in result.rules}
    for file, findings in by_file.items():
        if file in broken:
            outcome.skipped_files.append(file)
            outcome.in_unread_files += len(findings)
            continue
        _fix_file(Path(file), file, findings, result, rules, settings, policy, outcome, write=write)
    if write:
        for file in list(outcome.new_texts):
            why = write_fixed(Path(file), outcome.new_texts[file][1], roots if roots is not None else [Path.cwd()])
            if why is not None:  # the file stays as it was: its fixes are refusals with this reason
                outcome.not_written.append((file, f"not fixed: {why}"))
                del outcome.new_texts[file]
                outcome.no_fix += [RolledBack(a.finding, why) for a in outcome.applied if a.finding.location.file == file]
                outcome.applied = [a for a in outcome.applied if a.finding.location.file != file]
    return outcome


def _fix_file(path: Path, shown: str, findings: list[Finding], result: ScanResult, rules: dict[str, Rule],
              settings: Any, policy: FixPolicy, outcome: FixOutcome, *, write: bool) -> None:
    try:
        raw = path.read_bytes()
        original = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        outcome.skipped_files.append(shown)
        return
    is_json = path.suffix.lower() == ".json" or original.lstrip().startswith("{")
    text = original
    checker = _Checker(path, shown, settings)
    current = checker.read(text)
    if isinstance(current, str):  # a file that scanned cleanly reads cleanly, but never guess
        outcome.skipped_files.append(shown)
        return
    docs, now = current
    attempted: set[str] = set()
    fixing = {(f.rule_id, str(a.logical_id)) for f in findings for a in f.affected}
    for finding in findings:
        key = finding.fingerprint
        if key in attempted:
            continue
        attempted.add(key)
        if key not in {f.fingerprint for f in now}:
            outcome.also_fixed += 1  # an earlier fix (a shared Globals value) took it away
            continue
        live = next(f for f in now if f.fingerprint == key)
        rule = rules[finding.rule_id]
        fix = resolve_fix(rule)
        assert fix is not None
        doc = next((d for d in docs if d["id"] == live.location.function_id), None)
        if doc is None:
            outcome.no_fix.append(RolledBack(finding, "its function is no longer in the template"))
            continue
        if doc.get("kind") == "web":  # the fixes edit Event Function shapes
            outcome.no_fix.append(RolledBack(finding, "no mechanical fix for Web Functions yet"))
            continue
        try:
            template = TemplateText(text, is_json=is_json)
            ctx = FixContext(finding=live, doc=doc, template=template, documents=docs,
                             params={**rule.params, **settings.params.get(rule.id, {})}, fixing=fixing,
                             today=settings.today)
            what = fix(ctx)
        except CannotFix as exc:
            outcome.no_fix.append(RolledBack(finding, str(exc)))
            continue
        if what is None or not template.changed:
            outcome.no_fix.append(RolledBack(finding, NO_MECHANICAL_FIX))
            continue
        candidate = template.result()
        refusal = permission_refusal(text, candidate)
        if refusal:
            outcome.no_fix.append(RolledBack(finding, refusal))
            continue
        verdict = checker.verify(candidate, key, now)
        if isinstance(verdict, str):
            outcome.rolled_back.append(RolledBack(finding, verdict))
            continue
        text = candidate
        docs, now = verdict
        outcome.applied.append(Applied(finding, what))
    if text == original:
        return
    outcome.new_texts[shown] = (original, text)


@dataclass
class Proposal:
    """One finding's fix as replacements on the file as it is (for SARIF ``fixes``)."""

    file: str
    description: str
    #: (start line, start column, end line, end column, inserted text); lines and columns 1-based, columns in
    #: UTF-16 code units (SARIF's default), the end exclusive; an insertion has start == end.
    replacements: list[tuple[int, int, int, int, str]]


def propose_fixes(result: ScanResult, settings: Any, policy: FixPolicy) -> dict[str, Proposal]:
    """Each fixable finding's own fix, checked like ``--fix`` checks it, keyed by the finding's fingerprint.

    Unlike ``--fix``, every proposal is relative to the unchanged file, so a code-scanning
    tool can offer each as a suggestion on its own.
    """
    proposals: dict[str, Proposal] = {}
    broken = {e.where for e in result.errors}
    rules = {r.id: r for r in result.rules}
    by_file: dict[str, list[Finding]] = {}
    for f in candidates(result, policy):
        by_file.setdefault(str(f.location.file), []).append(f)
    for file, findings in by_file.items():
        if file in broken:
            continue
        path = Path(file)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except (OSError, UnicodeDecodeError):
            continue
        checker = _Checker(path, file, settings)
        read = checker.read(text)
        if isinstance(read, str):
            continue
        docs, now = read
        fixing = {(f.rule_id, str(a.logical_id)) for f in findings for a in f.affected}
        is_json = path.suffix.lower() == ".json" or text.lstrip().startswith("{")
        accepted: list[tuple[int, int, str]] = []
        for finding in findings:
            live = next((f for f in now if f.fingerprint == finding.fingerprint), None)
            doc = next((d for d in docs if live is not None and d["id"] == live.location.function_id), None)
            fix = resolve_fix(rules[finding.rule_id])
            if live is None or doc is None or fix is None or doc.get("kind") == "web":
                continue
            rule = rules[finding.rule_id]
            try:
                template = TemplateText(text, is_json=is_json)
                what = fix(FixContext(finding=live, doc=doc, template=template, documents=docs,
                                      params={**rule.params, **settings.params.get(rule.id, {})}, fixing=fixing,
                                      today=settings.today))
            except CannotFix:
                continue
            if what is None or not template.changed:
                continue
            if permission_refusal(text, template.result()) or \
                    isinstance(checker.verify(template.result(), finding.fingerprint, now), str):
                continue
            together = [*accepted, *template.replacements()]
            if accepted and not _applies_together(path, file, text, together):
                continue  # a code-scanning tool may apply every suggestion of a file: none may clash
            accepted = together
            proposals[finding.fingerprint] = Proposal(
                file, what, [(*_line_col(text, start), *_line_col(text, end), new)
                             for start, end, new in template.replacements()])
    return proposals


def _applies_together(path: Path, shown: str, text: str, replacements: list[tuple[int, int, str]]) -> bool:
    """Whether all these replacements, applied at once, leave a template that reads cleanly (no overlap,
    no key written twice, no name taken twice) and needs no right its roles lack."""
    from lambda_advisor.sources.template import load_template

    ordered = sorted(replacements, key=lambda r: (r[0], r[1]))
    if any(a[1] > b[0] for a, b in itertools.pairwise(ordered)):
        return False
    out = text
    for start, end, new in reversed(ordered):
        out = out[:start] + new + out[end:]
    loaded = load_template(path, explicit=True, display_path=shown, text=out)
    return not loaded.errors and bool(loaded.documents) and permission_refusal(text, out) is None


def permission_refusal(before: str, after: str) -> str | None:
    """Why ``after`` cannot deploy or work for lack of a right its roles do not grant (None when they do)."""
    from lambda_advisor.fixes.permissions import new_unmet
    from lambda_advisor.sources.yaml_loader import loads

    try:
        missing = new_unmet(loads(before), loads(after))
    except Exception as exc:
        return f"the fixed template cannot be checked for the rights it needs ({type(exc).__name__})"
    if not missing:
        return None
    more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
    return missing[0][1] + more


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, offset) + 1
    column = len(text[line_start:offset].encode("utf-16-le")) // 2 + 1
    return text.count("\n", 0, offset) + 1, column


class _Checker:
    """Reads a template's text the way the scan did (source, code inspection, rules) and judges an edit."""

    def __init__(self, path: Path, shown: str, settings: Any) -> None:
        from lambda_advisor import scanning

        self.path = path
        self.shown = shown
        self.settings = settings
        self.scanning = scanning

    def read(self, text: str) -> tuple[list[dict[str, Any]], list[Finding]] | str:
        """(documents, findings) of ``text``, or why it does not read cleanly."""
        from lambda_advisor.sources.template import load_template

        loaded = load_template(self.path, explicit=True, display_path=self.shown, text=text)
        if loaded.errors or not loaded.documents:
            return f"the fixed template does not read cleanly ({loaded.errors[0] if loaded.errors else 'no functions'})"
        self.scanning.inspect(loaded, self.settings)
        result = self.scanning.evaluate(loaded.documents, self.settings, errors=loaded.errors)
        if result.errors:
            return f"the fixed template does not read cleanly ({result.errors[0]})"
        return loaded.documents, result.findings

    def verify(self, text: str, key: str, before: list[Finding]) -> tuple[list[dict[str, Any]], list[Finding]] | str:
        """The new (documents, findings), or why the edit must be rolled back.

        Findings are compared per function: a Globals finding that named two functions and
        now names one (the other got its own override) is not a new finding.
        """
        read = self.read(text)
        if isinstance(read, str):
            return read
        after = read[1]
        target = next((f for f in before if f.fingerprint == key), None)
        if target is None or _facts([target]) & _facts(after):
            return "the finding is still there after the fix"
        new = _facts(after) - _facts(before)
        if new:
            added = [f for f in after if _facts([f]) & new]
            return "it adds " + ", ".join(f"{f.rule_id} ({f.message})" for f in added[:2])
        return read


def _facts(findings: list[Finding]) -> Counter[tuple[str, str, str]]:
    """(rule, function, subject) of every function each finding concerns."""
    return Counter((f.rule_id, a.function_id, a.subject or f.subject) for f in findings for a in f.affected)
