"""Configuration classes, read from environment variables.

`PORTAL_ENV` picks the class (development, test, production). Nothing here imports the app.
"""
import os
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"
DEV_SECRET = "dev-only-not-secret"


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def roles_from_env(name: str, default: str, environ=os.environ) -> frozenset[str]:
    """A comma list of role names ("admin, dinsos"); an unknown name stops the start-up rather than
    silently not enforcing anything."""
    known = {"rt", "kelurahan", "kecamatan", "dinsos", "admin"}
    roles = frozenset(r.strip().lower() for r in environ.get(name, default).split(",") if r.strip())
    if roles - known:
        raise RuntimeError(f"{name}: unknown role(s) {sorted(roles - known)}; use {sorted(known)}")
    return roles


def proxy_count_from_env(environ=os.environ) -> int:
    """How many reverse proxies in front of the app to trust for X-Forwarded-For/-Proto.

    `PROXY_COUNT=N` says it exactly; otherwise `PORTAL_BEHIND_PROXY` does: 1/true/yes/on for one proxy
    (nginx on the same host, docs/DEPLOY.md), a number for more, 0/false/no/off or unset for none.
    """
    if environ.get("PROXY_COUNT", "").strip():
        return int(environ["PROXY_COUNT"])
    flag = environ.get("PORTAL_BEHIND_PROXY", "").strip().lower()
    if flag in ("", "0", "false", "no", "off"):
        return 0
    if flag in ("true", "yes", "on"):
        return 1
    if flag.isdigit():
        return int(flag)
    raise RuntimeError(f"PORTAL_BEHIND_PROXY={flag!r}: use 1 (one proxy), a number of proxies, or 0")


