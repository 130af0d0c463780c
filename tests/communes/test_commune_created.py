"""A new commune is announced by ``commune_created``; its default categories come from the
receiver the app connects, once, however many apps the process builds."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import func, select

from app import create_app
from app.communes.imports import import_communes
from app.communes.models import Commune
from app.communes.services import create_commune
from app.extensions import db
from app.signals import commune_created
from app.threads.categories import DEFAULT_CATEGORIES
from app.threads.models import Category


def category_count(commune: Commune) -> int:
    return db.session.scalar(
        select(func.count(Category.id)).where(Category.commune_id == commune.id)
    )


def test_creating_a_commune_sends_the_signal_with_the_commune(app):
    sent: list[Commune] = []

    def receiver(commune: Commune, **_kwargs: object) -> None:
        sent.append(commune)

    with commune_created.connected_to(receiver):
        commune = create_commune("xa-moi", "Xã Mới")
    assert sent == [commune]
    assert commune.id is not None  # flushed before the signal: receivers may point at it


def test_a_new_commune_gets_the_default_categories_once_with_many_apps(app, tmp_path):
    for number in range(2):  # each create_app connects the receivers again
        create_app(
            {
                "TESTING": True,
                "SECRET_KEY": "test-secret-key-that-is-long-enough-for-tests",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / f'other-{number}.db'}",
                "VAPID_PRIVATE_KEY_PATH": str(tmp_path / "vapid.pem"),
            }
        )
    commune = create_commune("xa-moi", "Xã Mới")
    assert category_count(commune) == len(DEFAULT_CATEGORIES)


def test_imported_communes_get_the_default_categories(app: Flask):
    result = import_communes("code,name\n91001,Xã Một\n91002,Xã Hai\n", None)
    assert result.created == 2
    for commune in db.session.scalars(select(Commune)):
        assert category_count(commune) == len(DEFAULT_CATEGORIES)
