"""Sign-in limits slow guessing without letting a stranger keep an official out."""

from __future__ import annotations

import pytest

from app.accounts import totp
from app.accounts.models import Account
from app.accounts.sessions import end_sessions
from app.extensions import db
from app.ratelimit import devices
from app.ratelimit.devices import COOKIE_NAME
from tests.conftest import PASSWORD
from tests.ratelimit.conftest import behind_proxy

OFFICIAL = "canbo@example.vn"
HOME = "203.0.113.50"  # the official's own address (their office or phone)


def _login(client, password: str, *, email: str = OFFICIAL, address: str | None = None, **extra):
    headers = {"X-Forwarded-For": address} if address else {}
    return client.post(
        "/api/v1/auth/login", json={"email": email, "password": password, **extra}, headers=headers
    )


def _stranger_guesses(app, attempts: int, addresses: int, *, email: str = OFFICIAL) -> list[int]:
    stranger = app.test_client()
    statuses = []
    for n in range(attempts):
        where = n % addresses
        answer = _login(
            stranger, f"guess {n}", email=email, address=f"10.9.{where // 250}.{where % 250}"
        )
        statuses.append(answer.status_code)
    return statuses


@pytest.fixture
def trusted_device(limited_app, make_staff):
    """The official's phone: signed in once, then signed out (the device cookie stays)."""
    make_staff(OFFICIAL)
    phone = behind_proxy(limited_app, HOME)
    assert _login(phone, PASSWORD).status_code == 200
    assert phone.get_cookie(COOKIE_NAME) is not None
    assert phone.post("/api/v1/auth/logout").status_code == 204
    return phone


def test_guessing_from_one_address_stops_after_ten(limited_app, make_staff):
    make_staff(OFFICIAL)
    client = limited_app.test_client()
    statuses = [_login(client, "nope", address="198.51.100.5").status_code for _ in range(10)]
    blocked = _login(client, PASSWORD, address="198.51.100.5")
    assert statuses == [401] * 10
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert blocked.get_json()["error"]["code"] == "too_many_requests"


def test_unknown_accounts_are_limited_the_same_way(limited_app):
    client = limited_app.test_client()
    answers = [_login(client, "x", email="ai@example.vn").status_code for _ in range(11)]
    assert answers == [401] * 10 + [429]


def test_a_thousand_wrong_passwords_from_everywhere_do_not_lock_the_trusted_device(
    limited_app, trusted_device
):
    statuses = _stranger_guesses(limited_app, 1_000, addresses=1_000)
    # Guessing is slowed: the account-wide ceiling refuses most of the 1,000.
    assert statuses.count(401) <= 100 and statuses.count(429) >= 900
    # The official's phone signs in regardless.
    assert _login(trusted_device, PASSWORD).status_code == 200
    # A browser the account never signed in from waits (the price of the ceiling).
    assert _login(behind_proxy(limited_app, HOME), PASSWORD).status_code == 429


def test_a_thousand_wrong_passwords_from_other_addresses_do_not_lock_the_officials_address(
    limited_app, make_staff
):
    make_staff(OFFICIAL)
    statuses = _stranger_guesses(limited_app, 1_000, addresses=5)
    assert statuses.count(401) == 50  # ten per address, then refused
    # The official, on a new browser at their own address, signs in.
    assert _login(behind_proxy(limited_app, HOME), PASSWORD).status_code == 200


def test_a_stranger_at_the_offices_address_does_not_lock_out_a_colleague(limited_app, make_staff):
    """Officials (and residents) share the commune office's address with whoever else is on
    its Wi-Fi: one account's guesses there stop at that account."""
    make_staff(OFFICIAL)
    make_staff("dongnghiep@example.vn")
    stranger = limited_app.test_client()
    statuses = [_login(stranger, "guess", address=HOME).status_code for _ in range(200)]
    assert statuses.count(401) == 10
    colleague = behind_proxy(limited_app, HOME)
    assert _login(colleague, PASSWORD, email="dongnghiep@example.vn").status_code == 200


