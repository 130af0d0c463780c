"""The official 2025 list of Vietnam's provinces and communes (the ``vietnam-provinces``
package's nested JSON), and finding a province in it by code or name.

Codes are zero-padded as the list prints them: province ``"91"`` (An Giang), commune
``"31027"`` (Xã U Minh Thượng). Names are the list's: "Thành phố Hà Nội", "An Giang", "Xã …",
"Phường …", "Đặc khu …".
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

import vietnam_provinces

PROVINCE_CODE_DIGITS = 2
COMMUNE_CODE_DIGITS = 5
# Words a province's name may start with, in the list or as people write it ("Tỉnh An Giang",
# "TP. Hồ Chí Minh", "Thành phố Hà Nội"): left out when names are compared.
_PROVINCE_PREFIX = re.compile(r"^(tinh|thanh pho|tp\.?)\s+")


@dataclass(frozen=True)
class OfficialCommune:
    code: str
    name: str


@dataclass(frozen=True)
class OfficialProvince:
    code: str
    name: str
    communes: tuple[OfficialCommune, ...]


def fold(text: str) -> str:
    """Lowercase, without diacritics, single spaces: ``"Tỉnh  An Giang"`` → ``"tinh an giang"``."""
    plain = text.replace("đ", "d").replace("Đ", "D")
    plain = unicodedata.normalize("NFKD", plain)
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    return " ".join(plain.lower().split())


def province_key(name: str) -> str:
    """A province's name for comparing: folded, "Tỉnh"/"Thành phố"/"TP." left out."""
    return _PROVINCE_PREFIX.sub("", fold(name))


@cache
def official_provinces() -> tuple[OfficialProvince, ...]:
    """The 34 provinces and their communes, in the list's order (read once per process)."""
    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as file:
        data: list[dict[str, Any]] = json.load(file)
    return tuple(
        OfficialProvince(
            code=str(province["code"]).zfill(PROVINCE_CODE_DIGITS),
            name=province["name"],
            communes=tuple(
                OfficialCommune(str(ward["code"]).zfill(COMMUNE_CODE_DIGITS), ward["name"])
                for ward in province["wards"]
            ),
        )
        for province in data
    )


def find_province(value: str | None) -> OfficialProvince | None:
    """The province with this code (``"91"``, ``"1"``, ``"01"``) or name (``"an giang"``,
    ``"Tỉnh An Giang"``, ``"TP Hồ Chí Minh"``); ``None`` if the list has none."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    provinces = official_provinces()
    if text.isascii() and text.isdigit():
        code = text.zfill(PROVINCE_CODE_DIGITS)
        return next((province for province in provinces if province.code == code), None)
    key = province_key(text)
    return next((province for province in provinces if province_key(province.name) == key), None)


def official_province(code: str) -> OfficialProvince | None:
    """The province with exactly this two-digit code ("91"), or ``None``: for codes in URLs,
    where "1" or a name is not the address of a province."""
    if not isinstance(code, str) or len(code) != PROVINCE_CODE_DIGITS or not code.isascii():
        return None
    return next((province for province in official_provinces() if province.code == code), None)
