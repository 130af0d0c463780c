"""GeoReport v2 answers in JSON or XML (chosen by the URL's extension), errors included."""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from flask import Response, request

# The XML element names the specification uses for each list and its items.
XML_NAMES = {
    "services": ("services", "service"),
    "requests": ("service_requests", "request"),
    "errors": ("errors", "error"),
    "tokens": ("service_requests", "request"),
    "definition": ("service_definition", None),
    "discovery": ("discovery", None),
}

# Everything XML 1.0 forbids (its production "Char"): C0 controls other than tab, line feed and
# carriage return, surrogates, U+FFFE and U+FFFF. ElementTree escapes markup but writes these
# as they are, and one of them makes the whole document unreadable to every client.
NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str) -> str:
    """``value`` with the characters XML 1.0 forbids left out (old rows may hold them)."""
    return NOT_XML_CHAR.sub("", value)


def _to_xml(parent: Element, key: str, value: Any) -> None:
    if isinstance(value, list):
        holder = SubElement(parent, key)
        item_name = key[:-1] if key.endswith("s") else "item"
        for item in value:
            _to_xml(holder, item_name, item)
        return
    node = SubElement(parent, key)
    if isinstance(value, dict):
        for child_key, child in value.items():
            _to_xml(node, child_key, child)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = xml_text(str(value))


def render(kind: str, data: Any, fmt: str, status: int = 200) -> Response:
    """Serialise ``data`` (a list of dicts, or one dict) for the client."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return Response(body, status=status, mimetype="application/json")
    root_name, item_name = XML_NAMES[kind]
    root = Element(root_name)
    if isinstance(data, list):
        for item in data:
            node = SubElement(root, item_name or "item")
            for key, value in item.items():
                _to_xml(node, key, value)
    else:
        for key, value in data.items():
            _to_xml(root, key, value)
    body = '<?xml version="1.0" encoding="utf-8"?>' + tostring(root, encoding="unicode")
    return Response(body, status=status, mimetype="text/xml")


def error_response(status: int, description: str) -> Response:
    """The specification's error list, in XML when the path asks for it (``….xml``), else JSON:
    for every error under ``/open311/``, unknown routes and wrong methods included."""
    fmt = "xml" if request.path.endswith(".xml") else "json"
    return render("errors", [{"code": status, "description": description}], fmt, status=status)
