"""Accountability: working-time arithmetic, response and resolve deadlines, the public figures."""
