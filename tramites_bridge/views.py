"""The citizen's pages: the procedure form's POST (and a page of its own), the receipt and the
tracking page. All of them work without JavaScript."""

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from wagtail.models import Page

from core.errors import ConflictError, Throttled
from core.roles import BACK_OFFICE, CABINA_AGENTS, user_has_role
from core.throttling import client_ip
from tramites_bridge.codes import code_normalise
from tramites_bridge.forms import ProcedureForm
from tramites_bridge.intake import intake_submission
from tramites_bridge.models import Channel, Submission
from tramites_bridge.selectors import agent_cabina, procedure_by_code
from tramites_bridge.tracking import NOT_FOUND_MESSAGE, tracking_lookup

RECEIPTS_SESSION_KEY = "tramites_receipts"
BOUND_FORMS_ATTR = "_tramites_bound_forms"


def remember_receipt(request: HttpRequest, submission: Submission) -> None:
    """The receipt shows only in the browser that submitted (or to the back office): a code
    alone must not reveal a citizen's file."""
    kept = [pk for pk in request.session.get(RECEIPTS_SESSION_KEY, []) if pk != submission.pk]
    request.session[RECEIPTS_SESSION_KEY] = [*kept[-19:], submission.pk]


@require_http_methods(["GET", "POST"])
def procedure_form_view(request: HttpRequest, tupa_code: str) -> HttpResponse:
    """GET: the form on a page of its own. POST: the target of every embedded form; on an error
    the page that embedded it is shown again with the messages and what the citizen typed."""
    procedure = procedure_by_code(tupa_code)
    if procedure is None:
        raise Http404("Procedimiento no encontrado")
    if request.method == "GET":
        return render(
            request,
            "tramites_bridge/form_page.html",
            {"procedure": procedure, "form": ProcedureForm(procedure=procedure)},
        )
    token = (request.POST.get("token") or "").strip()
    error = ""
    result = None
    if len(token) < 8:
        error = "El formulario venció. Revise sus datos y presente de nuevo."
    else:
        try:
            result = intake_submission(
                procedure=procedure,
                data=request.POST,
                files=request.FILES,
                idempotency_key=f"web:{token}",
                form_token=token,
                channel=Channel.WEB,
                ip=client_ip(request),
                actor_id=request.user.pk if request.user.is_authenticated else None,
            )
        except ConflictError as exc:
            error = exc.detail
    if result is not None and result.submission is not None:
        remember_receipt(request, result.submission)
        return redirect("tramites:receipt", code=result.submission.code)
    form = result.form if result is not None else None
    setattr(request, BOUND_FORMS_ATTR, {procedure.pk: {"form": form, "error": error}})
    page = _embedding_page(request.POST.get("pagina"))
    if page is not None:
        return page.serve(request)
    return render(
        request,
        "tramites_bridge/form_page.html",
        {
            "procedure": procedure,
            "form": form or ProcedureForm(procedure=procedure),
            "error": error,
        },
    )


def _embedding_page(raw_id: str | None) -> Page | None:
    try:
        page_id = int(raw_id or "")
    except ValueError:
        return None
    return Page.objects.live().public().filter(pk=page_id).specific().first()


def receipt_view(request: HttpRequest, code: str) -> HttpResponse:
    normalised = code_normalise(code)
    submission = (
        Submission.objects.select_related("procedure", "office").filter(code=normalised).first()
        if normalised
        else None
    )
    allowed = submission is not None and (
        submission.pk in request.session.get(RECEIPTS_SESSION_KEY, [])
        or user_has_role(request.user, BACK_OFFICE)
        or (
            submission.cabina_id is not None
            and user_has_role(request.user, CABINA_AGENTS)
            and getattr(agent_cabina(request.user), "pk", None) == submission.cabina_id
        )
    )
    if not allowed:
        return render(
            request,
            "tramites_bridge/receipt_unavailable.html",
            {"code": code},
            status=404,
        )
    return render(request, "tramites_bridge/receipt.html", {"submission": submission})


@require_http_methods(["GET", "POST"])
def tracking_view(request: HttpRequest) -> HttpResponse:
    """The DNI travels in a POST body, never in the address (it would end in logs and history)."""
    context: dict = {
        "code": (request.GET.get("codigo") or "")[:20],
        "dni": "",
        "max_attempts": settings.THROTTLE_RATES["tramites_track"][0],
    }
    status = 200
    if request.method == "POST":
        context["code"] = (request.POST.get("codigo") or "")[:20]
        context["dni"] = (request.POST.get("dni") or "")[:8]
        try:
            result = tracking_lookup(
                code=context["code"], dni=context["dni"], ip=client_ip(request)
            )
        except Throttled as exc:
            context["error"] = exc.detail
            status = exc.status  # 429, or 503 when the attempts cannot be counted
        else:
            if result is None:
                context["error"] = NOT_FOUND_MESSAGE
                status = 404
            else:
                context["result"] = result
    return render(request, "tramites_bridge/tracking.html", context, status=status)
