"""Inline suppression in Terraform: an HCL comment on a resource block, or on the line above it.

``# lambda-advisor: ignore LA205`` (several IDs with commas or spaces; anything after ``--`` or
``because`` is the reason) plays the part a template's resource ``Metadata`` plays.
"""

from __future__ import annotations

import re
from typing import Any

from lambda_advisor.sources.sam import MergedDict

#: Linear: one marker, then a bounded run of IDs; the rest of the line is the reason.
_MARKER = re.compile(r"lambda-advisor\s*:\s*(?:ignore|disable)\s*[=:]?\s*((?:[A-Za-z]{2}[0-9]{0,3}[\s,]*){1,20})(.*)")


def suppressions_in(comments: list[tuple[int, str]], first: int, last: int) -> list[Any]:
    """The suppressions written in comments on lines ``first`` to ``last``."""
    out: list[Any] = []
    for line, text in comments:
        if line < first or line > last:
            continue
        m = _MARKER.search(text[:2000])
        if not m:
            continue
        reason = m.group(2).strip().lstrip("-:").strip()
        reason = re.sub(r"^because\s+", "", reason).strip() or None
        for rule in re.split(r"[\s,]+", m.group(1).strip()):
            if rule:
                out.append({"id": rule.upper(), "reason": reason, "origin": f"HCL comment on line {line}"})
    return out


class OriginDict(MergedDict):
    """Properties some of whose values came in through a module argument: ``origins`` says from where."""

    __slots__ = ("origins",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.origins: dict[str, str] = {}
