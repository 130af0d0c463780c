"""Logs never hold tokens: the access log masks them."""

from app.logging_redaction import redact_path


def test_tokens_are_masked():
    assert redact_path("/j/AbCdEf123") == "/j/…"
    assert redact_path("/invite/secret-token/accept") == "/invite/…/accept"
    assert redact_path("/photos/x1y2.jpg") == "/photos/…"
    assert redact_path("/photos/x1y2.jpg/small") == "/photos/…/small"
    assert redact_path("/c/xa-a") == "/c/xa-a"
