"""Importing communes from CSV: all or nothing, re-import updates, line numbers on errors."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.communes.models import Commune
from app.extensions import db
from app.threads.models import Category

GOOD = (
    "code,name,district,province\n"
    "32014,Xã U Minh Thượng,Huyện U Minh Thượng,Kiên Giang\n"
    "32015,Xã An Minh Bắc,Huyện U Minh Thượng,Kiên Giang\n"
    "31001,Phường Đông Hồ,Thành phố Hà Tiên,Kiên Giang\n"
)


def communes() -> dict[str, Commune]:
    db.session.expire_all()
    return {c.code or c.slug: c for c in db.session.scalars(select(Commune))}


def post_csv(client, text: str | bytes, *, content_type: str = "text/csv"):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return client.post("/api/v1/communes/import", data=data, content_type=content_type)


def test_import_creates_communes_with_slugs_from_names(make_staff, login):
    make_staff("admin@example.vn", admin=True)
    admin = login("admin@example.vn")
    response = post_csv(admin, GOOD)
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"created": 3, "updated": 0, "unchanged": 0}
    found = communes()
    assert found["32014"].slug == "xa-u-minh-thuong"
    assert found["32014"].name == "Xã U Minh Thượng"
    assert found["32014"].district == "Huyện U Minh Thượng"
    assert found["32014"].province == "Kiên Giang"
    assert found["31001"].slug == "phuong-dong-ho"
    # Each new commune gets its join token and the default categories, like one made by hand.
    assert len({c.join_token for c in found.values()}) == 3
    count = db.session.scalar(
        select(func.count(Category.id)).where(Category.commune_id == found["32015"].id)
    )
    assert count == 6
    assert (
        db.session.scalar(
            select(func.count(AuditEvent.id)).where(AuditEvent.action == "commune.import")
        )
        == 1
    )


def test_reimport_updates_by_code_instead_of_duplicating(make_staff, login):
    make_staff("admin@example.vn", admin=True)
    admin = login("admin@example.vn")
    assert post_csv(admin, GOOD).status_code == 200
    before = {code: (c.id, c.slug, c.join_token) for code, c in communes().items()}
    changed = GOOD.replace("Xã An Minh Bắc,Huyện U Minh Thượng", "Xã An Minh Bắc,Huyện An Minh")
    changed += "32016,Xã Vĩnh Hòa,Huyện U Minh Thượng,Kiên Giang\n"
    response = post_csv(admin, changed)
    assert response.get_json() == {"created": 1, "updated": 1, "unchanged": 2}
    after = communes()
    assert len(after) == 4
    assert after["32015"].district == "Huyện An Minh"
    # Same rows, same ids, slugs and join tokens: boards already printed keep working.
    for code, (commune_id, slug, token) in before.items():
        assert (after[code].id, after[code].slug, after[code].join_token) == (
            commune_id,
            slug,
            token,
        )
    again = post_csv(admin, changed)
    assert again.get_json() == {"created": 0, "updated": 0, "unchanged": 4}


def test_bom_semicolons_and_vietnamese_headers(make_staff, login):
    make_staff("admin@example.vn", admin=True)
    admin = login("admin@example.vn")
    text = "\ufeffMã;Tên;Huyện;Tỉnh\r\n32014;Xã U Minh Thượng;;Kiên Giang\r\n"
    response = post_csv(admin, text)
    assert response.status_code == 200, response.get_json()
    commune = communes()["32014"]
    assert commune.name == "Xã U Minh Thượng" and commune.district is None
    assert commune.province == "Kiên Giang"


def test_multipart_upload(make_staff, login):
    make_staff("admin@example.vn", admin=True)
    admin = login("admin@example.vn")
    response = admin.post(
        "/api/v1/communes/import",
        data={"file": (io.BytesIO(GOOD.encode("utf-8-sig")), "communes.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["created"] == 3


def test_taken_slug_gets_a_short_suffix(make_commune, make_staff, login):
    make_commune("xa-u-minh-thuong", "Xã U Minh Thượng (cũ)")
    make_staff("admin@example.vn", admin=True)
    admin = login("admin@example.vn")
    text = (
        "code,name,district,province\n"
        "32014,Xã U Minh Thượng,,Kiên Giang\n"
        "99001,Xã An Bình,,Tỉnh A\n"
        "99002,Xã An Bình,,Tỉnh B\n"
    )
    assert post_csv(admin, text).status_code == 200
    found = communes()
    assert found["32014"].slug == "xa-u-minh-thuong-32014"
    assert found["99001"].slug == "xa-an-binh"
    assert found["99002"].slug == "xa-an-binh-99002"


def test_bad_rows_are_reported_by_line_and_nothing_is_applied(make_staff, login):
    make_staff("admin@example.vn", admin=True)
    admin = login("admin@example.vn")
    assert post_csv(admin, GOOD).status_code == 200
    before = {code: (c.name, c.district) for code, c in communes().items()}
    text = (
        "code,name,district,province\n"  # line 1
        "32014,Xã U Minh Thượng Mới,Huyện Mới,Kiên Giang\n"  # 2: a valid update
        "\n"  # 3: blank, skipped
        "32099,,Huyện X,Kiên Giang\n"  # 4: no name
        "bad code!,Xã Lạ,,\n"  # 5: bad code
        '32100,"Xã có ""ngoặc""",Huyện X,Kiên Giang\n'  # 6: fine (quoted)
        "32100,Xã Trùng Mã,Huyện X,Kiên Giang\n"  # 7: code repeated from line 6
        "32101,Xã Thiếu Cột\n"  # 8: too few columns
        "32102,Xã Đủ," + "d" * 121 + ",Kiên Giang\n"  # 9: district too long
    )
    response = post_csv(admin, text)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["message"]
    assert [row["line"] for row in error["rows"]] == [4, 5, 7, 8, 9]
    assert all(row["message"] for row in error["rows"])
    assert "6" in error["rows"][2]["message"]  # points at the first use of the code
    # Nothing of the file was applied: not the valid update, not the valid new rows.
    after = communes()
    assert {code: (c.name, c.district) for code, c in after.items()} == before


