"""Reporters: one module per output format, each exposing ``render(result, *, color) -> str``."""

from __future__ import annotations

import importlib
from typing import Protocol

from lambda_advisor.result import ScanResult

FORMATS: dict[str, str] = {
    "text": "lambda_advisor.report.text",
    "json": "lambda_advisor.report.json_report",
    "sarif": "lambda_advisor.report.sarif",
    "junit": "lambda_advisor.report.junit",
    "markdown": "lambda_advisor.report.markdown",
    "html": "lambda_advisor.report.html",
}


class Renderer(Protocol):
    def __call__(self, result: ScanResult, *, color: bool = False) -> str: ...


def render(fmt: str, result: ScanResult, *, color: bool = False) -> str:
    module = importlib.import_module(FORMATS[fmt])
    renderer: Renderer = module.render
    return renderer(result, color=color)
