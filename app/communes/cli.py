"""``flask communes create``, ``flask communes import``, ``flask communes import-official``,
``flask communes rotate-token`` and ``flask demo``."""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.accounts.models import Account
from app.accounts.services import create_staff_account
from app.communes.imports import ImportRejected, import_communes
from app.communes.models import DEMO_CODE, Commune
from app.communes.official import import_official
from app.communes.provinces import find_province, official_provinces
from app.communes.services import create_commune, get_commune, join_url, rotate_join_token
from app.errors import DomainError
from app.extensions import db
from app.membership.services import add_official

communes_cli = AppGroup("communes", help="Manage commune groups.")


@communes_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The commune's name as residents know it.")
def create(slug: str, name: str) -> None:
    """Create a commune group and print its join URL."""
    try:
        commune = create_commune(slug, name)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(join_url(current_app.config["BASE_URL"], commune))


@communes_cli.command("import")
@click.argument("csv_file", type=click.File("rb"))
def import_command(csv_file) -> None:
    """Create or update communes from a CSV file (code, name, district, province): all rows
    or none."""
    try:
        result = import_communes(csv_file.read(), None)
    except ImportRejected as error:
        db.session.rollback()
        for row in error.rows:
            click.echo(f"line {row['line']}: {row['message']}", err=True)
        raise click.ClickException(error.message) from None
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    for label, communes in (("created", result.made), ("updated", result.changed)):
        for commune in communes:
            click.echo(f"{label}: {commune.code} {commune.name} ({commune.slug})")
    counts = result.as_dict()
    click.echo(
        f"{counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged."
    )


@communes_cli.command("import-official")
@click.option(
    "--province",
    "province_value",
    metavar="CODE|NAME",
    help='One province only: its code ("91") or name ("an giang", diacritics and case ignored).',
)
def import_official_command(province_value: str | None) -> None:
    """Create or update the communes of the official 2025 list (34 provinces, 3,321 communes),
    or of one province: matched by code, nothing duplicated, nothing deleted."""
    province = None
    if province_value is not None:
        province = find_province(province_value)
        if province is None:
            names = ", ".join(f"{p.code} {p.name}" for p in official_provinces())
            raise click.ClickException(
                f"No province {province_value!r} in the official list. Provinces: {names}"
            )
    result = import_official(province, None)
    db.session.commit()
    for commune, changes in result.updated:
        described = "; ".join(f"{key}: {old} -> {new}" for key, (old, new) in changes.items())
        click.echo(f"updated: {commune.code} {commune.name} ({commune.slug}): {described}")
    for commune in result.missing:
        click.echo(f"not in the list: {commune.code} {commune.name} ({commune.slug})")
    counts = result.as_dict()
    area = f"{province.name} ({province.code})" if province else "The whole country"
    click.echo(
        f"{area}: {counts['created']} created, {counts['updated']} updated, "
        f"{counts['unchanged']} unchanged, {counts['not_in_list']} not in the list "
        "(kept, not deleted)."
    )


@communes_cli.command("rotate-token")
@click.argument("slug")
def rotate_token_command(slug: str) -> None:
    """Replace a commune's join token (its old board then says it was replaced); print the new
    join URL."""
    try:
        commune = get_commune(slug)
        rotate_join_token(commune, None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(join_url(current_app.config["BASE_URL"], commune))


DEMO_SLUG = "u-minh-thuong"
DEMO_NAME = "Xã U Minh Thượng"
DEMO_OFFICIAL = "canbo@demo.invalid"
DEMO_ADMIN = "admin@demo.invalid"
# Kept in the instance folder (mode 600): the demo accounts' sign-in, written when made.
DEMO_ACCOUNTS_FILE = "demo_accounts.txt"


@click.command("demo")
def demo_command() -> None:
    """Make the demo commune, official and admin where missing (each account with its own new
    password, shown once and kept in the instance folder); what exists is left as it is."""
    commune = db.session.scalar(select(Commune).where(Commune.slug == DEMO_SLUG))
    if commune is None:
        commune = create_commune(DEMO_SLUG, DEMO_NAME)
    # The mark that keeps the demo out of every statistic (app/admin/stats.py).
    commune.code = DEMO_CODE
    made: list[tuple[str, str]] = []
    for email, is_admin in ((DEMO_OFFICIAL, False), (DEMO_ADMIN, True)):
        account = db.session.scalar(select(Account).where(Account.email == email))
        if account is None:
            password = secrets.token_urlsafe(12)
            name = "Quản trị viên" if is_admin else "Cán bộ xã"
            account = create_staff_account(email, password, is_admin=is_admin, display_name=name)
            made.append((email, password))
        if not is_admin:
            add_official(account, commune)
    db.session.commit()
    accounts_file = Path(current_app.instance_path) / DEMO_ACCOUNTS_FILE
    if made:
        _keep_demo_accounts(accounts_file, made)
    base_url = current_app.config["BASE_URL"]
    click.echo(f"Demo commune:  {commune.name} (not counted in statistics)")
    click.echo(f"Join URL:      {join_url(base_url, commune)}")
    click.echo(f"QR board:      {base_url}/communes/{commune.slug}/board.png")
    for email, password in made:
        click.echo(f"Sign in:       {email} / {password}")
    click.echo(f"Demo sign-in details are kept in {accounts_file}")


def _keep_demo_accounts(path: Path, made: list[tuple[str, str]]) -> None:
    """Add the new accounts' sign-in to the file, readable by its owner only."""
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    with path.open("a", encoding="utf-8") as file:
        for email, password in made:
            file.write(f"{email} {password}\n")
