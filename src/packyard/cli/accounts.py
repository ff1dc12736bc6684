"""`packyard users`, `orgs` and `tokens`: accounts and their tokens, managed from a shell."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from packyard.cli.common import admin_store, data_dir_option, fail, now
from packyard.domain.types import AccountType, TokenKind


@click.group()
def users() -> None:
    """Manage users.

    \b
    Examples:
      packyard users create alice --name "Alice Liddell"
    """


@users.command("create")
@click.argument("login")
@click.option("--name", default=None)
@data_dir_option
def users_create(login: str, name: str | None, data_dir: Path | None) -> None:
    """Create a user.

    \b
    Examples:
      packyard users create alice
      packyard users create alice --name "Alice Liddell"
    """
    from packyard.services.admin import create_account

    with admin_store(data_dir) as store:
        account = create_account(store, login, AccountType.USER, now(), name=name)
    click.echo(f"created user {account.login} (id {account.id})")


@click.group()
def orgs() -> None:
    """Manage organizations.

    \b
    Examples:
      packyard orgs create acme --owner carol
    """


@orgs.command("create")
@click.argument("login")
@click.option("--owner", required=True, help="A user who becomes the organization's owner.")
@data_dir_option
def orgs_create(login: str, owner: str, data_dir: Path | None) -> None:
    """Create an organization owned by a user.

    \b
    Examples:
      packyard orgs create acme --owner carol
    """
    from packyard.services.admin import create_account

    with admin_store(data_dir) as store:
        account = create_account(store, login, AccountType.ORGANIZATION, now(), owner=owner)
    click.echo(f"created organization {account.login} (id {account.id}), owner {owner}")


@click.group()
def tokens() -> None:
    """Manage tokens.

    \b
    Examples:
      packyard tokens create carol --scopes read:packages,write:packages,delete:packages
      packyard tokens revoke ghp_...
    """


@tokens.command("create")
@click.argument("login")
@click.option(
    "--scopes",
    default="read:packages",
    show_default=True,
    help="Comma-separated scopes, e.g. read:packages,delete:packages.",
)
@click.option(
    "--kind", type=click.Choice(["classic", "oauth"]), default="classic", show_default=True
)
@click.option("--expires", default=None, help="Expiry date or timestamp (RFC 3339).")
@click.option("--note", default=None)
@data_dir_option
def tokens_create(
    login: str, scopes: str, kind: str, expires: str | None, note: str | None, data_dir: Path | None
) -> None:
    """Create a token for a user and print it (this is the only time it is shown).

    \b
    Examples:
      packyard tokens create carol --scopes read:packages,write:packages,delete:packages
      packyard tokens create alice --scopes read:packages --kind oauth --expires 2027-01-01
      export PACKYARD_TOKEN=$(packyard tokens create carol --scopes read:packages)
    """
    from packyard.services.admin import create_token

    expires_at = None
    if expires:
        try:
            expires_at = datetime.fromisoformat(expires.replace("Z", "+00:00"))
        except ValueError:
            fail(f"--expires: {expires!r} is not a date or RFC 3339 timestamp")
        assert expires_at is not None
        if expires_at.tzinfo is None:
            expires_at = expires_at.replace(tzinfo=UTC)
    scope_list = [s.strip() for s in scopes.split(",") if s.strip()]
    with admin_store(data_dir) as store:
        token = create_token(
            store,
            login,
            scope_list,
            TokenKind(kind),
            now(),
            expires_at,
            note,
        )
    click.echo(token)


@tokens.command("revoke")
@click.argument("token")
@data_dir_option
def tokens_revoke(token: str, data_dir: Path | None) -> None:
    """Revoke a token; it answers 401 Bad credentials from then on.

    \b
    Examples:
      packyard tokens revoke ghp_...
    """
    from packyard.services.admin import revoke_token

    with admin_store(data_dir) as store:
        revoke_token(store, token, now())
    click.echo("revoked")
