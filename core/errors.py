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


# Pydantic error type -> Spanish message. Anything not listed falls back to a generic sentence.
VALIDATION_MESSAGES = {
    "missing": "Este campo es obligatorio.",
    "string_type": "Debe ser un texto.",
    "string_too_short": "Es demasiado corto.",
    "string_too_long": "Es demasiado largo.",
    "string_pattern_mismatch": "No tiene el formato esperado.",
    "int_type": "Debe ser un número entero.",
    "int_parsing": "Debe ser un número entero.",
    "int_from_float": "Debe ser un número entero.",
    "float_type": "Debe ser un número.",
    "float_parsing": "Debe ser un número.",
    "decimal_parsing": "Debe ser un número.",
    "bool_type": "Debe ser verdadero o falso.",
    "bool_parsing": "Debe ser verdadero o falso.",
    "date_parsing": "Debe ser una fecha con formato AAAA-MM-DD.",
    "date_from_datetime_parsing": "Debe ser una fecha con formato AAAA-MM-DD.",
    "date_type": "Debe ser una fecha con formato AAAA-MM-DD.",
    "datetime_parsing": "Debe ser una fecha y hora ISO 8601.",
    "datetime_from_date_parsing": "Debe ser una fecha y hora ISO 8601.",
    "datetime_type": "Debe ser una fecha y hora ISO 8601.",
    "uuid_parsing": "Debe ser un identificador UUID.",
    "uuid_type": "Debe ser un identificador UUID.",
    "list_type": "Debe ser una lista.",
    "dict_type": "Debe ser un objeto.",
    "model_type": "Debe ser un objeto.",
    "model_attributes_type": "Debe ser un objeto.",
    "too_short": "Tiene muy pocos elementos.",
    "too_long": "Tiene demasiados elementos.",
    "greater_than": "Es demasiado pequeño.",
    "greater_than_equal": "Es demasiado pequeño.",
    "less_than": "Es demasiado grande.",
    "less_than_equal": "Es demasiado grande.",
    "literal_error": "No es uno de los valores permitidos.",
    "enum": "No es uno de los valores permitidos.",
    "json_invalid": "El cuerpo de la solicitud no es JSON válido.",
    "extra_forbidden": "Este campo no está permitido.",
    "value_error": "El valor no es válido.",
}
PARAM_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field_name(loc: list) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in PARAM_SOURCES:
        source = parts.pop(0)
        # a body schema parameter adds its own name before the field's: drop it
        if source in {"body", "form"} and len(parts) > 1:
            parts.pop(0)
    return ".".join(parts) or "body"


def _spanish_message(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "value_error":
        # our own validators raise ValueError with a Spanish sentence
        message = str(error.get("msg", ""))
        return message.removeprefix("Value error, ") or VALIDATION_MESSAGES[kind]
    return VALIDATION_MESSAGES.get(kind, "El valor no es válido.")


def validation_errors_to_contract(errors: list[dict]) -> list[dict]:
    return [
        {"field": _field_name(e.get("loc", [])), "message": _spanish_message(e)} for e in errors
    ]
