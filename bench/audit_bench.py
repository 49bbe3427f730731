"""Benchmark: a live audit of a large emulated account or organisation, against Lambda's API quotas.

An account of N functions (default 2,000) over 3 regions — or, with ``--org``,
an organisation of that many accounts with ``--functions`` functions per
account and region — lives in moto's server; a local proxy in front of it
enforces Lambda's quotas per account and region (GetFunction 100/s, GetPolicy
15/s, every other control-plane call 15/s, each optionally multiplied by
--scale to keep the run short) and answers HTTP 429 TooManyRequestsException
beyond them, as Lambda does. The audit runs through the same code as
``lambda-advisor audit`` (``--org-role`` for an organisation).

Reported: calls per function by API, throttled and failed calls, gaps, wall
time, and the ratio of wall time to the quota bound: the time the quotas alone
impose at the share of them the audit uses (``--quota-share``, default one
half). Per account and region, the largest of calls / (quota x share) over the
three buckets; regions run in parallel, so an account takes its slowest
region's; accounts run ``--accounts-in-parallel`` at a time, so the run takes
at least the slowest account and at least the sum spread over those slots.

With evidence (the default; ``--no-evidence`` to leave it out) three functions in four have an
``Invocations`` datapoint in CloudWatch, the proxy enforces CloudWatch's quotas too (GetMetricData
50/s, ListMetrics 25/s, answering ``Throttling`` beyond them), and each region's bound grows by
the time its CloudWatch calls need at those quotas (the evidence is read once the region's
functions are: their configuration decides which metrics to ask for). Reported besides:
metrics requested, CloudWatch calls, and what GetMetricData costs at CloudWatch's price.

Targets: GetFunction once per function, wall <= 1.2 x bound (goal 1.1), zero failed calls,
every function in the result.

    .venv/bin/python bench/audit_bench.py                          # 2,000 functions, real quotas
    .venv/bin/python bench/audit_bench.py --scale 4                # quotas x4: same shape, ~1/4 of the time
    .venv/bin/python bench/audit_bench.py --org 30 --functions 40  # 30 accounts x 3 regions x 40 functions

The emulator (moto and the proxy) runs in a child process so that its work does
not compete with the audit for one Python interpreter.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lambda_advisor.audit_emulator import (
    FAKE_ENV,
    Account,
    AwsProxy,
    Call,
    _Bucket,
    create_organization,
    start_moto,
    tiny_zip,
)
from lambda_advisor.emulator_metrics import put_daily
from lambda_advisor.sources.account import DEFAULT_HEADROOM, LAMBDA_QUOTAS, AuditOptions, audit
from lambda_advisor.sources.account.evidence import CLOUDWATCH_QUOTAS, EvidenceOptions, cost_usd
from lambda_advisor.sources.account.organization import OrgOptions, audit_organization

REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2"]
ACCOUNT = "123456789012"
ORG_ROLE = "LambdaAdvisorAudit"


def seed(endpoint: str, functions: int, acct: Account | None = None, prefix: str = "fn") -> dict[str, int]:
    """``functions`` functions spread over REGIONS; a realistic minority with triggers, URLs, layers, aliases.

    Every 10th function is invoked by S3 (so it is async: its event invoke configs are read), every 50th
    has a function URL, every 20th reads an SQS queue, every 5th uses a shared layer, every 4th has a
    published version behind an alias ``live`` (whose resource policy is read too).
    """
    acct = acct or Account(endpoint)
    account_id = acct.client("sts").get_caller_identity()["Account"]
    role = acct.role("bench-role")
    zip_bytes = tiny_zip()
    per_region: Counter[str] = Counter()
    layers: dict[str, str] = {}
    queues: dict[str, str] = {}
    for region in REGIONS:
        lam = acct.client("lambda", region)
        layers[region] = lam.publish_layer_version(LayerName="shared", Content={"ZipFile": zip_bytes})[
            "LayerVersionArn"]
        queues[region] = acct.queue("bench-queue", region)

    clients = {r: acct.client("lambda", r) for r in REGIONS}

    def one(i: int) -> str:
        region = REGIONS[i % len(REGIONS)]
        lam = clients[region]
        name = f"{prefix}-{i:05d}"
        kwargs: dict[str, Any] = {}
        if i % 5 == 0:
            kwargs["Layers"] = [layers[region]]
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": zip_bytes}, Timeout=30, **kwargs)
        if i % 10 == 0:
            lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                               Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::bench-bucket",
                               SourceAccount=account_id)
        if i % 50 == 1:
            lam.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl",
                               Principal="*", FunctionUrlAuthType="NONE")
            lam.create_function_url_config(FunctionName=name, AuthType="NONE")
        if i % 20 == 3:
            lam.create_event_source_mapping(FunctionName=name, EventSourceArn=queues[region], BatchSize=10)
        if i % 4 == 2:
            version = lam.publish_version(FunctionName=name)["Version"]
            lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
        return region

    with ThreadPoolExecutor(max_workers=8) as pool:
        for region in pool.map(one, range(functions)):
            per_region[region] += 1
    return dict(per_region)


def seed_metrics(acct: Account, functions: int, prefix: str = "fn") -> int:
    """Three functions in four ran today (one Invocations datapoint each); returns how many."""
    ran = [i for i in range(functions) if i % 4 != 3]
    for region in REGIONS:
        cw = acct.client("cloudwatch", region)
        names = [f"{prefix}-{i:05d}" for i in ran if REGIONS[i % len(REGIONS)] == region]
        data = [{"MetricName": "Invocations", "Dimensions": [{"Name": "FunctionName", "Value": name}],
                 "Value": 1.0, "Unit": "Count"} for name in names]
        for k in range(0, len(data), 500):
            cw.put_metric_data(Namespace="AWS/Lambda", MetricData=data[k:k + 500])
        put_daily(cw, None, "ClaimedAccountConcurrency", [10.0])
    return len(ran)


class CloudWatchQuotas:
    """A proxy fault: CloudWatch's quotas per account and region, ``Throttling`` beyond them."""

    def __init__(self, quotas: dict[str, float], burst_s: float) -> None:
        self.quotas, self.burst_s = quotas, burst_s
        self.buckets: dict[tuple[str, str, str], _Bucket] = {}
        self.lock = threading.Lock()

    def __call__(self, call: Call) -> tuple[int, dict[str, str], bytes] | None:
        if call.service != "monitoring":
            return None
        name = call.operation if call.operation in self.quotas else "other"
        with self.lock:
            key = (call.access_key, call.region, name)
            if key not in self.buckets:
                rate = self.quotas[name]
                self.buckets[key] = _Bucket(rate, max(2.0, rate * self.burst_s))
            bucket = self.buckets[key]
        if bucket.try_take():
            return None
        body = json.dumps({"__type": "Throttling", "message": "Rate exceeded"}).encode()
        return 400, {"Content-Type": "application/x-amz-json-1.0"}, body


