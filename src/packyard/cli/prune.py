"""`packyard prune`: retention policies for GitHub Packages and Packyard, through the SDK.

    packyard prune --package-type container --keep-last 5 --untagged --dry-run
    packyard prune plan --package-type npm --prerelease --older-than 90d -o plan.json
    packyard prune --package-type maven --keep-snapshot-builds 3
    packyard prune apply plan.json
    packyard prune undo --last

Exit codes: 0 done; 1 a deletion or restoration failed (a delete refused for want of admin
permission included: its 404 is looked at again), or the API refused the run; 2 the
command or policy is wrong; 3 a package was left untouched (a manifest could not be read, or
the last-version rule stopped it).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

import click
import yaml

from packyard.cli.plural import counted
from packyard.cli.prune_view import (
    Bars,
    err,
    out,
    plan_builds,
    print_plan,
    print_run,
    print_undo,
)
from packyard.client import Client, PackyardClientError, RetryPolicy
from packyard.client.prune import (
    EXIT_OK,
    EXIT_PLAN_INCOMPLETE,
    PACKAGE_TYPES,
    Journal,
    PackageSelector,
    Plan,
    Policy,
    PolicyError,
    Selection,
    apply_plan,
    make_plan,
    undo_run,
)
from packyard.client.prune.policy import ON_LAST_VERSION, STREAMS

PATIENT_RATE_LIMIT_RETRIES = 50
EXIT_USAGE = 2
EXIT_API = 1
RULES = (
    "keep-last",
    "per",
    "keep-newer-than",
    "keep-tags",
    "keep-semver",
    "keep-downloaded-within",
    "untagged",
    "prerelease",
    "older-than",
    "tags",
    "on-last-version",
    "keep-snapshot-builds",
)
SELECTION = ("package-type", "owner", "package")
CONNECTION = ("api-url", "registry-url")


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    err.print(f"[red]error:[/red] {message}", markup=True)
    sys.exit(code)


# options ----------------------------------------------------------------------------------


_token_option = click.option(
    "--token",
    envvar=["PACKYARD_TOKEN", "GITHUB_TOKEN"],
    help="Env: PACKYARD_TOKEN, else GITHUB_TOKEN.",
)


def _connection_options(function: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(
        [
            _token_option,
            click.option(
                "--api-url",
                envvar="GITHUB_API_URL",
                help="Default: GITHUB_API_URL, else https://api.github.com.",
            ),
            click.option(
                "--registry-url",
                help="Default: https://ghcr.io for api.github.com, else the API's own host.",
            ),
        ]
    ):
        function = option(function)
    return function


def _policy_options(function: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--package-type", type=click.Choice(PACKAGE_TYPES)),
        click.option("--owner", help="A user or an organization; default: the token's own."),
        click.option(
            "--package",
            "package",
            multiple=True,
            help="Package names or globs; '!glob' excludes. Repeat or separate with commas.",
        ),
        click.option("--keep-last", type=int, help="Keep the newest N (images, for containers)."),
        click.option("--per", type=click.Choice(STREAMS), help="Count --keep-last per stream."),
        click.option("--keep-newer-than", metavar="DURATION", help="e.g. 30d"),
        click.option("--keep-tags", multiple=True, metavar="PATTERNS", help="Globs or re:REGEX."),
        click.option("--keep-semver", metavar="RANGE", help="An npm range, e.g. '>=2.0'."),
        click.option("--keep-downloaded-within", metavar="DURATION", help="Packyard only."),
        click.option("--untagged", is_flag=True, default=None, help="Delete untagged images."),
        click.option("--prerelease", is_flag=True, default=None, help="Delete pre-releases."),
        click.option("--older-than", metavar="DURATION", help="Delete versions older than this."),
        click.option("--tags", multiple=True, metavar="PATTERNS", help="Delete matching tags."),
        click.option("--on-last-version", type=click.Choice(ON_LAST_VERSION)),
        click.option(
            "--keep-snapshot-builds",
            type=int,
            metavar="N",
            help="Maven, Packyard only: trim each SNAPSHOT version to its N newest builds "
            "(deletes builds, never versions).",
        ),
        click.option(
            "--policy",
            "policy_file",
            type=click.Path(exists=True, dir_okay=False, path_type=Path),
            help="A YAML file with the same names as these flags; flags win.",
        ),
        click.option("--report", type=click.Path(dir_okay=False, path_type=Path)),
    ]
    for option in reversed(options):
        function = option(function)
    return _connection_options(function)


def _merged(options: dict[str, Any]) -> dict[str, Any]:
    """The policy file's values, overridden by every flag actually given."""
    merged: dict[str, Any] = {}
    policy_file: Path | None = options.pop("policy_file", None)
    if policy_file is not None:
        try:
            loaded = yaml.safe_load(policy_file.read_text()) or {}
        except yaml.YAMLError as error:
            _fail(f"{policy_file}: not valid YAML: {error}")
        if not isinstance(loaded, dict):
            _fail(f"{policy_file}: expected a mapping of rule names to values")
        allowed = set(RULES + SELECTION + CONNECTION)
        unknown = sorted(str(k) for k in loaded if str(k).replace("_", "-") not in allowed)
        if unknown:
            names = "name" if len(unknown) == 1 else "names"
            _fail(f"{policy_file}: unknown {names}: {', '.join(unknown)}")
        merged.update({str(k).replace("_", "-"): v for k, v in loaded.items()})
    for name, value in options.items():
        if value in (None, (), False):
            continue
        merged[name.replace("_", "-")] = list(value) if isinstance(value, tuple) else value
    return merged


