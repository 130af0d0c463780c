"""gunicorn settings for commune-feedback (``gunicorn -c gunicorn.conf.py wsgi:app``).

Every value can be overridden by the environment: ``PORT`` / ``BIND``, ``WEB_CONCURRENCY``,
``WEB_THREADS``, ``FORWARDED_ALLOW_IPS``.
"""

import multiprocessing
import os

bind = (
    os.environ.get("BIND")
    or f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
)
# Threads keep slow phones on 3G from tying up a whole process each.
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", min(4, multiprocessing.cpu_count() + 1)))
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
# Request line and headers: refuse absurd sizes early.
limit_request_line = 8190
limit_request_fields = 100
# No control socket under ~/.gunicorn: several instances may run side by side (tests, CI).
control_socket_disable = True
accesslog = "-"
# Join and invitation tokens in paths are masked before anything is logged.
logger_class = "app.logging_redaction.RedactingLogger"
# Log the route and status, never the query string (it could carry a cursor or token).
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
errorlog = "-"
# The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed. The app reads the
# same variable (app/client_address.py) with the same default; empty means that default in both.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS") or "127.0.0.1,::1"
