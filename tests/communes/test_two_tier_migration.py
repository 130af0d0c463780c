"""Migration 0021_two_tier_map: communes get their province's code, districts become history,
a district's admin becomes their province's (said in the audit log)."""

from __future__ import annotations

import json

from flask_migrate import upgrade
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.databases import separate_database

COMMUNES = (
    (1, "xa-a", "Xã A", "Tỉnh An Giang", "Châu Thành"),
    (2, "xa-b", "Xã B", "TP. Hồ Chí Minh", None),
    (3, "xa-c", "Xã C", "Kiên Giang", "U Minh Thượng"),  # merged into An Giang: no such name
    (4, "xa-d", "Xã D", None, None),
)
ADMINS = (
    (1, "huyen@example.vn", "An Giang", "Châu Thành"),
    (2, "tinh@example.vn", "tinh ca mau", None),
    (3, "cu@example.vn", "Kiên Giang", "U Minh Thượng"),
    (4, "quocgia@example.vn", None, None),
)


def test_upgrade_fills_province_codes_and_rekeys_admins(database_url, tmp_path):
    with separate_database(database_url, tmp_path) as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade(revision="0018_province_code")
            with db.engine.begin() as conn:
                for row in COMMUNES:
                    conn.execute(
                        text(
                            "INSERT INTO commune (id, slug, name, province, district, join_token,"
                            " open311_public, created_at) VALUES (:id, :slug, :name, :province,"
                            " :district, :token, true, CURRENT_TIMESTAMP)"
                        ),
                        dict(zip(("id", "slug", "name", "province", "district"), row, strict=True))
                        | {"token": f"token-{row[0]}"},
                    )
                for account_id, email, province, district in ADMINS:
                    conn.execute(
                        text(
                            "INSERT INTO account (id, display_name, email, is_admin, session_key,"
                            " session_epoch, admin_province, admin_district, created_at) VALUES"
                            " (:id, 'Admin', :email, true, :key, 0, :province, :district,"
                            " CURRENT_TIMESTAMP)"
                        ),
                        {
                            "id": account_id,
                            "email": email,
                            "key": f"k{account_id}",
                            "province": province,
                            "district": district,
                        },
                    )
            upgrade(revision="0021_two_tier_map")
            with db.engine.connect() as conn:
                communes = conn.execute(
                    text("SELECT id, province, province_code, district FROM commune ORDER BY id")
                ).all()
                admins = conn.execute(
                    text("SELECT id, admin_province, admin_province_code FROM account ORDER BY id")
                ).all()
                events = conn.execute(
                    text(
                        "SELECT target_id, detail FROM audit_event"
                        " WHERE action = 'account.area' ORDER BY target_id"
                    )
                ).all()
            db.engine.dispose()
    # Names kept as they were; the code where the list knows the province; districts kept.
    assert [tuple(row) for row in communes] == [
        (1, "Tỉnh An Giang", "91", "Châu Thành"),
        (2, "TP. Hồ Chí Minh", "79", None),
        (3, "Kiên Giang", None, "U Minh Thượng"),
        (4, None, None, None),
    ]
    assert [tuple(row) for row in admins] == [
        (1, "An Giang", "91"),  # the district's admin now manages the province
        (2, "Cà Mau", "96"),
        (3, "Kiên Giang", None),  # unknown to the list: keeps the name it had
        (4, None, None),
    ]
    details = {target: json.loads(detail) for target, detail in events}
    assert set(details) == {1, 2, 3}
    assert details[1] == {
        "from": {"province": "An Giang", "district": "Châu Thành"},
        "to": {"province": "An Giang", "province_code": "91"},
    }
    assert details[3]["to"] == {"province": "Kiên Giang", "province_code": None}
