"""Everyone who signs in: residents (no password), officials and admins (argon2 password)."""
