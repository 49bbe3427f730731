"""Cost of one big template: a ~1.5 MB SAM template with 3,000 functions, scanned end to end.

Run: `.venv/bin/python bench/scale_bench.py [--functions N] [--runs N]`.
Each function has Globals, an environment, an SQS event on its own queue, a
log group and an alias, so linkers and rules have work to do. The scan runs as
a subprocess (the real CLI, JSON report); the figures are its wall time
(median), its CPU time (user + system: what a busy machine does not inflate as
much) and its peak memory (max RSS). The target (issue 8): under 2 s and
200 MB for 3,000 functions on the project machine; cost must grow linearly.
This is a measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent

HEAD = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Runtime: python3.12
    Timeout: 30
    MemorySize: 256
Resources:
"""

FUNCTION = """\
  Fn{i}:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: fn-{i}
      Handler: app.handler
      CodeUri: s3://b/fn{i}.zip
      AutoPublishAlias: live
      Environment:
        Variables:
          TABLE: !Ref Table
          QUEUE_URL: !Ref Queue{i}
      Events:
        Work:
          Type: SQS
          Properties: {{Queue: !GetAtt Queue{i}.Arn}}
  Queue{i}:
    Type: AWS::SQS::Queue
    Properties: {{VisibilityTimeout: 9}}
  Logs{i}:
    Type: AWS::Logs::LogGroup
    Properties: {{LogGroupName: /aws/lambda/fn-{i}}}
"""

TAIL = """\
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]
      KeySchema: [{AttributeName: id, KeyType: HASH}]
      BillingMode: PAY_PER_REQUEST
"""


def write_template(path: Path, functions: int) -> int:
    text = HEAD + "".join(FUNCTION.format(i=i) for i in range(functions)) + TAIL
    path.write_text(text)
    return len(text.encode())


def measure(path: Path) -> tuple[float, float, float, int]:
    """Wall seconds, CPU seconds, peak MB of the scan subprocess, and its exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([str(BIN / "lambda-advisor"), "scan", str(path), "--format", "json"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, after.ru_maxrss / 1024, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--functions", type=int, default=3000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for n in (args.functions // 4, args.functions // 2, args.functions):
            path = Path(tmp) / f"big{n}.yaml"
            size = write_template(path, n)
            samples = [measure(path) for _ in range(args.runs)]
            wall = statistics.median(s[0] for s in samples)
            cpu = statistics.median(s[1] for s in samples)
            peak = max(s[2] for s in samples)
            print(f"{n:>6} functions, {size / 1e6:.2f} MB template: {wall:.2f} s wall, {cpu:.2f} s CPU, "
                  f"peak {peak:.0f} MB (exit {samples[-1][3]})", flush=True)


if __name__ == "__main__":
    main()
