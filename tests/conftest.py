"""Shared pytest fixtures. The moto (live account) fixtures live in conftest_moto.py."""

import pytest
from conftest_moto import moto, moto_server  # noqa: F401

import lambda_advisor.pipeline
import lambda_advisor.scanning
from lambda_advisor.model import validate_document

_evaluate = lambda_advisor.scanning.evaluate


@pytest.fixture(autouse=True)
def _every_document_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every document a source produces in any test (scan, audit, snapshot) must fit function.schema.json.

    Unit tests that hand partial documents to the engine directly are not sources and are not checked.
    """

    def checked(docs, *args, **kwargs):  # type: ignore[no-untyped-def]
        for doc in docs:
            validate_document(doc)
        return _evaluate(docs, *args, **kwargs)

    monkeypatch.setattr(lambda_advisor.scanning, "evaluate", checked)  # what scans, audits and fixes call
    monkeypatch.setattr(lambda_advisor.pipeline, "evaluate", checked)  # its re-export, for direct callers
