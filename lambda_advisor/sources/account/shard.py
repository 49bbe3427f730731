"""``--shard K/N``: one deterministic share of an organisation's accounts, for fan-out engines.

A GitHub Actions matrix, an AWS Batch array job or a Step Functions Distributed Map
runs N copies of the same command; copy K audits share K of N. The shares are cut
from the sorted account IDs round-robin (the i-th account goes to share
``i mod N + 1``), so they differ in size by one account at most and, for one list
of accounts, together hold each account exactly once. Jobs that list the
organisation each for themselves could see different lists if an account joins
in between; a pipeline that lists the accounts once and hands the same
``--accounts`` to every job is exact (docs/audit.md shows how).

No boto3 here: the CLI parses ``--shard`` before anything is imported.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_FORM = re.compile(r"^\s*(\d{1,6})\s*/\s*(\d{1,6})\s*$")


@dataclass(frozen=True)
class Shard:
    """Share ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def take(self, accounts: Sequence[str]) -> list[str]:
        """This share of ``accounts`` (sorted first, so the order given does not matter)."""
        ordered = sorted(dict.fromkeys(accounts))
        return [a for i, a in enumerate(ordered) if i % self.count == self.index - 1]


def parse_shard(text: str) -> Shard:
    """``"2/5"`` -> Shard(2, 5); raises ValueError with a message the CLI prints as it is."""
    m = _FORM.match(text or "")
    if not m:
        raise ValueError(f"--shard {text!r}: write K/N, for example 1/4 (share K of N, K from 1 to N)")
    index, count = int(m.group(1)), int(m.group(2))
    if count < 1 or not 1 <= index <= count:
        raise ValueError(f"--shard {text!r}: K must be between 1 and N (N at least 1); "
                         "AWS Batch's AWS_BATCH_JOB_ARRAY_INDEX starts at 0, so pass $((index + 1))/N")
    return Shard(index, count)
