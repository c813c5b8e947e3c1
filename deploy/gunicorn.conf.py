"""gunicorn for the portal, behind nginx (deploy/nginx/contest-portal.conf): `gunicorn -c deploy/gunicorn.conf.py`.

nginx buffers every request body (a clip's PATCHes included) before it hands the request over, and buffers the
answers, so a slow phone holds nginx's memory or disk, never a Python thread: a thread here is busy only while
the portal itself works (a page, a 5 MiB PATCH arriving at loopback speed). Threads are therefore sized by what
the portal does at once, not by how many people are connected.

Each thread keeps one database connection (CONN_MAX_AGE), so this process holds at most WORKERS × THREADS of
them: 2 × 8 = 16 by default, and 8 for the uploads' server (contest-portal-uploads.service runs this file with
GUNICORN_WORKERS=1 on port 8001), well inside PostgreSQL's default max_connections of 100 with room for the
Celery workers (one each) and a second machine. Raise threads and watch `SELECT count(*) FROM pg_stat_activity`."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
wsgi_app = "contest_portal.wsgi:application"
# One process per core: Python runs one thread at a time per process.
workers = int(os.environ.get("GUNICORN_WORKERS", os.cpu_count() or 2))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", 8))
# A request that takes longer than this is stuck. (Checking a received clip, minutes for 4 GiB, is a worker's job;
# without a broker it runs in the request that brings the last byte.)
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 600))
graceful_timeout = 30
keepalive = 5
# The address of the visitor arrives in X-Forwarded-For from nginx (TRUSTED_PROXY_COUNT=1 in the portal's
# settings); gunicorn's own access log would show nginx's, so logging is nginx's job.
accesslog = None
errorlog = "-"
# gunicorn 25.1 and later open a control socket for gunicornc, at one path per user: the pages' and the uploads'
# servers would take it from each other, and systemd is what controls them here.
control_socket_disable = True
