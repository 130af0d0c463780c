"""Tables of the admin capability."""

from __future__ import annotations
