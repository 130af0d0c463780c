"""``flask users create``: add an admin or an official."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from app.accounts.services import create_staff_account
from app.communes.services import get_commune
from app.errors import DomainError
from app.extensions import db
from app.membership.services import add_official

users_cli = AppGroup("users", help="Manage staff accounts (officials and admins).")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["admin", "official"]), required=True)
@click.option("--commune", "communes", multiple=True, help="Slug of a commune they serve.")
@click.option("--name", "display_name", default=None, help="Name shown to residents.")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin.")
def create_user(
    email: str, role: str, communes: tuple[str, ...], display_name: str | None, password_stdin: bool
) -> None:
    """Create a staff account; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        account = create_staff_account(
            email, password, is_admin=role == "admin", display_name=display_name
        )
        for slug in communes:
            add_official(account, get_commune(slug))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    if role == "official" and not communes:
        click.echo("Note: this official serves no commune yet (use --commune SLUG).", err=True)
    db.session.commit()
    click.echo(f"Created {role} {account.email} (id {account.id}).")
