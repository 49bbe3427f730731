"""Shared pytest fixtures. The moto (live account) fixtures live in conftest_moto.py."""

from conftest_moto import moto, moto_server  # noqa: F401
