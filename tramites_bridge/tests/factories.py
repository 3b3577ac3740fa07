from decimal import Decimal

import factory
from django.core.files.uploadedfile import SimpleUploadedFile

from tramites_bridge.models import Office, Procedure, ProcedureField

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
    b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG_BYTES = b"\xff\xd8\xff\xe0" + b"\x00" * 64
VALID_RUC = "20123456786"  # check digit 6


def pdf_upload(name: str = "declaracion.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class OfficeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Office
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"Oficina de prueba {n}")


class ProcedureFactory(factory.django.DjangoModelFactory):
    """A licence-like procedure asking for a RUC, a choice and a file."""

    class Meta:
        model = Procedure
        skip_postgeneration_save = True

    tupa_code = factory.Sequence(lambda n: f"PR-{n:02d}")
    name = factory.Sequence(lambda n: f"Procedimiento de prueba {n}")
    description = "Descripción del procedimiento."
    requirements = "Requisito uno\nRequisito dos"
    fee = Decimal("139.40")
    deadline_days = 4
    office = factory.SubFactory(OfficeFactory)

    @factory.post_generation
    def with_fields(obj, create, extracted, **kwargs):
        if extracted is False:
            return
        K = ProcedureField.Kind
        specs = [
            ("ruc", "RUC del titular", K.RUC, True, ""),
            ("giro", "Giro del negocio", K.CHOICE, True, "Bodega\nRestaurante"),
            ("declaracion", "Declaración jurada", K.FILE, True, ""),
            ("referencia", "Referencia", K.TEXT, False, ""),
        ]
        for order, (name, label, kind, required, choices) in enumerate(specs):
            ProcedureField.objects.create(
                procedure=obj,
                sort_order=order,
                name=name,
                label=label,
                kind=kind,
                required=required,
                choices=choices,
            )


def citizen_fields(**overrides) -> dict:
    data = {
        "dni": "41234567",
        "nombres": "María Elena",
        "apellidos": "Quispe Huamán",
        "email": "maria@example.pe",
        "telefono": "976543210",
        "consentimiento": "on",
        "ruc": VALID_RUC,
        "giro": "Bodega",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
