"""Settings shared by every environment. Everything that differs comes from the environment
(see README's table); dev, test and production only change defaults."""

from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab  # noqa: F401  (apps add crontab entries to the beat schedule)

from config.env import cache_aliases, env_bool, env_int, env_list, env_str, parse_cache_url

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("PASOAPASO_VAR_DIR", str(BASE_DIR / "var")))

SECRET_KEY = env_str("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me-in-production")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "core.apps.PlatformConfig",
    "cms",
    "broadcast",
    "lms",
    "media_pipeline",
    "tramites_bridge",
    "ninja",
    "csp",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.csp.SitePolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

# --- Content-Security-Policy (django-csp), the same in every environment so tests see it -------
# One middleware (core.csp) picks the policy of each response. Public and student pages: no
# inline script or style anywhere, so a script injected into a lesson, a form or a citizen's text
# cannot run. Files (downloads, documents, attachments, exports): core.downloads.FILE_POLICY.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "media-src": ["'self'"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# The Wagtail admin renders inline scripts (date choosers, inline panels) and style attributes
# of its own: it may run inline code, but nothing from another origin, no plugins, and it may
# only be framed by itself (the editor's live preview).
CONTENT_SECURITY_POLICY_ADMIN = {
    "PATH_PREFIX": "/admin/",
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'", "data:"],
        "frame-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    },
}
# Django's defaults, stated because the hardening tests rely on them in every environment.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DEFAULT_DATABASE_URL = f"sqlite:///{VAR_DIR / 'db.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", DEFAULT_DATABASE_URL), conn_max_age=env_int("DB_CONN_MAX_AGE", 0)
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + IMMEDIATE transactions let the web process and the worker process share the file
    # without "database is locked" errors on concurrent writes.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The ORM binds parameters on the client and never prepares; the few hot statements written
    # by hand (the submission INSERT) ask psycopg to prepare them, which needs a threshold.
    # Only cursors with server-side binding use it, so the ORM's queries are unaffected.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 1_000_000
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (throttling counters, fragments, sessions) ------------------------------------------
# Redis through Django's own RedisCache in production ("shared"). Everything but the
# throttling counters uses "default", which fails open while Redis is down (core.cache); the
# counters use "shared" and fail closed (core.throttling).
CACHES = {
    **cache_aliases(env_str("CACHE_URL", "db://pasoapaso_cache")),
    # Where the throttling counters go while the default cache is unreachable: the database
    # cache, whose table the migrations create whatever CACHE_URL says (core/throttling.py).
    "throttle_fallback": parse_cache_url("db://pasoapaso_cache"),
}

# --- Auth ---------------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "cms:login"
# Students land on their lessons; my_lessons sends staff on to the admin.
LOGIN_REDIRECT_URL = "lms:my_lessons"
LOGOUT_REDIRECT_URL = "/"
# Sessions are read from the shared cache and written through to the database: a page view
# reads no session row, and a session survives a cache restart or outage (the "default" cache
# fails open).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
WAGTAILADMIN_LOGIN_URL = "/admin/login/"
WAGTAILADMIN_USER_LOGIN_FORM = "core.accounts.ThrottledLoginForm"
API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 24 * 30)

# --- Throttling: scope -> (failures allowed, window in seconds) ---------------------------------
THROTTLE_RATES = {
    "login": (env_int("THROTTLE_LOGIN_LIMIT", 5), env_int("THROTTLE_LOGIN_WINDOW", 300)),
    # failed tracking lookups (wrong code or DNI), per client and per code
    "tramites_track": (
        env_int("THROTTLE_TRAMITES_TRACK_LIMIT", 10),
        env_int("THROTTLE_TRAMITES_TRACK_WINDOW", 60),
    ),
    # anonymous API submissions per client
    "tramites_submit": (
        env_int("THROTTLE_TRAMITES_SUBMIT_LIMIT", 30),
        env_int("THROTTLE_TRAMITES_SUBMIT_WINDOW", 600),
    ),
    # wrong "código del día" entries, per student (lms TV check-in)
    "lms_tv_checkin": (
        env_int("THROTTLE_LMS_TV_CHECKIN_LIMIT", 5),
        env_int("THROTTLE_LMS_TV_CHECKIN_WINDOW", 600),
    ),
}
# An identifier alone (a username behind many IPs) may fail this many times the per-IP limit.
THROTTLE_IDENTIFIER_FACTOR = env_int("THROTTLE_IDENTIFIER_FACTOR", 4)

