"""Business logic of the admin capability: plain functions, explicit arguments, no commit."""

from __future__ import annotations
