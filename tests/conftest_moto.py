"""A real AWS endpoint for the account tests: moto's server, started once, reset per test.

boto3 talks HTTP to it exactly as it would to AWS. Imported by ``conftest.py``.
Functions are created with tiny in-memory zips and never invoked (no Docker).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from lambda_advisor.audit_emulator import FAKE_ENV, Account, reset_moto, start_moto


class Moto(Account):
    """The running emulator: its endpoint and the seeding helpers of :class:`Account`."""

    def reset(self) -> None:
        reset_moto(self.endpoint)


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Moto]:
    saved = {k: os.environ.get(k) for k in FAKE_ENV}
    os.environ.update(FAKE_ENV)
    server, endpoint = start_moto()
    try:
        yield Moto(endpoint=endpoint)
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def moto(moto_server: Moto, monkeypatch: pytest.MonkeyPatch) -> Iterator[Moto]:
    """The emulator, empty at the start of the test, with fake credentials in the environment."""
    for k, v in FAKE_ENV.items():
        monkeypatch.setenv(k, v)
    for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(k, raising=False)
    moto_server.reset()
    yield moto_server
