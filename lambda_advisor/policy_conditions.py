"""The ``Condition`` block of an IAM policy statement, read the way IAM reads it.

Resource policies come from templates, Terraform and live accounts; whichever the
source, a condition key is compared case-insensitively under any operator
(``StringEquals``, ``ArnLike`` …), and a key given a list is judged by its first
value here (the callers ask whether a key scopes the statement, not every value).
"""

from __future__ import annotations

from typing import Any


def condition_value(conditions: Any, key: str) -> Any:
    """The (first) value the statement's conditions give ``key`` under any operator, or None."""
    if not isinstance(conditions, dict):
        return None
    for block in conditions.values():
        if not isinstance(block, dict):
            continue
        for name, value in block.items():
            if str(name).lower() == key.lower():
                if isinstance(value, list):
                    return value[0] if value else None
                return value
    return None
