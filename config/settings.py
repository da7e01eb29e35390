"""Fairspeed settings: one module, built from environment variables.

Runs with zero configuration (SQLite, an on-disk Celery broker and private evidence
storage, all under var/); production sets DATABASE_URL, CELERY_BROKER_URL and friends.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from config.env import dev_secret_key, envbool, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("FAIRSPEED_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# Off unless asked for: a technical error page lists every URL and setting to the public.
DEBUG = envbool("DEBUG", False)
# FAIRSPEED_ENV=production is a deployment's promise: real key, HTTPS, collected static
# files. Everything else (laptops, `make test`, `make demo`) is development and needs no
# configuration at all.
PRODUCTION = envstr("FAIRSPEED_ENV", "development") == "production"
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("FAIRSPEED_ENV=production refuses DEBUG=1.")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if PRODUCTION:
        # A guessable key in production would let anyone forge sessions and password resets.
        raise ImproperlyConfigured("FAIRSPEED_ENV=production needs SECRET_KEY in the environment.")
    SECRET_KEY = dev_secret_key(VAR_DIR)
# The key of the portal PINs' HMAC (enforcement.cases.numbers): kept out of the database,
# so a leaked database allows no offline PIN search. Unset, it is derived from SECRET_KEY;
# set it apart so that rotating SECRET_KEY does not void the PINs of mailed notices.
PORTAL_PIN_KEY = envstr("PORTAL_PIN_KEY", "")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = envstr("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "django_filters",
    "policy",
    "cameras",
    "enforcement",
]

MIDDLEWARE = [
    # First: an oversized body is refused from its Content-Length, before anything reads it.
    "config.uploads.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "policy.audit_context.AuditContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "enforcement.context.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'fairspeed.sqlite3'}",
        conn_max_age=envint("DB_CONN_MAX_AGE", 0),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A camera worker, a Celery worker and the web server write concurrently: wait for
    # the lock instead of failing with "database is locked", and use WAL for readers.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "init_command": "PRAGMA journal_mode=WAL;", "transaction_mode": "IMMEDIATE"}
    )
    # A file, not memory, so test runs can share the database with the real worker
    # processes they start (Celery, run_camera).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# django-axes checks the lock-out before any password is compared.
AUTHENTICATION_BACKENDS = [
    "enforcement.auth_backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Five wrong passwords lock the account for 30 minutes whatever address they come from
# (guessing one account from many addresses is the attack), and five from one address
# lock that address (guessing many accounts). An administrator can lift a lock sooner
# with `manage.py axes_reset_username NAME`. Decided 2026-12-06.
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 30) / 60
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "staff-home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "enforcement" / "locale"]
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# The portal's look-up limiter counts failures in the cache: every web process must
# share it, so production names a Redis cache (e.g. redis://127.0.0.1:6379/8).
CACHES: dict[str, dict[str, Any]] = {
    "default": (
        {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": envstr("CACHE_URL", ""),
        }
        if envstr("CACHE_URL", "")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Sessions live in the shared cache when there is one (Redis): a resident's case page
# then costs no session query. The session is still the only key to a case; a cache
# that loses it costs a new look-up, not a case. SESSION_ENGINE overrides the choice.
SESSION_ENGINE = envstr(
    "SESSION_ENGINE",
    "django.contrib.sessions.backends.cache"
    if envstr("CACHE_URL", "")
    else "django.contrib.sessions.backends.db",
)

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Development serves app static files straight from the apps (no collectstatic needed,
# DEBUG on or off); production serves the collected, hashed, compressed copies.
WHITENOISE_USE_FINDERS = not PRODUCTION

# Evidence is private: it lives outside any public URL and is served only through
# permission-checked, audited views (or signed URLs on S3).
EVIDENCE_ROOT = Path(envstr("EVIDENCE_ROOT", str(VAR_DIR / "evidence")))
STORAGES: dict[str, dict[str, object]] = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "uploads"), "base_url": None},
    },
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(EVIDENCE_ROOT), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
if envstr("EVIDENCE_S3_BUCKET", ""):
    STORAGES["evidence"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": envstr("EVIDENCE_S3_BUCKET", ""),
            "endpoint_url": envstr("EVIDENCE_S3_ENDPOINT", "") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 300,
        },
    }
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
# The whole request body, files included (config/uploads.py); limits per upload type are
# smaller and listed in docs/uploads.md.
MAX_REQUEST_BYTES = DATA_UPLOAD_MAX_MEMORY_SIZE
FILE_UPLOAD_HANDLERS = [
    "config.uploads.LimitedUploadHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

# --- Celery -------------------------------------------------------------------------
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL", "") or "filesystem://"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "control_folder": str(BROKER_DIR / "control"),
    }
    # kombu's filesystem transport made durable: a message stays on disk until the task
    # that consumed it is acknowledged (see config/broker.py).
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
else:
    # Redis redelivers unacknowledged tasks after this long; longer than any task.
    # RabbitMQ: publish waits for the broker's confirm, so "sent" means the broker has it.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600, "confirm_publish": True}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "maintenance"
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Fairspeed ----------------------------------------------------------------------
FAIRSPEED: dict[str, Any] = {
    "YOLO_WEIGHTS": envstr("FAIRSPEED_YOLO_WEIGHTS", ""),
    "SPOOL_DIR": envstr("FAIRSPEED_SPOOL_DIR", str(VAR_DIR / "spool")),
    "KEYS_DIR": envstr("FAIRSPEED_KEYS_DIR", str(VAR_DIR / "keys")),
    "MAX_EVIDENCE_MESSAGE_BYTES": envint("FAIRSPEED_MAX_EVIDENCE_MESSAGE_BYTES", 8 * 1024 * 1024),
    # Larger packages travel through the evidence storage; beyond this they are refused.
    "MAX_EVIDENCE_PACKAGE_BYTES": envint("FAIRSPEED_MAX_EVIDENCE_PACKAGE_BYTES", 64 * 1024 * 1024),
    # Signed checkpoints of the audit chain's head live outside the database: the key
    # signs them and the file keeps them (keep both on other storage than the database).
    "AUDIT_CHECKPOINT_KEY": envstr(
        "FAIRSPEED_AUDIT_CHECKPOINT_KEY", str(VAR_DIR / "keys" / "audit-checkpoint.pem")
    ),
    "AUDIT_CHECKPOINT_FILE": envstr(
        "FAIRSPEED_AUDIT_CHECKPOINT_FILE", str(VAR_DIR / "audit" / "checkpoints.jsonl")
    ),
    # A camera sends an event again when the back office has not receipted it this long
    # after a broker took it (docs/decisions/2026-12-06-delivery-receipts.md).
    "RECEIPT_TIMEOUT_S": envint("FAIRSPEED_RECEIPT_TIMEOUT_S", 120),
    # Plate readability (cameras/vision/measure/readability.py): EU/UK plates are 520 mm
    # wide, US plates 305 mm; 80 px is a third over the Haar plate locator's 60 px window
    # (RapidOCR itself reads from 50 px). Gating is off by default because the demo's and
    # the tests' synthetic 640x360 cameras show 21 px plates; a deployment turns it on.
    "PLATE_WIDTH_MM": envint("FAIRSPEED_PLATE_WIDTH_MM", 520),
    "MIN_PLATE_PX": envint("FAIRSPEED_MIN_PLATE_PX", 80),
    "PLATE_WIDTH_GATES_SELFTEST": envbool("FAIRSPEED_PLATE_WIDTH_GATES_SELFTEST", False),
    # Owner lookup after two approvals: a CSV file (demo, tests) or a registry class path.
    "OWNER_REGISTRY": envstr("FAIRSPEED_OWNER_REGISTRY", str(VAR_DIR / "demo" / "registry.csv")),
    # Where residents open their notice; printed on notices and in their QR codes.
    "PORTAL_URL": envstr("FAIRSPEED_PORTAL_URL", SITE_URL.rstrip("/") + "/portal/"),
    "NOTICE_SENDER": envstr("FAIRSPEED_NOTICE_SENDER", "Fairspeed demo city, 1 Main St"),
}
NOTICES_ROOT = Path(envstr("NOTICES_ROOT", str(VAR_DIR / "notices")))
# Residents' documents (contests, relief): private, served only through session- or
# permission-checked views.
STORAGES["portal"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {
        "location": envstr("PORTAL_UPLOADS_ROOT", str(VAR_DIR / "portal")),
        "base_url": None,
    },
}
STORAGES["notices"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(NOTICES_ROOT), "base_url": None},
}
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "notices@fairspeed.invalid")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
        # HTTP Basic that answers 429 once django-axes has locked the account.
        "enforcement.api_auth.LockoutAwareBasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # Wrong HTTP Basic passwords are stopped by django-axes (the account locks); these
    # rates bound everything else a client can ask for.
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": envstr("API_ANON_RATE", "30/minute"),
        "user": envstr("API_USER_RATE", "600/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fairspeed API",
    "DESCRIPTION": "Automated speed enforcement with equity-office policy built in.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from the installed sidecar package: no CDN at run time.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

SESSION_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "enforcement.errors.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = envbool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = envbool("SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    # Behind a proxy that terminates TLS, it must set X-Forwarded-Proto.
    if envbool("BEHIND_TLS_PROXY", False):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    # Preloading binds the whole domain to HTTPS in browsers for months; the city's
    # domain owner decides it, not the application (check --deploy's W021 is accepted).
    SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)

# Password reset mail: printed to the console unless a deployment names a backend.
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "fairspeed@example.invalid")

# /healthz gives the public only up or down; this token (or a staff sign-in) unlocks
# the per-check detail for monitoring.
HEALTHZ_TOKEN = envstr("HEALTHZ_TOKEN", "")

# The agency that runs the service. The defaults are plainly fictional so that no page
# can be mistaken for a real city's until a deployment names itself.
AGENCY = {
    "NAME": envstr("AGENCY_NAME", "City of Exampleville (fictional)"),
    "SHORT_NAME": envstr("AGENCY_SHORT_NAME", "Exampleville"),
    "LOGO": envstr("AGENCY_LOGO", "agency-logo.svg"),  # a static path
    "EMAIL": envstr("AGENCY_EMAIL", "speed-safety@example.invalid"),
    "PHONE": envstr("AGENCY_PHONE", "555-0100"),
    "ADDRESS": envstr("AGENCY_ADDRESS", "1 Example Plaza, Exampleville"),
    "OFFICIAL": envbool("AGENCY_OFFICIAL_BANNER", True),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    # django-axes logs every sign-in at INFO; failures and lock-outs are WARNING.
    "loggers": {"axes": {"level": "WARNING"}},
}
