"""The one settings module, read from the environment.

Embedded defaults (no variables set): SQLite file, in-memory channel layer,
Celery tasks run in-process. Production: set DATABASE_URL, REDIS_URL,
SECRET_KEY, ALLOWED_HOSTS and leave DEBUG off. See docs/settings.md.
"""

import datetime
import os
import sys
import tempfile
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from server.env import env_bool, env_database, env_int, env_list, env_redis, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
# Under pytest the embedded defaults need no SECRET_KEY (tests run with DEBUG off).
TESTING = env_bool("PCGD_TESTING", "pytest" in sys.modules)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not TESTING:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "insecure-dev-key-only-for-debug-and-tests-" + "x" * 20
elif len(SECRET_KEY) < 32 and not DEBUG:
    raise ImproperlyConfigured("SECRET_KEY must be at least 32 characters long")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
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
    "channels",
    "pwa",
    "server",
    "areas",
    "accounts",
    "surveys",
    "sync",
    "indicators",
    "boards",
    "dedup",
    "field",
    "reports",
    "register",
    "audit",
    "imports",
    "synth",
    "axes",  # sign-in lockout (accounts/lockout.py, docs/security.md)
]

MIDDLEWARE = [
    "sync.limits.PushGate",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",  # SECURE_CSP below
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "server.middleware.VietnameseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.PasswordChangeRequiredMiddleware",  # first sign-in: choose a password first
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out sign-in into the lockout answer
]

ROOT_URLCONF = "server.urls"
ASGI_APPLICATION = "server.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "server" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",  # {{ csp_nonce }}
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",  # writers queue instead of failing on upgrade
        }
    )
    # Tests use a file, not shared-cache memory, so concurrent tests see SQLite's real locking.
    # One file per test process, so parallel runs never share it.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"pcgd-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: channel layer, Celery -----------------------------------------
REDIS_URL = env_redis("REDIS_URL")
CHANNEL_LAYER_PREFIX = env_str("CHANNEL_LAYER_PREFIX", "pcgd")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": CHANNEL_LAYER_PREFIX},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CHANNEL_LAYER_PREFIX,
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
# Under the test suite tasks run in-process even with Redis: no worker runs there.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL or TESTING)
CELERY_TASK_EAGER_PROPAGATES = True

# --- Auth -----------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:  # fast hashing in tests only
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 3600, minimum=300)
SESSION_SAVE_EVERY_REQUEST = True  # idle sessions expire, active ones do not

# Sign-in lockout (django-axes, docs/security.md): failures counted per username AND
# address together, so a school sharing one address is not locked out by one person.
AUTHENTICATION_BACKENDS = [
    "accounts.lockout.LockoutBackend",  # axes' check first: a locked-out pair is refused
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_VERBOSE = False

# --- Language and time ----------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "server" / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_TZ = True
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]

# --- Static and media -----------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Export files (reports/): where they are written, how long they are kept, when a job counts as dead
REPORTS_EXPORT_DIR = Path(env_str("REPORTS_EXPORT_DIR", str(MEDIA_ROOT / "exports")))
REPORTS_RETENTION_DAYS = env_int("REPORTS_RETENTION_DAYS", 7, minimum=1)
REPORTS_HEARTBEAT_TIMEOUT = env_int(
    "REPORTS_HEARTBEAT_TIMEOUT", 120, minimum=30
)  # seconds without a beat
REPORTS_PENDING_TIMEOUT = env_int(
    "REPORTS_PENDING_TIMEOUT", 900, minimum=60
)  # seconds waiting for a worker
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if WHITENOISE_USE_FINDERS
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- REST API -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "accounts.permissions.PasswordChanged",  # token clients too: 403 until the first password is changed
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "server.errors.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "server.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_RATES": {"sync": env_str("SYNC_RATE", "240/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "PCGD-XMC survey API",
    "DESCRIPTION": "Households, residents and the survey register (wire format v1).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- PWA: the field app (field/, docs/field-app.md) -------------------------
