"""Command line: scan, rules, explain (audit and baseline plug in here too).

Kept lean: boto3 and cfnlint are never imported on the ``scan`` path.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import click

from lambda_advisor import __version__
from lambda_advisor.findings import SEVERITIES

FORMAT_CHOICES = ["text", "concise", "json", "sarif", "junit", "markdown", "html", "github", "gitlab"]


def _debug_option(func: Any) -> Any:
    def turn_on(ctx: click.Context, param: click.Parameter, value: bool) -> None:
        if value:
            from lambda_advisor.barrier import set_debug

            set_debug(True)

    return click.option("--debug", is_flag=True, expose_value=False, is_eager=True, callback=turn_on,
                        help="Print the traceback of internal errors on stderr (also LAMBDA_ADVISOR_DEBUG=1).")(func)


_isolated_option = click.option(
    "--isolated", is_flag=True, default=False,
    help="Ignore every configuration file (.lambda-advisor.yaml, pyproject.toml) and the rule folders they "
         "name in the scanned tree: settings come from the command line and --config FILE only "
         "(for a gate the pull request cannot reconfigure).")


class _Barrier(click.Group):
    """The last barrier: whatever escapes a command is one line on stderr and exit 2, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            _interrupted()
        except Exception as exc:
            from lambda_advisor.barrier import internal_error

            err = internal_error(ctx.invoked_subcommand or "lambda-advisor", exc, "that stopped the run", went_on=False)
            _say(f"lambda-advisor: error: {err.message}", err=True)
            sys.exit(2)


def _say(text: str, *, err: bool = False) -> None:
    """One line that carries input (a path, a name, an error's text), inert for a terminal or CI log."""
    from lambda_advisor.report.escape import line
    from lambda_advisor.sources.files import printable

    click.echo(line(printable(text)), err=err)


#: The exit status of a run stopped by Ctrl-C (128 + SIGINT, as shells report it); never 1, which means findings.
INTERRUPTED = 130


def _interrupted() -> None:
    """Ctrl-C: one line on stderr and exit 130; a report being written was not (writes are atomic)."""
    import contextlib
    import os
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_DFL)  # a second Ctrl-C ends the process at once
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    click.echo("lambda-advisor: interrupted: the run did not finish and wrote no complete report", err=True)
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        sys.stderr.flush()
        os._exit(INTERRUPTED)  # worker threads (audit regions) would keep an ordinary exit waiting
    sys.exit(INTERRUPTED)


def _split(values: Sequence[str]) -> list[str]:
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


