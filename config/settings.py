"""Settings for the Garden City Campaign Command Centre.

Everything comes from the environment with safe development defaults, so `make run` and
`make test` need no .env file. Production is switched on with DJANGO_DEBUG=0 and the
variables listed in the README.
"""
from datetime import timedelta
import re
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import (
    database_from_url, env_bool, env_int, env_list, env_megabytes, env_positive_int, env_str, secret_key_from_file,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("APP_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY") or secret_key_from_file(env_str("DJANGO_SECRET_KEY_FILE"))
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0")
    SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "axes",
    "csp",
    "organizations",
    "indicators",
    "ledgers",
    "tasks",
    "inspections",
    "notifications",
    "reports",
    "spreadsheets",
    "api",
    "planner",
    "visits",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "organizations.middleware.ChineseFirstLocaleMiddleware",
    # Under /api/ only: Accept-Language chooses the language (no cookie on a phone or a server).
    "api.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "organizations.sessions.IdleSessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during login into the lock page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "organizations.context_processors.navigation",
                "notifications.context_processors.bell",
            ],
        },
    },
]

DATABASES = {
    "default": database_from_url(env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"), BASE_DIR)
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
CSRF_FAILURE_VIEW = "organizations.errors.csrf_failure"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT_HOURS", 24) * 3600

# Login throttling (django-axes): a user name, and separately an address, that fails
# LOGIN_FAILURE_LIMIT times is refused, right password included, until LOGIN_COOLOFF_MINUTES
# after its last failure. Both keys, so neither guessing one account from many addresses
# nor many accounts from one address gets further than the limit.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = env_list("LOGIN_LOCKOUT_BY", ["username", "ip_address"])
if not AXES_LOCKOUT_PARAMETERS or set(AXES_LOCKOUT_PARAMETERS) - {"username", "ip_address"}:
    raise ImproperlyConfigured("LOGIN_LOCKOUT_BY must list username and/or ip_address")
AXES_RESET_ON_SUCCESS = True
# A try while locked does not restart the clock, so the wait the page names is the real one.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "organizations.views.login_locked"
# Unlock early with `manage.py axes_reset_username NAME`; no admin page, whose deletes would
# bypass the audit trail.
AXES_ENABLE_ADMIN = False
# The client address: REMOTE_ADDR unless DJANGO_TRUSTED_PROXIES proxies sit in front, then the
# address the nearest of them appended to X-Forwarded-For. A client's own X-Forwarded-For is
# never believed, or one could dodge the address lock by inventing a new one each try.
TRUSTED_PROXIES = env_int("DJANGO_TRUSTED_PROXIES", 0)
if TRUSTED_PROXIES:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXIES
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]

# Idle sessions end after SESSION_IDLE_MINUTES without a page view (background polls such as
# the bell do not count: organizations/sessions.py). The cookie itself lasts a working day.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_MINUTES", 120) * 60
SESSION_COOKIE_AGE = env_int("SESSION_MAX_HOURS", 12) * 3600

# Content-Security-Policy (django-csp): this site's own files only. No inline script, event
# handler, javascript: URL or style attribute is left in the templates, so no 'unsafe-inline';
# ECharts is vendored. tests/test_security.py crawls the pages to keep it so.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Chinese first: zh-hans is the default; msgids are Chinese and locale/en carries English.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates go through the locale's formats ({{ d|date:"DATE_FORMAT" }}); config/formats/en
# writes 7 June 2026 instead of Django's US default.
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
# WhiteNoise serves the collected static files from gunicorn: no web server config needed on
# an intranet host. Hashed names only outside DEBUG (collectstatic runs in the Docker build).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("DJANGO_MEDIA_ROOT", str(VAR_DIR / "media")))

# Django has no upload size cap of its own; views enforce UPLOAD_MAX_BYTES and answer 413.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# One set of limits for every uploaded workbook (ledgers, task table, standards, the admin's
# imports), checked by spreadsheets.gate before any cell is read. Each refusal names the file,
# the sheet where there is one, and the limit.
SPREADSHEET_MAX_PARTS = env_positive_int("SPREADSHEET_MAX_PARTS", 1000)  # files inside the zip
SPREADSHEET_MAX_PART_BYTES = env_megabytes("SPREADSHEET_MAX_PART_MB", 100)  # one part, uncompressed
SPREADSHEET_MAX_TOTAL_BYTES = env_megabytes("SPREADSHEET_MAX_TOTAL_MB", 200)  # all parts, uncompressed
SPREADSHEET_MAX_RATIO = env_positive_int("SPREADSHEET_MAX_RATIO", 100)  # real sheets compress 5-15x
SPREADSHEET_MAX_SHEETS = env_positive_int("SPREADSHEET_MAX_SHEETS", 50)
SPREADSHEET_MAX_SHARED_STRINGS = env_positive_int("SPREADSHEET_MAX_SHARED_STRINGS", 500_000)
SPREADSHEET_MAX_SHARED_STRINGS_BYTES = env_megabytes("SPREADSHEET_MAX_SHARED_STRINGS_MB", 50)
SPREADSHEET_MAX_CELL_CHARS = env_positive_int("SPREADSHEET_MAX_CELL_CHARS", 32_767)  # Excel's own cell limit
SPREADSHEET_MAX_ROWS = env_positive_int("SPREADSHEET_MAX_ROWS", 100_000)
SPREADSHEET_MAX_COLUMNS = env_positive_int("SPREADSHEET_MAX_COLUMNS", 200)
# Rows of data one import takes, per kind of import: checked from the gate's row count before
# any parse starts (the refusal names the file, the sheet, its rows and the limit) and again
# while reading. SPREADSHEET_MAX_ROWS still bounds every sheet: raise both to go past it.
LEDGER_MAX_ROWS = env_positive_int("LEDGER_MAX_ROWS", 50_000)
TASK_TABLE_MAX_ROWS = env_positive_int("TASK_TABLE_MAX_ROWS", 20_000)
STANDARD_MAX_ROWS = env_positive_int("STANDARD_MAX_ROWS", 2000)  # per sheet of a standard's workbook
# Photos: refused from their header, before any pixel is decoded.
PHOTO_MAX_MEGAPIXELS = env_positive_int("PHOTO_MAX_MEGAPIXELS", 50)

# The API (/api/v1/, issue #14): personal tokens or the browser session; one error format;
# every list paginated, filterable and orderable. Throttled per token (API_RATE_PER_TOKEN).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": env_str("API_RATE_PER_TOKEN", "600/minute")},
    "DEFAULT_SCHEMA_CLASS": "api.schema.ApiAutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "创园指挥中心 API",
    "DESCRIPTION": (
        "Garden City Campaign Command Centre API. Authenticate with `Authorization: Bearer <token>` "
        "(issued by the campaign office in /admin/). Errors: "
        '`{"error": {"code", "message", "fields"}}`, messages in the language of `Accept-Language` '
        "(zh-hans, en). Unit staff see their own units only: another unit's object is a 404."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SWAGGER_UI_DIST": "SIDECAR",  # vendored by drf-spectacular-sidecar: no CDN
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "FindingStatusEnum": "inspections.models.Finding.Status",
        "FindingSourceEnum": "inspections.models.Finding.Source",
        "FindingCategoryEnum": "inspections.models.Finding.Category",
        "FindingSeverityEnum": "inspections.models.Finding.Severity",
        "ValueSourceEnum": "indicators.models.IndicatorValue.Source",
        "ExtensionStatusEnum": "inspections.models.ExtensionRequest.Status",
    },
}

