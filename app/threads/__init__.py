"""Threads (questions and reports), replies and status changes."""