# --- Language and time --------------------------------------------------------------------------
LANGUAGE_CODE = "es"
LANGUAGES = [("es", "Español")]
WAGTAILADMIN_PERMITTED_LANGUAGES = [("es", "Español")]
WAGTAIL_CONTENT_LANGUAGES = [("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "America/Lima"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns about a missing folder
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))

AWS_STORAGE_BUCKET_NAME = env_str("AWS_STORAGE_BUCKET_NAME")
if AWS_STORAGE_BUCKET_NAME:
    DEFAULT_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("AWS_S3_REGION_NAME") or None,
            # "path" for stores addressed by host and port (MinIO, moto), else the SDK's choice
            "addressing_style": env_str("AWS_S3_ADDRESSING_STYLE") or None,
            "access_key": env_str("AWS_ACCESS_KEY_ID") or None,
            "secret_key": env_str("AWS_SECRET_ACCESS_KEY") or None,
            "default_acl": None,
            "querystring_auth": True,
            # Signed URLs of images end up in page fragments kept up to a day in the shared
            # cache (core.cache.TIMEOUT): they must outlive them. Media downloads sign
            # their own, shorter, URLs (MEDIA_SIGNED_URL_SECONDS).
            "querystring_expire": env_int("AWS_QUERYSTRING_EXPIRE", 2 * 24 * 3600),
            "file_overwrite": False,
            # A stored file read whole (a lesson bundle being zipped, an attachment) is buffered
            # in memory up to this size and on the local temporary disk beyond it, not all in
            # memory. Media downloads and transcodes read ranges instead (media_pipeline).
            "max_memory_size": env_int("AWS_S3_MAX_MEMORY_SIZE", 8 * 1024**2),
        },
    }
    # Pages show images from the bucket, and the player follows signed-url redirects to it.
    _endpoint = urlsplit(env_str("AWS_S3_ENDPOINT_URL"))
    if _endpoint.netloc:
        _bucket_origins = [f"{_endpoint.scheme}://{_endpoint.netloc}"]
        if env_str("AWS_S3_ADDRESSING_STYLE") != "path":
            _bucket_origins.append(
                f"{_endpoint.scheme}://{AWS_STORAGE_BUCKET_NAME}.{_endpoint.netloc}"
            )
    else:
        _region = env_str("AWS_S3_REGION_NAME")
        _bucket_origins = [f"https://{AWS_STORAGE_BUCKET_NAME}.s3.amazonaws.com"]
        if _region:
            _bucket_origins.append(f"https://{AWS_STORAGE_BUCKET_NAME}.s3.{_region}.amazonaws.com")
    for _directive in ("img-src", "media-src"):
        CONTENT_SECURITY_POLICY["DIRECTIVES"][_directive] += _bucket_origins
        CONTENT_SECURITY_POLICY_ADMIN["DIRECTIVES"][_directive] += _bucket_origins
else:
    DEFAULT_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": MEDIA_URL},
    }