class Config:
    PORTAL_ENV = "development"
    SECRET_KEY = os.environ.get("SECRET_KEY", DEV_SECRET)
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    REDIS_URL = os.environ.get("REDIS_URL", "")

    # Sessions: server-side records (see portal/models/session.py) behind a signed cookie.
    SESSION_COOKIE_NAME = "verivali_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_IDLE_TIMEOUT = timedelta(minutes=_env_int("SESSION_IDLE_MINUTES", 30))
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=_env_int("SESSION_ABSOLUTE_HOURS", 12))
    REMEMBER_COOKIE_DURATION = timedelta(seconds=0)

    WTF_CSRF_TIME_LIMIT = 8 * 3600  # a Ketua RT may fill a form slowly on 2G

    # Failed-login throttling (successful logins never count).
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    # Redis down: count failures in each worker's memory meanwhile, rather than refuse every sign-in.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    LOGIN_FAILURES_PER_USERNAME = os.environ.get("LOGIN_FAILURES_PER_USERNAME", "5 per 15 minutes")
    LOGIN_FAILURES_PER_IP = os.environ.get("LOGIN_FAILURES_PER_IP", "30 per 15 minutes")
    # A browser that has signed in as a user before (a signed device cookie, portal/blueprints/auth/known_device.py)
    # skips both limits above for that user, so nobody can lock the owner out; it has only this many failures of
    # its own, after which it is treated as unknown again (a stolen cookie buys no brute force).
    LOGIN_FAILURES_PER_DEVICE = os.environ.get("LOGIN_FAILURES_PER_DEVICE", "10 per day")
    # Number of reverse proxies in front of the app whose X-Forwarded-For/-Proto we trust (ProxyFix):
    # PROXY_COUNT=N, or PORTAL_BEHIND_PROXY=1 for one proxy.
    PROXY_COUNT = proxy_count_from_env()

    # Two-factor login (TOTP): roles that must enrol before using the portal; failed codes are throttled
    # per account; a correct password waits this long for its code before the user must start again.
    TWO_FACTOR_REQUIRED_ROLES = roles_from_env("TWO_FACTOR_REQUIRED_ROLES", "")
    TWO_FACTOR_FAILURES_PER_USER = os.environ.get("TWO_FACTOR_FAILURES_PER_USER", "5 per 15 minutes")
    TWO_FACTOR_PENDING_SECONDS = 300
    TWO_FACTOR_ISSUER = "Verivali Bontang"
    # Key that seals the TOTP secrets at rest (portal/services/secret_box.py): 32+ random characters, required in
    # production and kept apart from SECRET_KEY, so rotating SECRET_KEY does not lock anyone out. Unset
    # (development, tests): derived from SECRET_KEY. Losing or changing it means users re-enrol (docs/DEPLOY.md).
    TOTP_ENCRYPTION_KEY = os.environ.get("TOTP_ENCRYPTION_KEY", "")

    PASSWORD_HASH_METHOD = "scrypt"
    BABEL_DEFAULT_LOCALE = "id"
    BABEL_DEFAULT_TIMEZONE = "Asia/Makassar"  # Bontang is WITA
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIN_SIZE = 300
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024  # whole request; larger gets the 413 page
    UPLOAD_DIR = os.environ.get("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))  # outside static, never served by path
    UPLOAD_MAX_BYTES = 5 * 1024 * 1024  # one evidence file, after the browser has shrunk photos
    IMPORT_MAX_BYTES = 10 * 1024 * 1024  # one ministry file: 50,000 rows of a DTKS extract is about 8 MB
    IMPORT_INLINE_BYTES = 256 * 1024     # smaller files are checked in the request; larger ones in the background
    VERIVALI_INLINE_ITEMS = 5_000        # a verivali period over more households is opened in the background
    PAGE_SIZE = 25
    # Letters with more attachment rows than this are rendered in the background (RQ or a thread).
    LETTER_BACKGROUND_ROWS = int(os.environ.get("LETTER_BACKGROUND_ROWS", 300))
    # Where the public letter-verification page lives; printed in every letter's QR code.
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    # Days a proposal may wait at each review level before the queue marks it overdue.
    OVERDUE_DAYS = {"kelurahan": 7, "kecamatan": 7, "dinsos": 14}
    DEMO_SEED_ALLOWED = True
    # Retention (`flask purge`, portal/domain/retention.py): days kept before the data is removed.
    RETENTION_ENDED_SESSIONS_DAYS = _env_int("RETENTION_ENDED_SESSIONS_DAYS", 90)
    RETENTION_ABANDONED_DRAFTS_DAYS = _env_int("RETENTION_ABANDONED_DRAFTS_DAYS", 180)
    RETENTION_IMPORT_FILES_DAYS = _env_int("RETENTION_IMPORT_FILES_DAYS", 30)
    RETENTION_FAILED_LETTER_JOBS_DAYS = _env_int("RETENTION_FAILED_LETTER_JOBS_DAYS", 90)


class DevelopmentConfig(Config):
    pass


class TestConfig(Config):
    PORTAL_ENV = "test"
    TESTING = True
    SECRET_KEY = "test-secret"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    # Cheaper hashing keeps the suite fast; the algorithm is the same.
    PASSWORD_HASH_METHOD = "scrypt:4096:8:1"
    RATELIMIT_STORAGE_URI = "memory://"
    TWO_FACTOR_REQUIRED_ROLES = frozenset()  # the demo accounts sign in with a password only


class ProductionConfig(Config):
    PORTAL_ENV = "production"
    SESSION_COOKIE_SECURE = True
    # Admin manages every account; Dinas Sosial reads full NIKs (with a logged reason), exports the registry and
    # runs data-subject exports: a password alone is not enough for either (docs/DEPLOY.md). Still configurable.
    TWO_FACTOR_REQUIRED_ROLES = roles_from_env("TWO_FACTOR_REQUIRED_ROLES", "admin,dinsos")
    DEMO_SEED_ALLOWED = False


CONFIGS = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}


def config_from_env() -> type[Config]:
    name = os.environ.get("PORTAL_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"PORTAL_ENV={name!r} is not one of {sorted(CONFIGS)}")
    return CONFIGS[name]
