"""Business logic of the workspace capability: plain functions, explicit arguments, no commit."""

from __future__ import annotations