IMPORT_EXPORT_USE_TRANSACTIONS = True

# Background jobs. With no broker configured the embedded default is kombu's filesystem
# transport under var/: `make run` starts a real Celery worker with beat beside the web
# server, so the same jobs run on the same schedule without Redis.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_FILESYSTEM_DIR = VAR_DIR / "broker"
CELERY_TASK_ALWAYS_EAGER = False
# The queue jobs go to and the worker reads (a test worker or a second site gets its own).
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")

# Jobs that survive a kill (config/celery.py applies these). Every job has a hard time
# limit; parsing an upload has its own, tighter soft/hard pair and an address-space cap, so
# one hostile file cannot hold the worker. A worker child that grew past
# JOBS_MAX_MEMORY_PER_CHILD_MB is replaced after its job.
JOBS_TIME_LIMIT_SECONDS = env_int("JOBS_TIME_LIMIT_SECONDS", 30 * 60)
LEDGER_PARSE_TIME_LIMIT_SECONDS = env_int("LEDGER_PARSE_TIME_LIMIT_SECONDS", 5 * 60)
LEDGER_PARSE_MEMORY_MB = env_int("LEDGER_PARSE_MEMORY_MB", 1024)
JOBS_MAX_MEMORY_PER_CHILD_MB = env_int("JOBS_MAX_MEMORY_PER_CHILD_MB", 1536)
# A parse with no sign of life (claim, progress, re-queue) for this long was lost with its
# worker: the every-minute sweep queues it again, and marks it failed after the last attempt.
LEDGER_PARSE_STALE_SECONDS = env_int("LEDGER_PARSE_STALE_SECONDS", 120)
LEDGER_PARSE_MAX_ATTEMPTS = env_int("LEDGER_PARSE_MAX_ATTEMPTS", 3)
# Redis hands an unacknowledged job to another worker after this many seconds. It must
# outlast the longest job (its hard limit) and the longest retry countdown, or a job still
# running would be delivered twice; 0 means "fitted": the longest of them plus 5 minutes.
CELERY_VISIBILITY_TIMEOUT = env_int("CELERY_VISIBILITY_TIMEOUT", 0)