def _check_frameworks(ctx: click.Context, param: click.Parameter, values: Sequence[str]) -> list[str]:
    """Framework names as their IDs; an unknown one is a usage error naming the known ones."""
    if not values:
        return []  # the frameworks' data loads only when one is asked for (start-up stays lean)
    from lambda_advisor import compliance

    try:
        return list(dict.fromkeys(compliance.framework(v).id for v in _split(values)))
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def common_options(func: Any) -> Any:
    """Options every reporting command shares."""
    options: list[Any] = [
        click.option("--format", "-f", "fmt", type=click.Choice(FORMAT_CHOICES), default=None,
                     help="Output format (default: text)."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the report to this file instead of stdout."),
        click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
                     help="Exit 1 when a finding is at or above this severity (default: low)."),
        click.option("--select", multiple=True, help="Only these rules (IDs or prefixes, comma-separated; ALL for every rule, opt-in ones too)."),
        click.option("--ignore", multiple=True, help="Skip these rules (IDs or prefixes, comma-separated)."),
        click.option("--framework", "frameworks", multiple=True, callback=_check_frameworks,
                     help="Run the rules a compliance framework needs and report each requirement's status "
                          "(aws-fsbp, nist-800-53-r5, pci-dss-4.0.1, cis-aws-foundations-7.0; repeatable)."),
        click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False, path_type=Path),
                     help="Extra directory of rule YAML files (repeatable)."),
        click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, hidden=True,
                     help="Pretend today is this date (runtime deprecation rules)."),
        click.option("--color/--no-color", default=None,
                     help="Colour the text report (default: on a terminal; NO_COLOR turns it off, FORCE_COLOR on)."),
        click.option("--quiet", "-q", is_flag=True, help="No notices on stderr (skipped files, progress)."),
        click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Configuration file (default: nearest .lambda-advisor.yaml or pyproject.toml "
                          "[tool.lambda-advisor] above the first path)."),
        _isolated_option,
        click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="Only findings not in this baseline file count (see `baseline create`)."),
        click.option("--show-suppressed", is_flag=True, default=None,
                     help="Also list suppressed and baselined findings (they never count)."),
        _debug_option,
        click.option("--exit-zero", is_flag=True,
                     help="Exit 0 even when there are findings (report-only rollout); input errors still exit 2, "
                          "an incomplete audit 3."),
        click.option("--statistics", is_flag=True, help="Print how many findings each rule produced, instead of them."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


@click.group(cls=_Barrier, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lambda-advisor")
@_debug_option
def cli() -> None:
    """Find AWS Lambda pitfalls in templates, live accounts and deployment packages.

    \b
    Exit codes:
      0  nothing at or above --fail-on
      1  findings (and nothing else went wrong)
      2  usage error, unreadable input, broken configuration or rule file,
         or an internal error (the report still lists everything else)
      3  an audit (or its snapshot) that could not see everything
    """


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--inspect-code/--no-inspect-code", "inspect_code", default=True,
              help="Look inside local deployment packages and layers (default: on).")
@click.option("--show-files", is_flag=True, help="List what would be scanned, skipped and excluded, and exit.")
@click.option("--show-settings", is_flag=True,
              help="Print the effective configuration (and where each value came from) and which rules run, and exit.")
@click.option("--fix/--no-fix", "fix", default=None,
              help="Apply the safe fixes in place (each re-checked, comments and layout kept); report what is left.")
@click.option("--unsafe-fixes/--no-unsafe-fixes", "unsafe_fixes", default=None,
              help="With --fix or --diff: also the unsafe fixes (they change behaviour or cost, or add resources).")
@click.option("--diff", is_flag=True, default=None,
              help="Print a unified diff of what --fix would change, change nothing; exit 1 when there is a diff.")
@click.option("--var-file", "var_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Terraform variable file (repeatable), read after terraform.tfvars and *.auto.tfvars; "
                   "TF_VAR_* environment variables are never read.")
@common_options
def scan(paths: tuple[Path, ...], show_files: bool, show_settings: bool, var_files: tuple[Path, ...],
         **opts: Any) -> None:
    """Scan CloudFormation/SAM templates, Terraform, cdk.out, .serverless/ or snapshots."""
    from lambda_advisor import pipeline

    settings = _settings(opts, paths)
    settings.extra["var_files"] = list(var_files)
    if show_settings:
        from lambda_advisor.report.escape import terminal
        from lambda_advisor.show_settings import render as render_settings

        click.echo(terminal(render_settings(settings), multiline=True), nl=False)
        return
    if show_files:
        collected = pipeline.collect(list(paths), settings)
        for path in collected.scanned:
            _say(f"scanned   {path}")
        for path in collected.skipped:
            _say(f"skipped   {path} (not a template, cdk.out, .serverless/ or snapshot)")
        for entry in collected.excluded:
            _say(f"excluded  {entry}")
        for err in collected.errors:
            _say(f"error     {err}")
        for notice in collected.notices:
            _say(f"lambda-advisor: {notice}", err=True)
        return
    _emit(pipeline.run_scan(list(paths), settings), settings)


@cli.command()
@click.option("--profile", help="AWS profile (default: the standard credential chain).")
@click.option("--region", "regions", multiple=True, help="Region to audit (repeatable; default: the profile's).")
@click.option("--all-regions", is_flag=True, help="Audit every region enabled for the account.")
@click.option("--exclude-region", "exclude_regions", multiple=True,
              help="Never audit this region (repeatable or comma-separated), e.g. one an SCP denies.")
@click.option("--role-arn", help="Role to assume for the audit (read-only use only).")
@click.option("--external-id", help="External ID for --role-arn (and for --org-role).")
@click.option("--org-role", metavar="ROLE_NAME",
              help="Audit every active account of the organisation: run with management-account (or "
                   "delegated administrator) credentials; ROLE_NAME is assumed in each other account.")
@click.option("--accounts", "accounts", multiple=True, metavar="ID,…",
              help="With --org-role: only these accounts (a share of the organisation per job).")
@click.option("--exclude-accounts", "exclude_accounts", multiple=True, metavar="ID,…",
              help="With --org-role: skip these accounts.")
@click.option("--shard", metavar="K/N",
              help="With --org-role: audit only share K of N of the chosen accounts (deterministic, balanced), "
                   "for fan-out engines (GitHub Actions matrix, AWS Batch array jobs); see docs/audit.md.")
@click.option("--list-accounts", is_flag=True,
              help="With --org-role: print the IDs of the accounts the audit would cover (after --accounts, "
                   "--exclude-accounts and --shard), one per line, and stop; inactive ones are printed too "
                   "(the audit lists them as skipped) and named on stderr.")
@click.option("--accounts-in-parallel", type=click.IntRange(1, 32), default=4, show_default=True,
              help="With --org-role: accounts audited at the same time (each has its own quotas).")
@click.option("--endpoint-url", envvar="AWS_ENDPOINT_URL", help="AWS endpoint (an emulator); also AWS_ENDPOINT_URL.")
@click.option("--save", "save_to", type=click.Path(),
              help="Write a snapshot to re-scan offline with `scan`: a JSON file, or a folder (always with "
                   "--org-role) of one <account>.json per account, each written as soon as it is done.")
@click.option("--keep-env-values", is_flag=True,
              help="Snapshots keep environment values in clear (default: no part of any value is written, only "
                   "what rules read: length, AWS hostnames, ARNs and a hash keyed per snapshot; secrets are "
                   "redacted either way).")
@click.option("--workers", type=click.IntRange(1, 64), default=10, show_default=True,
              help="Concurrent calls per region (the API quotas bound the rate anyway).")
@click.option("--quota-share", type=click.FloatRange(0.05, 1.0), default=0.5, show_default=True,
              help="Share of each Lambda API quota the audit may use; the rest is left to deployments "
                   "and other tools running in the account at the same time.")
@click.option("--max-versions", type=click.IntRange(-1, 10000), default=10, show_default=True,
              help="Published versions per function whose own resource policy is read, newest first (one "
                   "GetPolicy each); every version's configuration is judged whatever this is. -1: no versions.")
@click.option("--inspect-code", is_flag=True,
              help="Download each function's package and layers (presigned URLs) and look inside them.")
@click.option("--evidence/--no-evidence", default=True, show_default=True,
              help="Read run-time evidence: CloudWatch metrics (GetMetricData, billed per metric requested; the "
                   "count and cost are printed) and Compute Optimizer's memory findings. A denial is a notice.")
@click.option("--evidence-days", type=click.IntRange(1, 90), default=14, show_default=True,
              help="Days of daily CloudWatch values to read for the functions that ran.")
@common_options
def audit(profile: str | None, regions: tuple[str, ...], all_regions: bool, exclude_regions: tuple[str, ...],
          role_arn: str | None, external_id: str | None, org_role: str | None, accounts: tuple[str, ...],
          exclude_accounts: tuple[str, ...], shard: str | None, list_accounts: bool, accounts_in_parallel: int,
          endpoint_url: str | None,
          save_to: str | None, keep_env_values: bool, workers: int, quota_share: float, max_versions: int,
          inspect_code: bool, evidence: bool, evidence_days: int, **opts: Any) -> None:
    """Audit the Lambda functions of a live AWS account, or of a whole organisation (read-only)."""
    from lambda_advisor.audit import AuditError, AuditOptions
    from lambda_advisor.pipeline import run_audit

    if all_regions and regions:
        raise click.UsageError("pass either --region or --all-regions, not both")
    if (accounts or exclude_accounts or shard is not None or list_accounts) and not org_role:
        raise click.UsageError("--accounts, --exclude-accounts, --shard and --list-accounts go with --org-role")
    account_ids, excluded_ids = _account_ids("--accounts", accounts), _account_ids("--exclude-accounts",
                                                                                   exclude_accounts)
    if org_role and role_arn:
        raise click.UsageError("pass either --role-arn (one account) or --org-role (an organisation)")
    save = Path(save_to) if save_to else None
    if save is not None and save_to is not None and save_to.endswith(("/", "\\")):
        save.mkdir(parents=True, exist_ok=True)  # a folder, even for one account: <account>.json inside
    if save is not None and save.exists() and not save.is_dir() and org_role:
        raise click.UsageError(f"--save {save}: with --org-role, --save names a folder (one snapshot per account)")
    settings = _settings(opts)
    if keep_env_values and save is not None:
        _say("lambda-advisor: warning: --keep-env-values: the snapshot keeps environment values in clear (only "
             "the secrets LA101 finds are redacted); store it as you store the secrets it may hold", err=True)
    options = AuditOptions(profile=profile, regions=_split(regions), all_regions=all_regions,
                           exclude_regions=_split(exclude_regions), role_arn=role_arn,
                           external_id=external_id, endpoint_url=endpoint_url, workers_per_region=workers,
                           headroom=quota_share, keep_env_values=keep_env_values, max_versions=max_versions)
    if org_role:
        from lambda_advisor.sources.account.organization import OrgOptions
        from lambda_advisor.sources.account.shard import parse_shard

        try:
            share = parse_shard(shard) if shard is not None else None
        except ValueError as exc:
            raise click.UsageError(str(exc)) from exc
        options.org = OrgOptions(role_name=org_role, accounts=account_ids, exclude_accounts=excluded_ids,
                                 accounts_in_parallel=accounts_in_parallel, shard=share)
    if list_accounts:
        assert options.org is not None
        from lambda_advisor.sources.account.organization import organization_accounts

        try:
            chosen, skipped = organization_accounts(options, options.org)
        except AuditError as exc:
            click.echo(f"lambda-advisor: error: {exc}", err=True)
            sys.exit(2)
        # Inactive accounts are printed too: the audit that gets this list reports them as skipped.
        for account in sorted([*chosen, *(e["account"] for e in skipped)]):
            click.echo(account)
        for entry in skipped:
            click.echo(f"lambda-advisor: {entry['account']} will be skipped ({entry['reason']})", err=True)
        return
    if inspect_code:
        from lambda_advisor.sources.package.live import LiveInspector

        options.inspect_code = LiveInspector()
    if evidence:
        from lambda_advisor.sources.account.evidence import EvidenceOptions

        announce = None if settings.quiet else (lambda line: click.echo(f"lambda-advisor: {line}", err=True))
        options.evidence = EvidenceOptions(days=evidence_days, announce=announce)
    try:
        result = run_audit(options, settings, save=save)
    except AuditError as exc:
        _say(f"lambda-advisor: error: {exc}", err=True)
        sys.exit(2)
    _emit(result, settings)


def _account_ids(option: str, values: tuple[str, ...]) -> list[str]:
    """Account IDs of ``--accounts``/``--exclude-accounts``; an option given with nothing in it is an
    error (an empty selection must never widen into the whole organisation), and so is a malformed ID."""
    ids = _split(values)
    if values and not ids:
        raise click.UsageError(f"{option} is empty: name at least one 12-digit account ID (leave the option "
                               "out to audit every account)")
    bad = [i for i in ids if not (len(i) == 12 and i.isascii() and i.isdigit())]
    if bad:
        raise click.UsageError(f"{option}: {', '.join(repr(b) for b in bad[:3])} is not a 12-digit account ID")
    return ids


@cli.command(name="rules")
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text")
def list_rules(rules_dir: tuple[Path, ...], fmt: str) -> None:
    """List every rule: ID, severity, category, whether it is on by default (or opt-in) and title."""
    from lambda_advisor.engine import RuleError, load_rules

    try:
        rules = load_rules(rules_dir)
    except RuleError as exc:
        raise click.UsageError(str(exc)) from exc
    if fmt == "json":
        import json

        click.echo(json.dumps([{"id": r.id, "severity": r.severity, "category": r.category,
                                "default": r.default, "title": r.title} for r in rules], indent=2))
        return
    click.echo(f"{'ID':<7} {'SEVERITY':<9} {'CATEGORY':<13} {'DEFAULT':<7} TITLE")
    for r in rules:
        _say(f"{r.id:<7} {r.severity:<9} {r.category:<13} {'on' if r.default else 'opt-in':<7} {r.title}")
    if any(not r.default for r in rules):
        click.echo("opt-in rules run only when --select (or `select` in the configuration) names their "
                   "full ID or ALL; a prefix such as LA5 does not turn them on.", err=True)


@cli.command()
@click.argument("rule_id")
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              help="text: rendered for the terminal (default); markdown: the page's source.")
@click.option("--color/--no-color", default=None,
              help="Colour headings and code (default: on a terminal; NO_COLOR turns it off, FORCE_COLOR on).")
