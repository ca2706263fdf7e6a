"""Settings from the environment: one struct per concern, read once per process.

Every process (web, worker, CLI, tests) reads the same variables, so one `REDIS_URL` feeds both the
redis client and arq, and one `DATABASE_URL` feeds SQLAlchemy and Alembic.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import msgspec

_TRUE = {"1", "true", "yes", "on"}


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default).strip() or default


def _env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    return raw.strip().lower() in _TRUE


def _env_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        msg = f"{name} must be an integer, got {raw!r}"
        raise RuntimeError(msg) from exc


class DatabaseSettings(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    # Sized for ~32 concurrent requests per web process without opening and closing connections.
    pool_size: int = 20
    max_overflow: int = 10
    echo: bool = False

    @property
    def async_url(self) -> str:
        """SQLAlchemy URL with the asyncpg driver, whatever scheme the operator wrote."""
        for prefix in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
            if self.url.startswith(prefix):
                return "postgresql+asyncpg://" + self.url[len(prefix) :]
        return self.url

    @property
    def asyncpg_dsn(self) -> str:
        """Plain libpq-style DSN for raw asyncpg connections (health checks, test set-up)."""
        return "postgresql://" + self.async_url[len("postgresql+asyncpg://") :]


class RedisSettings(msgspec.Struct, frozen=True, kw_only=True):
    url: str
    # Every key Passline writes starts with this, so several shops (or test runs) can share one Redis.
    prefix: str = "pl:"


class ServerSettings(msgspec.Struct, frozen=True, kw_only=True):
    host: str = "127.0.0.1"
    port: int = 8000
    web_workers: int = 1
    max_body_bytes: int = 1_048_576
    log_level: str = "INFO"
    log_json: bool = True
    # Serve HTTPS directly (the POS service worker needs HTTPS off localhost); see docs/tls.md.
    ssl_certfile: str | None = None
    ssl_keyfile: str | None = None
    # How often a web process asks Redis whether the catalog changed (seconds; 0 = on every sale).
    catalog_check_seconds: float = 1.0
    # A request head (request line and headers) must arrive within this and stay under that, else the
    # connection is answered 408 / 431 and closed (app/lib/http_guard.py); idle keep-alive connections
    # close after `keep_alive_seconds`.
    max_head_bytes: int = 65_536
    head_timeout_seconds: float = 10.0
    keep_alive_seconds: int = 5


class SecuritySettings(msgspec.Struct, frozen=True, kw_only=True):
    session_ttl_seconds: int = 12 * 3600
    session_cookie: str = "passline_session"
    csrf_cookie: str = "passline_csrf"
    csrf_header: str = "x-csrf-token"
    # Secure cookies need HTTPS; localhost development and the test suite run on plain HTTP.
    cookie_secure: bool = False
    login_attempts_per_minute: int = 20
    # Admins log in with a second factor (DESIGN §8); an admin without one enrols at their next login.
    admin_totp_required: bool = True
    # argon2id cost; argon2-cffi's defaults (RFC 9106's low-memory choice) unless tuned for a small box.
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4


class WorkerSettings(msgspec.Struct, frozen=True, kw_only=True):
    max_jobs: int = 10
    # arq keeps a job claimed for its longest timeout + 10 s after its worker dies: short, so a job a
    # crashed worker held runs again within about a minute (the repair cron covers invoices sooner).
    job_timeout_seconds: int = 60


class DispatchSettings(msgspec.Struct, frozen=True, kw_only=True):
    # How long a road lock outlives a holder that died (app/dispatch/road_lock.py): far above a commit plus
    # a Redis move. A fault drill that kills the web process starts it shorter, so the lock it leaves behind
    # lapses before the repair's own deadline instead of the test waiting ten seconds.
    road_lock_hold_ms: int = 10_000


class MailSettings(msgspec.Struct, frozen=True, kw_only=True):
    # No SMTP host: e-mails (the daily summary) are written to the log instead of sent.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = True
    sender: str = "Passline <passline@localhost>"


class DataSettings(msgspec.Struct, frozen=True, kw_only=True):
    # Where `passline run` keeps the embedded PostgreSQL and Redis when none is configured.
    dir: Path


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    database: DatabaseSettings
    redis: RedisSettings
    server: ServerSettings
    security: SecuritySettings
    worker: WorkerSettings
    data: DataSettings
    mail: MailSettings = MailSettings()
    dispatch: DispatchSettings = DispatchSettings()

    @property
    def embedded(self) -> bool:
        return not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL")


def load_settings() -> Settings:
    return Settings(
        database=DatabaseSettings(
            url=_env("DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/passline"),
            pool_size=_env_int("PASSLINE_DB_POOL_SIZE", 20),
            max_overflow=_env_int("PASSLINE_DB_MAX_OVERFLOW", 10),
            echo=_env_bool("PASSLINE_DB_ECHO", default=False),
        ),
        redis=RedisSettings(
            url=_env("REDIS_URL", "redis://127.0.0.1:6379/0"),
            prefix=_env("PASSLINE_REDIS_PREFIX", "pl:"),
        ),
        server=ServerSettings(
            host=_env("PASSLINE_HOST", "127.0.0.1"),
            port=_env_int("PASSLINE_PORT", 8000),
            web_workers=_env_int("PASSLINE_WEB_WORKERS", 1),
            max_body_bytes=_env_int("PASSLINE_MAX_BODY_BYTES", 1_048_576),
            log_level=_env("PASSLINE_LOG_LEVEL", "INFO").upper(),
            log_json=_env_bool("PASSLINE_LOG_JSON", default=True),
            ssl_certfile=os.environ.get("PASSLINE_SSL_CERTFILE") or None,
            ssl_keyfile=os.environ.get("PASSLINE_SSL_KEYFILE") or None,
            catalog_check_seconds=float(_env("PASSLINE_CATALOG_CHECK_SECONDS", "1")),
            max_head_bytes=_env_int("PASSLINE_MAX_HEAD_BYTES", 65_536),
            head_timeout_seconds=float(_env("PASSLINE_HEAD_TIMEOUT_SECONDS", "10")),
            keep_alive_seconds=_env_int("PASSLINE_KEEP_ALIVE_SECONDS", 5),
        ),
        security=SecuritySettings(
            session_ttl_seconds=_env_int("PASSLINE_SESSION_TTL", 12 * 3600),
            cookie_secure=_env_bool("PASSLINE_COOKIE_SECURE", default=False),
            login_attempts_per_minute=_env_int("PASSLINE_LOGIN_RATE", 20),
            admin_totp_required=_env_bool("PASSLINE_ADMIN_TOTP", default=True),
            argon2_time_cost=_env_int("PASSLINE_ARGON2_TIME_COST", 3),
            argon2_memory_kib=_env_int("PASSLINE_ARGON2_MEMORY_KIB", 65536),
            argon2_parallelism=_env_int("PASSLINE_ARGON2_PARALLELISM", 4),
        ),
        worker=WorkerSettings(
            max_jobs=_env_int("PASSLINE_WORKER_MAX_JOBS", 10),
            job_timeout_seconds=_env_int("PASSLINE_JOB_TIMEOUT", 60),
        ),
        data=DataSettings(dir=Path(_env("PASSLINE_DATA_DIR", ".passline-data")).resolve()),
        dispatch=DispatchSettings(road_lock_hold_ms=_env_int("PASSLINE_ROAD_LOCK_HOLD_MS", 10_000)),
        mail=MailSettings(
            smtp_host=os.environ.get("PASSLINE_SMTP_HOST") or None,
            smtp_port=_env_int("PASSLINE_SMTP_PORT", 587),
            smtp_user=os.environ.get("PASSLINE_SMTP_USER") or None,
            smtp_password=os.environ.get("PASSLINE_SMTP_PASSWORD") or None,
            smtp_starttls=_env_bool("PASSLINE_SMTP_STARTTLS", default=True),
            sender=_env("PASSLINE_MAIL_FROM", "Passline <passline@localhost>"),
        ),
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