def test_the_trusted_device_has_its_own_budget(limited_app, trusted_device):
    statuses = [_login(trusted_device, "typo").status_code for _ in range(11)]
    assert statuses == [401] * 10 + [429]
    # Someone else, elsewhere, is not held up by the phone's typos.
    assert _login(behind_proxy(limited_app, "192.0.2.44"), PASSWORD).status_code == 200


def test_the_device_cookie_vouches_only_for_its_account(limited_app, trusted_device, make_staff):
    make_staff("khac@example.vn")
    statuses = [
        _login(trusted_device, "guess", email="khac@example.vn").status_code for _ in range(11)
    ]
    assert statuses == [401] * 10 + [429]
    # A forged cookie is no device at all.
    stranger = behind_proxy(limited_app, "192.0.2.45")
    stranger.set_cookie(COOKIE_NAME, trusted_device.get_cookie(COOKIE_NAME).value + "x")
    assert [_login(stranger, "g").status_code for _ in range(11)][-1] == 429


def test_the_device_cookie_is_kept_from_scripts(trusted_device):
    cookie = trusted_device.get_cookie(COOKIE_NAME)
    assert cookie.http_only and cookie.same_site == "Lax"


def test_the_sign_in_page_trusts_the_device_too(limited_app, make_staff):
    make_staff(OFFICIAL)
    browser = behind_proxy(limited_app, HOME)
    signed_in = browser.post("/login", data={"email": OFFICIAL, "password": PASSWORD})
    assert signed_in.status_code == 303
    assert browser.get_cookie(COOKIE_NAME) is not None


def _with_second_factor(account) -> None:
    account.totp_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # 160 bits, as new_secret() makes
    account.totp_enabled_at = account.created_at
    db.session.commit()


def _wrong_code(account) -> str:
    valid = {totp.code_at(account.totp_secret, totp.current_step() + k) for k in (-1, 0, 1, 2)}
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def test_second_factor_codes_count_against_the_account(limited_app, make_staff):
    """Guessing the 6-digit code on the sign-in page: 10 per account per 15 minutes."""
    account = make_staff(OFFICIAL)
    _with_second_factor(account)
    browser = limited_app.test_client()
    step_one = browser.post("/login", data={"email": OFFICIAL, "password": PASSWORD})
    assert step_one.status_code == 200
    wrong = _wrong_code(account)
    # An email in the form must not move the guesses onto other accounts' budgets.
    answers = [
        browser.post("/login/code", data={"code": wrong, "email": f"x{n}@example.vn"}).status_code
        for n in range(11)
    ]
    assert answers == [401] * 10 + [429]


def test_wrong_codes_through_the_api_count_and_strangers_cannot_spend_them(limited_app, make_staff):
    account = make_staff(OFFICIAL)
    _with_second_factor(account)
    wrong = _wrong_code(account)
    # A stranger without the password sends codes too: they count for nothing here.
    assert _stranger_guesses(limited_app, 20, addresses=20) == [401] * 20
    holder = limited_app.test_client()
    statuses = [
        _login(holder, PASSWORD, address=f"10.8.0.{n}", code=wrong).status_code for n in range(11)
    ]
    assert statuses == [401] * 10 + [429]


def test_a_password_change_ends_the_trust_of_every_device(limited_app, trusted_device):
    """Someone who once knew the password keeps no trusted-device budget after it changes."""
    cookie = f"{COOKIE_NAME}={trusted_device.get_cookie(COOKIE_NAME).value}"

    def still_trusted() -> bool:
        with limited_app.test_request_context("/", headers={"Cookie": cookie}):
            return devices.trusted_device(OFFICIAL) is not None

    assert still_trusted()
    end_sessions(db.session.scalar(db.select(Account).where(Account.email == OFFICIAL)))
    db.session.commit()
    assert not still_trusted()
