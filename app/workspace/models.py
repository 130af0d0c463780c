"""Tables of the workspace capability."""

from __future__ import annotations
