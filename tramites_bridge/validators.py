"""Checks on what citizens type and attach. Messages are Spanish and say what to do."""

import re

from django.core.exceptions import ValidationError

RUC_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)
RUC_PREFIXES = ("10", "15", "17", "20")

# Content sniffing: the first bytes decide, never the file name or the browser's claim.
MAGIC_TYPES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


def extension_of_type(content_type: str) -> str:
    """The file extension of a sniffed content type ("bin" for one we do not accept)."""
    for _magic, known_type, ext in MAGIC_TYPES:
        if known_type == content_type:
            return ext
    return "bin"


def validate_dni(value: str) -> str:
    value = (value or "").strip()
    if not re.fullmatch(r"\d{8}", value):
        raise ValidationError(
            "El DNI debe tener exactamente 8 dígitos, sin letras ni espacios.", code="dni"
        )
    return value


def ruc_check_digit(first_ten: str) -> int:
    total = sum(int(d) * w for d, w in zip(first_ten, RUC_WEIGHTS, strict=True))
    return (11 - total % 11) % 10


def validate_ruc(value: str) -> str:
    value = (value or "").strip()
    if not re.fullmatch(r"\d{11}", value):
        raise ValidationError("El RUC debe tener exactamente 11 dígitos.", code="ruc_format")
    if not value.startswith(RUC_PREFIXES):
        raise ValidationError(
            "El RUC debe empezar con 10, 15, 17 o 20. Revise el número.", code="ruc_prefix"
        )
    if ruc_check_digit(value[:10]) != int(value[10]):
        raise ValidationError(
            "El RUC no es válido: el último dígito no corresponde. Revise el número.",
            code="ruc_check",
        )
    return value


def validate_phone(value: str) -> str:
    value = re.sub(r"[\s-]", "", value or "")
    if not re.fullmatch(r"\+?\d{6,12}", value):
        raise ValidationError(
            "Escriba un teléfono de 6 a 12 dígitos (p. ej. 976543210).", code="phone"
        )
    return value


def sniff_file(uploaded, *, max_bytes: int) -> tuple[str, str]:
    """(content type, extension) of an upload that is a PDF, JPEG or PNG within max_bytes."""
    if uploaded.size > max_bytes:
        raise ValidationError(
            f"El archivo pesa {uploaded.size / 1_048_576:.1f} MB; el máximo es "
            f"{max_bytes / 1_048_576:.0f} MB. Reduzca su tamaño o escanéelo con menos resolución.",
            code="file_size",
        )
    if uploaded.size == 0:
        raise ValidationError("El archivo está vacío. Adjunte otro.", code="file_empty")
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(0)
    for magic, content_type, ext in MAGIC_TYPES:
        if head.startswith(magic):
            return content_type, ext
    raise ValidationError(
        "Solo se aceptan archivos PDF, JPG o PNG. Este archivo no es ninguno de ellos "
        "(aunque su nombre lo diga).",
        code="file_type",
    )
