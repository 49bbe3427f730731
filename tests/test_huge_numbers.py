"""Numbers no template could deploy (hundreds of digits, infinities) are unknown to the rules: no rule's
arithmetic overflows, so a scan of them has no internal-error entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from lambda_advisor.cli import cli
from lambda_advisor.model import MAX_MAGNITUDE, bound_numbers

#: Every numeric property the template source reads, set to the value under test.
TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: s3://bucket/app.zip
      Timeout: {n}
      MemorySize: {n}
      EphemeralStorage: {{Size: {n}}}
      ReservedConcurrentExecutions: {n}
      ProvisionedConcurrencyConfig: {{ProvisionedConcurrentExecutions: {n}}}
      AutoPublishAlias: live
      EventInvokeConfig: {{MaximumRetryAttempts: {n}, MaximumEventAgeInSeconds: {n}}}
      Events:
        Api:
          Type: Api
          Properties: {{Path: /x, Method: get, TimeoutInMillis: {n}}}
        Http:
          Type: HttpApi
          Properties: {{Path: /y, Method: get, TimeoutInMillis: {n}}}
        Queue:
          Type: SQS
          Properties: {{Queue: !GetAtt Q.Arn, BatchSize: {n}, MaximumBatchingWindowInSeconds: {n}}}
        Stream:
          Type: Kinesis
          Properties: {{Stream: arn:aws:kinesis:us-east-1:123456789012:stream/s, StartingPosition: LATEST,
                       BatchSize: {n}, MaximumRetryAttempts: {n}, MaximumRecordAgeInSeconds: {n},
                       ParallelizationFactor: {n}}}
  Q:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: {n}
      MessageRetentionPeriod: {n}
      RedrivePolicy: {{deadLetterTargetArn: !GetAtt D.Arn, maxReceiveCount: {n}}}
  D:
    Type: AWS::SQS::Queue
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {{LogGroupName: /aws/lambda/Fn, RetentionInDays: {n}}}
"""

HUGE = "9" * 400


@pytest.mark.parametrize("n", [HUGE, "-" + HUGE, f'"{HUGE}"', f'"-{HUGE}"', "1e400", "-1e400", ".inf", "-.inf",
                               ".nan", "1e308", f'"{"9" * 5000}"', "0", "-1", str(2 ** 63)])
def test_no_rule_fails_on_a_number_no_template_could_deploy(tmp_path: Path, n: str) -> None:
    (tmp_path / "t.yaml").write_text(TEMPLATE.format(n=n))
    result = CliRunner().invoke(cli, ["scan", str(tmp_path / "t.yaml"), "--select", "ALL", "--format", "json",
                                      "--today", "2026-11-22"])
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert not [e for e in report["errors"] if "internal error" in e["message"]], report["errors"]


def test_numbers_past_the_bound_become_unknown_and_the_rest_stay() -> None:
    doc = {"timeout_s": 10 ** 400, "memory_mb": 128, "events": [{"ms": -10 ** 16}, 5, float("inf")],
           "nan": float("nan"), "flag": True, "edge": MAX_MAGNITUDE}
    bound_numbers(doc)
    assert doc == {"timeout_s": None, "memory_mb": 128, "events": [{"ms": None}, 5, None], "nan": None,
                   "flag": True, "edge": MAX_MAGNITUDE}
