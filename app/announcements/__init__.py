"""Announcements from a commune's officials to every member."""
