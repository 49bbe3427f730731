"""Every pattern run over text from a pull request is linear: a megabyte built to make it backtrack
is read in well under a second, and one file that is slow anyway becomes a notice, never a hang.

Timings here are hang detectors with generous bounds (a quadratic pattern takes minutes on these
inputs, a linear one milliseconds); speed itself is measured in bench/.
"""

from __future__ import annotations

import fnmatch
import importlib
import pkgutil
import re
import time
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lambda_advisor
from lambda_advisor.sources.package import code as code_module
from lambda_advisor.sources.package.code import Findings, scan_source
from lambda_advisor.wildcards import wildcard_match

MB = 1 << 20
#: A hang detector, not a speed test: a linear pattern needs milliseconds here.
BOUND_S = 2.0

try:
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # Python 3.10
    import sre_parse  # type: ignore[no-redef]


def _modules() -> Iterator[object]:
    for info in pkgutil.walk_packages(lambda_advisor.__path__, "lambda_advisor."):
        if info.name != "lambda_advisor.__main__":  # runs the command line when imported
            yield importlib.import_module(info.name)


def _patterns_in(value: object, depth: int = 0) -> Iterator[re.Pattern[str] | re.Pattern[bytes]]:
    if isinstance(value, re.Pattern):
        yield value
    elif depth < 2 and isinstance(value, dict):
        for v in value.values():
            yield from _patterns_in(v, depth + 1)
    elif depth < 2 and isinstance(value, (list, tuple)):
        for v in value:
            yield from _patterns_in(v, depth + 1)


def all_patterns() -> dict[str, re.Pattern[str] | re.Pattern[bytes]]:
    """Every compiled pattern a module of lambda_advisor keeps, by ``module.NAME[#n]``: a new one is in."""
    found: dict[str, re.Pattern[str] | re.Pattern[bytes]] = {}
    seen: set[int] = set()
    for module in _modules():
        for name, value in vars(module).items():
            for i, pattern in enumerate(_patterns_in(value)):
                if id(pattern) not in seen:
                    seen.add(id(pattern))
                    found[f"{module.__name__}.{name}" + (f"#{i}" if i else "")] = pattern  # type: ignore[attr-defined]
    return found


PATTERNS = all_patterns()


def _literals(parsed: object) -> list[str]:
    """Runs of literal characters anywhere in a parsed pattern: what makes a match start."""
    runs: list[str] = []
    current: list[str] = []

    def walk(items: object) -> None:
        for op, arg in items:  # type: ignore[attr-defined]
            if op is sre_parse.LITERAL:
                current.append(chr(arg))
                continue
            if current:
                runs.append("".join(current))
                current.clear()
            if op is sre_parse.SUBPATTERN:
                walk(arg[-1])
            elif op in (sre_parse.MAX_REPEAT, sre_parse.MIN_REPEAT, sre_parse.POSSESSIVE_REPEAT
                        if hasattr(sre_parse, "POSSESSIVE_REPEAT") else sre_parse.MAX_REPEAT):
                walk(arg[2])
            elif op is sre_parse.BRANCH:
                for branch in arg[1]:
                    walk(branch)
                    if current:
                        runs.append("".join(current))
                        current.clear()
            elif op in (sre_parse.ASSERT, sre_parse.ASSERT_NOT):
                walk(arg[1])
        if current:
            runs.append("".join(current))
            current.clear()

    walk(parsed)
    return sorted({r for r in runs if r}, key=len, reverse=True)


#: Characters that fill a run a pattern's quantifiers may scan: word, space, line break, dash, dot.
FILLERS = ["a", " ", "\n", "-", "."]


