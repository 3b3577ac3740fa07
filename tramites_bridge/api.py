"""/api/v1/tramites/: the catalogue, anonymous submissions (multipart) and tracking."""

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Header, Router, Status

from core.accounts import API_AUTH, token_authenticate
from core.errors import (
    AuthenticationRequired,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from core.roles import CABINA_AGENTS, user_has_role
from core.schemas import Error
from core.throttling import ThrottleRead, client_ip
from tramites_bridge.caching import catalogue_keys, holidays_cached, procedure_cached
from tramites_bridge.intake import form_errors_to_contract, intake_submission
from tramites_bridge.models import Channel, Procedure
from tramites_bridge.selectors import (
    MonthError,
    TrackingResult,
    agent_cabina,
    cabina_ledger,
    cabina_settlement,
    cabina_submissions,
    month_checked,
    procedure_by_code,
    procedures_active,
)
from tramites_bridge.tracking import NOT_FOUND_MESSAGE, tracking_lookup

from .schemas import (
    CabinaLedgerOut,
    CabinaSubmissionOut,
    FormFieldOut,
    ProcedureDetailOut,
    ProcedureSummaryOut,
    SubmissionCreatedOut,
    TrackingOut,
    WebhookOut,
)

router = Router(tags=["Trámites"])
SUBMIT_SCOPE = "tramites_submit"


def _summary(procedure: Procedure) -> dict:
    return {
        "code": procedure.tupa_code,
        "name": procedure.name,
        "fee": procedure.fee,
        "deadline_days": procedure.deadline_days,
        "office": procedure.office.name,
        "silence_rule": procedure.silence_rule,
    }


@router.get("/procedures", response=list[ProcedureSummaryOut], summary="Procedimientos del TUPA")
def list_procedures(request: HttpRequest):
    return [_summary(p) for p in procedures_active()]


@router.get(
    "/procedures/{code}",
    response={200: ProcedureDetailOut, 404: Error},
    summary="Un procedimiento con los campos de su formulario",
)
def get_procedure(request: HttpRequest, code: str):
    procedure = procedure_by_code(code)
    if procedure is None:
        raise NotFoundError("No existe un procedimiento activo con ese código TUPA.")
    return {
        **_summary(procedure),
        "description": procedure.description,
        "requirements": procedure.requirement_list,
        "fields": [
            FormFieldOut(
                name=f.name,
                label=f.label,
                type=f.kind,
                required=f.required,
                help_text=f.help_text,
                choices=f.choice_list,
            )
            for f in procedure.fields.all()
        ],
    }


SUBMISSION_REQUEST_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["procedure", "dni", "nombres", "apellidos", "consentimiento"],
                "properties": {
                    "procedure": {"type": "string", "description": "Código TUPA, p. ej. LF-01"},
                    "dni": {"type": "string", "pattern": "^[0-9]{8}$"},
                    "nombres": {"type": "string"},
                    "apellidos": {"type": "string"},
                    "email": {"type": "string", "format": "email"},
                    "telefono": {"type": "string"},
                    "consentimiento": {
                        "type": "boolean",
                        "description": "Consentimiento del aviso de privacidad (Ley 29733).",
                    },
                },
                "additionalProperties": {
                    "description": (
                        "Un campo por cada campo del formulario del procedimiento, con su "
                        "`name` (ver GET /procedures/{code}); los archivos como partes de "
                        "archivo (PDF, JPG o PNG)."
                    ),
                    "oneOf": [{"type": "string"}, {"type": "string", "format": "binary"}],
                },
            }
        }
    },
}


