"""accountability, the officials' side: a thread closed as a duplicate of another (and the
closing in its history), notifications of their own kinds (escalations were stored as
new_thread: they become escalation), the record of each morning digest, and a province's
days off keyed by its two-digit code instead of its name

Existing days off keep their day: each province name is mapped to the code its communes carry
(commune.province with commune.province_code), or else to the code of the province of that
name in the 2025 list (vietnam-provinces, compared without "Tỉnh"/"Thành phố", case or
diacritics). A name that maps to neither stops the upgrade with the names to fix (give the
communes their codes with `flask communes import-official`, or delete those rows): nothing is
dropped silently. Two names that map to one code (an old province merged in 2025) keep one row
per day, the first added, and the upgrade says which were merged.

Revision ID: 0019_accountability_ops
Revises: 0018_province_code
Create Date: 2026-12-03 12:30:00

"""
import re
import unicodedata

import sqlalchemy as sa
from alembic import op
from vietnam_provinces import Province

revision = "0019_accountability_ops"
down_revision = "0018_province_code"
branch_labels = None
depends_on = None

# A batch rebuild on SQLite would otherwise drop AUTOINCREMENT (0012): ids must never return.
KEEP_IDS_NEVER_REUSED = {"sqlite_autoincrement": True}

OLD_KINDS = ("answer", "discussion", "announcement", "new_thread")
NEW_KINDS = (*OLD_KINDS, "duplicate", "overdue", "digest", "escalation")


def _fold(name):
    text = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    text = "".join(char for char in text if unicodedata.category(char) != "Mn")
    return re.sub(r"^(tinh|thanh pho)\s+", "", " ".join(text.lower().split()))


def _listed():
    """{folded name: code} and {code: name} of the 2025 list."""
    by_name, by_code = {}, {}
    for province in Province.iter_all():
        code = f"{province.code.value:02d}"
        by_name[_fold(province.name)] = code
        by_code[code] = province.name
    return by_name, by_code


def _codes_of_names():
    """{province name in day_off: its code}; raises, before anything is changed, for a name
    that maps to no code."""
    conn = op.get_bind()
    by_name, _by_code = _listed()
    names = [row[0] for row in conn.execute(sa.text("SELECT DISTINCT province FROM day_off"))]
    codes, unmapped = {}, []
    for name in names:
        code = conn.execute(
            sa.text(
                "SELECT MIN(province_code) FROM commune"
                " WHERE province = :name AND province_code IS NOT NULL"
            ),
            {"name": name},
        ).scalar() or by_name.get(_fold(name))
        if code is None:
            unmapped.append(name)
        codes[name] = code
    if unmapped:
        raise RuntimeError(
            "day_off: no province code for " + ", ".join(sorted(unmapped)) + ". Give those "
            "provinces' communes their codes (flask communes import-official) or delete those "
            "days off, then upgrade again."
        )
    return codes


def _days_off_by_code(codes):
    conn = op.get_bind()
    for name, code in codes.items():
        conn.execute(
            sa.text("UPDATE day_off SET province_code = :code WHERE province = :name"),
            {"code": code, "name": name},
        )
    merged = conn.execute(
        sa.text(
            "SELECT a.id, a.province, a.day FROM day_off a JOIN day_off b"
            " ON a.province_code = b.province_code AND a.day = b.day AND b.id < a.id"
        )
    ).all()
    for row_id, name, day in merged:
        print(f"day_off: {name} {day} merged into the same day of its 2025 province")
        conn.execute(sa.text("DELETE FROM day_off WHERE id = :id"), {"id": row_id})


def _kinds(kinds):
    return f"kind IN ({', '.join(repr(kind) for kind in kinds)})"


def upgrade():
    codes = _codes_of_names()  # first: a name without a code stops before any change
    with op.batch_alter_table("thread", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_thread_duplicate_of_id_thread"),
            "thread",
            ["duplicate_of_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch.create_index("ix_thread_duplicate_of_id", ["duplicate_of_id"])
    with op.batch_alter_table("status_change", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.add_column(sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_status_change_duplicate_of_id_thread"),
            "thread",
            ["duplicate_of_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("push_message", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_constraint(op.f("ck_push_message_kind"), type_="check")
        batch.create_check_constraint("kind", _kinds(NEW_KINDS))
    # An urgent report's push to the admins is tagged e<thread id> (app/notifications).
    op.execute(
        "UPDATE push_message SET kind = 'escalation' WHERE kind = 'new_thread' AND topic LIKE 'e%'"
    )

    with op.batch_alter_table("day_off", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.add_column(sa.Column("province_code", sa.String(length=2), nullable=True))
    _days_off_by_code(codes)
    with op.batch_alter_table("day_off", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_constraint("uq_day_off_province_day", type_="unique")
        batch.drop_column("province")
        batch.alter_column("province_code", existing_type=sa.String(length=2), nullable=False)
        batch.create_unique_constraint("uq_day_off_province_code_day", ["province_code", "day"])

    op.create_table(
        "overdue_digest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("threads", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_overdue_digest")),
        sa.UniqueConstraint("key", "day", name="uq_overdue_digest_key_day"),
        sqlite_autoincrement=True,
    )


def downgrade():
    with op.batch_alter_table("day_off", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.add_column(sa.Column("province", sa.String(length=120), nullable=True))
    conn = op.get_bind()
    _by_name, by_code = _listed()
    for (code,) in conn.execute(sa.text("SELECT DISTINCT province_code FROM day_off")).all():
        name = conn.execute(
            sa.text("SELECT MIN(province) FROM commune WHERE province_code = :code"),
            {"code": code},
        ).scalar() or by_code.get(code, code)
        conn.execute(
            sa.text("UPDATE day_off SET province = :name WHERE province_code = :code"),
            {"name": name, "code": code},
        )
    with op.batch_alter_table("day_off", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_constraint("uq_day_off_province_code_day", type_="unique")
        batch.drop_column("province_code")
        batch.alter_column("province", existing_type=sa.String(length=120), nullable=False)
        batch.create_unique_constraint("uq_day_off_province_day", ["province", "day"])
    op.drop_table("overdue_digest")
    op.execute("UPDATE push_message SET kind = 'new_thread' WHERE kind = 'escalation'")
    # The messages of the other new kinds cannot be stored under the old rule.
    op.execute(f"DELETE FROM push_message WHERE NOT ({_kinds(OLD_KINDS)})")
    with op.batch_alter_table("push_message", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_constraint(op.f("ck_push_message_kind"), type_="check")
        batch.create_check_constraint("kind", _kinds(OLD_KINDS))
    with op.batch_alter_table("status_change", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_constraint(op.f("fk_status_change_duplicate_of_id_thread"), type_="foreignkey")
        batch.drop_column("duplicate_of_id")
    with op.batch_alter_table("thread", table_kwargs=KEEP_IDS_NEVER_REUSED) as batch:
        batch.drop_index("ix_thread_duplicate_of_id")
        batch.drop_constraint(op.f("fk_thread_duplicate_of_id_thread"), type_="foreignkey")
        batch.drop_column("duplicate_of_id")