EMAIL_BACKEND = env_str("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env_str("DJANGO_DEFAULT_FROM_EMAIL", "cyb@example.gov.cn")
# The SMTP relay for alert and password-reset mails (used by the smtp EmailBackend).
EMAIL_HOST = env_str("DJANGO_EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("DJANGO_EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("DJANGO_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("DJANGO_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("DJANGO_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 30

# Notification channels (notifications/channels.py). Group robots are per unit, set on the
# office's page /notifications/channels/; these are the machine-wide ones.
NOTIFY_SMS_URL = env_str("NOTIFY_SMS_URL", "")  # SMS gateway: POST JSON {"to", "text"}; empty = no SMS
NOTIFY_SMS_TOKEN = env_str("NOTIFY_SMS_TOKEN", "")  # sent as "Authorization: Bearer <token>"
NOTIFY_HTTP_TIMEOUT = env_int("NOTIFY_HTTP_TIMEOUT", 5)  # seconds per gateway/robot call
NOTIFY_QUIET_HOURS = env_str("NOTIFY_QUIET_HOURS", "")  # e.g. 22:00-07:00; users may set their own
NOTIFY_SITE_URL = env_str("NOTIFY_SITE_URL", "").rstrip("/")  # makes links in external messages absolute
if NOTIFY_QUIET_HOURS and not re.fullmatch(r"\d{2}:\d{2}-\d{2}:\d{2}", NOTIFY_QUIET_HOURS):
    raise ImproperlyConfigured("NOTIFY_QUIET_HOURS must look like 22:00-07:00")

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 3600)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # Preload is a one-way promise for the whole domain and its subdomains, which an intranet
    # host under a shared government domain cannot make alone: opt-in, and its W021 is
    # silenced only while it is off, so `check --deploy --fail-level WARNING` stays clean.
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"weasyprint": {"level": "WARNING"}, "fontTools": {"level": "WARNING"},
                # Lockouts and failures are warnings; its per-request chatter is not.
                "axes": {"level": "WARNING"}},
}

APP_NAME = _("创园指挥中心")

# Where the product is reached from outside a request: the weekly briefing's PDF (built by a
# job) links its "and N more" lines to the full lists with absolute URLs from this root.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# How many rows each summarised list shows in the weekly briefing and on the dashboard;
# the rest is announced as "还有 N 项" with a link to the full list (issue 17: at megacity
# size an uncapped "next week's deadlines" ran the briefing to 60 pages).
LIST_LIMITS = {
    "not_met": 12,  # indicators not met, vetoes and widest gaps first
    "overdue_units": 10,  # units with overdue findings or tasks, worst first
    "flags": 10,  # each of the red and black lists
    "upcoming": 15,  # findings and tasks due next week, earliest first
    "lead_units": 4,  # the lead units named beside one indicator
}