@router.post(
    "/submissions",
    response={
        201: SubmissionCreatedOut,
        200: SubmissionCreatedOut,
        409: Error,
        422: Error,
        429: Error,
    },
    summary="Presentar un trámite",
    description=(
        "Abierto a ciudadanos sin cuenta (limitado por IP). Multipart. La cabecera "
        "`Idempotency-Key` es obligatoria: repetir la misma clave devuelve el primer trámite "
        "(200) en vez de crear otro. 422 con un elemento en `errors` por cada campo inválido."
    ),
    openapi_extra={"requestBody": SUBMISSION_REQUEST_BODY},
)
def create_submission(
    request: HttpRequest,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    ip = client_ip(request)
    identifier = f"client:{ip}"
    key = (idempotency_key or "").strip()
    agent, cabina = _bearer_agent(request)
    errors = []
    if not 8 <= len(key) <= 80:
        errors.append(
            {
                "field": "Idempotency-Key",
                "message": (
                    "Envíe una cabecera Idempotency-Key de 8 a 80 caracteres (p. ej. un UUID)."
                ),
            }
        )
    # One cache round trip: the attempt counters, the procedure and the holiday calendar.
    procedure_code = request.POST.get("procedure", "")
    procedure_key, holidays_key = catalogue_keys(procedure_code)
    # Agents answer for their own submissions; citizens are counted, before the work, so a
    # refused attempt counts too.
    counters = ThrottleRead(
        scope=SUBMIT_SCOPE,
        ip=ip,
        identifiers=[identifier] if cabina is None else [],
        also=(procedure_key, holidays_key),
        count=True,
    )
    procedure = procedure_cached(procedure_code, procedure_key, counters.extra)
    if procedure is None:
        errors.append(
            {"field": "procedure", "message": "No existe un procedimiento activo con ese código."}
        )
    counters.check("Demasiadas solicitudes desde su conexión. Espere unos minutos.")
    result = None
    if not errors:
        result = intake_submission(
            procedure=procedure,
            data=request.POST,
            files=request.FILES,
            idempotency_key=f"api:{key}",
            channel=Channel.API,
            ip=ip,
            actor_id=agent.pk if agent else None,
            cabina=cabina,
            calendar=holidays_cached(timezone.localdate(), holidays_key, counters.extra),
        )
    if result is None:
        raise ValidationFailed(errors=errors)
    if result.submission is None:
        raise ValidationFailed(errors=form_errors_to_contract(result.form))
    return Status(201 if result.created else 200, result.submission)


@router.get(
    "/track/{code}",
    response={200: TrackingOut, 404: Error, 429: Error},
    summary="Seguimiento de un trámite",
    description=(
        "El código se acepta en mayúsculas o minúsculas, con o sin guion; I y L se leen como 1 "
        "y O como 0. Un código o un DNI equivocados reciben la misma respuesta 404. Tras "
        f"{settings.THROTTLE_RATES['tramites_track'][0]} consultas fallidas en un minuto desde "
        "un cliente (o para un código) se responde 429."
    ),
)
def track_submission(request: HttpRequest, code: str, dni: str = ""):
    result = tracking_lookup(code=code, dni=dni, ip=client_ip(request))
    if result is None:
        raise NotFoundError(NOT_FOUND_MESSAGE, code="not_found")
    return tracking_out(result)


def tracking_out(result: TrackingResult) -> dict:
    s = result.submission
    return {
        "code": s.code,
        "code_display": s.display_code,
        "procedure": f"{s.procedure.tupa_code} · {s.procedure.name}",
        "status": s.status,
        "status_label": s.get_status_display(),
        "office": s.office.name,
        "due_date": s.due_date,
        "overdue": result.overdue,
        "what_to_do": result.todo,
        "timeline": [
            {
                "status": e.status,
                "status_label": e.get_status_display(),
                "office": e.office.name,
                "note": e.note,
                "at": e.created_at,
            }
            for e in result.events
        ],
    }


def _bearer_agent(request: HttpRequest):
    """(user, cabina) when the request carries a cabina agent's bearer token, else (None, None).
    The cabina always comes from the agent, never from the request. Only bearer tokens count:
    a browser session here would allow cross-site submissions."""
    header = request.headers.get("Authorization", "")
    if not header.lower().startswith("bearer "):
        return None, None
    user = token_authenticate(raw=header[7:].strip())
    if user is None:
        raise AuthenticationRequired()
    if not user_has_role(user, CABINA_AGENTS):
        return user, None
    cabina = agent_cabina(user)
    if cabina is None:
        raise PermissionDeniedError(
            "Su usuario no está asociado a ninguna cabina.", code="no_cabina"
        )
    return user, cabina


def _require_cabina(request: HttpRequest):
    if not user_has_role(request.auth, CABINA_AGENTS):
        raise PermissionDeniedError("Solo para agentes de cabina.")
    cabina = agent_cabina(request.auth)
    if cabina is None:
        raise PermissionDeniedError(
            "Su usuario no está asociado a ninguna cabina.", code="no_cabina"
        )
    return cabina


@router.get(
    "/cabina/submissions",
    auth=API_AUTH,
    response={200: list[CabinaSubmissionOut], 401: Error, 403: Error},
    summary="Trámites de la cabina del agente",
)
def list_cabina_submissions(request: HttpRequest, status: str = ""):
    cabina = _require_cabina(request)
    return [
        {
            "code": s.code,
            "code_display": s.display_code,
            "procedure": s.procedure.tupa_code,
            "status": s.status,
            "status_label": s.get_status_display(),
            "office": s.office.name,
            "due_date": s.due_date,
            "created_at": s.created_at,
            "agent_id": s.agent_id,
        }
        for s in cabina_submissions(cabina=cabina, status=status or None)[:500]
    ]


@router.get(
    "/cabina/ledger",
    auth=API_AUTH,
    response={200: CabinaLedgerOut, 401: Error, 403: Error, 422: Error},
    summary="Cuenta de la cabina del agente y su liquidación del mes",
)
def get_cabina_ledger(request: HttpRequest, year: int | None = None, month: int | None = None):
    from django.utils import timezone

    cabina = _require_cabina(request)
    today = timezone.localdate()
    year = today.year if year is None else year
    month = today.month if month is None else month
    try:
        year, month = month_checked(year=year, month=month)
    except MonthError as exc:
        raise ValidationFailed(
            f"Mes no válido: {exc}", errors=[{"field": exc.field, "message": str(exc)}]
        ) from None
    settlement = cabina_settlement(cabina=cabina, year=year, month=month)
    return {
        "cabina": cabina.name,
        "settlement": {
            "year": year,
            "month": month,
            "credits_count": settlement.credits_count,
            "credits": settlement.credits,
            "reversals_count": settlement.reversals_count,
            "reversals": settlement.reversals,
            "total": settlement.total,
        },
        "entries": [
            {
                "kind": e.kind,
                "kind_label": e.get_kind_display(),
                "amount": e.amount,
                "submission_code": e.submission.code if e.submission_id else None,
                "created_at": e.created_at,
            }
            for e in cabina_ledger(cabina=cabina, year=year, month=month)
        ],
    }


@router.post(
    "/webhook",
    response={200: WebhookOut, 401: Error, 404: Error, 422: Error},
    summary="Cambios de estado enviados por la mesa de partes municipal",
    description=(
        "Cuerpo JSON `{event_id, code, status, note?, office?}`. Cabeceras "
        "`X-Tramites-Timestamp` (segundos Unix, dentro de 5 minutos) y `X-Tramites-Signature: "
        "sha256=<hex>` = HMAC-SHA256(secreto, timestamp + '.' + cuerpo). Un `event_id` ya "
        "aplicado se ignora."
    ),
)
def back_office_webhook(request: HttpRequest):
    from tramites_bridge.bridge import SIGNATURE_HEADER, TIMESTAMP_HEADER, webhook_apply

    return webhook_apply(
        body=request.body,
        timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
        signature=request.headers.get(SIGNATURE_HEADER, ""),
        ip=client_ip(request),
    )
