"""`make demo`: the main job on the bundled example, end to end.

1. ``scan`` the example SAM application in ``fixtures/demo/``;
2. ``audit`` an emulated account (moto's server, seeded with functions that
   show the pitfalls, over several regions) through the same code path as
   ``lambda-advisor audit``, then an emulated organisation of three accounts
   (``--org-role``, one snapshot per account);
and print both reports. An HTML report of the audit is written to ``out/``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from lambda_advisor.pipeline import Settings, scan_paths
from lambda_advisor.report import render
from lambda_advisor.result import ScanResult

ROOT = Path(__file__).resolve().parent.parent
DEMO_APP = ROOT / "fixtures" / "demo"


def _heading(text: str) -> None:
    click.echo(click.style(f"\n=== {text} ===\n", bold=True))


def main() -> int:
    color = sys.stdout.isatty()
    if not DEMO_APP.is_dir():
        click.echo("the demo needs a checkout of lambda-advisor (fixtures/demo is not installed with the wheel)",
                   err=True)
        return 2
    _heading(f"lambda-advisor scan {DEMO_APP.relative_to(ROOT)}")
    os.chdir(ROOT)
    result = scan_paths([DEMO_APP.relative_to(ROOT)], Settings())
    click.echo(render("text", result, color=color), nl=False)

    from lambda_advisor.audit import AuditOptions, run_audit
    from lambda_advisor.audit_emulator import FAKE_ENV, seed_pitfalls, start_moto
    from lambda_advisor.emulator_metrics import seed_evidence
    from lambda_advisor.sources.account.evidence import EvidenceOptions

    os.environ.update(FAKE_ENV)
    server, endpoint = start_moto()
    try:
        seeded = seed_pitfalls(endpoint)
        seed_evidence(endpoint, seeded)  # two weeks of CloudWatch metrics, as Lambda would have published them
        regions = sorted(set(seeded.values()))
        _heading(f"lambda-advisor audit --endpoint-url {endpoint} --all-regions  (moto, {len(seeded)} functions "
                 f"in {', '.join(regions)}, with CloudWatch evidence)")
        audit = run_audit(AuditOptions(endpoint_url=endpoint, all_regions=True,
                                       evidence=EvidenceOptions(announce=lambda line: click.echo(line, err=True))),
                          Settings(quiet=True))
    finally:
        server.stop()
    click.echo(render("text", audit, color=color), nl=False)
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    _evidence(audit, out)

    from lambda_advisor.audit_emulator import reset_moto, seed_organization
    from lambda_advisor.sources.account.organization import OrgOptions

    server, endpoint = start_moto()
    try:
        reset_moto(endpoint)
        accounts = seed_organization(endpoint)
        folder = out / "org-snapshots"
        _heading(f"lambda-advisor audit --endpoint-url {endpoint} --org-role Auditor --save {folder.relative_to(ROOT)}/"
                 f"  (moto organisation of {len(accounts)} accounts)")
        org = run_audit(AuditOptions(endpoint_url=endpoint, regions=["us-east-1"],
                                     org=OrgOptions(role_name="Auditor")), Settings(quiet=True), save=folder)
    finally:
        server.stop()
    click.echo(render("text", org, color=color), nl=False)
    click.echo(f"\none snapshot per account in {folder}; `lambda-advisor scan {folder}` reports them together")
    (out / "demo-audit.html").write_text(render("html", audit), encoding="utf-8")
    (out / "demo-scan.sarif").write_text(render("sarif", result), encoding="utf-8")
    click.echo(f"\nHTML audit report: {out / 'demo-audit.html'}; SARIF of the scan: {out / 'demo-scan.sarif'}")
    return 0


def _evidence(audit: ScanResult, out: Path) -> None:
    """One measured finding, and its function's chart as the HTML report draws it."""
    from lambda_advisor.report.charts import function_chart

    measured = [f for f in audit.active if f.rule_id.startswith("LA6") or "measured:" in f.message]
    if not measured:
        return
    _heading("evidence: what CloudWatch measured")
    for f in measured:
        click.echo(f"{f.rule_id} {f.location.function_name}: {f.message}")
    docs = {d["id"]: d for d in audit.documents}
    first = next((f for f in measured if f.rule_id == "LA604"), measured[0])
    doc = docs.get(first.location.function_id)
    if doc is not None and function_chart(doc):
        path = out / f"demo-evidence-{doc['name']}.svg"
        path.write_text(function_chart(doc) + "\n", encoding="utf-8")
        click.echo(f"\nits chart (daily invocations, errors, throttles; longest invocation against the timeout): "
                   f"{path}, and beside the function in the HTML report")
    click.echo(f"{audit.meta.get('evidence', {}).get('metrics_requested', 0)} metrics requested; "
               + "; ".join(n for n in audit.notices if n.startswith("evidence: requested")))


if __name__ == "__main__":
    sys.exit(main())
