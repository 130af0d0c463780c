"""the 2025 two-tier map: communes get their province's code, admins are national or of one
province (districts are no level any more)

Revision ID: 0021_two_tier_map
Revises: 0023_voice_notes
Create Date: 2026-12-03 12:30:00

- ``commune.province_code`` is filled for every commune whose province name is one of the 34
  of the official list (diacritics, case and a "Tỉnh"/"Thành phố"/"TP." prefix ignored).
- ``commune.district`` stays, as history: the district the commune belonged to before
  1 July 2025. Nothing scopes or rolls up by it any more.
- ``account.admin_province_code`` is new; an admin of a province, or of a district of it,
  becomes the admin of that province (by code, its name as the list has it). Each admin whose
  area changed gets an ``account.area`` entry in the audit log saying what it was. An admin
  whose province name matches no province keeps the name (and manages the communes that
  carry exactly that name, as before) until a national admin sets the province.
- ``account.admin_district`` and its check constraint go.
"""
import json
import re
import unicodedata
from datetime import UTC, datetime

import sqlalchemy as sa
import vietnam_provinces
from alembic import op

revision = "0021_two_tier_map"
down_revision = "0023_voice_notes"
branch_labels = None
depends_on = None

# A batch rebuild on SQLite would otherwise drop AUTOINCREMENT (0012): ids must never return.
KEEP_IDS_NEVER_REUSED = {"sqlite_autoincrement": True}
PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?)\s+")


def _key(name):
    """As app/communes/provinces.py compares names (copied: a migration must not change when
    the app does)."""
    plain = name.replace("đ", "d").replace("Đ", "D")
    plain = unicodedata.normalize("NFKD", plain)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return PREFIX.sub("", " ".join(plain.lower().split()))


def _provinces():
    """{name key: (code, name)} of the official list."""
    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as file:
        data = json.load(file)
    return {_key(p["name"]): (str(p["code"]).zfill(2), p["name"]) for p in data}


def upgrade():
    conn = op.get_bind()
    provinces = _provinces()

    commune = sa.table(
        "commune",
        sa.column("id", sa.Integer),
        sa.column("province", sa.String),
        sa.column("province_code", sa.String),
    )
    rows = conn.execute(
        sa.select(commune.c.id, commune.c.province).where(
            commune.c.province.is_not(None), commune.c.province_code.is_(None)
        )
    ).all()
    for commune_id, province in rows:
        found = provinces.get(_key(province))
        if found is not None:
            conn.execute(
                commune.update().where(commune.c.id == commune_id).values(province_code=found[0])
            )

    with op.batch_alter_table("account", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.add_column(sa.Column("admin_province_code", sa.String(length=2), nullable=True))

    account = sa.table(
        "account",
        sa.column("id", sa.Integer),
        sa.column("email", sa.String),
        sa.column("admin_province", sa.String),
        sa.column("admin_district", sa.String),
        sa.column("admin_province_code", sa.String),
    )
    audit = sa.table(
        "audit_event",
        sa.column("actor_name", sa.String),
        sa.column("action", sa.String),
        sa.column("target_type", sa.String),
        sa.column("target_id", sa.Integer),
        sa.column("reason", sa.String),
        sa.column("detail", sa.Text),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    admins = conn.execute(
        sa.select(account.c.id, account.c.admin_province, account.c.admin_district).where(
            account.c.admin_province.is_not(None)
        )
    ).all()
    now = datetime.now(UTC)
    for account_id, province, district in admins:
        found = provinces.get(_key(province))
        code, name = found if found is not None else (None, province)
        conn.execute(
            account.update()
            .where(account.c.id == account_id)
            .values(admin_province=name, admin_province_code=code)
        )
        if district is None and name == province:
            continue
        before = {"province": province, "district": district}
        after = {"province": name, "province_code": code}
        conn.execute(
            audit.insert().values(
                actor_name="system",
                action="account.area",
                target_type="account",
                target_id=account_id,
                reason="Bản đồ hành chính 2025: không còn cấp huyện (migration 0021_two_tier_map)",
                detail=json.dumps({"from": before, "to": after}, ensure_ascii=False, sort_keys=True),
                created_at=now,
            )
        )

    with op.batch_alter_table("account", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_constraint(op.f("ck_account_admin_district_needs_province"), type_="check")
        batch.drop_column("admin_district")


def downgrade():
    # Province admins stay province admins; who was a district's admin is in the audit log.
    with op.batch_alter_table("account", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.add_column(sa.Column("admin_district", sa.String(length=120), nullable=True))
        batch.create_check_constraint(
            "admin_district_needs_province",
            "admin_district IS NULL OR admin_province IS NOT NULL",
        )
        batch.drop_column("admin_province_code")
