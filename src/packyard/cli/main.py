"""`packyard`: serve, seed, manage accounts and tokens, collect garbage."""

from __future__ import annotations

from pathlib import Path

import click

from packyard.cli.common import (
    cli_blob_store,
    cli_settings,
    data_dir_option,
    fail,
    migrated_store,
    now,
)
from packyard.cli.plural import counted
from packyard.config import DEFAULT_HOST, DEFAULT_PORT


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="packyard")
def main() -> None:
    """Packyard: GitHub Packages' API on your own machines.

    \b
    Examples:
      packyard seed examples/world.yaml
      packyard serve --docker-port 8081
      packyard prune --package-type container --untagged --dry-run
    """


@main.command()
@click.option("--host", default=DEFAULT_HOST, show_default=True, envvar="PACKYARD_HOST")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, envvar="PACKYARD_PORT")
@data_dir_option
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=int,
    help="Server processes sharing the same store.",
)
@click.option(
    "--access-log/--no-access-log",
    default=False,
    show_default=True,
    envvar="PACKYARD_ACCESS_LOG",
    help="Log one line per request (method, path, status) on stderr.",
)
@click.option(
    "--docker-port",
    type=int,
    default=None,
    envvar="PACKYARD_DOCKER_PORT",
    help="Also serve the legacy Docker registry (names OWNER/REPOSITORY/IMAGE) on this port.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(min=1),
    default=None,
    envvar="PACKYARD_MAX_CONNECTIONS",
    help="Connections per process before new ones are answered 503 [default: 2048].",
)
def serve(
    host: str,
    port: int,
    data_dir: Path | None,
    workers: int,
    access_log: bool,
    docker_port: int | None,
    max_connections: int | None,
) -> None:
    """Start the server (REST API under /api/v3).

    \b
    Examples:
      packyard serve --port 8080
      packyard serve --port 8080 --docker-port 8081 --access-log
    """
    import os

    from packyard.cli.serving import MAX_CONNECTIONS, run

    if docker_port is not None:
        os.environ["PACKYARD_DOCKER_PORT"] = str(docker_port)
    settings = cli_settings(data_dir, host, port)
    with migrated_store(settings):  # migrations run once here, before any worker starts
        pass
    cli_blob_store(settings)  # a bucket that cannot be used stops the start, in one line
    # Workers re-create the app from the environment, so hand them the resolved settings.
    os.environ["PACKYARD_DATA_DIR"] = str(settings.data_dir)
    os.environ.setdefault("PACKYARD_BASE_URL", settings.base_url)
    legacy = f", legacy Docker registry on port {docker_port}" if docker_port else ""
    click.echo(
        f"Packyard on {settings.base_url} (API {settings.api_url}){legacy}, "
        f"data in {settings.database_url or settings.data_dir}",
        err=True,
    )
    run(host, port, docker_port, workers, access_log, max_connections or MAX_CONNECTIONS)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@data_dir_option
def seed(file: Path, data_dir: Path | None) -> None:
    """Load a seed file (YAML or JSON) in one transaction; loading twice changes nothing.

    Versions that ask for `content:` get real bytes (images, tarballs) in the data
    directory's blob store, published as their registries' clients would.

    \b
    Examples:
      packyard seed examples/world.yaml
      packyard seed examples/seed-format-example.yaml --data-dir ./other-data
    """
    from packyard.server import build_store, registered_formats
    from packyard.services.seed import SeedError, load_seed
    from packyard.services.seed_content import ContentPorts
    from packyard.services.seed_file import SeedFileError, parse_seed

    try:
        document = parse_seed(file.read_text())
    except SeedFileError as error:
        fail(f"{file}: not valid YAML or JSON: {error}")
    settings = cli_settings(data_dir)
    try:
        with migrated_store(settings) as store:
            # A seed publishes inside its one transaction: a bucket's checks of a sweep's
            # marks go through a store of their own (SQLite's main thread holds one
            # connection per store, which the seed's transaction occupies).
            reclaims = build_store(store.engine)
            content = ContentPorts(registered_formats(settings), cli_blob_store(settings, reclaims))
            report = load_seed(store, document, now(), content)
    except SeedError as error:
        for line in error.errors:
            click.echo(f"{file}: {line}", err=True)
        fail(f"{counted(len(error.errors), 'error')}; nothing was loaded")
    counts = (
        counted(report.users, "user"),
        counted(report.orgs, "org"),
        counted(report.repositories, "repository", "repositories"),
        counted(report.tokens, "token"),
        counted(report.packages, "package"),
        counted(report.versions, "version"),
    )
    click.echo("seeded " + ", ".join(counts))


