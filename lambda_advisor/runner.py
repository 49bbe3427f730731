"""Former home of a run's stages, kept so that ``from lambda_advisor.runner import ...`` still works.

The stages live in :mod:`lambda_advisor.pipeline`; import them from there.
"""

from __future__ import annotations

from lambda_advisor.pipeline import Settings, build_engine, evaluate, scan_paths

__all__ = ["Settings", "build_engine", "evaluate", "scan_paths"]
