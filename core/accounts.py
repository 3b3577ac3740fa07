"""Sign-in for people and apps: the throttled login form (site and Wagtail admin) and bearer
tokens for the API."""

import hashlib
import secrets
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from core.errors import AuthenticationRequired, Throttled
from core.models import ApiToken
from core.throttling import client_ip, throttle_check, throttle_hit, throttle_reset

LOGIN_SCOPE = "login"
THROTTLED_LOGIN = (
    "Demasiados intentos fallidos para este usuario. Espere unos minutos e intente de nuevo."
)


class ThrottledLoginMixin:
    """Counts failed logins per client IP + username; refuses while over the limit."""

    request: HttpRequest | None

    def clean(self):
        username = (self.data.get("username") or "").strip()
        ip = client_ip(self.request) if self.request is not None else "desconocida"
        try:
            throttle_check(scope=LOGIN_SCOPE, ip=ip, identifier=username, detail=THROTTLED_LOGIN)
        except Throttled as exc:
            raise forms.ValidationError(exc.detail, code="throttled") from exc
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            throttle_hit(scope=LOGIN_SCOPE, ip=ip, identifier=username)
            raise
        throttle_reset(scope=LOGIN_SCOPE, ip=ip, identifier=username)
        return cleaned


class ThrottledLoginForm(ThrottledLoginMixin, WagtailLoginForm):
    """The Wagtail admin's login form (WAGTAILADMIN_USER_LOGIN_FORM)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Wagtail redeclares the field without a label, so Django derives "Password" from its
        # name, which no catalogue can translate.
        self.fields["password"].label = "Contraseña"


class SiteLoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The public site's login form."""

    error_messages = {
        "invalid_login": "Usuario o contraseña incorrectos. Revise e intente de nuevo.",
        "inactive": "Esta cuenta está desactivada. Consulte a la coordinación del curso.",
    }


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(*, request: HttpRequest, username: str, password: str) -> tuple[str, ApiToken]:
    """Checks the credentials (throttled like the login forms) and returns (raw token, row).
    The raw token is shown once; only its hash is kept."""
    ip = client_ip(request)
    throttle_check(scope=LOGIN_SCOPE, ip=ip, identifier=username, detail=THROTTLED_LOGIN)
    user = authenticate(request, username=username, password=password)
    if user is None:
        throttle_hit(scope=LOGIN_SCOPE, ip=ip, identifier=username)
        raise AuthenticationRequired(
            "Usuario o contraseña incorrectos.", code="invalid_credentials"
        )
    throttle_reset(scope=LOGIN_SCOPE, ip=ip, identifier=username)
    return token_create(user=user)


def token_create(*, user) -> tuple[str, ApiToken]:
    """A new token for the user, valid API_TOKEN_TTL_HOURS: (raw token, row)."""
    raw = secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            key_hash=_hash(raw),
            prefix=raw[:8],
            expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_TTL_HOURS),
        )
    return raw, token


def token_authenticate(*, raw: str):
    """The active user a live token belongs to, or None."""
    now = timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(raw), revoked_at__isnull=True, expires_at__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.user._api_token = token
    return token.user


def token_revoke(*, token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


class BearerToken(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request, token):
        user = token_authenticate(raw=token)
        if user is not None:
            request.user = user
        return user


class LoggedInSession(SessionAuth):
    """The site's own pages: the logged-in session, with its CSRF check on writes.

    Only a request that is logged in and sent no bearer token is judged by it. Otherwise a
    client holding a revoked or expired token (or none) met the CSRF check meant for sessions
    and got a 403, when what it lacks is a valid credential: a 401."""

    def __call__(self, request: HttpRequest):
        sent_bearer = request.headers.get("Authorization", "").lower().startswith("bearer ")
        if sent_bearer or not request.user.is_authenticated:
            return None
        return super().__call__(request)


bearer_auth = BearerToken()
session_auth = LoggedInSession()
# Apps send a bearer token; the site's own pages use the session (with its CSRF check).
API_AUTH = [bearer_auth, session_auth]
