"""Focus Mate settings: one module, every deployment difference read from the environment.

Unset variables fall back to the embedded defaults (SQLite under var/, the in-memory
channel layer, console email), so `make run` needs no configuration at all.
"""

from __future__ import annotations

import hashlib
import hmac
import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from video.ice import needs_turn_secret, parse_ice_servers

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
VAR_DIR.mkdir(exist_ok=True)  # the SQLite file, media and logs live here by default

env = environ.Env()
TESTING = "pytest" in sys.modules or (len(sys.argv) > 1 and sys.argv[1] == "test")

DEBUG = env.bool("DEBUG", default=True)

_DEV_SECRET_KEY = "django-insecure-focusmate-development-only-key-change-me"  # noqa: S105
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (for example: "
            "SECRET_KEY=$(python -c 'import secrets; print(secrets.token_urlsafe(50))'))."
        )
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Where a WebSocket may be opened from. In production the whole origin must match:
# scheme, host and port (https://focus.example.com), from WEBSOCKET_ALLOWED_ORIGINS, else
# CSRF_TRUSTED_ORIGINS, else https:// on each allowed host. With DEBUG, the allowed hosts
# on any port (`make run` on whatever PORT).
WEBSOCKET_ALLOWED_ORIGINS = env.list("WEBSOCKET_ALLOWED_ORIGINS", default=[]) or (
    list(ALLOWED_HOSTS)
    if DEBUG
    else CSRF_TRUSTED_ORIGINS
    or [f"https://{host}" for host in ALLOWED_HOSTS if host != "*" and not host.startswith(".")]
)

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "channels",
    "django_htmx",
    "corsheaders",
    "ninja",  # only for its vendored Swagger UI assets and template (no CDN)
    "allauth",
    "allauth.account",
    "django_tasks_db",
    "focusmate",
    "accounts",
    "moderation",
    "rooms",
    "timers",
    "stats",
    "messaging",
    "achievements",
    "community",
    "scheduling",
    "video",
    "partners",
    "dashboard",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Above anything that may answer (WhiteNoise answers for static files itself, CORS
    # a preflight): every response carries the same security headers (SecurityMiddleware
    # adds nosniff and the referrer policy to them already).
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Above anything that may answer (a preflight is answered here, before CSRF and
    # the views); it only touches /api/v1 (CORS_URLS_REGEX).
    "corsheaders.middleware.CorsMiddleware",
    "api.middleware.JsonErrorsMiddleware",
    "focusmate.middleware.RejectNulMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "focusmate.middleware.HtmxLoginRedirectMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]

ROOT_URLCONF = "focusmate.urls"
ASGI_APPLICATION = "focusmate.asgi.application"

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
                "django.template.context_processors.csp",
            ],
        },
    },
]

# Database: PostgreSQL in production (DATABASE_URL), an SQLite file otherwise.
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'focusmate.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (server, scheduler, tests' live server) share one file:
    # WAL and a busy timeout turn lock contention into short waits, not errors.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
