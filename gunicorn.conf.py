"""Gunicorn's settings for the portal: ``gunicorn -c gunicorn.conf.py wsgi:app`` (docs/DEPLOYMENT.md).

Every value can be changed from the environment, so one file serves every machine. Gunicorn
also reads this file by default when started in the repository's folder.
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


# Behind the TLS proxy, on a private address (or a unix socket: GUNICORN_BIND=unix:/run/portal.sock).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Processes x threads = requests served at once. Threads suit the portal: a request mostly waits
# on PostgreSQL, Redis, clamd or the document store, and a thread costs far less memory than a
# process. Two processes per core by default (and at least two, so that one busy or restarting
# worker never leaves the node with none), four threads each.
workers = _int("GUNICORN_WORKERS", max(2, 2 * (os.cpu_count() or 1)))
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"

# A request still running after this many seconds is stuck: its worker is restarted. Uploads
# arrive at gunicorn already buffered by the proxy, and the slowest page takes well under a second.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)  # a restart lets running requests finish
keepalive = 5  # seconds an idle connection from the proxy is kept open

# Workers are replaced after this many requests (with jitter, so not all at once): whatever
# memory a long-running process gathers is given back.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10

# The access log records the path without its query string: %(U)s, never %(r)s (the whole request
# line) or %(q)s. A link's token is in the query for exactly one request (portal/auth/routes.py),
# and searches put what someone typed there. No Referer (%(f)s) either: it carries the previous
# page's query. The request id is the one the portal echoes, to join this log with its own.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")  # "-": standard output
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s" %({x-request-id}o)s'
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")  # "-": standard error, where the portal logs too
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")

# forwarded_allow_ips: gunicorn trusts X-Forwarded-Proto only from these addresses (its default,
# from FORWARDED_ALLOW_IPS, is 127.0.0.1). Set it to the proxy's address when the proxy runs on
# another machine. The portal itself reads X-Forwarded-For and -Proto through TRUST_PROXY_HOPS
# (werkzeug's ProxyFix): keep the two in step, and never let clients reach gunicorn directly.

# Load the app in each worker, not the master: a worker then opens its own database connections
# (sharing a connection pool across fork is unsafe) and a restart picks up new code.
preload_app = False
