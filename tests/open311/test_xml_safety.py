"""A character XML 1.0 forbids, in any old row, never breaks the Open311 XML feed: it is left out
when writing XML (issue 12, item 9). Rows are written straight into the database, as rows
stored before input was checked would be."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from app.extensions import db
from app.open311.formats import xml_text
from app.threads.models import Category
from tests.open311.conftest import API

# U+FFFF and U+FFFE, C0 controls (NUL is refused by PostgreSQL, so not stored here), DEL and
# C1 controls are allowed by XML 1.0 and kept.
FORBIDDEN = "\uffff\ufffe\x01\x08\x0b\x0c\x1b\x1f"


def strict_parse(data: bytes) -> ET.Element:
    """Expat, as every XML client's parser: refuses a document with a forbidden character."""
    return ET.fromstring(data)


@pytest.mark.parametrize(
    "text",
    [f"Đèn{FORBIDDEN}hỏng", "\uffff", "a\x00b", "tab\tnew\nline\rend", "ok 😀 \ud7ff \ue000"],
)
def test_xml_text_keeps_exactly_what_xml_allows(text):
    kept = xml_text(text)
    assert kept == "".join(
        c for c in text if c in "\t\n\r" or (c >= " " and c not in "\ufffe\uffff")
    )
    root = strict_parse(f"<a>{kept}</a>".encode())
    assert (root.text or "") == kept.replace("\r", "\n")


def test_old_rows_with_forbidden_characters_do_not_break_the_feed(client, world, make_thread):
    commune = world["a"]
    commune.name = f"Xã{FORBIDDEN} A"
    category = db.session.query(Category).filter_by(commune_id=commune.id, code="roads").one()
    category.name = f"Giao{FORBIDDEN} thông"
    db.session.commit()
    thread = make_thread(
        commune,
        category=category,
        body=f"Ổ gà{FORBIDDEN} lớn",
        address=f"Ấp{FORBIDDEN} 3",
        note=f"Đã{FORBIDDEN} vá",
    )
    for path in (
        f"{API}/requests.xml?jurisdiction_id=xa-a",
        f"{API}/requests.xml",
        f"{API}/requests/{thread.id}.xml",
        f"{API}/requests.xml?service_request_id={thread.id}",
    ):
        response = client.get(path)
        assert response.status_code == 200
        request = strict_parse(response.data).find("request")
        assert request.findtext("description") == "Ổ gà lớn"
        assert request.findtext("address") == "Ấp 3"
        assert request.findtext("status_notes") == "Đã vá"
        assert request.findtext("agency_responsible") == "Xã A"
        assert request.findtext("service_name") == "Giao thông"
    services = strict_parse(client.get(f"{API}/services.xml?jurisdiction_id=xa-a").data)
    assert "Giao thông" in [node.findtext("service_name") for node in services]
    assert {node.findtext("group") for node in services} == {"Xã A"}
    # JSON carries every character (escaped where JSON asks) and parses too.
    [item] = client.get(f"{API}/requests/{thread.id}.json").get_json()
    assert item["description"] == f"Ổ gà{FORBIDDEN} lớn"


def test_an_error_echoing_a_forbidden_character_is_well_formed(client, world):
    response = client.get(f"{API}/services/\uffffroads.xml?jurisdiction_id=xa-a")
    assert response.status_code == 404
    assert strict_parse(response.data).findtext("error/code") == "404"
