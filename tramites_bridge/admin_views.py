"""The back office's queue in the Wagtail admin ("Trámites" › "Bandeja"): list with filters, a
file with its data and attachments, state changes and hand-offs to other offices."""

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from config.errors import DomainError
from config.roles import BACK_OFFICE, user_has_role
from config.throttling import client_ip
from core.dates import QueryDateError
from tramites_bridge.forms import submission_data_rows
from tramites_bridge.models import (
    STATUS_TRANSITIONS,
    Attachment,
    Office,
    Procedure,
    Status,
)
from tramites_bridge.selectors import (
    month_from_query,
    submission_for_back_office,
    submission_is_overdue,
    submission_queue,
)
from tramites_bridge.services import (
    attachment_record_view,
    submission_change_status,
    submission_move,
)


def back_office_required(view):
    def wrapped(request: HttpRequest, *args, **kwargs):
        if not user_has_role(request.user, BACK_OFFICE) or not request.user.has_perm(
            "tramites_bridge.view_submission"
        ):
            messages.error(request, "No tiene permiso para ver la bandeja de trámites.")
            return redirect("wagtailadmin_home")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


class QueueFilterForm(forms.Form):
    procedure = forms.ModelChoiceField(
        Procedure.objects.all(), required=False, label="Procedimiento", empty_label="Todos"
    )
    status = forms.ChoiceField(
        choices=[("", "Todos"), *Status.choices], required=False, label="Estado"
    )
    office = forms.ModelChoiceField(
        Office.objects.all(), required=False, label="Oficina", empty_label="Todas"
    )
    overdue = forms.ChoiceField(
        choices=[("", "Todos"), ("si", "Solo vencidos"), ("no", "Solo dentro del plazo")],
        required=False,
        label="Plazo",
    )
    q = forms.CharField(required=False, label="Código o DNI", max_length=20)