def test_whole_file_problems(make_staff, login):
    make_staff("admin@example.vn", admin=True)
    admin = login("admin@example.vn")
    cases = {
        "no header": "32014,Xã A,,\n",
        "header only": "code,name,district,province\n",
        "empty": "",
        "not utf-8": "code,name\n1,X\xe3 A\n".encode("latin-1"),
    }
    for label, text in cases.items():
        response = post_csv(admin, text)
        assert response.status_code == 422, label
        assert response.get_json()["error"]["message"], label
    latin = post_csv(admin, cases["not utf-8"]).get_json()["error"]
    assert latin["rows"] == [{"line": 2, "message": latin["rows"][0]["message"]}]
    assert communes() == {}


def test_wrong_content_type_and_roles(world):
    assert post_csv(world["admin"], "x", content_type="application/json").status_code in (400, 415)
    for actor in ("official_a", "resident_a"):
        assert post_csv(world[actor], GOOD).status_code == 403
    from flask import current_app

    anonymous = current_app.test_client()
    assert post_csv(anonymous, GOOD).status_code == 401
    assert "32014" not in communes()


def test_import_page_shows_result_and_errors(make_staff, login):
    make_staff("admin@example.vn", admin=True)
    admin = login("admin@example.vn")
    page = admin.get("/admin/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    ok = admin.post(
        "/admin/import",
        data={"file": (io.BytesIO(GOOD.encode()), "communes.csv")},
        content_type="multipart/form-data",
    )
    assert ok.status_code == 200
    assert 'role="status"' in ok.text and "3" in ok.text
    # What was made is listed, each with a link to its page (its QR board is there).
    made = ok.text.split("Nhóm góp ý mới", 1)[1].split("</ul>", 1)[0]
    assert made.count("<li>") == 3
    assert '<a href="/admin/communes/xa-u-minh-thuong">Xã U Minh Thượng</a>' in made
    assert "mã 31001 · Thành phố Hà Tiên, Kiên Giang" in made
    renamed = admin.post("/admin/import", data={"csv": "code,name\n32015,Xã An Minh Bắc Mới\n"})
    changed = renamed.text.split("Nhóm góp ý đã cập nhật", 1)[1].split("</ul>", 1)[0]
    assert "Xã An Minh Bắc Mới" in changed and "Nhóm góp ý mới" not in renamed.text
    bad = admin.post("/admin/import", data={"csv": "code,name\n,Xã A\n"})
    assert bad.status_code == 422
    assert 'role="alert"' in bad.text and "<td>2</td>" in bad.text
    empty = admin.post("/admin/import", data={"csv": " "})
    assert empty.status_code == 422 and 'role="alert"' in empty.text
    assert len(communes()) == 3


def test_cli_import_and_rotate(app, tmp_path):
    path = tmp_path / "communes.csv"
    path.write_text(GOOD, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["communes", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "3 created" in result.output
    assert "created: 32014 Xã U Minh Thượng (xa-u-minh-thuong)" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name\n,Xã A\n", encoding="utf-8")
    failed = runner.invoke(args=["communes", "import", str(bad)])
    assert failed.exit_code != 0 and "line 2" in failed.output
    old = communes()["32014"].join_token
    rotated = runner.invoke(args=["communes", "rotate-token", "xa-u-minh-thuong"])
    assert rotated.exit_code == 0, rotated.output
    assert old not in rotated.output and "/j/" in rotated.output
    assert app.test_client().get(f"/j/{old}").status_code == 410


def test_a_file_without_place_columns_keeps_the_places(make_staff, login):
    make_staff("admin@example.vn", admin=True)
    admin = login("admin@example.vn")
    assert post_csv(admin, GOOD).status_code == 200
    renamed = post_csv(admin, "code,name\n32014,Xã U Minh Thượng Mới\n")
    assert renamed.get_json() == {"created": 0, "updated": 1, "unchanged": 0}
    commune = communes()["32014"]
    assert commune.name == "Xã U Minh Thượng Mới"
    assert (commune.district, commune.province) == ("Huyện U Minh Thượng", "Kiên Giang")
    # An empty cell in a column that is there still clears the value.
    cleared = post_csv(admin, "code,name,district\n32014,Xã U Minh Thượng Mới,\n")
    assert cleared.status_code == 200 and communes()["32014"].district is None