STORAGES = {
    "default": DEFAULT_STORAGE,
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- ffmpeg -------------------------------------------------------------------------------------
# Empty: ffmpeg on PATH when it is 7 or later, else the one in the imageio-ffmpeg wheel (see
# media_pipeline/binaries.py); ffprobe on PATH when there is one.
FFMPEG_BINARY = env_str("FFMPEG_BINARY")
FFPROBE_BINARY = env_str("FFPROBE_BINARY")

# --- Media pipeline -----------------------------------------------------------------------------
# Largest original accepted, by the API, the admin and resumable uploads (413 above it).
MEDIA_MAX_UPLOAD_BYTES = env_int("MEDIA_MAX_UPLOAD_BYTES", 4 * 1024**3)
# Largest single chunk of a resumable upload (the client picks any size up to this).
MEDIA_UPLOAD_CHUNK_MAX_BYTES = env_int("MEDIA_UPLOAD_CHUNK_MAX_BYTES", 16 * 1024**2)
# An unfinished resumable upload is kept this long after its last chunk, then removed.
MEDIA_UPLOAD_SESSION_HOURS = env_int("MEDIA_UPLOAD_SESSION_HOURS", 72)
# "direct" (Django streams), "x-accel" (nginx X-Accel-Redirect) or "signed-url" (S3 redirect).
MEDIA_SERVE_MODE = env_str("MEDIA_SERVE_MODE", "direct")
MEDIA_X_ACCEL_PREFIX = env_str("MEDIA_X_ACCEL_PREFIX", "/protected-media/")
MEDIA_SIGNED_URL_SECONDS = env_int("MEDIA_SIGNED_URL_SECONDS", 3600)
# Local scratch space where ffmpeg reads the original and writes outputs before they move
# into storage (workers may not share a disk with the web tier).
MEDIA_WORK_DIR = Path(env_str("MEDIA_WORK_DIR", str(VAR_DIR / "media-work")))
# Free space kept aside beyond the estimated outputs before a job may start.
MEDIA_FREE_SPACE_RESERVE_BYTES = env_int("MEDIA_FREE_SPACE_RESERVE_BYTES", 200 * 1024**2)
MEDIA_X264_PRESET = env_str("MEDIA_X264_PRESET", "veryfast")
# Progress, ETA and heartbeat are written at most this often while ffmpeg runs.
MEDIA_PROGRESS_INTERVAL_SECONDS = float(env_str("MEDIA_PROGRESS_INTERVAL_SECONDS", "2"))
# A running job whose heartbeat is older than this is presumed dead and queued again.
MEDIA_HEARTBEAT_STALE_SECONDS = env_int("MEDIA_HEARTBEAT_STALE_SECONDS", 120)
# After this many interrupted attempts a job fails instead of being queued again.
MEDIA_MAX_ATTEMPTS = env_int("MEDIA_MAX_ATTEMPTS", 3)
MEDIA_SWEEP_SECONDS = env_int("MEDIA_SWEEP_SECONDS", 60)

# --- Celery -------------------------------------------------------------------------------------
CELERY_BROKER_FOLDER = Path(env_str("CELERY_BROKER_FOLDER", str(VAR_DIR / "broker")))
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS: dict = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (CELERY_BROKER_FOLDER / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER / "queue"),
        "data_folder_out": str(CELERY_BROKER_FOLDER / "queue"),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
else:
    # Longer than the longest job (a 3-hour transcode), so Redis does not hand a running
    # job to a second worker.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 4 * 3600)
    }
if CELERY_BROKER_URL.startswith("redis://"):
    # kombu's Redis transport, fixed so a worker outlives a Redis restart (see config/broker.py).
    # Not for rediss://: kombu turns TLS on only for its own transport of that name.
    CELERY_BROKER_TRANSPORT = "config.broker:Transport"
CELERY_TASK_DEFAULT_QUEUE = "short"
CELERY_TASK_QUEUES_NAMES = ("short", "media")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that goes away (Redis restarting) is waited for, forever, by workers and beat: they
# reconnect when it is back instead of exiting with the job lost.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
WORKER_HEARTBEAT_SECONDS = env_int("WORKER_HEARTBEAT_SECONDS", 30)
# /healthz calls the worker stale after this many seconds without a heartbeat.
WORKER_HEARTBEAT_STALE_SECONDS = env_int("WORKER_HEARTBEAT_STALE_SECONDS", 120)
# A request to /healthz sending this in X-Health-Token sees each part's details, as staff do;
# empty (the default): no token does, and anonymous callers see only "ok" or "fallo".
HEALTHZ_TOKEN = env_str("HEALTHZ_TOKEN", "")
CELERY_BEAT_SCHEDULE = {
    # lms: student imports whose worker died, lesson bundles never built
    "lms-sweep": {
        "task": "lms.sweep",
        "schedule": 120.0,
        "options": {"queue": "short", "expires": 120},
    },
    "worker-heartbeat": {
        "task": "core.worker_heartbeat",
        "schedule": float(WORKER_HEARTBEAT_SECONDS),
        "options": {"queue": "short", "expires": WORKER_HEARTBEAT_SECONDS},
    },
    "media-sweep-stale-jobs": {
        "task": "media_pipeline.sweep_stale",
        "schedule": float(MEDIA_SWEEP_SECONDS),
        "options": {"queue": "short", "expires": MEDIA_SWEEP_SECONDS},
    },
    # Keeps the broadcast airings materialised to the rolling horizon (idempotent).
    "broadcast-materialize": {
        "task": "broadcast.materialize",
        "schedule": crontab(hour=3, minute=15),
        "options": {"queue": "short", "expires": 6 * 3600},
    },
}

