"""Rate limits kept in the database, so every gunicorn worker and host shares them."""