def explain(rule_id: str, rules_dir: tuple[Path, ...], fmt: str, color: bool | None) -> None:
    """Show a rule's documentation: what it does, why, an example and the fix."""
    from lambda_advisor.docs import rule_markdown
    from lambda_advisor.engine import RuleError, load_rules

    try:
        rules = {r.id: r for r in load_rules(rules_dir)}
    except RuleError as exc:
        raise click.UsageError(str(exc)) from exc
    rule = rules.get(rule_id.upper())
    if rule is None:
        from lambda_advisor.selectors import closest

        near = closest(rule_id.upper(), sorted(rules))
        hint = f" (closest: {', '.join(near)})" if near else ""
        raise click.UsageError(f"no rule {rule_id!r}{hint}; `lambda-advisor rules` lists them all")
    from lambda_advisor.report.escape import terminal

    page = terminal(rule_markdown(rule), multiline=True)  # a rule file may come from the pull request
    if fmt == "markdown":
        click.echo(page)
        return
    from lambda_advisor.report.markdown_terminal import render
    from lambda_advisor.report.terminal import use_color, width

    tty = sys.stdout.isatty()
    use = use_color(color, tty)
    click.echo(render(page, width=width(tty), color=use), nl=False, color=use)


def _settings(opts: dict[str, Any], paths: Sequence[Path] = ()) -> Any:
    from lambda_advisor.config import ConfigError, apply_to_settings

    settings = _plain_settings(opts)
    ctx = click.get_current_context(silent=True)
    if ctx is not None:  # which options the user gave (--show-settings says where each value came from)
        settings.extra["from_command_line"] = {
            name for name in ctx.params
            if ctx.get_parameter_source(name) in (click.core.ParameterSource.COMMANDLINE,
                                                  click.core.ParameterSource.ENVIRONMENT)}
    try:
        apply_to_settings(settings, list(paths))
    except ConfigError as exc:
        _say(f"lambda-advisor: error: {exc}", err=True)
        sys.exit(2)
    return settings


