"""Settings for every environment, read from environment variables only.

With nothing set the project runs embedded: SQLite in ``var/``, Celery over kombu's
filesystem transport in ``var/celery/``, console email. ``DJANGO_ENV=production`` turns
on the secure defaults and refuses to start without the values production needs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, overload

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


@overload
def env(name: str, default: str) -> str: ...
@overload
def env(name: str, default: None = None) -> str | None: ...
def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def env_bool(name: str, default: bool) -> bool:
    value = env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}.") from exc


def env_float(name: str, default: float) -> float:
    value = env(name)
    if value is None:
        return default
    try:
        return float(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}.") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    value = env(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def required(name: str) -> str:
    value = env(name)
    if value is None:
        raise ImproperlyConfigured(f"{name} must be set when DJANGO_ENV=production.")
    return value


ENVIRONMENT = env("DJANGO_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
PRODUCTION = ENVIRONMENT == "production"

# Off unless asked for (DEBUG=1), in development too: `make run` then shows the product's own
# error pages, as people will see them, and serves static files as production does (WhiteNoise).
DEBUG = env_bool("DEBUG", default=False)
if PRODUCTION:
    SECRET_KEY = required("SECRET_KEY")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", []) or required("ALLOWED_HOSTS").split(",")
else:
    # Only ever used on a developer's machine; production refuses to start without its own.
    SECRET_KEY = env("SECRET_KEY", "development-only-secret-key-not-for-production-use-0123456789")
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    # Django's admin as the superusers' back office (accounts/backoffice.py).
    "accounts.backoffice.BackOfficeAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "axes",
    "csp",
    # Content history: who changed a course, module, lesson or question, and when.
    "simple_history",
    "accounts",
    "lms",
    "coaching",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.csp.PolicyMiddleware",
    "config.parsers.NestedJsonMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.audit.AuditRequestMiddleware",
    "accounts.sessions.SessionIdleMiddleware",
    # Records the signed-in person on each content change's history row.
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "config.throttle.PageThrottleMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# Database: PostgreSQL through DATABASE_URL, SQLite in var/ otherwise.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not memory, so that a Celery worker started by a test sees the test database.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
if PRODUCTION and DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    required("DATABASE_URL")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL")
if PRODUCTION and REDIS_URL is None:
    required("REDIS_URL")

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "config.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "skills"),
        }
    }
else:
    # Files, not process memory: the web process, the worker and beat must see one cache, or a
    # version the worker replaces (the team cache, the catalogue) would not reach the pages.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }
# With a shared cache, a signed-in page reads its session from there rather than the database
# (which still holds every session, so none is lost when the cache is).
if REDIS_URL:
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# A signed-in session ends after this long without a request (accounts/sessions.py renews it at
# most once a minute rather than on every request, which would write the session each time).
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 120)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
# API tokens (accounts/tokens.py) end this many days after they are issued.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 30)
# The audit trail (accounts/audit.py) keeps rows this long; a daily beat job deletes older ones.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)
# The API's schema and its browsable docs: open on a developer's machine, behind sign-in in
# production unless opened on purpose.
API_DOCS_PUBLIC = env_bool("API_DOCS_PUBLIC", default=not PRODUCTION)
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failed sign-ins, per (username, IP) pair.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env_int("PROXY_COUNT", 0) or None

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env("TIME_ZONE", "UTC")
# The product speaks English only. Off, Django skips looking up the active language for every
# number and date a page renders; formats still follow LANGUAGE_CODE (day before month).
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Email: console by default; SMTP when EMAIL_HOST is set (or in production).
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
# Seconds before a silent mail server counts as down: without it a send would wait forever,
# holding its batch of reminders.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION or env("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Coaching <coaching@localhost>")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")

# People (/people/): an invitation's link to set a first password works this many days
# (accounts/invitations.py), then the admin sends a new one from the person's page.
INVITATION_DAYS = env_int("INVITATION_DAYS", 7)

# Security: secure by default in production; check --deploy is clean there.
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# No inline script or style on our pages (static/css/app.css has every style), so the policy
# is strict; htmx is told not to evaluate anything it swaps in (templates/base.html).
_VIDEO_PLAYERS = ["https://www.youtube-nocookie.com", "https://player.vimeo.com"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-src": _VIDEO_PLAYERS,
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# Third-party pages we serve but do not write (config/csp.py): Django's admin has inline
# styles; the offline Swagger UI starts from an inline script.
CONTENT_SECURITY_POLICY_RELAXED = {
    "/admin/": {"style-src": ["'unsafe-inline'"]},
    "/api/docs/": {"style-src": ["'unsafe-inline'"]},
}
# Request bodies beyond this are refused (400 on pages, 413 on the API) before parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only (DESIGN §7): a form cannot say a list of objects, and DRF reads what it cannot
    # say as "nothing", so a garbled form would pass for an empty one. A body over
    # DATA_UPLOAD_MAX_MEMORY_SIZE is refused unread (413, config/api.py); one nested past any
    # request's need is a 400 (config/parsers.py), not a RecursionError.
    "DEFAULT_PARSER_CLASSES": ["config.parsers.DepthLimitedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Writes share one budget per person, API and page forms alike (config/throttle.py);
    # reads are not throttled.
    "DEFAULT_THROTTLE_CLASSES": ["config.throttle.ApiWriteThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env("THROTTLE_TOKEN", "20/min"),
        "login": env("THROTTLE_LOGIN", "30/min"),
        "write": env("THROTTLE_WRITE", "120/min"),
    },
    # The client address throttles key on: trust X-Forwarded-For only as far as our own
    # proxies, or anyone could dodge a rate by sending a new address with each request.
    "NUM_PROXIES": env_int("PROXY_COUNT", 0),
    "EXCEPTION_HANDLER": "config.api.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Coaching platform API",
    "DESCRIPTION": "Training that turns into coaching: courses, completions, sessions, reminders.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.schema.document_common_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "QuestionKindEnum": "lms.models.Question.Kind",
        "CourseStatusEnum": "lms.models.Course.Status",
        "PlanStatusEnum": "coaching.models.CoachingPlan.Status",
        "SessionStatusEnum": "coaching.models.CoachingSession.Status",
        "SessionSourceEnum": "coaching.models.CoachingSession.Source",
        "ObservationSourceEnum": "coaching.models.Observation.Source",
        "CommitmentStatusEnum": "coaching.models.Commitment.Status",
        "ReminderStatusEnum": "coaching.models.Reminder.Status",
    },
}

# Celery: Redis when REDIS_URL is set, kombu's filesystem transport otherwise.
CELERY_DIR = VAR_DIR / "celery"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {"visibility_timeout": 3600}
else:
    for folder in ("queue", "processed", "results", "control"):
        (CELERY_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_DIR / "queue"),
        "data_folder_out": str(CELERY_DIR / "queue"),
        "processed_folder": str(CELERY_DIR / "processed"),
        "control_folder": str(CELERY_DIR / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{CELERY_DIR / 'results'}"
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 3600
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A request that wakes the dispatcher after its commit waits at most this long for an
# unreachable broker before leaving the reminder to the next beat.
CELERY_BROKER_CONNECTION_TIMEOUT = 2

# Authoring (/author/): publishing asks at least this many questions of every quiz
# (lms/services/authoring.py, the one publishing rule); a draft may have fewer.
QUIZ_MIN_QUESTIONS = env_int("QUIZ_MIN_QUESTIONS", 1)

# Coaching follow-up rules (DESIGN §5).
# Off, completing a module books no follow-up; skill memory is still reviewed.
COACHING_FOLLOW_UPS = env_bool("COACHING_FOLLOW_UPS", True)
COACHING_MIN_LEAD_HOURS = env_int("COACHING_MIN_LEAD_HOURS", 2)
COACHING_FOLLOW_UP_HOURS = env_int("COACHING_FOLLOW_UP_HOURS", 48)
COACHING_MAX_SESSIONS_PER_DAY = env_int("COACHING_MAX_SESSIONS_PER_DAY", 6)
COACHING_SESSION_MINUTES = env_int("COACHING_SESSION_MINUTES", 30)
# DESIGN §13: a manager's weekly coaching hours unless their availability says otherwise; what
# does not fit is ranked and listed with an alternative, never dropped.
COACHING_BUDGET_HOURS = env_float("COACHING_BUDGET_HOURS", 2.0)
# Peer mentoring pairs reps within a team; on, it also pairs across teams (with both managers'
# reps visible only to the manager who approves).
PEER_MENTORING_ACROSS_TEAMS = env_bool("PEER_MENTORING_ACROSS_TEAMS", False)
if not 0 < COACHING_BUDGET_HOURS <= 40:
    raise ImproperlyConfigured("COACHING_BUDGET_HOURS must be more than 0 and at most 40.")
# DESIGN §13: the outcomes report states no figure resting on fewer reps than this
# (docs/outcomes.md).
OUTCOMES_MIN_REPS = env_int("OUTCOMES_MIN_REPS", 3)
if OUTCOMES_MIN_REPS < 1:
    raise ImproperlyConfigured("OUTCOMES_MIN_REPS must be at least 1.")
COACHING_WORKDAY_START_HOUR = env_int("COACHING_WORKDAY_START_HOUR", 9)
COACHING_WORKDAY_END_HOUR = env_int("COACHING_WORKDAY_END_HOUR", 17)
# The coach is nudged this long after a session ends if it is not marked held ...
COACHING_HOLD_NUDGE_HOURS = env_int("COACHING_HOLD_NUDGE_HOURS", 2)
# ... and it counts as missed only after the longer grace period.
COACHING_HOLD_GRACE_HOURS = env_int("COACHING_HOLD_GRACE_HOURS", 24)
if COACHING_HOLD_GRACE_HOURS <= COACHING_HOLD_NUDGE_HOURS:
    raise ImproperlyConfigured(
        "COACHING_HOLD_GRACE_HOURS must be longer than COACHING_HOLD_NUDGE_HOURS, "
        "or the nudge to mark a session held would come after it is marked missed."
    )
# A held session's record needs a rating or a note this long (coaching/sessions/records.py) ...
COACHING_HOLD_MIN_NOTE_CHARS = env_int("COACHING_HOLD_MIN_NOTE_CHARS", 20)
# ... may be written from this many minutes before the session starts ...
COACHING_HOLD_EARLY_MINUTES = env_int("COACHING_HOLD_EARLY_MINUTES", 10)
# ... and is amended by its coach for this long after it is written; then it is final.
COACHING_AMEND_HOURS = env_int("COACHING_AMEND_HOURS", 24)
# Reinforcement and skill decay (docs/skills.md): recall is FSRS's forecast probability, 0-1.
REINFORCEMENT_TARGET_RECALL = env_float("REINFORCEMENT_TARGET_RECALL", 0.9)
REINFORCEMENT_MAX_PER_DAY = env_int("REINFORCEMENT_MAX_PER_DAY", 1)
REINFORCEMENT_QUESTIONS = env_int("REINFORCEMENT_QUESTIONS", 3)
REINFORCEMENT_EXPIRE_HOURS = env_int("REINFORCEMENT_EXPIRE_HOURS", 48)
DECAY_COACHING_RECALL = env_float("DECAY_COACHING_RECALL", 0.7)
DECAY_COACHING_MISSES = env_int("DECAY_COACHING_MISSES", 2)
DECAY_COACHING_WINDOW_HOURS = env_int("DECAY_COACHING_WINDOW_HOURS", 168)
DECAY_COACHING_COOLDOWN_DAYS = env_int("DECAY_COACHING_COOLDOWN_DAYS", 14)
if not 0 < DECAY_COACHING_RECALL < REINFORCEMENT_TARGET_RECALL < 1:
    raise ImproperlyConfigured(
        "Need 0 < DECAY_COACHING_RECALL < REINFORCEMENT_TARGET_RECALL < 1 (recall is 0-1)."
    )
# The team dashboard and skill matrix are cached per team (coaching/insights/cache.py); writes
# about the team replace the entry at once, the clock (decay, overdue, KPI windows) at least
# this often.
TEAM_CACHE_SECONDS = env_int("TEAM_CACHE_SECONDS", 600)
if TEAM_CACHE_SECONDS < 1:
    raise ImproperlyConfigured("TEAM_CACHE_SECONDS must be at least 1.")
REMINDER_DISPATCH_SECONDS = env_int("REMINDER_DISPATCH_SECONDS", 30)
REMINDER_LEASE_SECONDS = env_int("REMINDER_LEASE_SECONDS", 300)
# How long an email a worker is sending stays its own without news (renewed as the batch goes):
# after a worker dies mid-batch, the rest of its batch is claimed again within this plus
# REMINDER_DISPATCH_SECONDS. Longer than one send can take (EMAIL_TIMEOUT per step).
REMINDER_SENDING_LEASE_SECONDS = env_int("REMINDER_SENDING_LEASE_SECONDS", 60)
REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", 5)

# Calendars read for busy times (docs/calendars.md, DESIGN §11). A beat job reads every calendar
# this often; each fetch is bounded in time and size; the booking horizon is how far ahead events
# are expanded. Loopback and private addresses are refused (server-side request forgery) unless
# allowed: on by default in development only, so `make run` can read an .ics served on loopback.
CALENDAR_REFRESH_MINUTES = env_int("CALENDAR_REFRESH_MINUTES", 15)
CALENDAR_FETCH_TIMEOUT_SECONDS = env_int("CALENDAR_FETCH_TIMEOUT_SECONDS", 10)
CALENDAR_MAX_BYTES = env_int("CALENDAR_MAX_BYTES", 5 * 1024 * 1024)
CALENDAR_HORIZON_DAYS = env_int("CALENDAR_HORIZON_DAYS", 60)
CALENDAR_ALLOW_PRIVATE_ADDRESSES = env_bool("CALENDAR_ALLOW_PRIVATE_ADDRESSES", not PRODUCTION)
# Encrypts CalDAV passwords at rest (a Fernet key: 32 url-safe base64 bytes, such as
# `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
# Outside production one is derived from SECRET_KEY when unset; in production, without it, CalDAV
# calendars are refused (iCalendar subscription URLs still work).
CALENDAR_SECRET_KEY = env("CALENDAR_SECRET_KEY")
if CALENDAR_REFRESH_MINUTES < 1 or CALENDAR_FETCH_TIMEOUT_SECONDS < 1 or CALENDAR_MAX_BYTES < 1:
    raise ImproperlyConfigured(
        "CALENDAR_REFRESH_MINUTES, CALENDAR_FETCH_TIMEOUT_SECONDS and CALENDAR_MAX_BYTES must be "
        "at least 1."
    )

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
