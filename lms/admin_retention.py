"""The coaches' record of who left a course ("Retiro del curso"): the date a student left each
course is what the retention of their personal data counts from (lms.retention)."""

from datetime import datetime, time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from core.errors import ConflictError
from lms.retention import enrollment_mark_left
from lms.selectors import enrollments_for_staff, student_for_staff

CHANGE_PERM = "lms.change_studentprofile"


class LeftForm(forms.Form):
    enrollment = forms.IntegerField(widget=forms.HiddenInput)
    left_on = forms.DateField(
        label="Fecha de retiro",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Vacío: hoy.",
    )
    undo = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_left_on(self):
        left_on = self.cleaned_data.get("left_on")
        if left_on and left_on > timezone.localdate():
            raise forms.ValidationError("La fecha de retiro no puede ser futura.")
        return left_on


@require_http_methods(["GET", "POST"])
def student_departure(request: HttpRequest, student_id: int) -> HttpResponse:
    if not request.user.has_perm(CHANGE_PERM):
        raise PermissionDenied
    # a coach records departures only from the courses they coach
    student = student_for_staff(user=request.user, student_id=student_id)
    if student is None:
        raise Http404("Ese estudiante no está en sus cursos.")
    enrollments = list(enrollments_for_staff(user=request.user, student=student))
    form = LeftForm()
    if request.method == "POST":
        form = LeftForm(request.POST)
        if form.is_valid():
            enrollment = next(
                (e for e in enrollments if e.pk == form.cleaned_data["enrollment"]), None
            )
            left_on = form.cleaned_data["left_on"]
            enrolled_on = enrollment and timezone.localdate(enrollment.enrolled_at)
            if enrollment is None:
                form.add_error(None, "Esa matrícula no es de este estudiante.")
            elif left_on and not form.cleaned_data["undo"] and left_on < enrolled_on:
                form.add_error(
                    "left_on",
                    "La fecha de retiro no puede ser anterior a la matrícula "
                    f"({enrolled_on:%d/%m/%Y}).",
                )
            else:
                left_at = None
                if left_on:
                    left_at = timezone.make_aware(datetime.combine(left_on, time.min))
                try:
                    enrollment_mark_left(
                        enrollment=enrollment, left_at=left_at, undo=form.cleaned_data["undo"]
                    )
                except ConflictError as exc:
                    form.add_error(None, exc.detail)
                else:
                    messages.success(
                        request,
                        "Retiro anulado: el estudiante sigue en el curso."
                        if form.cleaned_data["undo"]
                        else "Retiro registrado.",
                    )
                    return redirect("lms_admin:departure", student.pk)
    status = 400 if form.errors else 200
    return TemplateResponse(
        request,
        "lms/admin/departure.html",
        {
            "student": student,
            "enrollments": enrollments,
            "form": form,
            "retention_days": settings.RETENTION_STUDENTS_DAYS,
            "today": timezone.localdate(),
        },
        status=status,
    )
