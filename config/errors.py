"""Domain errors. Services raise these; the API's one exception handler (config/api.py) turns
them into the error contract: {"detail", "code", "errors"?} with the right status."""


class DomainError(Exception):
    status = 400
    code = "bad_request"
    default_detail = "La solicitud no es válida."

    def __init__(
        self,
        detail: str | None = None,
        *,
        code: str | None = None,
        errors: list[dict] | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.detail = detail or self.default_detail
        self.code = code or self.code
        self.errors = errors
        self.headers = headers or {}
        if status is not None:
            self.status = status
        super().__init__(self.detail)

    def as_dict(self) -> dict:
        body: dict = {"detail": self.detail, "code": self.code}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


class AuthenticationRequired(DomainError):
    status = 401
    code = "not_authenticated"
    default_detail = "Debe iniciar sesión o enviar un token válido."


class PermissionDeniedError(DomainError):
    status = 403
    code = "permission_denied"
    default_detail = "No tiene permiso para realizar esta acción."


class NotFoundError(DomainError):
    status = 404
    code = "not_found"
    default_detail = "No se encontró lo que busca."


class ConflictError(DomainError):
    status = 409
    code = "conflict"
    default_detail = "La operación entra en conflicto con el estado actual."


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"
    default_detail = "El archivo es demasiado grande."


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"
    default_detail = "Revise los datos enviados."


class Throttled(DomainError):
    status = 429
    code = "throttled"
    default_detail = "Demasiados intentos. Espere unos minutos e intente de nuevo."

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None, **kwargs):
        headers = {"Retry-After": str(retry_after)} if retry_after else None
        super().__init__(detail, headers=headers, **kwargs)
        self.retry_after = retry_after


class CountersUnavailable(Throttled):
    """Nothing can count the attempts (the shared cache and the database are both unreachable):
    the attempt is refused rather than let through uncounted. A Throttled, so every caller that
    shows a throttled attempt shows this one too."""

    status = 503
    code = "service_unavailable"
    default_detail = (
        "No podemos verificar los intentos en este momento. Intente de nuevo en unos minutos."
    )
