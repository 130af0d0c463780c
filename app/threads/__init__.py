"""Threads (questions and reports): replies, status changes, categories, photos, notes, follows,
similar threads, flags and moderation, search; their models, services and residents' routes."""
