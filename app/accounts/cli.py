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
@click.option("--province", default=None, help="Admins: manage this province's communes only.")
@click.option("--district", default=None, help="Admins: only this district of --province.")
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
            set_area(account, province, district)
        for slug in communes:
            add_official(account, get_commune(slug))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    if role == "official" and not communes:
        click.echo("Note: this official serves no commune yet (use --commune SLUG).", err=True)
    db.session.commit()
    click.echo(f"Created {role} {account.email} (id {account.id}).")
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
@click.option("--province", default=None, help="The province whose communes they manage.")
@click.option("--district", default=None, help="Only this district of --province.")
def change_area(email: str, province: str | None, district: str | None) -> None:
    """Set the area an admin manages; with neither option, every commune (national)."""
    account = db.session.scalar(select(Account).where(Account.email == email.strip().lower()))
    if account is None or not account.is_admin:
        raise click.ClickException(f"No admin account with the email {email}.")
    try:
        set_area(account, province, district)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"{account.email} now manages: {area_name(account) or 'every commune'}.")
    _check_area(account)


def _check_area(account: Account) -> None:
    """Say how many communes the area holds; none usually means a spelling that differs from
    the communes' own ("an giang", "Tỉnh An Giang"), so suggest the names that are close."""
    if account.admin_province is None:
        return
    count = db.session.scalar(select(func.count(Commune.id)).where(managed_clause(account)))
    click.echo(f"Communes in this area now: {count}.")
    if count:
        return
    column = Commune.district if account.admin_district else Commune.province
    wanted = (account.admin_district or account.admin_province or "").casefold()
    names = db.session.scalars(select(column).where(column.is_not(None)).distinct())
    close = sorted(name for name in names if wanted in name.casefold())
    hint = f" Did you mean: {', '.join(close)}?" if close else ""
    click.echo(f"Warning: no commune carries this name exactly.{hint}", err=True)
