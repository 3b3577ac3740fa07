"""The procedure form: built from a procedure's fields; the same validation serves the page
(no JavaScript needed) and the API."""

import uuid

from django import forms
from django.conf import settings

from tramites_bridge.models import Attachment, Procedure, ProcedureField, Submission
from tramites_bridge.validators import sniff_file, validate_dni, validate_phone, validate_ruc

REQUIRED = "Este campo es obligatorio."
PRIVACY_NOTICE_VERSION = "2026-01"


def max_upload_bytes() -> int:
    return settings.TRAMITES_MAX_UPLOAD_MB * 1024 * 1024


class DniField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 8)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})
        self.error_messages["max_length"] = "El DNI debe tener exactamente 8 dígitos."

    def clean(self, value):
        value = super().clean(value)
        return validate_dni(value) if value else value


class RucField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off"})

    def clean(self, value):
        value = super().clean(value)
        return validate_ruc(value) if value else value


class PhoneField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"})

    def clean(self, value):
        value = super().clean(value)
        return validate_phone(value) if value else value


class SniffedFileField(forms.FileField):
    """A PDF, JPEG or PNG recognised by its content, within TRAMITES_MAX_UPLOAD_MB."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.widget.attrs["accept"] = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"

    def clean(self, data, initial=None):
        data = super().clean(data, initial)
        if data and hasattr(data, "read"):
            data.sniffed = sniff_file(data, max_bytes=max_upload_bytes())
        return data


def _error_messages(required: bool) -> dict:
    return {
        "required": REQUIRED,
        "invalid": "El valor no es válido.",
        "max_length": "Es demasiado largo.",
        "invalid_choice": "Elija una de las opciones de la lista.",
        "empty": "El archivo está vacío. Adjunte otro.",
        "missing": "No se recibió el archivo. Adjúntelo de nuevo.",
    }


def build_field(spec: ProcedureField) -> forms.Field:
    common = {
        "label": spec.label,
        "required": spec.required,
        "help_text": spec.help_text,
        "error_messages": _error_messages(spec.required),
    }
    kind = spec.kind
    K = ProcedureField.Kind
    if kind == K.TEXT:
        return forms.CharField(max_length=200, **common)
    if kind == K.LONG_TEXT:
        return forms.CharField(max_length=4000, widget=forms.Textarea(attrs={"rows": 4}), **common)
    if kind == K.DNI:
        return DniField(**common)
    if kind == K.RUC:
        return RucField(max_length=11, **common)
    if kind == K.EMAIL:
        common["error_messages"]["invalid"] = "Escriba un correo válido, p. ej. nombre@correo.pe."
        return forms.EmailField(**common)
    if kind == K.PHONE:
        return PhoneField(max_length=20, **common)
    if kind == K.DATE:
        common["error_messages"]["invalid"] = "Escriba una fecha válida (AAAA-MM-DD)."
        return forms.DateField(
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            input_formats=["%Y-%m-%d", "%d/%m/%Y"],
            **common,
        )
    if kind == K.CHOICE:
        options = [("", "— Elija una opción —")] + [(c, c) for c in spec.choice_list]
        return forms.ChoiceField(choices=options, **common)
    if kind == K.FILE:
        return SniffedFileField(**common)
    raise ValueError(f"unknown field kind {kind}")


class ProcedureForm(forms.Form):
    """The citizen's identity and consent, then the procedure's own fields.

    `pending` maps a file field's name to an Attachment already validated and kept for this
    form's token: a form re-shown after an error does not ask for that file again."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=100)
    dni = DniField(label="DNI del solicitante", error_messages={"required": REQUIRED})
    nombres = forms.CharField(
        label="Nombres", max_length=100, error_messages={"required": REQUIRED}
    )
    apellidos = forms.CharField(
        label="Apellidos", max_length=100, error_messages={"required": REQUIRED}
    )
    email = forms.EmailField(
        label="Correo electrónico (opcional)",
        required=False,
        help_text="Si lo escribe, le avisaremos por correo de cada cambio en su trámite.",
        error_messages={"invalid": "Escriba un correo válido, p. ej. nombre@correo.pe."},
    )
    telefono = PhoneField(label="Teléfono (opcional)", required=False, max_length=20)
    consentimiento = forms.BooleanField(
        label=(
            "He leído el aviso de privacidad y autorizo el tratamiento de mis datos personales "
            "para este trámite."
        ),
        error_messages={
            "required": "Para presentar el trámite debe marcar su consentimiento (Ley 29733)."
        },
    )

    def __init__(
        self,
        *args,
        procedure: Procedure,
        pending: dict[str, Attachment] | None = None,
        **kwargs,
    ):
        kwargs.setdefault("auto_id", f"tr-{procedure.tupa_code.lower()}-%s")
        super().__init__(*args, **kwargs)
        self.procedure = procedure
        self.pending = pending or {}
        self.specs = list(procedure.fields.all())
        for spec in self.specs:
            field = build_field(spec)
            if spec.kind == ProcedureField.Kind.FILE and spec.name in self.pending:
                field.required = False
            self.fields[spec.name] = field
        # identity first, then the procedure's fields, then consent last (read before ticking)
        order = ["token", "dni", "nombres", "apellidos", "email", "telefono"]
        order += [s.name for s in self.specs] + ["consentimiento"]
        self.order_fields(order)
        if not self.is_bound:
            self.initial.setdefault("token", uuid.uuid4().hex)

    @property
    def procedure_fields(self) -> list[forms.BoundField]:
        return [self[s.name] for s in self.specs]

    @property
    def identity_fields(self) -> list[forms.BoundField]:
        return [self[n] for n in ("dni", "nombres", "apellidos", "email", "telefono")]

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token or len(token) < 8:
            raise forms.ValidationError("Vuelva a abrir el formulario e intente de nuevo.")
        return token

    def file_specs(self) -> list[ProcedureField]:
        return [s for s in self.specs if s.kind == ProcedureField.Kind.FILE]

    def valid_uploads(self) -> dict:
        """The newly attached files that passed their checks, even when other fields failed."""
        uploads = {}
        for spec in self.file_specs():
            value = self.cleaned_data.get(spec.name) if hasattr(self, "cleaned_data") else None
            if value and hasattr(value, "sniffed") and spec.name not in self.errors:
                uploads[spec.name] = value
        return uploads

    def form_data(self) -> dict:
        """The procedure fields' values as JSON-ready data (files are attachments)."""
        data = {}
        for spec in self.specs:
            if spec.kind == ProcedureField.Kind.FILE:
                continue
            value = self.cleaned_data.get(spec.name)
            if hasattr(value, "isoformat"):
                value = value.isoformat()
            data[spec.name] = value if value is not None else ""
        return data


def submission_data_rows(submission: Submission) -> list[tuple[str, str]]:
    """(label, value) for each procedure field a submission answered, in the form's order."""
    fields = [f for f in submission.procedure.fields.all() if f.kind != ProcedureField.Kind.FILE]
    known = {f.name for f in fields}
    rows = [(f.label, submission.data[f.name]) for f in fields if f.name in submission.data]
    # a field removed from the form later still shows what the citizen sent
    rows += [(name, value) for name, value in submission.data.items() if name not in known]
    return rows