else:
    # A kept connection is checked (SELECT 1) before its first query of each request or
    # socket event, so one broken by a PostgreSQL restart is replaced, not used: without
    # it the first socket after a restart failed its handshake (bench/faults.py). It
    # costs a round trip per database call of a socket's connect (two calls now; not
    # measured again since the storm work), and CONN_HEALTH_CHECKS=false saves it.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
    # Fail fast while PostgreSQL is down (a 503), rather than hang every request.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=3)
    )
    # No JIT compilation: a page's queries are short, and PostgreSQL compiled the forum's
    # deep pages for 77 ms to run them in 200 (bench/forum.py).
    DATABASES["default"]["OPTIONS"].setdefault("options", "-c jit=off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# Keep connections between requests and socket events. Channels runs every database
# call of a process on one thread, and closes "old" connections around each: with 0,
# each of a crowd's socket events opened a new connection (a third of a connect storm's
# server time, measured with py-spy).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)

# The performance kit's pieces that this process runs without, for measuring what each
# buys (bench/kit.py runs a bench with a piece off and on, alternately). Read once here,
# at start-up; each piece looks in settings.PERF_KIT_OFF. Empty (everything on) unless
# told, e.g. PERF_KIT_OFF=prepared,http_threads.
PERF_KIT_PIECES = (
    "prepared",  # focusmate/lib/prepared.py and the session store on it (focusmate/sessions.py)
    "http_threads",  # focusmate/lib/http_threads.py: Django's own ASGIHandler instead
    "gcpause",  # focusmate/lib/gcpause.py: collections are never held
    "batching",  # focusmate/lib/broadcast.py's batched(): every send goes at once
    "pipeline",  # PipelinedRedisPubSubChannelLayer's group_send_many: one PUBLISH each
    "memory_layer",  # SharedMessageInMemoryChannelLayer: Channels' InMemoryChannelLayer
)
PERF_KIT_OFF = frozenset(env.list("PERF_KIT_OFF", default=[]))
if PERF_KIT_OFF - set(PERF_KIT_PIECES):
    raise ImproperlyConfigured(
        f"PERF_KIT_OFF names no piece: {sorted(PERF_KIT_OFF - set(PERF_KIT_PIECES))}; "
        f"the pieces are {', '.join(PERF_KIT_PIECES)}"
    )


def kit_off(piece: str) -> bool:
    assert piece in PERF_KIT_PIECES, piece
    return piece in PERF_KIT_OFF


if kit_off("http_threads"):
    # Django's ASGI handler runs each request on a new thread, so a kept connection would
    # stay open with its dead thread: Django's advice for ASGI is no persistent ones.
    DATABASES["default"]["CONN_MAX_AGE"] = 0


# Threads per server process for the pages' and the API's sync code, each keeping its
# database connection (focusmate/lib/http_threads.py). A request finding all of them busy
# waits for one. Two, not more: they share one interpreter lock, and on 2 cores four
# threads served the API's room list 373-377 req/s where two served 463-480 (SQLite;
# 375 against 415 on PostgreSQL), while pages were the same (bench/api.py, bench/pages.py).
HTTP_THREADS = env.int("HTTP_THREADS", default=2)

# Channel layer: in memory for one process, Redis (pub/sub) when REDIS_URL is set.
REDIS_URL = env.str("REDIS_URL", default="")
CHANNEL_LAYER_BACKEND = env.str("CHANNEL_LAYER_BACKEND", default="pubsub")
if REDIS_URL:
    _layer = {
        "pubsub": "focusmate.lib.layers.PipelinedRedisPubSubChannelLayer"
        if not kit_off("pipeline")
        else "focusmate.lib.layers.ReconnectingPubSubChannelLayer",
        "core": "channels_redis.core.RedisChannelLayer",
    }[CHANNEL_LAYER_BACKEND]
    _host: dict[str, object] = {"address": REDIS_URL}
    if CHANNEL_LAYER_BACKEND == "core":
        # redis-py 8 caps a pool at 100 connections; the core layer needs more under load.
        _host["max_connections"] = env.int("REDIS_MAX_CONNECTIONS", default=2000)
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": _layer,
            "CONFIG": {
                "hosts": [_host],
                "prefix": env.str("CHANNEL_LAYER_PREFIX", default="focusmate"),
                # Above Daphne's websocket timeout (24 h), so a long-open socket keeps its groups.
                "group_expiry": 90_000,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer"
            if kit_off("memory_layer")
            else "focusmate.lib.layers.SharedMessageInMemoryChannelLayer"
        }
    }