def _plain_settings(opts: dict[str, Any]) -> Any:
    from lambda_advisor.pipeline import Settings

    today = opts.get("today")
    select = [s.upper() for s in _split(opts.get("select") or ())]
    if opts.get("frameworks"):  # --framework: the rules each framework needs, by full ID (opt-in ones too)
        from lambda_advisor import compliance

        needed = sorted({r for name in opts["frameworks"] for r in compliance.framework(name).rules})
        select = list(dict.fromkeys([*select, *needed]))
    return Settings(
        fmt=opts.get("fmt"),
        output=opts.get("output"),
        fail_on=opts.get("fail_on"),
        select=select,
        ignore=[s.upper() for s in _split(opts.get("ignore") or ())],
        rules_dirs=list(opts.get("rules_dir") or ()),
        today=today.date() if today else date.today(),
        color=opts.get("color"),
        quiet=bool(opts.get("quiet")),
        extra={k: v for k, v in opts.items() if k not in {
            "fmt", "output", "fail_on", "select", "ignore", "rules_dir", "today", "color", "quiet"}},
    )


def _emit(result: Any, settings: Any) -> None:
    from lambda_advisor import pipeline
    from lambda_advisor.report.terminal import width

    tty = sys.stdout.isatty()
    rendered = pipeline.render(result, settings, tty=tty, width=width(tty))
    if rendered.stdout:
        click.echo(rendered.stdout, nl=False, color=rendered.color)
    for line in rendered.stderr:
        click.echo(line, err=True)
    sys.exit(rendered.exit_code)


