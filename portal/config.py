"""All settings, read from the environment in one place.

``PORTAL_ENV`` picks the profile: ``development`` (default) generates its own
secrets into ``instance/`` and prints e-mail to the console; ``production``
refuses to start unless every secret and service is configured.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("PORTAL_INSTANCE_PATH", ROOT / "instance"))


class ConfigError(RuntimeError):
    """Raised when the portal must not start with the configuration it was given."""


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_days(name: str, default: int) -> int:
    """A number of days, 0 or more (0 switches that rule off)."""
    value = _env_int(name, default)
    if value < 0:
        raise ConfigError(f"{name} must be 0 or more days, not {value}")
    return value


def _retention_years() -> int:
    """UK GDPR storage limitation: a period is needed, and 0 would dispose of a case the day it ends."""
    years = _env_int("RETENTION_YEARS", 6)
    if years < 1:
        raise ConfigError(f"RETENTION_YEARS must be 1 or more, not {years}")
    return years


# Per-source overrides of the reminder rules, e.g. REMINDER_TRAWL_REQUEST_LEAD_DAYS=3.
_REMINDER_OVERRIDE = re.compile(r"^REMINDER_[A-Z0-9_]+_(LEAD|REPEAT|ESCALATE)_DAYS$")


def _reminder_overrides() -> dict:
    return {name: _env_days(name, 0) for name in os.environ if _REMINDER_OVERRIDE.match(name)}


def _clock_targets() -> dict:
    """``CLOCK_TARGETS``: statutory time limits in months, as JSON (e.g. ``{"completion": 9}``).

    New statutory guidance is expected, so the targets are a setting; ``null`` means a clock
    only counts days. The clock names are checked where clocks are computed (portal/cases/clocks.py).
    """
    raw = os.environ.get("CLOCK_TARGETS", "").strip()
    if not raw:
        return {}
    try:
        targets = json.loads(raw)
    except ValueError as exc:
        raise ConfigError('CLOCK_TARGETS must be JSON, like {"completion": 6}') from exc
    valid = isinstance(targets, dict) and all(
        isinstance(name, str) and (months is None or (type(months) is int and 0 < months <= 120))
        for name, months in targets.items()
    )
    if not valid:
        raise ConfigError("CLOCK_TARGETS must map clock names to whole months (1 to 120) or null")
    return targets


def _new_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


DEV_SECRETS = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(48),
    "DOCUMENTS_KEY": _new_key,
    "TOTP_KEY": _new_key,
    "AUDIT_KEY": _new_key,
    "BACKUP_KEY": _new_key,
}


def _dev_secrets() -> dict:
    """Secrets for a developer machine, generated once into instance/ (never committed).

    A secret added in a later version is generated into an existing file; the others are kept,
    since replacing DOCUMENTS_KEY or TOTP_KEY would make what they sealed unreadable.
    """
    path = INSTANCE / "secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    missing = {name: make() for name, make in DEV_SECRETS.items() if not stored.get(name)}
    if missing:
        INSTANCE.mkdir(parents=True, exist_ok=True)
        stored.update(missing)
        path.write_text(json.dumps(stored, indent=2))
        path.chmod(0o600)
    return stored


def _database_url(url: str | None) -> str:
    url = url or f"sqlite:///{INSTANCE / 'portal.db'}"
    # Accept the libpq-style URL operators paste, and always use psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def load_config(env: str | None = None) -> dict:
    """Build the settings dict for ``env`` from the process environment."""
    env = env or os.environ.get("PORTAL_ENV", "development")
    if env not in {"development", "production"}:
        raise ConfigError(f"PORTAL_ENV must be 'development' or 'production', not {env!r}")
    production = env == "production"
    generated = {} if production else _dev_secrets()

    def secret(name: str) -> str | None:
        return os.environ.get(name) or generated.get(name)

    config = {
        "PORTAL_ENV": env,
        "SERVICE_NAME": "Death review portal",
        # Shown in the header and footer: whose service this is.
        "ORGANISATION_NAME": os.environ.get("PORTAL_ORGANISATION_NAME", "Safeguarding Partnerships"),
        "SECRET_KEY": secret("SECRET_KEY"),
        "SQLALCHEMY_DATABASE_URI": _database_url(os.environ.get("DATABASE_URL")),
        # hide_parameters: an error logged with its SQL must not carry case narrative into the logs.
        # Connections are checked on checkout by portal/connections.py, not by a ping every time.
        "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        "DATABASE_PING_AFTER_SECONDS": _env_int("DATABASE_PING_AFTER_SECONDS", 30),
        "BASE_URL": os.environ.get("PORTAL_BASE_URL", "http://127.0.0.1:5000"),
        # Sessions: our own server-side record decides validity; the cookie only names it.
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=_env_int("SESSION_IDLE_MINUTES", 30)),
        "SESSION_ABSOLUTE_TIMEOUT": timedelta(hours=_env_int("SESSION_ABSOLUTE_HOURS", 12)),
        "REAUTH_WINDOW": timedelta(minutes=15),
        "SESSION_COOKIE_NAME": "__Host-session" if production else "portal_session",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_PATH": "/",
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session, which has its own limits
        "WTF_CSRF_SSL_STRICT": production,
        "INVITATION_VALID_FOR": timedelta(hours=72),
        "RESET_VALID_FOR": timedelta(hours=1),
        # Sign-in throttling (portal/auth/throttle.py and docs/SECURITY.md say why these keys).
        "THROTTLE_ACCOUNT_IP": os.environ.get("THROTTLE_ACCOUNT_IP", "5 per 15 minutes"),
        # Failures from one address across accounts: past this the address is "busy", and each
        # account gets only THROTTLE_ACCOUNT_IP_BUSY failures from it. Nobody is refused for it alone.
        "THROTTLE_IP": os.environ.get("THROTTLE_IP", "50 per 15 minutes"),
        "THROTTLE_ACCOUNT_IP_BUSY": _env_int("THROTTLE_ACCOUNT_IP_BUSY", 2),
        "THROTTLE_CODE_GUESSES": os.environ.get("THROTTLE_CODE_GUESSES", "10 per hour"),
        # Password-reset e-mails: per typed address (known or not), and per network address.
        "RESET_THROTTLE_EMAIL": os.environ.get("RESET_THROTTLE_EMAIL", "3 per hour"),
        "RESET_THROTTLE_IP": os.environ.get("RESET_THROTTLE_IP", "20 per hour"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        # Several portals (or a test) sharing one Redis database keep their counters apart by prefix.
        "RATELIMIT_STORAGE_OPTIONS": (
            {"key_prefix": os.environ["RATELIMIT_KEY_PREFIX"]} if os.environ.get("RATELIMIT_KEY_PREFIX") else {}
        ),
        "RATELIMIT_HEADERS_ENABLED": False,
        # E-mail
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "smtp" if production else "console"),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _env_int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS"),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER", "no-reply@review-portal.invalid"),
        "MAIL_TIMEOUT": _env_int("MAIL_TIMEOUT", 10),
        # The outbox (portal/notify/outbox.py): failed sends wait RETRY_SECONDS, doubling each time
        # up to RETRY_MAX_SECONDS; after MAX_ATTEMPTS a message is marked failed for an administrator.
        "OUTBOX_MAX_ATTEMPTS": _env_int("OUTBOX_MAX_ATTEMPTS", 10),
        "OUTBOX_RETRY_SECONDS": _env_int("OUTBOX_RETRY_SECONDS", 60),
        "OUTBOX_RETRY_MAX_SECONDS": _env_int("OUTBOX_RETRY_MAX_SECONDS", 6 * 3600),
        # A sender that stopped mid-batch (killed, machine lost) leaves its claim; after this long
        # another sender may take those messages over.
        "OUTBOX_CLAIM_SECONDS": _env_int("OUTBOX_CLAIM_SECONDS", 15 * 60),
        "OUTBOX_BATCH_SIZE": _env_int("OUTBOX_BATCH_SIZE", 50),
        # Send what a request queued as soon as its response has gone (the scheduled
        # ``flask outbox send`` catches up whatever this misses).
        "OUTBOX_SEND_AFTER_REQUEST": _env_bool("OUTBOX_SEND_AFTER_REQUEST", True),
        # Reminders (portal/notify/reminders.py), in calendar days; 0 switches a rule off.
        "REMINDER_LEAD_DAYS": _env_days("REMINDER_LEAD_DAYS", 5),
        "REMINDER_REPEAT_DAYS": _env_days("REMINDER_REPEAT_DAYS", 7),
        "REMINDER_ESCALATE_DAYS": _env_days("REMINDER_ESCALATE_DAYS", 14),
        **_reminder_overrides(),
        # Publication (portal/submission): months a published report stays online unless a takedown date is given.
        "TAKEDOWN_MONTHS": _env_int("TAKEDOWN_MONTHS", 12),
        # An information request is due this many working days after it is sent (portal/trawl).
        "TRAWL_DUE_WORKING_DAYS": _env_int("TRAWL_DUE_WORKING_DAYS", 20),
        # An action its owner marks complete is due for confirmation (CSP lead or business office)
        # this many working days after it was marked (portal/actions).
        "ACTION_CONFIRM_WORKING_DAYS": _env_int("ACTION_CONFIRM_WORKING_DAYS", 10),
        # Documents (portal/documents)
        # Where the encrypted bytes live: "filesystem" (DOCUMENTS_DIR) or "s3" (any S3-compatible
        # object store, portal/documents/s3.py); several nodes need "s3" or one shared volume.
        "DOCUMENTS_BACKEND": os.environ.get("DOCUMENTS_BACKEND", "filesystem").strip().lower(),
        "DOCUMENTS_DIR": os.environ.get("DOCUMENTS_DIR", str(INSTANCE / "documents")),
        "DOCUMENTS_S3_BUCKET": os.environ.get("DOCUMENTS_S3_BUCKET"),
        "DOCUMENTS_S3_PREFIX": os.environ.get("DOCUMENTS_S3_PREFIX", ""),
        "DOCUMENTS_S3_REGION": os.environ.get("DOCUMENTS_S3_REGION"),
        # Empty for AWS itself; e.g. https://minio.internal:9000 for another S3-compatible store.
        "DOCUMENTS_S3_ENDPOINT_URL": os.environ.get("DOCUMENTS_S3_ENDPOINT_URL"),
        "DOCUMENTS_S3_ACCESS_KEY_ID": os.environ.get("DOCUMENTS_S3_ACCESS_KEY_ID"),
        "DOCUMENTS_S3_SECRET_ACCESS_KEY": os.environ.get("DOCUMENTS_S3_SECRET_ACCESS_KEY"),
        # Bucket in the path (MinIO and most self-hosted stores) rather than in the host name.
        "DOCUMENTS_S3_PATH_STYLE": _env_bool("DOCUMENTS_S3_PATH_STYLE"),
        # Multipart upload part size: the most of one upload held in memory (S3's floor is 5 MiB).
        "DOCUMENTS_S3_PART_SIZE": _env_int("DOCUMENTS_S3_PART_MB", 8) * 1024 * 1024,
        "DOCUMENTS_KEY": secret("DOCUMENTS_KEY"),
        "DOCUMENTS_OLD_KEYS": os.environ.get("DOCUMENTS_OLD_KEYS", ""),
        # Authenticator secrets are sealed with their own key (portal/auth/sealing.py says why).
        "TOTP_KEY": secret("TOTP_KEY"),
        "TOTP_OLD_KEYS": os.environ.get("TOTP_OLD_KEYS", ""),
        "MAX_CONTENT_LENGTH": _env_int("MAX_UPLOAD_BYTES", 50 * 1024 * 1024),
        "CLAMD_SOCKET": os.environ.get("CLAMD_SOCKET"),
        "CLAMD_HOST": os.environ.get("CLAMD_HOST"),
        "CLAMD_PORT": _env_int("CLAMD_PORT", 3310),
        "CLAMD_TIMEOUT": _env_int("CLAMD_TIMEOUT", 30),
        # Seconds /readyz waits for clamd (portal/health/checks.py): a load balancer gives up sooner than a scan.
        "HEALTH_CHECK_TIMEOUT": _env_int("HEALTH_CHECK_TIMEOUT", 3),
        # Demo data is never loaded unless asked for, and never in production.
        "DEMO_ENABLED": (not production) and _env_bool("PORTAL_DEMO", True),
        "TRUST_PROXY": _env_int("TRUST_PROXY_HOPS", 1 if production else 0),
        "CLOCK_TARGETS": _clock_targets(),
        # Hash chains the audit trail is spread over, so writers do not queue (portal/audit/services.py).
        "AUDIT_LANES": _env_int("AUDIT_LANES", 16),
        # Each event's hash is an HMAC under this key, held outside the database (portal/audit/keys.py).
        "AUDIT_KEY": secret("AUDIT_KEY"),
        "AUDIT_OLD_KEYS": os.environ.get("AUDIT_OLD_KEYS", ""),
        # Where `flask audit anchor` writes the chain's heads, outside the database (portal/audit/anchor.py).
        "AUDIT_ANCHOR_FILE": os.environ.get("AUDIT_ANCHOR_FILE", ""),
        "AUDIT_ANCHOR_SYSLOG": os.environ.get("AUDIT_ANCHOR_SYSLOG", ""),
        # Backup archives are encrypted with their own key (portal/records/archive.py).
        "BACKUP_KEY": secret("BACKUP_KEY"),
        "BACKUP_OLD_KEYS": os.environ.get("BACKUP_OLD_KEYS", ""),
        # Every disposal appended here, outside the database, so a restore re-applies it
        # (portal/retention/ledger.py). Required in production before anything is disposed of;
        # development keeps one in instance/, so that its disposals are re-applied by a restore too.
        "DISPOSAL_LEDGER": os.environ.get("DISPOSAL_LEDGER")
        or ("" if production else str(INSTANCE / "disposal-ledger.jsonl")),
        # Years an ended case is kept before it is due for disposal (portal/retention/schedule.py).
        "RETENTION_YEARS": _retention_years(),
        # The application log (portal/web/logs.py): one JSON object per line, or readable text.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json" if production else "text"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
        # Rendered pages kept in each process's memory while the data they show is unchanged
        # (portal/web/page_cache.py): on or off, the bound in bytes, and how long a page is kept.
        "PAGE_CACHE": _env_bool("PAGE_CACHE", True),
        "PAGE_CACHE_BYTES": _env_int("PAGE_CACHE_BYTES", 64 * 1024 * 1024),
        "PAGE_CACHE_SECONDS": _env_int("PAGE_CACHE_SECONDS", 300),
        # Statements per request in a response header, for the load benchmark (portal/web/sqlcount.py).
        "SQL_COUNT_HEADER": _env_bool("PORTAL_COUNT_SQL"),
    }
    check_documents_backend(config, production=production)
    if production:
        check_production(config)
    return config


DOCUMENTS_BACKENDS = ("filesystem", "s3")
S3_REQUIRED = (
    "DOCUMENTS_S3_BUCKET",
    "DOCUMENTS_S3_REGION",
    "DOCUMENTS_S3_ACCESS_KEY_ID",
    "DOCUMENTS_S3_SECRET_ACCESS_KEY",
)


def check_documents_backend(config: dict, *, production: bool) -> None:
    """A backend we have, and for S3 every setting it needs (a typo must not fall back to disk)."""
    backend = config["DOCUMENTS_BACKEND"]
    if backend not in DOCUMENTS_BACKENDS:
        raise ConfigError(f"DOCUMENTS_BACKEND must be 'filesystem' or 's3', not {backend!r}")
    if backend != "s3":
        return
    required = S3_REQUIRED if production else ("DOCUMENTS_S3_BUCKET",)
    missing = [name for name in required if not config.get(name)]
    if missing:
        raise ConfigError("DOCUMENTS_BACKEND is s3; set: " + ", ".join(missing))
    if config["DOCUMENTS_S3_PART_SIZE"] < 5 * 1024 * 1024:
        raise ConfigError("DOCUMENTS_S3_PART_MB must be 5 or more (S3's smallest multipart part)")
    endpoint = config.get("DOCUMENTS_S3_ENDPOINT_URL") or ""
    if production and endpoint and not endpoint.startswith("https://"):
        raise ConfigError("DOCUMENTS_S3_ENDPOINT_URL must be https:// in production (credentials travel with it)")


REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "DOCUMENTS_KEY", "TOTP_KEY", "AUDIT_KEY")
KEYS = (("DOCUMENTS_KEY", "DOCUMENTS_OLD_KEYS"), ("TOTP_KEY", "TOTP_OLD_KEYS"), ("AUDIT_KEY", "AUDIT_OLD_KEYS"))
# Not needed to serve requests (only `flask backup` reads it), so not required; checked when set.
OPTIONAL_KEYS = (("BACKUP_KEY", "BACKUP_OLD_KEYS"),)


def check_production(config: dict) -> None:
    """Refuse to start a production portal that would run on defaults."""
    missing = [name for name in REQUIRED_IN_PRODUCTION if not config.get(name)]
    if not os.environ.get("DATABASE_URL"):
        missing.append("DATABASE_URL")
    if not (config.get("CLAMD_SOCKET") or config.get("CLAMD_HOST")):
        missing.append("CLAMD_SOCKET or CLAMD_HOST")
    if not config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://")):
        missing.append("RATELIMIT_STORAGE_URI (redis://...)")
    if not os.environ.get("MAIL_SERVER"):
        missing.append("MAIL_SERVER")
    if not os.environ.get("PORTAL_BASE_URL", "").startswith("https://"):
        missing.append("PORTAL_BASE_URL (https://...)")
    if missing:
        raise ConfigError("Production configuration is incomplete; set: " + ", ".join(missing))
    if len(config["SECRET_KEY"]) < 32:
        raise ConfigError("SECRET_KEY must be at least 32 characters")
    from portal.documents.crypto import KeyConfigError, KeyRing

    current = {}
    for name, old_name in KEYS + tuple(pair for pair in OPTIONAL_KEYS if config.get(pair[0])):
        try:
            current[name] = KeyRing.from_config(config, name, old_name).current
        except KeyConfigError as exc:
            raise ConfigError(f"{name} must be 32 bytes, base64-encoded ({exc})") from exc
    if current["TOTP_KEY"] == current["DOCUMENTS_KEY"]:
        raise ConfigError("TOTP_KEY must differ from DOCUMENTS_KEY, so that each can be rotated alone")
    # Each key protects something different, and must be rotatable (or leak) alone.
    names = list(current)
    for i, name in enumerate(names):
        for other in names[:i]:
            if current[name] == current[other]:
                raise ConfigError(f"{name} must differ from {other}, so that each can be rotated alone")
    if _env_bool("PORTAL_DEMO"):
        raise ConfigError("Demo data cannot be enabled in production")
    if config["SQL_COUNT_HEADER"]:
        raise ConfigError("PORTAL_COUNT_SQL is for benchmarks on a development machine, never production")
