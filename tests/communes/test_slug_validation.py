"""A commune's short name (slug) is exactly a-z, 0-9 and inner hyphens: nothing after it."""

from __future__ import annotations

import pytest

from app.errors import ValidationError
from app.schema.fields import Slug
from app.schema.load import Check


@pytest.mark.parametrize("slug", ["xa-c\n", "xa-c\n\n", "\nxa-c"])
def test_a_slug_with_a_newline_is_refused(slug):
    # re.match with "$" also matches before a final newline.
    with pytest.raises(ValidationError):
        Check(Slug, "slug").clean(slug)


def test_creating_a_commune_with_a_trailing_newline_in_the_slug_is_invalid(world):
    response = world["admin"].post("/api/v1/communes", json={"slug": "xa-c\n", "name": "Xã C"})
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["field"] == "slug"
    assert world["admin"].get("/api/v1/communes/xa-a%0A/stats").status_code == 404
