from datetime import datetime

from django.contrib.auth import logout as auth_logout
from ninja import Field, Router, Schema, Status

from core.accounts import API_AUTH, token_issue, token_revoke
from core.roles import ROLES
from core.schemas import Error

router = Router(tags=["autenticación"])


class TokenIn(Schema):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=4096)


class TokenOut(Schema):
    token: str
    expires_at: datetime


class MeOut(Schema):
    id: int
    username: str
    first_name: str
    last_name: str
    roles: list[str]
    is_superuser: bool


class LogoutOut(Schema):
    detail: str


@router.post(
    "/token",
    response={200: TokenOut, 401: Error, 422: Error, 429: Error},
    auth=None,
    summary="Obtener un token Bearer",
)
def create_token(request, payload: TokenIn):
    raw, token = token_issue(request=request, username=payload.username, password=payload.password)
    return Status(200, {"token": raw, "expires_at": token.expires_at})


@router.get("/me", response={200: MeOut, 401: Error}, auth=API_AUTH, summary="Quién soy")
def me(request):
    user = request.auth
    roles = sorted(set(user.groups.values_list("name", flat=True)).intersection(ROLES))
    return Status(
        200,
        {
            "id": user.pk,
            "username": user.get_username(),
            "first_name": user.first_name,
            "last_name": user.last_name,
            "roles": roles,
            "is_superuser": user.is_superuser,
        },
    )


@router.post(
    "/logout", response={200: LogoutOut, 401: Error}, auth=API_AUTH, summary="Revocar el token"
)
def logout(request):
    token = getattr(request.auth, "_api_token", None)
    if token is not None:
        token_revoke(token=token)
        return Status(200, {"detail": "Token revocado."})
    auth_logout(request)
    return Status(200, {"detail": "Sesión cerrada."})