@main.command()
@data_dir_option
def gc(data_dir: Path | None) -> None:
    """Purge deletions older than the restore window, for good.

    The server also does this hourly. PACKYARD_RESTORE_WINDOW_DAYS sets the window.

    \b
    Examples:
      packyard gc
      packyard gc --data-dir ./packyard-data
    """
    from packyard.core.gc import collect_garbage
    from packyard.server import registered_formats

    settings = cli_settings(data_dir)
    with migrated_store(settings) as store:
        counts = collect_garbage(
            store,
            now(),
            settings.restore_window,
            registered_formats(settings),
            cli_blob_store(settings, store),
        )
    click.echo(
        f"purged {counted(counts.packages, 'package')} and {counted(counts.versions, 'version')}; "
        f"reclaimed {counted(counts.blobs, 'blob')} and "
        f"{counted(counts.uploads, 'abandoned upload')}"
    )


@main.group()
def migrate() -> None:
    """Moves between registries, as GitHub ran them.

    \b
    Examples:
      packyard migrate docker
    """


@migrate.command("docker")
@click.option("--owner", default=None, help="Only this user's or organization's images.")
@data_dir_option
def migrate_docker(owner: str | None, data_dir: Path | None) -> None:
    """Move legacy Docker images (package_type docker) to the container registry.

    Each OWNER/REPOSITORY/IMAGE becomes the container package OWNER/IMAGE with the same
    versions, digests, tags, downloads and repository link; the legacy name keeps pulling
    it. An image whose container name is taken stays, and is listed by GET
    /user/docker/conflicts until the blocking package is deleted and this runs again.
    Exits 3 when conflicts remain.

    \b
    Examples:
      packyard migrate docker
      packyard migrate docker --owner acme
    """
    from packyard.core.context import Context
    from packyard.domain.errors import NotFound
    from packyard.domain.types import ANONYMOUS
    from packyard.registries.oci.migrate import migrate_docker as run_migration
    from packyard.server import registered_formats

    settings = cli_settings(data_dir)
    with migrated_store(settings) as store:
        ctx = Context(
            store, ANONYMOUS, now(), settings.restore_window, registered_formats(settings)
        )
        try:
            report = run_migration(ctx, owner)
        except NotFound as error:
            raise click.ClickException(error.message) from None
    for line in report.moved:
        click.echo(f"moved {line}")
    for name in report.conflicts:
        click.echo(f"conflict: {name} stays; its container name is taken", err=True)
    click.echo(f"{len(report.moved)} moved, {counted(len(report.conflicts), 'conflict')}")
    if report.conflicts:
        raise SystemExit(3)


@main.group()
def db() -> None:
    """Database maintenance.

    \b
    Examples:
      packyard db upgrade
    """


@db.command("upgrade")
@data_dir_option
def db_upgrade(data_dir: Path | None) -> None:
    """Apply database migrations (the server also does this on start).

    \b
    Examples:
      packyard db upgrade
      packyard db upgrade --data-dir ./packyard-data
    """
    with migrated_store(cli_settings(data_dir)):
        click.echo("database is up to date")


def _register() -> None:
    from packyard.cli.accounts import orgs, tokens, users
    from packyard.cli.prune import prune

    for command in (users, orgs, tokens, prune):
        main.add_command(command)


_register()


if __name__ == "__main__":  # pragma: no cover
    main()
