"""The admin console: communes in bulk, invitations, QR board PDFs, token rotation, statistics."""