def _selection_and_policy(merged: dict[str, Any]) -> tuple[Selection, Policy]:
    package_type = merged.get("package-type")
    if not package_type:
        _fail("--package-type is required (or package-type in the policy file)")
    packages = merged.get("package") or []
    if isinstance(packages, str):
        packages = [packages]
    try:
        selection = Selection(
            str(package_type), merged.get("owner"), PackageSelector.parse(packages)
        )
        policy = Policy.from_options({k: v for k, v in merged.items() if k in RULES})
    except PolicyError as error:
        _fail(str(error))
    return selection, policy


@contextmanager
def _client(token: str | None, api_url: str | None, registry_url: str | None) -> Iterator[Client]:
    if not token:
        _fail("no token: pass --token, or set PACKYARD_TOKEN or GITHUB_TOKEN")
    # A cleanup job would rather wait out GitHub's rate limits than fail half done.
    patient = RetryPolicy(rate_limit_retries=PATIENT_RATE_LIMIT_RETRIES)
    where: dict[str, Any] = {"base_url": api_url} if api_url else {}  # else api.github.com
    with Client(token=token, registry_url=registry_url, retry=patient, **where) as c:
        yield c


def _write_report(path: Path | None, report: dict[str, Any]) -> None:
    if path is not None:
        path.write_text(json.dumps(report, indent=2) + "\n")


def _summary(plan: Plan) -> dict[str, int]:
    return {
        "packages": len(plan.packages),
        "versions": sum(len(p.versions) for p in plan.packages),
        "to_delete": plan.deletion_count,
        "builds": sum(len(v.builds) for p in plan.packages for v in p.versions),
        "builds_to_delete": plan.build_deletion_count,
        "untouched_packages": len(plan.errors),
    }


def _plan(options: dict[str, Any]) -> Plan:
    merged = _merged(options)
    selection, policy = _selection_and_policy(merged)
    with _client(options.get("token"), merged.get("api-url"), merged.get("registry-url")) as c:
        try:
            with Bars() as bars:
                return make_plan(c, selection, policy, progress=bars)
        except PolicyError as error:
            _fail(str(error))
        except PackyardClientError as error:
            _fail(f"planning stopped: {error}", EXIT_API)


