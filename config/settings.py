"""Settings, read from environment variables.

Development works with no variables at all (``make run`` sets DEBUG and the
database). Production (DEBUG off) refuses to start without a real SECRET_KEY.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

INSECURE_KEY_PREFIX = "django-insecure-"
DEVELOPMENT_SECRET_KEY = INSECURE_KEY_PREFIX + "development-only-key-never-use-in-production"


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from error


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or default


DEBUG = env_bool("DEBUG", default=False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    SECRET_KEY = DEVELOPMENT_SECRET_KEY
if not DEBUG and (
    len(SECRET_KEY) < 50 or SECRET_KEY.startswith(INSECURE_KEY_PREFIX) or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a long random value when DEBUG is off "
        "(at least 50 characters, not the development key)."
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django_htmx",
    "django_countries",
    "corsheaders",
    "ninja",
    "simple_history",
    "axes",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "lifecycle",
    "providers",
    "providers.api",
    "providers.accounts",
    "providers.mail",
    "providers.rfis",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.nul_bytes.RejectNulMiddleware",
    # Headers every response carries, the 503 page included: above the outage middleware.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # A styled 503 while the database is unreachable: above everything that reads it
    # (sessions, auth, messages, views).
    "config.outage.DatabaseUnavailableMiddleware",
    "config.routing.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Cross-origin headers for /api/ only, and only for the origins listed in
    # API_CORS_ALLOWED_ORIGINS (none by default): before CommonMiddleware, as it asks.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "providers.changes.ChangeMiddleware",
    "axes.middleware.AxesMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "config.urls"
# Error pages render without request context (config/errors.py); so does the CSRF one.
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "providers.directory.context_processors.shortlist_count",
            ],
        },
    },
]

# PostgreSQL only: its full-text search, arrays and GIN indexes are part of the design.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set: run the app through 'make run', or set it to a "
        "PostgreSQL URL such as postgresql://user@127.0.0.1:5432/directory."
    )
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point to PostgreSQL (postgresql://...).")
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env_bool("DATABASE_POOL", default=False):
    # psycopg 3's pool keeps connections per process; Django then must not hold its own.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": 2, "max_size": env_int("DATABASE_POOL_SIZE", 8), "timeout": 10}
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 60)
# A database server that does not answer fails the request quickly (a 503 page) instead
# of holding a worker until gunicorn kills it. A connect_timeout in DATABASE_URL wins.
DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
    "connect_timeout", env_int("DATABASE_CONNECT_TIMEOUT", 5)
)

# Server-side prepared statements for the hot fixed queries of buyers' pages and the API
# (providers.reads.prepared_cursor): psycopg prepares such a query on a connection once it
# has run this many times there, and PostgreSQL then skips parsing and planning it. Only
# those queries are prepared (the ORM binds parameters on the client and never does).
# "off" turns it off, for a pooler that cannot keep prepared statements (PgBouncer in
# transaction mode before 1.21).
DATABASE_PREPARE_THRESHOLD = (
    None
    if os.environ.get("DATABASE_PREPARE_THRESHOLD", "").strip().lower() in {"off", "none"}
    else env_int("DATABASE_PREPARE_THRESHOLD", 5)
)
if DATABASE_PREPARE_THRESHOLD is not None and DATABASE_PREPARE_THRESHOLD < 0:
    raise ImproperlyConfigured("DATABASE_PREPARE_THRESHOLD must be 0 or more, or off.")
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = DATABASE_PREPARE_THRESHOLD

# Optional read replica (PostgreSQL streaming replication): buyers' reads go there, writes
# and the admin stay on the primary (config/routing.py). Sessions always use the primary.
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "").strip()
if DATABASE_REPLICA_URL:
    replica = dj_database_url.parse(DATABASE_REPLICA_URL)
    if replica["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(
            "DATABASE_REPLICA_URL must point to PostgreSQL (postgresql://...)."
        )
    for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS", "OPTIONS"):
        if key in DATABASES["default"]:
            replica[key] = DATABASES["default"][key]
    replica["TEST"] = {"MIRROR": "default"}  # tests have one database
    DATABASES["replica"] = replica
DATABASE_ROUTERS = ["config.routing.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed sign-ins (the admin's and the buyers' through allauth): locked out per user name
# (or email address) and client address for a while.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "config.lockout.locked_out"
AXES_USERNAME_CALLABLE = "config.lockout.username"
# Behind reverse proxies (TLS termination, a load balancer), how many of them sit in front of
# the app and append to X-Forwarded-For. 0 trusts no header and uses the connection's address.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"

# django-axes counts failed logins in the database, so every worker and server sees them.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"

# Nothing a buyer or curator does may live in one process only: sessions are kept in the
# database, which every worker and app server shares. With REDIS_URL the cache is Redis
# (shared as well) and sessions are read through it, with the database still behind it.
# Without Redis the cache is per process and holds nothing that must be shared: sessions
# are the only user of the cache today (axes uses the database handler above).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REDIS_URL = os.environ.get("REDIS_URL", "").strip()
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(
            f"REDIS_URL must be a Redis URL such as redis://127.0.0.1:6379/0, not {REDIS_URL!r}."
        )
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "directory"),
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Strict content security policy: scripts only from this site or with the nonce.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
}

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# A load balancer probes the backend over plain HTTP: it must see 200 or 503, never 301.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=True)
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# Directory behaviour
# Per-process cache of text-search match sets (entries); 0 turns it off (the benchmark
# measures the uncached search that way).
DIRECTORY_TEXT_CACHE_SIZE = env_int("DIRECTORY_TEXT_CACHE_SIZE", 512)
# Directory answers kept per process and index, by address (providers/directory/
# kept_answers.py): about 10 KB each of their own (facet options and cards are shared
# with other memos); 0 keeps none (the benchmark's uncached runs).
DIRECTORY_ANSWER_MEMO_SIZE = env_int("DIRECTORY_ANSWER_MEMO_SIZE", 512)
# After a change, each process builds its new facet index beside the old one; a request
# waits at most this long for it before being answered from the previous index.
DIRECTORY_BACKGROUND_REBUILD = env_bool("DIRECTORY_BACKGROUND_REBUILD", default=True)
DIRECTORY_REBUILD_WAIT = env_int("DIRECTORY_REBUILD_WAIT_MS", 250) / 1000
# How long a process answers from its index before asking the database's version token
# again: the most a change waits, beyond its update, to reach every process.
DIRECTORY_TOKEN_TTL = env_int("DIRECTORY_TOKEN_TTL_MS", 100) / 1000
# Build each new index in a child process and read it back, so that what a build leaves
# behind (tens of megabytes at 100,000 providers) leaves with the child rather than staying
# in the worker (providers/directory/child_build.py). Tests build in their own process,
# where their uncommitted data is.
DIRECTORY_BUILD_IN_CHILD = env_bool("DIRECTORY_BUILD_IN_CHILD", default=True)
# A child still building after this many seconds is killed (0: no limit); its server keeps
# its last index, or, with none yet, that request fails and the next tries again. A build
# takes seconds at 100,000 providers, minutes at a million; gunicorn's --timeout ends a
# worker whose first index takes longer than it, child and all.
DIRECTORY_BUILD_TIMEOUT = env_int("DIRECTORY_BUILD_TIMEOUT_S", 1800)
# Move each newly installed index out of the cycle collector's way (gc.freeze).
DIRECTORY_FREEZE_INDEX = env_bool("DIRECTORY_FREEZE_INDEX", default=True)
# Served with config/gunicorn.py, the master holds the index its workers share: it brings
# it up to date this often, and starts new workers from it after it was built anew
# (providers/directory/shared.py).
DIRECTORY_SHARED_REFRESH = env_int("DIRECTORY_SHARED_REFRESH_S", 1)
# Its workers leave it the full builds after a catalogue edit or on a new day; one that was
# not replaced this long after such a change builds its own (a build takes minutes at a
# million providers).
DIRECTORY_SHARED_WAIT = env_int("DIRECTORY_SHARED_WAIT_S", 900)
IMPORT_MAX_UPLOAD_BYTES = env_int("IMPORT_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)
# How much of an import file is read (CSV and XLSX, admin and command line alike; see
# docs/import-format.md). A row of the format with only its required cells is about 32
# bytes of CSV, so no file within the upload limit needs more rows than this.
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", max(1_000, IMPORT_MAX_UPLOAD_BYTES // 32))
# The format has 14 columns; a few more are read so stray ones can be named in messages.
IMPORT_MAX_COLUMNS = env_int("IMPORT_MAX_COLUMNS", 50)
# Excel's own limit for one cell.
IMPORT_MAX_CELL_CHARS = env_int("IMPORT_MAX_CELL_CHARS", 32_767)
# An XLSX file's sheet, shared strings and styles together may unpack to this much XML
# (the app's own XLSX export unpacks to about 17 times its size), and no part of it to
# more than this many times its packed size (zip bombs do, spreadsheets do not).
IMPORT_MAX_XLSX_UNPACKED_BYTES = env_int(
    "IMPORT_MAX_XLSX_UNPACKED_BYTES", max(16 * 1024 * 1024, IMPORT_MAX_UPLOAD_BYTES * 20)
)
IMPORT_MAX_XLSX_RATIO = env_int("IMPORT_MAX_XLSX_RATIO", 100)

# Background tasks (Django's tasks framework): stored in the database and run by a worker
# process beside the app servers (`manage.py db_worker`; `make run` starts one). Imports
# confirmed in the admin run there; so will email and alerts.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Curation: admin, import and export ---
# A checked import file waits in the default file storage between its preview and the
# curator's confirmation, then is deleted. With several app servers, use shared storage.
MEDIA_ROOT = os.environ.get("MEDIA_ROOT", str(BASE_DIR / "var" / "media"))

# --- The read API (/api/v1/, providers/api/; docs/api.md) ---
# Requests per minute: anonymous callers (per client address) and, by default, each API key
# (an administrator can set a key's own rate). Counted in the cache: shared by every worker
# and server with REDIS_URL, per process without it.
API_ANONYMOUS_RATE_PER_MINUTE = env_int("API_ANONYMOUS_RATE_PER_MINUTE", 60)
API_KEY_RATE_PER_MINUTE = env_int("API_KEY_RATE_PER_MINUTE", 1200)
# Cross-origin requests to the API are refused unless their origin is listed here
# (comma-separated, e.g. https://procurement.example).
CORS_ALLOWED_ORIGINS = env_list("API_CORS_ALLOWED_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/"
CORS_ALLOW_METHODS = ["GET", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "x-api-key", "if-none-match", "if-modified-since"]
CORS_EXPOSE_HEADERS = ["etag", "last-modified", "retry-after"]

# --- Accounts (django-allauth; providers/accounts/) ---
# Buyers and providers' representatives sign in with an email address confirmed by a link.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:overview"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
ACCOUNT_ADAPTER = "providers.accounts.adapter.AccountAdapter"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Provider directory] "
# Sign-in attempts are limited by django-axes, as in the admin (AXES_* below, one rule in
# the database for every server); allauth's own cache-based limit on failed sign-ins would
# be per process without Redis, so it is left to axes. Its other limits stay.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
# A password reset asked for an unknown address answers as for a known one (no account
# enumeration) and mails nobody: the directory writes only to its account holders.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
# Links in mail sent by the task worker (alerts) point here; requests use their own host.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- Email ---
# Development prints mail in the terminal that runs `make run`; production sends through the
# SMTP server named in the environment. Mail leaves through the task worker, never inside a
# request (see docs/architecture.md).
_MAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
_MAIL_OPTIONS: dict = {}
if _MAIL_BACKEND == "django.core.mail.backends.smtp.EmailBackend":
    _MAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=not DEBUG)
    _MAIL_OPTIONS = {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 587 if _MAIL_USE_TLS else 25),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": _MAIL_USE_TLS,
        "timeout": env_int("EMAIL_TIMEOUT", 20),
    }
elif _MAIL_BACKEND == "django.core.mail.backends.filebased.EmailBackend":
    # One file per message, in EMAIL_FILE_PATH.
    _MAIL_OPTIONS = {"file_path": os.environ.get("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))}
MAILERS = {"default": {"BACKEND": _MAIL_BACKEND, "OPTIONS": _MAIL_OPTIONS}}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Provider directory <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The outbox (providers/mail/): a failed send is tried again after 1, 2, 4 ... minutes
# (at most MAIL_RETRY_MAX_SECONDS apart), MAIL_MAX_ATTEMPTS times in all, then marked failed.
MAIL_MAX_ATTEMPTS = env_int("MAIL_MAX_ATTEMPTS", 8)
MAIL_RETRY_BASE_SECONDS = env_int("MAIL_RETRY_BASE_SECONDS", 60)
MAIL_RETRY_MAX_SECONDS = env_int("MAIL_RETRY_MAX_SECONDS", 6 * 3600)
# The task worker's schedule (providers/mail/schedule.py): every SCHEDULE_INTERVAL_SECONDS
# it sweeps the outbox and runs these jobs.
SCHEDULE_INTERVAL_SECONDS = env_int("SCHEDULE_INTERVAL_SECONDS", 15 * 60)
SCHEDULED_JOBS = ["providers.accounts.alerts.run"]

# --- Requests for information (providers/rfis/; docs/architecture.md) ---
# A request goes to 1 to 10 shortlisted providers; a buyer may send
# RFI_SENDS_PER_WINDOW requests in any RFI_SEND_WINDOW_HOURS (counted in the database, so
# every server agrees). Providers still awaiting an answer are reminded
# RFI_REMIND_HOURS_BEFORE hours before the deadline closes.
RFI_SENDS_PER_WINDOW = env_int("RFI_SENDS_PER_WINDOW", 5)
RFI_SEND_WINDOW_HOURS = env_int("RFI_SEND_WINDOW_HOURS", 24)
RFI_REMIND_HOURS_BEFORE = env_int("RFI_REMIND_HOURS_BEFORE", 48)
# Attachments (PDF, DOCX, XLSX checked by content) are kept in the default file storage
# under private/ (MEDIA_ROOT, never served by URL) and downloaded through the app only.
RFI_MAX_ATTACHMENT_BYTES = env_int("RFI_MAX_ATTACHMENT_MB", 20) * 1024 * 1024
RFI_MAX_ATTACHMENTS = env_int("RFI_MAX_ATTACHMENTS", 5)
# Uploads above this size go to a temporary file rather than memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
