"""``flask users create`` (an admin or an official), ``flask users set-password`` and
``flask users area`` (an admin's area)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from app.accounts.models import Account
from app.accounts.services import create_staff_account, set_password
from app.communes.areas import area_name, managed_clause, set_area
from app.communes.models import Commune
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
@click.option(
    "--province", default=None, help='Admins: only this province\'s communes ("91", "an giang").'
)
@click.option("--district", default=None, hidden=True, help="Ignored: districts are no level.")
def create_user(
    email: str,
    role: str,
    communes: tuple[str, ...],
    display_name: str | None,
    password_stdin: bool,
    province: str | None,
    district: str | None,
) -> None:
    """Create a staff account; the password is read from standard input."""
    password = sys.stdin.readline().rstrip("\r\n")
    if role != "admin" and (province or district):
        raise click.UsageError("--province and --district are for admins.")
    try:
        account = create_staff_account(
            email, password, is_admin=role == "admin", display_name=display_name
        )
        if role == "admin":
            set_area(account, province)
        for slug in communes:
            add_official(account, get_commune(slug))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    if role == "official" and not communes:
        click.echo("Note: this official serves no commune yet (use --commune SLUG).", err=True)
    db.session.commit()
    click.echo(f"Created {role} {account.email} (id {account.id}).")
    _district_ignored(district)
    if role == "admin":
        _check_area(account)


@users_cli.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from stdin.")
def set_password_command(email: str, password_stdin: bool) -> None:
    """Set a staff member's new password (read from standard input); their sessions end."""
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        account = set_password(email, password)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"New password set for {account.email}; every session of the account ended.")


@users_cli.command("area")
@click.argument("email")
@click.option(
    "--province", default=None, help='The province whose communes they manage ("91", "an giang").'
)
@click.option("--district", default=None, hidden=True, help="Ignored: districts are no level.")
def change_area(email: str, province: str | None, district: str | None) -> None:
    """Set the province an admin manages; without --province, every commune (national)."""
    account = db.session.scalar(select(Account).where(Account.email == email.strip().lower()))
    if account is None or not account.is_admin:
        raise click.ClickException(f"No admin account with the email {email}.")
    if district is not None and province is None:
        # Not national by mistake: "--district X" alone once meant a smaller area.
        raise click.UsageError("Give --province: districts are no level since 1 July 2025.")
    try:
        set_area(account, province)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    _district_ignored(district)
    click.echo(f"{account.email} now manages: {area_name(account) or 'every commune'}.")
    _check_area(account)


def _district_ignored(district: str | None) -> None:
    if district is not None:
        click.echo(
            "Note: --district is ignored: since 1 July 2025 an admin manages a province "
            "or the whole country.",
            err=True,
        )


def _check_area(account: Account) -> None:
    """Say how many communes the province holds; none usually means its communes are not
    imported yet (``flask communes import-official --province CODE``)."""
    if account.admin_province is None:
        return
    count = db.session.scalar(select(func.count(Commune.id)).where(managed_clause(account)))
    click.echo(f"Communes in this area now: {count}.")
    if not count:
        click.echo(
            "Warning: no commune of this province yet; import them with "
            f"`flask communes import-official --province {account.admin_province_code}`.",
            err=True,
        )