def _apply(plan: Plan, token: str | None, report: Path | None) -> NoReturn:
    # A plan's ids mean something only on the API and registry it was made against.
    with _client(token, plan.api_url, plan.registry_url) as c:
        with Bars() as bars:
            run = apply_plan(c, plan, journal=Journal(), progress=bars)
    err.print(f"run {run.run_id} (journal: {Journal().path(run.run_id)})")
    print_run(run)
    _write_report(
        report,
        {"run_id": run.run_id, "dry_run": False, "summary": _summary(plan), "run": run.to_json()},
    )
    sys.exit(run.exit_code)


# commands -----------------------------------------------------------------------------------


@click.group(invoke_without_command=True)
@_policy_options
@click.option("--dry-run", is_flag=True, help="Print the plan with its reasons; delete nothing.")
@click.pass_context
def prune(ctx: click.Context, /, dry_run: bool, **options: Any) -> None:
    """Delete what a retention policy selects (keep rules always win); see README.

    \b
    Examples:
      packyard prune --package-type container --package '!hello' \\
          --keep-last 2 --keep-tags 'latest,v*' --untagged --dry-run
      packyard prune --package-type maven --keep-snapshot-builds 3
      packyard prune --policy retention.yml --dry-run
    """
    if ctx.invoked_subcommand is not None:
        return
    report: Path | None = options.pop("report")
    plan = _plan(options)
    if dry_run:
        print_plan(plan)
        _write_report(report, {"dry_run": True, "summary": _summary(plan), "plan": plan.to_json()})
        sys.exit(EXIT_PLAN_INCOMPLETE if plan.errors else EXIT_OK)
    _apply(plan, options.get("token"), report)


@prune.command("plan")
@_policy_options
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def plan_command(output: Path, **options: Any) -> None:
    """Write the exact list of versions (and SNAPSHOT builds) a policy deletes (ids, names,
    tags, reasons).

    \b
    Examples:
      packyard prune plan --package-type npm --owner acme --keep-last 1 --older-than 90d \\
          -o plan.json
    """
    report: Path | None = options.pop("report")
    plan = _plan(options)
    output.write_text(json.dumps(plan.to_json(), indent=2) + "\n")
    out.print(
        f"{output}: {counted(plan.deletion_count, 'version')}{plan_builds(plan)} to delete in "
        f"{counted(len(plan.packages), 'package')}; {len(plan.errors)} left untouched"
    )
    _write_report(report, {"dry_run": True, "summary": _summary(plan), "plan": plan.to_json()})
    sys.exit(EXIT_PLAN_INCOMPLETE if plan.errors else EXIT_OK)


@prune.command("apply")
@click.argument("plan_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_token_option
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path))
def apply_command(plan_file: Path, token: str | None, report: Path | None) -> None:
    """Delete exactly the versions and builds a plan file lists, on the API and registry it
    was made against (its `api_url` and `registry_url`; GITHUB_API_URL does not move it).

    \b
    Examples:
      packyard prune apply plan.json --report report.json
    """
    try:
        plan = Plan.from_json(json.loads(plan_file.read_text()))
    except (ValueError, PolicyError) as error:
        _fail(f"{plan_file}: {error}")
    _apply(plan, token, report)


@prune.command("undo")
@click.argument("run_id", required=False)
@click.option("--last", is_flag=True, help="The newest run not yet undone.")
@_token_option
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path))
def undo_command(run_id: str | None, last: bool, token: str | None, report: Path | None) -> None:
    """Restore what a run deleted, through the restore endpoints (within 30 days).

    \b
    Examples:
      packyard prune undo --last
      packyard prune undo 20261124T133910Z-3fa9c1
    """
    if bool(run_id) == last:
        _fail("give a RUN_ID or --last")
    journal = Journal()
    try:
        run = journal.last() if last else journal.load(str(run_id))
    except (FileNotFoundError, ValueError) as error:
        _fail(str(error))
    with _client(token, run.api_url, run.registry_url) as c:
        with Bars() as bars:
            result = undo_run(c, run, journal=journal, progress=bars)
    print_undo(result)
    _write_report(
        report,
        {
            "run_id": run.run_id,
            "restorations": [r.__dict__ for r in result.restorations],
        },
    )
    sys.exit(result.exit_code)
