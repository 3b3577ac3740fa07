"""Wagtail admin: the viewsets for channels, rules, exceptions and episodes (Personal TV), the
airings calendar (Personal TV) and "Mis episodios" (presenters: their own episodes only)."""

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.viewsets.base import ViewSet
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from broadcast import selectors, services
from broadcast.models import (
    WEEKDAY_CHOICES,
    Airing,
    Channel,
    CourseBroadcastSettings,
    Episode,
    ScheduleException,
    SlotRule,
)
from core.dates import QueryDateError, query_date
from core.errors import DomainError, ValidationFailed
from core.roles import PRESENTERS, TV_STAFF, user_has_role


def _domain_error_text(exc: DomainError) -> str:
    details = [e["message"] for e in exc.errors or []]
    return " ".join([exc.detail, *details])


# --- rules: every save goes through the service (conflicts, regeneration) ---------------------
class SlotRuleForm(WagtailAdminModelForm):
    weekdays = forms.MultipleChoiceField(
        label="Días de la semana", choices=WEEKDAY_CHOICES, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = SlotRule
        fields = [
            "channel",
            "name",
            "weekdays",
            "start_time",
            "duration_minutes",
            "valid_from",
            "valid_until",
            "kind",
            "repeats_rule",
            "repeats_days_back",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["weekdays"] = [str(d) for d in self.instance.weekday_list]

    def clean_weekdays(self) -> str:
        return ",".join(sorted(self.cleaned_data["weekdays"]))


class ServiceSaveMixin:
    """Create/edit views that save through the service and show its refusals on the form."""

    def save_instance(self):
        return services.slot_rule_save(rule=self.form.instance)

    def form_valid(self, form):
        try:
            return super().form_valid(form)
        except DomainError as exc:
            form.add_error(None, _domain_error_text(exc))
            # Wagtail's edit view only sets these when the form itself fails to validate.
            self.produced_error_code = "invalid"
            self.produced_error_message = exc.detail
            return self.form_invalid(form)


class SlotRuleViewSet(ModelViewSet):
    model = SlotRule
    icon = "repeat"
    menu_label = "Reglas de horario"
    list_display = ["__str__", "channel", "kind", "valid_from", "valid_until"]
    list_filter = ["channel", "kind"]
    add_to_admin_menu = False

    def get_form_class(self, for_update=False):
        return SlotRuleForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_view_class = type("SlotRuleCreate", (ServiceSaveMixin, self.add_view_class), {})
        self.edit_view_class = type("SlotRuleEdit", (ServiceSaveMixin, self.edit_view_class), {})
        base_delete = self.delete_view_class

        class SlotRuleDelete(base_delete):
            def delete_action(self):
                services.slot_rule_delete(rule=self.object)

            def form_valid(self, form):
                try:
                    return super().form_valid(form)
                except DomainError as exc:
                    messages.error(self.request, _domain_error_text(exc))
                    return redirect(self.index_url_name)

        self.delete_view_class = SlotRuleDelete


class ChannelViewSet(ModelViewSet):
    model = Channel
    icon = "media"
    menu_label = "Canales"
    form_fields = ["name", "number", "slug", "xmltv_id", "time_zone"]
    list_display = ["name", "number", "slug", "xmltv_id"]
    add_to_admin_menu = False


class ExceptionForm(WagtailAdminModelForm):
    class Meta:
        model = ScheduleException
        fields = ["channel", "date", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].required = True


class ExceptionCreateMixin:
    def save_instance(self):
        return services.schedule_exception_holiday(
            day=self.form.cleaned_data["date"],
            channel=self.form.cleaned_data.get("channel"),
            reason=self.form.cleaned_data["reason"],
            user=self.request.user,
        )


class ScheduleExceptionViewSet(ModelViewSet):
    """Holidays are created here; single moves and cancellations come from the calendar."""

    model = ScheduleException
    icon = "warning"
    menu_label = "Excepciones"
    list_display = ["__str__", "kind", "created_by", "created_at"]
    list_filter = ["kind", "channel"]
    add_to_admin_menu = False
    inspect_view_enabled = True

    def get_form_class(self, for_update=False):
        return ExceptionForm

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_view_class = type(
            "ExceptionCreate", (ExceptionCreateMixin, self.add_view_class), {}
        )


class EpisodeCreateThroughService(ServiceSaveMixin):
    """TV staff's "Episodios (todos)" obeys the same rules as "Mis episodios" and the API: one
    episode per lesson, states only forward with their requirements, "emitido" never by hand."""

    def save_instance(self):
        data = self.form.cleaned_data
        episode = services.episode_create(
            lesson=data["lesson"],
            user=self.request.user,
            presenters=list(data.get("presenters") or []),
            notes=data.get("notes") or "",
        )
        return _episode_update_from_form(episode, data, self.request.user)


class EpisodeEditThroughService(ServiceSaveMixin):
    def save_instance(self):
        episode = Episode.objects.get(pk=self.form.instance.pk)
        data = self.form.cleaned_data
        # what the service does not do is refused, not silently dropped
        if data.get("lesson") and data["lesson"].pk != episode.lesson_id:
            raise ValidationFailed(
                "Un episodio no cambia de lección: cree el episodio de la otra lección."
            )
        for name, label in (("script", "el guion"), ("recording", "la grabación")):
            if getattr(episode, f"{name}_id") and not data.get(name):
                raise ValidationFailed(
                    f"No se puede quitar {label} de un episodio; elija otro en su lugar."
                )
        return _episode_update_from_form(episode, data, self.request.user)


def _episode_update_from_form(episode: Episode, data: dict, user) -> Episode:
    changed = {
        name: data.get(name)
        for name in ("script", "recording", "notes")
        if data.get(name) != getattr(episode, name)
    }
    state = data.get("state")
    return services.episode_update(
        episode=episode,
        user=user,
        state=state if state and state != episode.state else None,
        presenters=list(data.get("presenters") or []),
        **changed,
    )


class EpisodeViewSet(ModelViewSet):
    model = Episode
    icon = "clipboard-list"
    menu_label = "Episodios (todos)"
    form_fields = ["lesson", "presenters", "state", "script", "recording", "notes"]
    list_display = ["__str__", "state"]
    list_filter = ["state"]
    add_to_admin_menu = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_view_class = type(
            "EpisodeCreate", (EpisodeCreateThroughService, self.add_view_class), {}
        )
        self.edit_view_class = type(
            "EpisodeEdit", (EpisodeEditThroughService, self.edit_view_class), {}
        )


class CourseSettingsViewSet(ModelViewSet):
    model = CourseBroadcastSettings
    icon = "time"
    menu_label = "Plazos por curso"
    form_fields = ["course", "script_days_before", "recording_days_before", "approval_days_before"]
    list_display = ["course", "script_days_before", "recording_days_before", "approval_days_before"]
    add_to_admin_menu = False


# --- the airings calendar (Personal TV) --------------------------------------------------------
class MoveForm(forms.Form):
    starts_at = forms.DateTimeField(
        label="Nuevo inicio (hora de Lima)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    reason = forms.CharField(label="Motivo", max_length=255)


class CancelForm(forms.Form):
    reason = forms.CharField(label="Motivo", max_length=255)


def _require(request, *roles):
    if not user_has_role(request.user, *roles):
        raise PermissionDenied


def calendar_view(request):
    _require(request, TV_STAFF)
    week_of = timezone.localdate()
    raw = request.GET.get("semana")
    status = 200
    if raw:
        try:
            week_of = query_date(raw, noun="semana")
        except QueryDateError as exc:
            messages.error(request, f"{exc} Se muestra esta semana.")
            status = 400
    grid = selectors.week_grid(week_of=week_of)
    warnings = sorted({w for _, w in selectors.presenter_double_bookings()})
    return TemplateResponse(
        request,
        "broadcast/admin/calendar.html",
        {"grid": grid, "warnings": warnings, "header_title": "Calendario de emisiones"},
        status=status,
    )


def airing_change_view(request, airing_id: int, action: str):
    _require(request, TV_STAFF)
    airing = get_object_or_404(Airing.objects.select_related("channel"), pk=airing_id)
    form_class = MoveForm if action == "move" else CancelForm
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if action == "move":
                services.airing_move(
                    airing=airing,
                    starts_at=form.cleaned_data["starts_at"],
                    reason=form.cleaned_data["reason"],
                    user=request.user,
                )
                messages.success(
                    request, f"Emisión reprogramada: {Airing.objects.get(pk=airing.pk)}."
                )
            else:
                services.airing_cancel(
                    airing=airing, reason=form.cleaned_data["reason"], user=request.user
                )
                messages.success(request, f"Emisión cancelada: {airing}.")
            local = timezone.localtime(airing.starts_at).date()
            return redirect(f"{reverse('broadcast_calendar:index')}?semana={local:%Y-%m-%d}")
        except DomainError as exc:
            form.add_error(None, _domain_error_text(exc))
    return TemplateResponse(
        request,
        "broadcast/admin/airing_change.html",
        {
            "airing": airing,
            "form": form,
            "action": action,
            "header_title": "Cambiar horario" if action == "move" else "Cancelar emisión",
        },
    )


class CalendarViewSet(ViewSet):
    name = "broadcast_calendar"
    icon = "date"
    menu_label = "Calendario de emisiones"
    url_prefix = "programacion/calendario"

    def get_urlpatterns(self):
        return [
            path("", calendar_view, name="index"),
            path("<int:airing_id>/mover/", airing_change_view, {"action": "move"}, name="move"),
            path(
                "<int:airing_id>/cancelar/", airing_change_view, {"action": "cancel"}, name="cancel"
            ),
        ]

    @property
    def menu_url(self):
        return reverse("broadcast_calendar:index")

    @property
    def menu_item_class(self):
        from wagtail.admin.menu import MenuItem

        class TvStaffMenuItem(MenuItem):
            def is_shown(self, request):
                return user_has_role(request.user, TV_STAFF)

        return TvStaffMenuItem


class ProgrammingGroup(ModelViewSetGroup):
    menu_label = "Programación"
    menu_icon = "date"
    menu_order = 210
    items = (
        CalendarViewSet(),
        ChannelViewSet("broadcast_channels"),
        SlotRuleViewSet("broadcast_rules"),
        ScheduleExceptionViewSet("broadcast_exceptions"),
        EpisodeViewSet("broadcast_episodes"),
        CourseSettingsViewSet("broadcast_course_settings"),
    )


# --- "Mis episodios" (presenters) --------------------------------------------------------------
class EpisodeEditForm(forms.Form):
    script_file = forms.FileField(
        label="Guion (documento)",
        required=False,
        help_text="PDF, DOCX, ODT o TXT. Reemplaza el guion anterior.",
    )
    recording = forms.ModelChoiceField(
        label="Grabación", required=False, queryset=None, empty_label="— Sin cambios —"
    )
    notes = forms.CharField(label="Notas", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user=None, episode=None, **kwargs):
        super().__init__(*args, **kwargs)
        from media_pipeline.models import MediaAsset

        self.fields["recording"].queryset = MediaAsset.objects.filter(
            Q(uploaded_by=user) | Q(pk=episode.recording_id)
        ).exclude(kind="document")
        self.fields["recording"].help_text = (
            "Suba primero el video en «Materiales audiovisuales»; al adjuntarlo aquí empieza su "
            "procesamiento."
        )


def _own_episode(request, episode_id: int) -> Episode:
    _require(request, PRESENTERS, TV_STAFF)
    qs = Episode.objects.select_related("lesson")
    if not user_has_role(request.user, TV_STAFF):
        qs = qs.filter(presenters=request.user)
    episode = qs.filter(pk=episode_id).first()
    if episode is None:
        raise PermissionDenied
    return episode


def my_episodes_view(request):
    _require(request, PRESENTERS)
    calendar = services.presenter_calendar_ensure(user=request.user)
    feed_url = request.build_absolute_uri(
        reverse("broadcast:feed_presenter", args=[calendar.token])
    )
    return TemplateResponse(
        request,
        "broadcast/admin/my_episodes.html",
        {
            "plans": selectors.presenter_episodes(user=request.user),
            "feed_url": feed_url,
            "header_title": "Mis episodios",
            "today": timezone.localdate(),
        },
    )


def renew_calendar_view(request):
    _require(request, PRESENTERS)
    if request.method != "POST":
        return redirect("broadcast_my_episodes:index")
    services.presenter_calendar_renew(user=request.user)
    messages.success(
        request, "Se creó un enlace nuevo para su calendario; el anterior dejó de funcionar."
    )
    return redirect("broadcast_my_episodes:index")


def episode_edit_view(request, episode_id: int):
    episode = _own_episode(request, episode_id)
    form = EpisodeEditForm(
        request.POST or None, request.FILES or None, user=request.user, episode=episode
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.episode_edit(
                episode=episode,
                user=request.user,
                script_file=form.cleaned_data.get("script_file") or None,
                recording=form.cleaned_data.get("recording"),
                notes=form.cleaned_data.get("notes") or None,
                advance=bool(request.POST.get("advance")),
            )
            messages.success(request, "Episodio actualizado.")
            return redirect("broadcast_my_episodes:edit", episode_id=episode.pk)
        except DomainError as exc:
            form.add_error(None, _domain_error_text(exc))
    plan = selectors.episode_plans([episode])[0]
    states = list(Episode.State.values)
    idx = states.index(episode.state)
    next_state = Episode.State(states[idx + 1]).label if idx + 1 < len(states) - 1 else None
    return TemplateResponse(
        request,
        "broadcast/admin/episode_edit.html",
        {
            "plan": plan,
            "episode": episode,
            "form": form,
            "next_state": next_state,
            "header_title": str(episode),
        },
    )


class MyEpisodesViewSet(ViewSet):
    name = "broadcast_my_episodes"
    icon = "clipboard-list"
    menu_label = "Mis episodios"
    menu_name = "mis-episodios"
    menu_order = 205
    url_prefix = "mis-episodios"
    add_to_admin_menu = True

    def get_urlpatterns(self):
        return [
            path("", my_episodes_view, name="index"),
            path("calendario/renovar/", renew_calendar_view, name="renew"),
            path("<int:episode_id>/", episode_edit_view, name="edit"),
        ]

    @property
    def menu_url(self):
        return reverse("broadcast_my_episodes:index")

    @property
    def menu_item_class(self):
        from wagtail.admin.menu import MenuItem

        class PresenterMenuItem(MenuItem):
            def is_shown(self, request):
                return user_has_role(request.user, PRESENTERS) and not request.user.is_superuser

        return PresenterMenuItem


def week_link(day: date, weeks: int) -> str:
    return (day + timedelta(weeks=weeks)).isoformat()