# django-pwa serves /manifest.json and /serviceworker.js (our own worker: it
# precaches the app shell); it reads these once at import.
PWA_SERVICE_WORKER_PATH = BASE_DIR / "field" / "serviceworker.js"
PWA_APP_NAME = "PCGD-XMC Điều tra"
PWA_APP_DESCRIPTION = "Phiếu điều tra hộ gia đình phổ cập giáo dục, xóa mù chữ"
PWA_APP_THEME_COLOR = "#0b5394"
PWA_APP_BACKGROUND_COLOR = "#ffffff"
PWA_APP_LANG = "vi"
PWA_APP_DISPLAY = "standalone"
PWA_APP_ORIENTATION = "portrait"
PWA_APP_SCOPE = "/field/"
PWA_APP_START_URL = "/field/"
PWA_APP_DEBUG_MODE = False
PWA_APP_ICONS = [  # made by `manage.py field_icons` (field/icons.py) from one source image
    *(
        {
            "src": f"/static/field/icons/icon-{s}.png",
            "sizes": f"{s}x{s}",
            "type": "image/png",
            "purpose": "any",
        }
        for s in (48, 72, 96, 128, 144, 152, 192, 256, 384, 512)
    ),
    *(
        {
            "src": f"/static/field/icons/maskable-{s}.png",
            "sizes": f"{s}x{s}",
            "type": "image/png",
            "purpose": "maskable",
        }
        for s in (192, 512)
    ),
]
PWA_APP_ICONS_APPLE = [{"src": "/static/field/icons/apple-touch-icon.png", "sizes": "180x180"}]
PWA_APP_SPLASH_SCREEN = []
# Part of the app version the service worker installs under (docs/field-app.md):
# a new value makes phones download the shell again, like a code change does.
FIELD_APP_RELEASE = env_str("FIELD_APP_RELEASE", "")

# --- Content-Security-Policy (Django's own, docs/security.md) ----------------
# Scripts and styles only from our own origin or with the per-response nonce: no inline
# script, no inline handler, no eval. 'self' in connect-src covers the same-origin websockets.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "font-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "worker-src": [CSP.SELF],
    "manifest-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# --- Production safety (DEBUG off) ----------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# The register's covering indexes (INCLUDE) are PostgreSQL-only; SQLite ignores the extra columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]
if not DEBUG and not TESTING:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SECURE_HSTS_SECONDS = env_int(
        "SECURE_HSTS_SECONDS", 31536000, minimum=0
    )  # a year; 0 turns HSTS off
    SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
    # Preloading is hard to undo: opt in explicitly.
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = [*SILENCED_SYSTEM_CHECKS, "security.W021"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True

CSRF_FAILURE_VIEW = "server.handlers.csrf_failure"  # JSON under /api/ (docs/security.md)

# --- Uploads (docs/security.md) ----------------------------------------------
FIELD_PHOTO_MAX_BYTES = env_int(
    "FIELD_PHOTO_MAX_BYTES", 8 * 1024 * 1024, minimum=100_000
)  # one form photo

# --- Sync -------------------------------------------------------------------
SYNC_MAX_IN_FLIGHT = env_int("SYNC_MAX_IN_FLIGHT", 64, minimum=1)  # push requests held per process

# --- Duplicates (docs/dedup.md) ---------------------------------------------
DEDUP_REVIEW_THRESHOLD = 10.0  # score (bits of evidence) from which a pair is queued for review
DEDUP_ON_CHANGE = env_str("DEDUP_ON_CHANGE", "task" if REDIS_URL and not TESTING else "inline")
if DEDUP_ON_CHANGE not in ("inline", "task", "off"):
    raise ImproperlyConfigured("DEDUP_ON_CHANGE must be inline, task or off")

# --- Survey -----------------------------------------------------------------
ETHNIC_GROUPS_CSV = BASE_DIR / "surveys" / "data" / "ethnic_groups.csv"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # axes logs every sign-in at INFO; lockouts are WARNING.
    "loggers": {"axes": {"level": env_str("AXES_LOG_LEVEL", "WARNING")}},
}
