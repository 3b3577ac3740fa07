"""Each server-side check on what citizens type and attach, with its Spanish message."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from tramites_bridge.forms import ProcedureForm
from tramites_bridge.tests.factories import (
    JPEG_BYTES,
    PDF_BYTES,
    PNG_BYTES,
    VALID_RUC,
    ProcedureFactory,
    citizen_fields,
    pdf_upload,
)
from tramites_bridge.validators import ruc_check_digit, validate_dni, validate_ruc


@pytest.mark.parametrize("value", ["4123456", "412345678", "4123456a", "", "41 23456"])
def test_dni_must_be_eight_digits(value):
    with pytest.raises(ValidationError) as exc:
        validate_dni(value)
    assert "8 dígitos" in exc.value.messages[0]


def test_a_dni_of_eight_digits_passes():
    assert validate_dni(" 41234567 ") == "41234567"


def test_ruc_check_digit_uses_the_sunat_weights():
    # 2*5+0*4+1*3+2*2+3*7+4*6+5*5+6*4+7*3+8*2 = 148; 148 % 11 = 5; (11 - 5) % 10 = 6
    assert ruc_check_digit("2012345678") == 6
    # sum 154 -> mod 11 = 0 -> (11 - 0) % 10 = 1
    assert ruc_check_digit("2000000000") == (11 - (2 * 5) % 11) % 10


@pytest.mark.parametrize("ruc", [VALID_RUC, "20100070970", "10412345679", "20131312955"])
def test_valid_rucs_pass(ruc):
    assert validate_ruc(ruc) == ruc


def test_a_ruc_with_a_wrong_check_digit_is_refused():
    with pytest.raises(ValidationError) as exc:
        validate_ruc("20123456787")
    assert "último dígito" in exc.value.messages[0]


def test_a_ruc_with_an_unknown_prefix_is_refused():
    # 30... would be a valid check digit arithmetically but is not a RUC type
    body = "3012345678"
    with pytest.raises(ValidationError) as exc:
        validate_ruc(body + str(ruc_check_digit(body)))
    assert "10, 15, 17 o 20" in exc.value.messages[0]


@pytest.mark.parametrize("ruc", ["2012345678", "201234567860", "2012345678A"])
def test_a_ruc_must_have_eleven_digits(ruc):
    with pytest.raises(ValidationError) as exc:
        validate_ruc(ruc)
    assert "11 dígitos" in exc.value.messages[0]


def _form(procedure, files, **fields):
    return ProcedureForm(
        {"token": "a" * 32, **citizen_fields(**fields)}, files, procedure=procedure
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name,content",
    [
        ("foto.png", PNG_BYTES),
        ("foto.jpg", JPEG_BYTES),
        ("doc.pdf", PDF_BYTES),
        ("x.bin", PNG_BYTES),
    ],
    ids=["png", "jpeg", "pdf", "png-with-odd-name"],
)
def test_files_are_accepted_by_their_content(name, content):
    procedure = ProcedureFactory()
    form = _form(procedure, {"declaracion": SimpleUploadedFile(name, content)})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["declaracion"].sniffed[0] in {
        "application/pdf",
        "image/png",
        "image/jpeg",
    }


@pytest.mark.django_db
def test_a_file_named_pdf_that_is_not_a_pdf_is_refused():
    procedure = ProcedureFactory()
    fake = SimpleUploadedFile(
        "declaracion.pdf", b"MZ\x90\x00 this is an executable", "application/pdf"
    )
    form = _form(procedure, {"declaracion": fake})
    assert not form.is_valid()
    assert "Solo se aceptan archivos PDF, JPG o PNG" in form.errors["declaracion"][0]


@pytest.mark.django_db
def test_a_file_over_the_size_limit_is_refused(settings):
    settings.TRAMITES_MAX_UPLOAD_MB = 1
    procedure = ProcedureFactory()
    big = pdf_upload(content=PDF_BYTES + b"0" * (1024 * 1024))
    form = _form(procedure, {"declaracion": big})
    assert not form.is_valid()
    assert "el máximo es 1 MB" in form.errors["declaracion"][0]


@pytest.mark.django_db
def test_each_invalid_field_gets_its_own_spanish_message():
    procedure = ProcedureFactory()
    form = _form(
        procedure,
        {},
        dni="123",
        ruc="20123456787",
        giro="Casino",
        consentimiento=None,
        nombres="",
    )
    assert not form.is_valid()
    assert set(form.errors) == {"dni", "ruc", "giro", "consentimiento", "nombres", "declaracion"}
    assert form.errors["declaracion"] == ["Este campo es obligatorio."]
    assert "Ley 29733" in form.errors["consentimiento"][0]
    assert form.errors["giro"] == ["Elija una de las opciones de la lista."]