def adversarial(pattern: re.Pattern[str] | re.Pattern[bytes], size: int, lits: int = 3) -> Iterator[str]:
    """Texts that make a backtracking pattern start many times and fail late, or scan one run twice:
    runs of one filler, a literal of the pattern repeated, and a literal followed by runs of a filler."""
    source = pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode("latin-1")
    flags = pattern.flags & ~re.UNICODE if isinstance(pattern.pattern, bytes) else pattern.flags
    found = _literals(sre_parse.parse(source, flags))[:lits]
    fillers = FILLERS + sorted({lit[0] for lit in found} - set(FILLERS))
    for filler in fillers:
        yield filler * size
    for lit in found:
        yield lit * (size // len(lit))
        for filler in FILLERS:
            yield lit + filler * (size - len(lit))
            unit = lit + filler
            yield unit * (size // len(unit))


def _run(pattern: re.Pattern[str] | re.Pattern[bytes], text: str) -> None:
    subject: str | bytes = text if isinstance(pattern.pattern, str) else text.encode("utf-8")
    for _ in pattern.finditer(subject):  # type: ignore[arg-type]
        pass
    pattern.fullmatch(subject)  # type: ignore[arg-type]


def test_the_patterns_are_enumerated() -> None:
    assert len(PATTERNS) > 60
    names = set(PATTERNS)
    for name in ("_JS_INVOKE", "_JS_IMPORT", "_JS_HANDLER", "_JS_CLIENT", "_TARGET",
                 "_LINE_COMMENT", "_SPRING", "_PARTIAL_BATCH"):
        assert f"lambda_advisor.sources.package.code.{name}" in names
    assert "lambda_advisor.sources.package.code._INVOKES" in names  # and the dict's other entries after it


@pytest.mark.parametrize("name", sorted(PATTERNS))
def test_every_pattern_is_linear_on_text_built_to_make_it_backtrack(name: str) -> None:
    pattern = PATTERNS[name]
    for text in adversarial(pattern, 64 << 10):
        started = time.perf_counter()
        _run(pattern, text)
        took = time.perf_counter() - started
        assert took < BOUND_S, f"{name} took {took:.2f}s on {text[:20]!r}…"


CODE_PATTERNS = {k: v for k, v in PATTERNS.items() if k.startswith("lambda_advisor.sources.package.code.")}


@pytest.mark.parametrize("name", sorted(CODE_PATTERNS))
def test_each_code_pattern_reads_a_megabyte_of_adversarial_text_in_well_under_a_second(name: str) -> None:
    pattern = CODE_PATTERNS[name]
    for text in adversarial(pattern, MB, lits=1):
        started = time.perf_counter()
        _run(pattern, text)
        took = time.perf_counter() - started
        assert took < BOUND_S, f"{name} took {took:.2f}s on {text[:20]!r}…"


HOSTILE_SOURCES = {
    "lambda-words": "xlambda" * (MB // 7),
    "lambda-receiver": "lambda" * (MB // 6) + " .",
    "open-comments": "/*" * (MB // 2),
    "blank-lines": "\n" * MB,
    "spaces-after-target": "lambda.invoke({FunctionName:" + " " * MB,
    "nested-handlers": "exports.h = async (e) => {\n  new S3Client(\n" * (MB // 40),
    "unclosed-handlers": "export const h = (e) => {\n" * (MB // 26),
    "handler-no-body": "exports.handler = (" + " " * MB,
    "body-start-spaces": "exports.handler = (e) :" + " " * MB,
    "imports": "require('express')\n" * (MB // 19),
    "quotes": "'\"`" * (MB // 3),
    "new-clients": "new " * (MB // 4),
    "dotted-client": "new " + "a." * (MB // 2),
}


@pytest.mark.parametrize("language", ["app.js", "App.java", "main.go", "Fn.cs"])
@pytest.mark.parametrize("case", sorted(HOSTILE_SOURCES))
def test_a_megabyte_of_hostile_source_is_scanned_without_a_hang(language: str, case: str) -> None:
    out = Findings()
    started = time.perf_counter()
    scan_source(language, HOSTILE_SOURCES[case].encode(), out, max_bytes=2 * MB, seconds=60)
    assert time.perf_counter() - started < 2 * BOUND_S, case
    assert len(out.function_clients) <= 200 and len(out.invoke_calls) <= 200 and len(out.frameworks) <= 200


def test_a_file_over_the_time_budget_is_a_notice_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter(range(0, 10_000, 10))  # every look at the clock is ten seconds later
    monkeypatch.setattr(code_module.time, "monotonic", lambda: float(next(ticks)))
    out = Findings()
    scan_source("src/app.js", b"const x = require('express')\nexports.handler = async () => {}\n", out)
    (notice,) = out.notices
    assert notice.startswith("src/app.js: code inspection stopped after 5 s")


def test_a_file_over_the_byte_budget_is_a_notice_naming_it() -> None:
    out = Findings()
    scan_source("big.js", b"x" * (code_module.MAX_SOURCE_BYTES + 1), out)
    assert out.notices == [f"big.js: source file over {code_module.MAX_SOURCE_BYTES} bytes, not scanned"]


def test_inline_code_has_the_budgets_of_a_source_file(tmp_path: object) -> None:
    from lambda_advisor.sources.package import inspect_inline

    doc = {"name": "Fn", "runtime": "nodejs20.x", "handler": "index.handler", "source": {"file": "t.yaml"},
           "code": {}, "extra": {"inline_code": {"text": "x" * (code_module.MAX_SOURCE_BYTES + 1), "line": 3}}}
    notices: list[str] = []
    assert inspect_inline(doc, notices)
    assert notices == [f"t.yaml: inline code of Fn: index.js: source file over {code_module.MAX_SOURCE_BYTES} "
                       "bytes, not scanned"]


@settings(max_examples=500, deadline=None)
@given(st.text("ab?*", max_size=8), st.text("ab", max_size=10))
def test_wildcards_match_as_fnmatch_does_for_stars_and_question_marks(pattern: str, text: str) -> None:
    assert wildcard_match(text, pattern) == fnmatch.fnmatchcase(text, pattern)


def test_thousands_of_long_wildcard_patterns_cost_no_regex_compilation() -> None:
    started = time.perf_counter()
    for i in range(1000):  # fnmatch compiles each: about 30 s
        wildcard_match("lambda:invokefunction", f"{i}*a" * 500 + "*b")
    assert time.perf_counter() - started < BOUND_S
    assert not wildcard_match("x" * 10, "*" * 5000)  # over the longest pattern: never a match