# Cache: per process by default; shared through Redis when there are several processes
# (rate limits must count across all of them).
if REDIS_URL and not TESTING:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CHANNEL_LAYER_PREFIX", default="focusmate"),
            # A Redis that stops answering (not refusing: a network cut) must not hang
            # every rate-limited request; it is counted as unreachable after a second.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTHENTICATION_BACKENDS = [
    # First, always (a system check says so): refuses every login while the account or
    # the address is locked out after failed attempts (accounts/lockout.py).
    "accounts.lockout.LoginLockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
elif env.bool("FOCUSMATE_ACCEPT_TEST_HASHES", default=False):
    # Only the browser tests' live server sets this, so that users made by the tests'
    # factories (fast hashes, see above) can log in to it.
    PASSWORD_HASHERS = [*PASSWORD_HASHERS, "django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-allauth
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="optional")
ACCOUNT_RATE_LIMITS_ENABLED = env.bool("ACCOUNT_RATE_LIMITS_ENABLED", default=True)
# allauth's limits (signups, logins per address, password resets, ...), or none at all.
# Its own failed-login limit is off: accounts/lockout.py is the one every entrance (the
# admin, allauth, the API) goes through.
ACCOUNT_RATE_LIMITS = {"login_failed": None} if ACCOUNT_RATE_LIMITS_ENABLED else False
# Failed logins allowed (failures, within seconds) before a lock of those seconds.
LOGIN_FAILURE_LIMITS = {"account": (5, 300), "address": (10, 60)}
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_USERNAME_BLACKLIST = ["admin", "settings", "health", "static", "media", "rooms"]
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "account_login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=2 * 1024 * 1024)

# Email: console by default; EMAIL_URL (smtp+tls://user:pass@host:587) for real mail.
if "EMAIL_URL" in env:
    _email = env.email_url("EMAIL_URL")
    MAILERS = {
        "default": {
            "BACKEND": _email["EMAIL_BACKEND"],
            "OPTIONS": {
                "host": _email["EMAIL_HOST"],
                "port": _email["EMAIL_PORT"],
                "username": _email["EMAIL_HOST_USER"],
                "password": _email["EMAIL_HOST_PASSWORD"],
                "use_tls": _email.get("EMAIL_USE_TLS", False),
                "use_ssl": _email.get("EMAIL_USE_SSL", False),
                "timeout": 10,
            },
        }
    }
else:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
# Production refuses the console mailer (a deploy check) unless this says it is meant.
ALLOW_CONSOLE_EMAIL = env.bool("ALLOW_CONSOLE_EMAIL", default=False)
# Django's own check of the console mailer (mail.E001) gives way to focusmate.E001, which
# names this project's settings and honours ALLOW_CONSOLE_EMAIL.
SILENCED_SYSTEM_CHECKS = ["mail.E001"]
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Focus Mate <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The site's address, for links in emails (sent by the task worker, with no request).
SITE_URL = env.str("SITE_URL", default="http://localhost:8000")

# Django's database sessions; the read every request makes is compiled once.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.db" if kit_off("prepared") else "focusmate.sessions"
)

# Security: strict in production, relaxed only where DEBUG needs plain http.
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    # htmx inserts its indicator styles at run time.
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF, "ws:", "wss:"] if DEBUG else [CSP.SELF, "wss:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.SELF],
}

# Background tasks (achievement checks): rows in the database, run by the task worker
# (focusmate/worker.py explains the choice of django-tasks-db); tests run them at once.
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if TESTING
        else "django_tasks_db.DatabaseBackend"
    }
}
# An idle worker looks for new tasks this often.
TASK_WORKER_POLL_SECONDS = env.float("TASK_WORKER_POLL_SECONDS", default=1.0)
# A task running this long was abandoned by a worker that died (kill -9) and runs again.
TASK_LEASE_SECONDS = env.float("TASK_LEASE_SECONDS", default=60.0)
# Finished tasks' rows are deleted this many days after they finished (django-tasks-db's
# own `prune_db_task_results`, run by the worker once an hour).
TASK_RESULTS_KEEP_DAYS = env.int("TASK_RESULTS_KEEP_DAYS", default=7)

