"""The CLI: creating communes and staff accounts."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from app.accounts.models import Account
from app.accounts.passwords import verify_password
from app.admin.services import stats_window
from app.admin.stats import report
from app.communes.cli import DEMO_ACCOUNTS_FILE, DEMO_ADMIN, DEMO_OFFICIAL, DEMO_SLUG
from app.communes.models import DEMO_CODE, Commune
from app.communes.services import create_commune
from app.extensions import db
from app.membership.models import Membership
from tests.conftest import BASE_URL


def test_communes_create_prints_join_url(app):
    result = app.test_cli_runner().invoke(args=["communes", "create", "xa-a", "--name", "Xã A"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"{BASE_URL}/j/")
    again = app.test_cli_runner().invoke(args=["communes", "create", "xa-a", "--name", "Xã A"])
    assert again.exit_code != 0 and again.output.startswith("Error: ")


def test_users_create_official_with_communes(app, make_commune):
    make_commune("xa-a", "Xã A")
    make_commune("xa-b", "Xã B")
    result = app.test_cli_runner().invoke(
        args=[
            *("users", "create", "CanBo@Example.vn", "--role", "official"),
            *("--commune", "xa-a", "--commune", "xa-b", "--password-stdin"),
        ],
        input="một mật khẩu dài\n",
    )
    assert result.exit_code == 0, result.output
    account = db.session.scalar(select(Account).where(Account.email == "canbo@example.vn"))
    assert account is not None and account.kind == "official"
    assert verify_password(account.password_hash, "một mật khẩu dài")
    roles = db.session.scalars(select(Membership.role).where(Membership.account_id == account.id))
    assert list(roles) == ["official", "official"]


def test_users_create_rejects_short_password_and_unknown_commune(app):
    runner = app.test_cli_runner()
    short = runner.invoke(
        args=["users", "create", "a@example.vn", "--role", "admin", "--password-stdin"],
        input="short\n",
    )
    assert short.exit_code != 0 and "10" in short.output
    unknown = runner.invoke(
        args=[
            *("users", "create", "b@example.vn", "--role", "official"),
            *("--commune", "nowhere", "--password-stdin"),
        ],
        input="long enough password\n",
    )
    assert unknown.exit_code != 0
    assert db.session.scalar(select(Account).where(Account.email == "b@example.vn")) is None


def test_demo_is_made_once_with_a_password_per_account(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    kept = Path(app.instance_path) / DEMO_ACCOUNTS_FILE
    assert kept.stat().st_mode & 0o077 == 0
    passwords = dict(line.split(" ", 1) for line in kept.read_text().splitlines())
    assert set(passwords) == {DEMO_OFFICIAL, DEMO_ADMIN}
    assert passwords[DEMO_OFFICIAL] != passwords[DEMO_ADMIN]
    for email, password in passwords.items():
        assert f"{email} / {password}" in first.output
        account = db.session.scalar(select(Account).where(Account.email == email))
        assert verify_password(account.password_hash, password)
    # Run again: nothing re-made, no password shown, the file named.
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0, again.output
    assert not any(password in again.output for password in passwords.values())
    assert str(kept) in again.output
    assert db.session.scalar(select(db.func.count(Account.id))) == 2
    assert db.session.scalar(select(db.func.count(Commune.id))) == 1
    assert kept.read_text().count("\n") == 2
    kept.unlink()


def test_the_demo_commune_stays_out_of_statistics(app, make_commune, make_staff, login):
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    (Path(app.instance_path) / DEMO_ACCOUNTS_FILE).unlink()
    demo = db.session.scalar(select(Commune).where(Commune.slug == DEMO_SLUG))
    assert demo.code == DEMO_CODE
    real = make_commune("xa-a", "Xã A")
    win = stats_window(12, "Asia/Ho_Chi_Minh")
    figures = report([demo, real], win)
    assert [commune.slug for commune, _ in figures.communes] == ["xa-a"]
    make_staff("root@example.vn", admin=True)
    page = login("root@example.vn").get("/api/v1/stats")
    assert page.status_code == 200, page.get_data(as_text=True)
    slugs = [row["commune"]["slug"] for row in page.get_json()["communes"]]
    assert slugs == ["xa-a"]


def test_admin_areas_from_the_command_line(app):
    runner = app.test_cli_runner()
    made = runner.invoke(
        args=[
            *("users", "create", "tinh@example.vn", "--role", "admin"),
            *("--province", "  An Giang ", "--password-stdin"),
        ],
        input="một mật khẩu dài\n",
    )
    assert made.exit_code == 0, made.output
    account = db.session.scalar(select(Account).where(Account.email == "tinh@example.vn"))
    assert (account.admin_province, account.admin_province_code) == ("An Giang", "91")
    # No commune of the province yet: the import command is suggested.
    assert "import-official --province 91" in made.output
    # Districts are no level: --district is ignored with a note, the province stays.
    narrowed = runner.invoke(
        args=["users", "area", "tinh@example.vn", "--province", "An Giang", "--district", "Tri Tôn"]
    )
    assert narrowed.exit_code == 0 and "An Giang" in narrowed.output
    assert "--district is ignored" in narrowed.output
    # Any spelling of the list's province, or its code; the count says what the area holds.
    create_commune("xa-a", "Xã A", province="Tỉnh An Giang")
    db.session.commit()
    for spelling in ("an giang", "Tỉnh An Giang", "91"):
        again = runner.invoke(args=["users", "area", "tinh@example.vn", "--province", spelling])
        assert again.exit_code == 0, again.output
        assert "Communes in this area now: 1" in again.output
    unknown = runner.invoke(args=["users", "area", "tinh@example.vn", "--province", "Kiên Giang"])
    assert unknown.exit_code != 0
    no_province = runner.invoke(args=["users", "area", "tinh@example.vn", "--district", "Tri Tôn"])
    assert no_province.exit_code != 0
    national = runner.invoke(args=["users", "area", "tinh@example.vn"])
    assert national.exit_code == 0 and "every commune" in national.output
    db.session.expire_all()
    assert db.session.get(Account, account.id).admin_province_code is None
    official = runner.invoke(
        args=[
            *("users", "create", "cb@example.vn", "--role", "official"),
            *("--province", "An Giang", "--password-stdin"),
        ],
        input="một mật khẩu dài\n",
    )
    assert official.exit_code != 0
