"""Production: the same settings, secure by default. Every value still comes from the
environment (DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS must be set)."""

from config.env import env_bool, env_int
from config.settings.base import *  # noqa: F403
from config.settings.base import SECRET_KEY, TRAMITES_BACKOFFICE_SECRET

if SECRET_KEY.startswith("dev-only"):
    raise RuntimeError("DJANGO_SECRET_KEY debe definirse en producción.")
# The webhook from the back office is authenticated by this secret alone.
if TRAMITES_BACKOFFICE_SECRET.startswith("dev-only"):
    raise RuntimeError("TRAMITES_BACKOFFICE_SECRET debe definirse en producción.")

DEBUG = False
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
