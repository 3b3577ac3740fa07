"""The cabina agent's desk at /cabina/: submit for a citizen who is present, follow the
cabina's submissions, print receipts, see the cabina's account. Works without JavaScript."""

import csv
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from config.errors import DomainError
from config.roles import CABINA_AGENTS, user_has_role
from config.throttling import client_ip
from core.dates import QueryDateError
from tramites_bridge.forms import ProcedureForm
from tramites_bridge.intake import intake_submission
from tramites_bridge.models import Channel, Status
from tramites_bridge.selectors import (
    agent_cabina,
    cabina_ledger,
    cabina_settlement,
    cabina_submissions,
    month_from_query,
    procedure_by_code,
    procedures_active,
)

MONTHS = [
    "enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre",
    "octubre", "noviembre", "diciembre",
]  # fmt: skip


def agent_required(view):
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        cabina = agent_cabina(request.user) if user_has_role(request.user, CABINA_AGENTS) else None
        if cabina is None:
            return render(request, "tramites_bridge/desk/forbidden.html", status=403)
        request.cabina = cabina
        return view(request, *args, **kwargs)

    return wrapped


@agent_required
def desk_home(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    return render(
        request,
        "tramites_bridge/desk/home.html",
        {
            "cabina": request.cabina,
            "procedures": procedures_active(),
            "recent": cabina_submissions(cabina=request.cabina)[:10],
            "settlement": cabina_settlement(
                cabina=request.cabina, year=today.year, month=today.month
            ),
            "month_name": MONTHS[today.month - 1],
        },
    )


@agent_required
@require_http_methods(["GET", "POST"])
def desk_submit(request: HttpRequest, tupa_code: str) -> HttpResponse:
    procedure = procedure_by_code(tupa_code)
    if procedure is None:
        raise Http404
    form, error = ProcedureForm(procedure=procedure), ""
    if request.method == "POST" and not request.cabina.active:
        error = "Su cabina está inactiva: no puede presentar trámites. Consulte a la Municipalidad."
    elif request.method == "POST":
        token = (request.POST.get("token") or "").strip()
        try:
            result = intake_submission(
                procedure=procedure,
                data=request.POST,
                files=request.FILES,
                idempotency_key=f"cabina:{token}",
                form_token=token,
                channel=Channel.CABINA,
                ip=client_ip(request),
                actor_id=request.user.pk,
                cabina=request.cabina,
            )
        except DomainError as exc:
            error = exc.detail
        else:
            if result.submission is not None:
                return redirect("tramites:receipt", code=result.submission.code)
            form = result.form
    return render(
        request,
        "tramites_bridge/desk/submit.html",
        {"cabina": request.cabina, "procedure": procedure, "form": form, "error": error},
    )


@agent_required
def desk_submissions(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("estado") or ""
    if status not in Status.values:
        status = ""
    page = Paginator(cabina_submissions(cabina=request.cabina, status=status or None), 30)
    return render(
        request,
        "tramites_bridge/desk/submissions.html",
        {
            "cabina": request.cabina,
            "page_obj": page.get_page(request.GET.get("p")),
            "status": status,
            "statuses": Status.choices,
        },
    )


@agent_required
def desk_ledger(request: HttpRequest) -> HttpResponse:
    try:
        year, month = month_from_query(request.GET.get("mes"))
    except QueryDateError as exc:
        context = {"cabina": request.cabina, "error": str(exc)}
        return render(request, "tramites_bridge/desk/month_refused.html", context, status=400)
    entries = list(cabina_ledger(cabina=request.cabina, year=year, month=month))
    settlement = cabina_settlement(cabina=request.cabina, year=year, month=month)
    if request.GET.get("formato") == "csv":
        return settlement_csv(request.cabina.name, year, month, entries, settlement)
    prev_month = (year - (month == 1), 12 if month == 1 else month - 1)
    next_month = (year + (month == 12), 1 if month == 12 else month + 1)
    return render(
        request,
        "tramites_bridge/desk/ledger.html",
        {
            "cabina": request.cabina,
            "entries": entries,
            "settlement": settlement,
            "month_label": f"{MONTHS[month - 1]} de {year}",
            "mes": f"{year}-{month:02d}",
            "prev": f"{prev_month[0]}-{prev_month[1]:02d}",
            "next": f"{next_month[0]}-{next_month[1]:02d}",
        },
    )


def settlement_csv(name: str, year: int, month: int, entries, settlement) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="liquidacion-{year}-{month:02d}-{name[:40]}.csv"'
    )
    response.write("\ufeff")  # Excel opens UTF-8 accents correctly with a BOM
    writer = csv.writer(response)
    writer.writerow(["fecha", "tipo", "codigo", "procedimiento", "monto_soles"])
    for e in entries:
        writer.writerow(
            [
                timezone.localtime(e.created_at).strftime("%Y-%m-%d %H:%M"),
                e.get_kind_display(),
                e.submission.display_code if e.submission_id else "",
                e.submission.procedure.tupa_code if e.submission_id else "",
                f"{e.amount:.2f}",
            ]
        )
    writer.writerow([])
    writer.writerow(["créditos", settlement.credits_count, "", "", f"{settlement.credits:.2f}"])
    writer.writerow(
        ["reversiones", settlement.reversals_count, "", "", f"{settlement.reversals:.2f}"]
    )
    writer.writerow(["total a pagar", "", "", "", f"{settlement.total:.2f}"])
    return response
