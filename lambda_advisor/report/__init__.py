"""Reporters: one module per output format, each exposing ``render(result, *, color) -> str``."""

from __future__ import annotations

import importlib
from typing import Protocol

from lambda_advisor.result import ScanResult

FORMATS: dict[str, str] = {
    "text": "lambda_advisor.report.text",
    "concise": "lambda_advisor.report.concise",
    "json": "lambda_advisor.report.json_report",
    "sarif": "lambda_advisor.report.sarif",
    "junit": "lambda_advisor.report.junit",
    "markdown": "lambda_advisor.report.markdown",
    "html": "lambda_advisor.report.html",
    "github": "lambda_advisor.report.github",
    "gitlab": "lambda_advisor.report.gitlab",
}


class Renderer(Protocol):
    def __call__(self, result: ScanResult, *, color: bool = False) -> str: ...


def render(fmt: str, result: ScanResult, *, color: bool = False, width: int | None = None) -> str:
    """Render one format; ``width`` (the terminal's) only shapes the text report."""
    from lambda_advisor.report.columns import fill_columns

    fill_columns([*result.findings, *result.baselined])
    module = importlib.import_module(FORMATS[fmt])
    if fmt == "text":
        return str(module.render(result, color=color, width=width))
    renderer: Renderer = module.render
    return renderer(result, color=color)
