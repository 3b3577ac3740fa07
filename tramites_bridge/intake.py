"""One path from a posted procedure form (the page's or the API's multipart) to a submission:
validation, keeping valid files across an error, exactly-once creation."""

import copy
from dataclasses import dataclass

from django.http import QueryDict

from tramites_bridge.forms import ProcedureForm
from tramites_bridge.models import Procedure, Submission
from tramites_bridge.selectors import pending_attachments
from tramites_bridge.services import attachment_stash, submission_create, submission_for_key
from tramites_bridge.workdays import HolidayCalendar


@dataclass
class IntakeResult:
    form: ProcedureForm
    submission: Submission | None = None
    created: bool = False


def intake_submission(
    *,
    procedure: Procedure,
    data: QueryDict | dict,
    files,
    idempotency_key: str,
    channel: str,
    ip: str | None,
    actor_id: int | None = None,
    form_token: str | None = None,
    cabina=None,
    calendar: HolidayCalendar | None = None,
) -> IntakeResult:
    """Validates and creates once per key. A repeat of a key that already made a submission
    returns it before validating again (its files were already consumed)."""
    # a copy to add the token to; the values' lists are shared (a QueryDict's own copy() deep-
    # copies every value) and setting the token gives it a list of its own
    data = copy.copy(data)
    # the page's form carries its own token (shown again after an error); the API has the header
    data["token"] = form_token or idempotency_key
    existing = submission_for_key(
        key=idempotency_key, procedure=procedure, dni=(data.get("dni") or "").strip()
    )
    if existing is not None:
        return IntakeResult(form=ProcedureForm(procedure=procedure), submission=existing)
    pending = pending_attachments(token=idempotency_key)
    form = ProcedureForm(data, files, procedure=procedure, pending=pending)
    if not form.is_valid():
        for name, upload in form.valid_uploads().items():
            attachment_stash(token=idempotency_key, field_name=name, upload=upload)
        form.pending = pending_attachments(token=idempotency_key)
        return IntakeResult(form=form)
    cleaned = form.cleaned_data
    submission, created = submission_create(
        procedure=procedure,
        idempotency_key=idempotency_key,
        dni=cleaned["dni"],
        first_names=cleaned["nombres"].strip(),
        last_names=cleaned["apellidos"].strip(),
        email=cleaned.get("email") or "",
        phone=cleaned.get("telefono") or "",
        data=form.form_data(),
        uploads=form.valid_uploads(),
        channel=channel,
        ip=ip,
        actor_id=actor_id,
        key_checked=True,
        stashed=bool(pending),
        cabina=cabina,
        calendar=calendar,
    )
    return IntakeResult(form=form, submission=submission, created=created)


def form_errors_to_contract(form: ProcedureForm) -> list[dict]:
    """The form's errors as the API's `errors` list: one entry per invalid field."""
    errors = []
    for name, messages in form.errors.items():
        field = "Idempotency-Key" if name == "token" else name
        if name == "__all__":
            field = "body"
        errors.append({"field": field, "message": " ".join(str(m) for m in messages)})
    return errors
