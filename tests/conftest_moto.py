"""A real AWS endpoint for the account tests: moto's server, started once, reset per test.

boto3 talks HTTP to it exactly as it would to AWS. Imported by ``conftest.py``.
Functions are created with tiny in-memory zips and never invoked (no Docker).
"""

from __future__ import annotations

import io
import json
import os
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

ACCOUNT = "123456789012"  # moto's default account
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]


def tiny_zip(body: str = "def handler(event, context):\n    return 'ok'\n") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", body)
    return buf.getvalue()


@dataclass
class Moto:
    """The running emulator: its endpoint and helpers to seed an account."""

    endpoint: str

    def reset(self) -> None:
        req = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST", data=b"")
        urllib.request.urlopen(req, timeout=10).read()

    def client(self, service: str, region: str = "us-east-1") -> Any:
        import boto3

        return boto3.client(service, region_name=region, endpoint_url=self.endpoint,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def role(self, name: str = "fn-role", policies: list[dict[str, Any]] | None = None,
             managed: list[str] | None = None) -> str:
        iam = self.client("iam")
        trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                          "Principal": {"Service": "lambda.amazonaws.com"}}]}
        try:
            arn: str = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
        except iam.exceptions.EntityAlreadyExistsException:
            return str(iam.get_role(RoleName=name)["Role"]["Arn"])
        for i, doc in enumerate(policies or []):
            iam.put_role_policy(RoleName=name, PolicyName=f"inline{i}", PolicyDocument=json.dumps(doc))
        for policy_arn in managed or []:
            iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
        return arn

    def function(self, name: str, region: str = "us-east-1", *, role: str | None = None,
                 runtime: str = "python3.12", **kwargs: Any) -> str:
        lam = self.client("lambda", region)
        resp = lam.create_function(FunctionName=name, Runtime=runtime, Role=role or self.role(),
                                   Handler="app.handler", Code={"ZipFile": tiny_zip()}, **kwargs)
        return str(resp["FunctionArn"])


@pytest.fixture(scope="session")
def moto_server() -> Iterator[Moto]:
    from moto.server import ThreadedMotoServer

    saved = {k: os.environ.get(k) for k in _ENV}
    os.environ.update(_ENV)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield Moto(endpoint=f"http://{host}:{port}")
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


#: Credentials and config that cannot reach a real account, whatever the developer's machine has.
_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}


@pytest.fixture
def moto(moto_server: Moto, monkeypatch: pytest.MonkeyPatch) -> Iterator[Moto]:
    """The emulator, empty at the start of the test."""
    for k, v in _ENV.items():
        monkeypatch.setenv(k, v)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    moto_server.reset()
    yield moto_server
