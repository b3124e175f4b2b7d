"""Gunicorn settings for production serving: `gunicorn -c gunicorn.conf.py wsgi:app` (`make serve-prod`).

Everything can be overridden from the environment; see docs/DEPLOY.md. The app itself is configured by
config.py (PORTAL_ENV, DATABASE_URL, SECRET_KEY, PORTAL_BEHIND_PROXY, ...), not here.
"""
import multiprocessing
import os

MAX_DEFAULT_WORKERS = 8  # past this, a one-machine portal only gains memory use and database connections


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def default_workers(cores: int | None = None) -> int:
    """2 × cores + 1, capped: sync workers spend much of a request waiting on the database."""
    cores = cores or multiprocessing.cpu_count()
    return max(2, min(2 * cores + 1, MAX_DEFAULT_WORKERS))


# Where to listen: loopback by default, for nginx on the same host (docs/DEPLOY.md).
bind = [os.environ.get("GUNICORN_BIND") or f"{os.environ.get('HOST', '127.0.0.1')}:{_int('PORT', 8000)}"]

workers = _int("WEB_CONCURRENCY", default_workers())
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = _int("GUNICORN_THREADS", 1)  # only used by worker_class = "gthread"

# A request that takes longer than this kills its worker (the slowest pages take well under a second;
# big letters and imports run in the background, not in a request).
timeout = _int("GUNICORN_TIMEOUT", 60)
# On reload or shutdown, workers get this long to finish the requests they are serving.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Seconds an idle keep-alive connection stays open. Sync workers close every connection after its
# response (nginx in front keeps the clients' connections); this matters with worker_class = "gthread".
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle each worker after about this many requests (the jitter spreads the restarts so that the
# workers never restart together). 0 turns it off.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# The heartbeat file on tmpfs, so a slow disk cannot make a healthy worker look stuck.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Logs on stdout/stderr for the process supervisor (systemd, docker) to collect.
# The access log has the path without its query string (%(U)s, not %(r)s) and no referrer: searches are
# POSTs, and nothing personal belongs in a log. %(M)s is the time the app took, in milliseconds.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'

# Gunicorn ≥ 25 opens a control socket at one fixed path per user ($HOME/.gunicorn/gunicorn.ctl), so two
# instances on one machine (the app and `make bench-serve`, say) would fight over it. Off unless asked for.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

proc_name = "verivali-portal"


def when_ready(server):
    if os.environ.get("PORTAL_ENV") == "production" and workers > 1 and not os.environ.get("REDIS_URL"):
        server.log.warning("REDIS_URL is not set: each of the %d workers keeps its own login-throttling "
                           "counters and runs background letters in a thread that a worker restart "
                           "ends (docs/DEPLOY.md).", workers)