# --- Broadcast ----------------------------------------------------------------------------------
BROADCAST_HORIZON_WEEKS = env_int("BROADCAST_HORIZON_WEEKS", 26)
BROADCAST_PROGRAMME_TITLE = "Aprendiendo paso a paso"

# --- Procedure bridge (tramites_bridge) ---------------------------------------------------------
# Largest attachment a citizen may upload with a procedure form (PDF, JPEG or PNG).
TRAMITES_MAX_UPLOAD_MB = env_int("TRAMITES_MAX_UPLOAD_MB", 5)
# What a cabina earns per procedure it handles (S/.).
TRAMITES_CABINA_FEE = Decimal(env_str("TRAMITES_CABINA_FEE", "4.00"))
# The municipal back office's HTTPS endpoint for outbox events (empty: events wait, undelivered)
# and the shared secret for the HMAC-SHA256 signatures, both ways.
TRAMITES_BACKOFFICE_URL = env_str("TRAMITES_BACKOFFICE_URL")
TRAMITES_BACKOFFICE_SECRET = env_str("TRAMITES_BACKOFFICE_SECRET", "dev-only-backoffice-secret")
# Undelivered events are retried after BACKOFF, 2*BACKOFF, 4*BACKOFF... seconds (each wait capped
# at BACKOFF_MAX); after MAX_ATTEMPTS they are marked failed and listed for a person to redeliver.
# The defaults (8 attempts from 30 s) keep trying for a little over an hour.
TRAMITES_OUTBOX_MAX_ATTEMPTS = env_int("TRAMITES_OUTBOX_MAX_ATTEMPTS", 8)
TRAMITES_OUTBOX_BACKOFF_SECONDS = env_int("TRAMITES_OUTBOX_BACKOFF_SECONDS", 30)
TRAMITES_OUTBOX_BACKOFF_MAX_SECONDS = env_int("TRAMITES_OUTBOX_BACKOFF_MAX_SECONDS", 6 * 3600)
CELERY_BEAT_SCHEDULE["tramites-outbox-sweep"] = {
    "task": "tramites_bridge.outbox_sweep",
    "schedule": 30.0,
    "options": {"queue": "short", "expires": 30},
}
CELERY_BEAT_SCHEDULE["tramites-purge-pending-uploads"] = {
    "task": "tramites_bridge.purge_pending_uploads",
    "schedule": crontab(hour=3, minute=30),
    "options": {"queue": "short"},
}

# --- Personal data retention (Ley 29733) -------------------------------------------------------
# Days after a procedure is decided (aprobado, rechazado, entregado or anulado) before the
# citizen's data in it is anonymised. 5 years by default: longer than every period in which the
# decision can still be appealed, reviewed or sanctioned under the Ley 27444 (TUO), so the online
# file is no longer needed for that; the paper file follows the municipality's archive rules.
RETENTION_TRAMITES_DAYS = env_int("RETENTION_TRAMITES_DAYS", 5 * 365)
# Days after a student left every course they were enrolled in (the coach records the date)
# before their account and profile are anonymised. One year, as the login page and the import
# form tell students and coaches.
RETENTION_STUDENTS_DAYS = env_int("RETENTION_STUDENTS_DAYS", 365)
CELERY_BEAT_SCHEDULE["retention-anonymise"] = {
    "task": "core.anonymise_personal_data",
    "schedule": crontab(day_of_week="sunday", hour=4, minute=0),
    "options": {"queue": "short", "expires": 24 * 3600},
}

# --- E-mail -------------------------------------------------------------------------------------
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Paso a Paso <no-responder@localhost>")

# --- Wagtail ------------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "Paso a Paso"
WAGTAILADMIN_BASE_URL = env_str("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
# Documents (PDF and office files) always download: only audio, video and images show inline.
WAGTAILDOCS_INLINE_CONTENT_TYPES: list[str] = []
# Avatars from the platform itself: no outside service (and none outside the admin's policy).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_I18N_ENABLED = False

# --- Logging ------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}