# JSON API: how long a token from POST /api/v1/auth/login lasts.
API_TOKEN_SECONDS = env.int("API_TOKEN_SECONDS", default=30 * 24 * 3600)
# Its tokens are HS256 JWTs signed with this key. By default one derived from SECRET_KEY
# (under its own label, so a JWT never signs with the key that signs sessions and
# password-reset links); set it to rotate the API's key on its own.
JWT_SECRET_KEY = (
    env.str("JWT_SECRET_KEY", default="")
    or hmac.new(SECRET_KEY.encode(), b"focusmate.api.jwt", hashlib.sha256).hexdigest()
)

# CORS (django-cors-headers) for the JSON API only: single-page apps on these origins
# (https://app.example.com, comma-separated) may call /api/v1. No credentials: the API
# authenticates with a bearer token, so cookies never ride along cross-site, and pages,
# the admin and the site's sockets answer no CORS at all.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/v1/.*$"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ("DELETE", "GET", "OPTIONS", "PATCH", "POST", "PUT")
CORS_ALLOW_HEADERS = ("accept", "authorization", "content-type")
CORS_EXPOSE_HEADERS = ("Retry-After",)  # a 429's wait, readable by the app's script
CORS_PREFLIGHT_MAX_AGE = 86_400

# Timer
TIMER_SYNC_SECONDS = env.float("TIMER_SYNC_SECONDS", default=10.0)
PRESENCE_COALESCE_SECONDS = env.float("PRESENCE_COALESCE_SECONDS", default=0.5)
# Each process confirms its open sockets this often; a process that stops (a crash, a
# kill -9) has its people shown offline after the TTL and announced by the next sweep.
PRESENCE_HEARTBEAT_SECONDS = env.float("PRESENCE_HEARTBEAT_SECONDS", default=8.0)
PRESENCE_TTL_SECONDS = env.float("PRESENCE_TTL_SECONDS", default=20.0)

# Cameras (video/): peer-to-peer WebRTC; the server relays only the signalling.
# WEBRTC_ICE_SERVERS is a JSON list, e.g. [{"urls": "stun:turn.example.com:3478"},
# {"urls": ["turn:turn.example.com:3478?transport=udp"]}]. TURN entries get short-lived
# credentials signed with TURN_SECRET (coturn's static-auth-secret), never a password.
WEBRTC_ICE_SERVERS = parse_ice_servers(env.json("WEBRTC_ICE_SERVERS", default=[]))
TURN_SECRET = env.str("TURN_SECRET", default="")
TURN_CREDENTIAL_SECONDS = env.int("TURN_CREDENTIAL_SECONDS", default=3600)
if needs_turn_secret(WEBRTC_ICE_SERVERS) and not TURN_SECRET:
    raise ImproperlyConfigured("WEBRTC_ICE_SERVERS names a TURN server: set TURN_SECRET too.")
# A camera that its page stopped confirming (a page or process that died) stops counting
# toward the room's six after this long; pages confirm every third of it.
CAMERA_TTL_SECONDS = env.float("CAMERA_TTL_SECONDS", default=30.0)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "structured": {
            "format": "time=%(asctime)s level=%(levelname)s logger=%(name)s msg=%(message)s",
        }
    },
    "handlers": {
        "stdout": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": "structured",
        }
    },
    "root": {"handlers": ["stdout"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "daphne": {"level": "WARNING"},
        # Its worker logs a start and an exit each time ours looks for tasks.
        "django_tasks_db": {"level": "WARNING"},
    },
}

# Coroutines that `manage.py serve` runs beside the server (dotted paths).
IN_PROCESS_WORKERS: list[str] = (
    ["timers.scheduler.run_forever"] if env.bool("TIMER_SCHEDULER_IN_PROCESS", default=True) else []
) + (["focusmate.worker.run_forever"] if env.bool("TASK_WORKER_IN_PROCESS", default=True) else [])