def bucket_of(op: str) -> str:
    return op if op in LAMBDA_QUOTAS else "other"


def serve(args: argparse.Namespace) -> int:
    """The emulated account in its own process: moto + the quota proxy, seeded.

    Prints one JSON line (endpoint, seeding figures); then answers each line read on stdin with
    the proxy's counters as one JSON line, and stops at end of input.
    """
    os.environ.update(FAKE_ENV)
    quotas = {k: v * args.scale for k, v in LAMBDA_QUOTAS.items()}
    server, endpoint = start_moto()
    try:
        t0 = time.monotonic()
        if args.org:
            accounts = [Account(endpoint)] + [Account(endpoint).member(m, ORG_ROLE)
                                              for m in create_organization(endpoint, args.org - 1)]
            per_region = Counter[str]()
            for n, acct in enumerate(accounts):
                for region, count in seed(endpoint, args.functions * len(REGIONS), acct, f"a{n:02d}").items():
                    per_region[region] += count
                if args.evidence:
                    seed_metrics(acct, args.functions * len(REGIONS), f"a{n:02d}")
        else:
            per_region = Counter(seed(endpoint, args.functions))
            if args.evidence:
                seed_metrics(Account(endpoint), args.functions)
        seeding = time.monotonic() - t0
        cw_quotas = {k: v * args.scale for k, v in CLOUDWATCH_QUOTAS.items()}
        faults = [CloudWatchQuotas(cw_quotas, args.burst_s)] if args.evidence else []
        with AwsProxy(endpoint, quotas=quotas, burst_s=args.burst_s, faults=faults) as proxy:
            print(json.dumps({"endpoint": proxy.endpoint, "per_region": per_region, "seeding_s": seeding}),
                  flush=True)
            for _ in sys.stdin:
                stats = proxy.stats
                print(json.dumps({"calls": stats.calls, "calls_by_caller": stats.calls_by_caller,
                                  "throttled": stats.throttled, "faults": stats.faults}), flush=True)
    finally:
        server.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--functions", type=int, default=2000)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every quota (and the client's limits)")
    parser.add_argument("--workers", type=int, default=10, help="concurrent calls per region")
    parser.add_argument("--burst-s", type=float, default=0.1,
                        help="proxy token-bucket burst, in seconds of quota (at least 2 requests)")
    parser.add_argument("--org", type=int, default=0, metavar="ACCOUNTS",
                        help="an organisation of this many accounts (the management one included); "
                             "--functions is then per account and region")
    parser.add_argument("--accounts-in-parallel", type=int, default=4)
    parser.add_argument("--quota-share", type=float, default=DEFAULT_HEADROOM,
                        help="share of each quota the audit uses (its default)")
    parser.add_argument("--no-evidence", dest="evidence", action="store_false",
                        help="leave the CloudWatch and Compute Optimizer evidence out")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON here")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args)

    # The emulator runs in a child process, as AWS would be elsewhere: it must not share the
    # auditor's interpreter (and its GIL), or its own delays would be counted against the audit.
    os.environ.update(FAKE_ENV)
    quotas = {k: v * args.scale for k, v in LAMBDA_QUOTAS.items()}
    child = subprocess.Popen([sys.executable, __file__, "--serve", "--functions", str(args.functions),
                              "--scale", str(args.scale), "--burst-s", str(args.burst_s), "--org", str(args.org),
                              *([] if args.evidence else ["--no-evidence"])],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert child.stdin is not None and child.stdout is not None
    try:
        ready = json.loads(child.stdout.readline())
        cw_quotas = {k: v * args.scale for k, v in CLOUDWATCH_QUOTAS.items()}
        options = AuditOptions(endpoint_url=ready["endpoint"], regions=REGIONS, quotas=quotas,
                               headroom=args.quota_share, workers_per_region=args.workers,
                               evidence=EvidenceOptions(quotas=cw_quotas) if args.evidence else None)
        if args.org:
            outcome = audit_organization(options, OrgOptions(role_name=ORG_ROLE,
                                                             accounts_in_parallel=args.accounts_in_parallel))
        else:
            outcome = audit(options)
        child.stdin.write("stats\n")
        child.stdin.flush()
        stats = json.loads(child.stdout.readline())
    finally:
        child.stdin.close()
        child.wait(timeout=60)
    per_region, seeding = ready["per_region"], ready["seeding_s"]
    throttled: dict[str, int] = stats["throttled"]
    bounds = quota_bounds(stats["calls_by_caller"], quotas, args.quota_share,
                          {k: v * args.scale for k, v in CLOUDWATCH_QUOTAS.items()})
    parallel = args.accounts_in_parallel if args.org else 1
    # Accounts run `parallel` at a time, each bounded by its slowest region: the run cannot be
    # shorter than its slowest account, nor than all the accounts' work spread over the slots.
    bound = max(max(bounds.values(), default=0.0), sum(bounds.values()) / parallel)
    full_bound = bound * args.quota_share

    n = len(outcome.documents)
    by_api: Counter[str] = Counter()
    for key, count in stats["calls"].items():
        _, service, op = key.split(" ", 2)
        by_api[f"{service}:{op}"] += count
    lambda_calls = sum(c for k, c in by_api.items() if k.startswith("lambda:"))
    per_bucket: Counter[str] = Counter()
    for k, c in by_api.items():
        if k.startswith("lambda:"):
            per_bucket[bucket_of(k.split(":", 1)[1])] += c
    seeded = sum(per_region.values())
    figures = {
        "accounts": args.org or 1,
        "functions_seeded": seeded,
        "functions_in_result": n,
        "regions": per_region,
        "quotas_per_account_region_per_s": quotas,
        "quota_share": args.quota_share,
        "seeding_s": round(seeding, 1),
        "wall_s": round(outcome.seconds, 2),
        "quota_bound_s": round(bound, 2),
        "wall_over_bound": round(outcome.seconds / bound, 3) if bound else None,
        "quota_bound_at_full_quota_s": round(full_bound, 2),
        "lambda_calls_per_function": round(lambda_calls / n, 3) if n else None,
        "calls_per_function_by_quota_bucket": {b: round(c / n, 3) for b, c in sorted(per_bucket.items())},
        "calls_per_function_by_api": {k: round(c / n, 4) for k, c in sorted(by_api.items())},
        "calls_by_api": dict(sorted(by_api.items())),
        "throttled_429": sum(throttled.values()),
        "throttled_by_api": throttled,
        "failed_calls": sum(outcome.failed_calls.values()),
        "gaps": len(outcome.gaps),
    }
    if args.evidence:
        figures.update({
            "evidence_metrics_requested": outcome.evidence_metrics,
            "evidence_cost_usd": round(cost_usd(outcome.evidence_metrics), 4),
            "cloudwatch_calls": {k: c for k, c in sorted(by_api.items()) if k.startswith("monitoring:")},
            "documents_with_evidence": sum(1 for d in outcome.documents if d.get("evidence")),
            "evidence_notices": outcome.notices[:5],
        })
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    ok = (n == seeded and figures["failed_calls"] == 0 and not outcome.gaps
          and per_bucket["GetFunction"] / n <= 1.0 and outcome.seconds <= 1.2 * bound)
    print("targets met" if ok else "TARGETS MISSED", file=sys.stderr)
    return 0 if ok else 1


def quota_bounds(calls_by_caller: dict[str, int], quotas: dict[str, float], share: float,
                 cw_quotas: dict[str, float] | None = None) -> dict[str, float]:
    """Seconds the quotas (at the share the audit uses) impose on each caller (one per account):
    per region the largest of calls / quota over the Lambda buckets, plus the same for CloudWatch
    (the evidence is read after the region's functions); the regions run in parallel."""
    buckets: dict[tuple[str, str], Counter[str]] = {}
    cloudwatch: dict[tuple[str, str], Counter[str]] = {}
    for key, count in calls_by_caller.items():
        caller, region, service, op = key.split(" ", 3)
        if service == "lambda":
            buckets.setdefault((caller, region), Counter())[bucket_of(op)] += count
        elif service == "monitoring" and cw_quotas:
            cloudwatch.setdefault((caller, region), Counter())[op if op in cw_quotas else "other"] += count
    out: dict[str, float] = {}
    for (caller, region), counts in buckets.items():
        seconds = max(counts[b] / (quotas[b] * share) for b in quotas)
        cw = cloudwatch.get((caller, region))
        if cw and cw_quotas:
            seconds += max(cw[b] / (cw_quotas[b] * share) for b in cw_quotas)
        out[caller] = max(out.get(caller, 0.0), seconds)
    return out


if __name__ == "__main__":
    sys.exit(main())