@back_office_required
def queue_index(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    filters: dict = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "procedure_id": data["procedure"].pk if data["procedure"] else None,
            "status": data["status"] or None,
            "office_id": data["office"].pk if data["office"] else None,
            "overdue": {"si": True, "no": False}.get(data["overdue"]),
            "search": data["q"],
        }
    page = Paginator(submission_queue(**filters), 50).get_page(request.GET.get("p"))
    rows = [(s, submission_is_overdue(s)) for s in page.object_list]
    query = request.GET.copy()
    query.pop("p", None)
    return render(
        request,
        "tramites_bridge/admin/queue.html",
        {
            "header_title": "Bandeja de trámites",
            "page_title": "Bandeja de trámites",
            "header_icon": "form",
            "filter_form": form,
            "page_obj": page,
            "rows": rows,
            "query": query.urlencode(),
        },
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="Nuevo estado")
    note = forms.CharField(
        label="Nota para el ciudadano",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Obligatoria si el trámite queda observado (qué debe hacer) o rechazado (por qué)."
        ),
    )

    def __init__(self, *args, current: str, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = STATUS_TRANSITIONS.get(current, set())
        self.fields["status"].choices = [(s.value, s.label) for s in Status if s in allowed]


class MoveForm(forms.Form):
    office = forms.ModelChoiceField(Office.objects.filter(active=True), label="Derivar a")
    note = forms.CharField(
        label="Nota (visible para el ciudadano)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@back_office_required
@require_http_methods(["GET", "POST"])
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = submission_for_back_office(pk=pk)
    if submission is None:
        raise Http404
    status_form = StatusForm(current=submission.status)
    move_form = MoveForm()
    if request.method == "POST":
        if not request.user.has_perm("tramites_bridge.change_submission"):
            messages.error(request, "No tiene permiso para modificar trámites.")
            return redirect("tramites_admin:detail", pk=pk)
        action = request.POST.get("action")
        try:
            if action == "status":
                status_form = StatusForm(request.POST, current=submission.status)
                if status_form.is_valid():
                    event = submission_change_status(
                        submission=submission,
                        status=status_form.cleaned_data["status"],
                        note=status_form.cleaned_data["note"],
                        actor_id=request.user.pk,
                        ip=client_ip(request),
                    )
                    messages.success(request, f"El trámite quedó «{event.get_status_display()}».")
                    return redirect("tramites_admin:detail", pk=pk)
            elif action == "move":
                move_form = MoveForm(request.POST)
                if move_form.is_valid():
                    event = submission_move(
                        submission=submission,
                        office=move_form.cleaned_data["office"],
                        note=move_form.cleaned_data["note"],
                        actor_id=request.user.pk,
                        ip=client_ip(request),
                    )
                    messages.success(request, f"El trámite pasó a «{event.office.name}».")
                    return redirect("tramites_admin:detail", pk=pk)
        except DomainError as exc:
            detail = exc.detail
            if exc.errors:
                detail = " ".join(e["message"] for e in exc.errors)
            messages.error(request, detail)
    audit = list(submission.audit.all())
    return render(
        request,
        "tramites_bridge/admin/detail.html",
        {
            "header_title": f"Trámite {submission.display_code}",
            "page_title": f"Trámite {submission.display_code}",
            "page_subtitle": submission.procedure.name,
            "header_icon": "form",
            "submission": submission,
            "overdue": submission_is_overdue(submission),
            "data_rows": submission_data_rows(submission),
            "status_form": status_form,
            "move_form": move_form,
            "audit": audit,
            "offices": {o.pk: o.name for o in Office.objects.all()},
            "back_url": reverse("tramites_admin:index"),
        },
    )


@back_office_required
def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    attachment = (
        Attachment.objects.filter(pk=attachment_pk, submission_id=pk)
        .select_related("submission")
        .first()
    )
    if attachment is None:
        raise Http404
    attachment_record_view(attachment=attachment, actor_id=request.user.pk, ip=client_ip(request))
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=request.GET.get("ver") != "1",
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- issue 8: settlements, the outbox, statistics ------------------------------------------------
@back_office_required
def settlements_view(request: HttpRequest) -> HttpResponse:
    import csv

    from tramites_bridge.selectors import settlements_for_month

    try:
        year, month = month_from_query(request.GET.get("mes"))
    except QueryDateError as exc:
        context = {"header_title": "Liquidaciones de cabinas", "error": str(exc)}
        return render(request, "tramites_bridge/admin/month_refused.html", context, status=400)
    rows = settlements_for_month(year=year, month=month)
    if request.GET.get("formato") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="liquidaciones-{year}-{month:02d}.csv"'
        )
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(
            ["cabina", "ruc", "tramites", "creditos_soles", "reversiones", "reversiones_soles",
             "total_a_pagar_soles"]
        )  # fmt: skip
        for s in rows:
            writer.writerow(
                [s.cabina.name, s.cabina.ruc, s.credits_count, f"{s.credits:.2f}",
                 s.reversals_count, f"{s.reversals:.2f}", f"{s.total:.2f}"]
            )  # fmt: skip
        return response
    return render(
        request,
        "tramites_bridge/admin/settlements.html",
        {
            "header_title": "Liquidaciones de cabinas",
            "page_title": "Liquidaciones de cabinas",
            "header_icon": "table",
            "rows": rows,
            "mes": f"{year}-{month:02d}",
            "grand_total": sum((s.total for s in rows), start=Decimal("0.00")),
            "fee": settings.TRAMITES_CABINA_FEE,
        },
    )


@back_office_required
@require_http_methods(["GET", "POST"])
def outbox_view(request: HttpRequest) -> HttpResponse:
    from tramites_bridge.bridge import outbox_redeliver
    from tramites_bridge.models import OutboxEvent

    if request.method == "POST":
        event = OutboxEvent.objects.filter(pk=request.POST.get("event")).first()
        if event is None or event.state == OutboxEvent.State.DELIVERED:
            messages.error(request, "Ese evento no existe o ya fue entregado.")
        else:
            outbox_redeliver(event=event)
            messages.success(request, "El evento se volverá a enviar ahora.")
        return redirect("tramites_outbox:index")
    events = (
        OutboxEvent.objects.exclude(state=OutboxEvent.State.DELIVERED)
        .select_related("submission")
        .order_by("-state", "created_at")[:200]
    )
    return render(
        request,
        "tramites_bridge/admin/outbox.html",
        {
            "header_title": "Envíos a la mesa de partes municipal",
            "page_title": "Envíos a la mesa de partes municipal",
            "header_icon": "warning",
            "events": events,
            "delivered": OutboxEvent.objects.filter(state=OutboxEvent.State.DELIVERED).count(),
            "endpoint": settings.TRAMITES_BACKOFFICE_URL,
        },
    )


STATISTICS_CSV_HEADER = [
    "seccion", "grupo", "tramites", "resueltos", "promedio_dias_habiles_hasta_resolver",
    "resueltos_fuera_de_plazo", "porcentaje_fuera_de_plazo", "abiertos",
    "edad_promedio_abiertos_dias_habiles", "vencidos", "porcentaje_vencidos",
]  # fmt: skip


def _blank(value) -> str:
    return "" if value is None else str(value)


@back_office_required
def statistics_view(request: HttpRequest) -> HttpResponse:
    """Counts and processing times in working days (see tramites_bridge.statistics), as SVG
    charts with their numbers in tables, and the same figures as one CSV."""
    import csv

    from tramites_bridge.statistics import statistics_compute

    stats = statistics_compute()
    if request.GET.get("formato") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="estadisticas-tramites-{stats.today:%Y-%m-%d}.csv"'
        )
        response.write("\ufeff")
        writer = csv.writer(response)
        writer.writerow(STATISTICS_CSV_HEADER)
        for section, rows in (("estado", stats.by_status), ("mes", stats.by_month)):
            for label, n in rows:
                writer.writerow([section, label, n] + [""] * (len(STATISTICS_CSV_HEADER) - 3))
        for section, figures in (
            ("total", [stats.overall]),
            ("procedimiento", stats.times_by_procedure),
            ("canal", stats.times_by_channel),
            ("oficina", stats.times_by_office),
        ):
            for f in figures:
                writer.writerow(
                    [section, f.label, f.total, f.decided, _blank(f.average_days),
                     f.decided_late, _blank(f.late_rate), f.open, _blank(f.average_open_age),
                     f.overdue, _blank(f.overdue_rate)]
                )  # fmt: skip
        return response

    def chart(figures, attribute: str) -> list[tuple[str, float]]:
        return [
            (f.label, getattr(f, attribute)) for f in figures if getattr(f, attribute) is not None
        ]

    return render(
        request,
        "tramites_bridge/admin/statistics.html",
        {
            "header_title": "Estadísticas de trámites",
            "page_title": "Estadísticas de trámites",
            "header_icon": "pick",
            "stats": stats,
            "average_by_procedure": chart(stats.times_by_procedure, "average_days"),
            "average_by_channel": chart(stats.times_by_channel, "average_days"),
            "open_age_by_channel": chart(stats.times_by_channel, "average_open_age"),
            "overdue_by_procedure": chart(stats.times_by_procedure, "overdue_rate"),
            "overdue_by_office": chart(stats.times_by_office, "overdue_rate"),
        },
    )