@cli.group()
def baseline() -> None:
    """Record today's findings so that later scans fail on new ones only."""


@baseline.command(name="create")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Baseline file to write (default: the configuration's `baseline`, "
                   "else .lambda-advisor-baseline.json).")
@click.option("--select", multiple=True, help="Only these rules (IDs or prefixes, comma-separated; ALL for every rule, opt-in ones too).")
@click.option("--ignore", multiple=True, help="Skip these rules (IDs or prefixes, comma-separated).")
@click.option("--rules-dir", multiple=True, type=click.Path(file_okay=False, path_type=Path))
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path), default=None)
@_isolated_option
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, hidden=True)
@click.option("--quiet", "-q", is_flag=True)
def baseline_create(paths: tuple[Path, ...], **opts: Any) -> None:
    """Scan PATHS and write every finding to the baseline file."""
    from lambda_advisor.baseline import write
    from lambda_advisor.pipeline import scan_paths

    output = opts.pop("output")
    settings = _settings(opts, paths)
    if output is None:
        output = settings.extra.get("baseline_default") or Path(".lambda-advisor-baseline.json")
    result = scan_paths(list(paths), settings)
    for err in result.errors:
        _say(f"lambda-advisor: error: {err}", err=True)
    if result.errors:
        click.echo("lambda-advisor: baseline not written: fix the inputs above first", err=True)
        sys.exit(2)
    count = write(result, output)
    if not settings.quiet:
        _say(f"lambda-advisor: wrote {count} finding{'s' if count != 1 else ''} "
             f"({len(result.documents)} function{'s' if len(result.documents) != 1 else ''}) to {output}", err=True)


def main() -> None:
    """Run the command line (the program itself starts in :mod:`lambda_advisor.entry`)."""
    cli(prog_name="lambda-advisor")


if __name__ == "__main__":
    main()
