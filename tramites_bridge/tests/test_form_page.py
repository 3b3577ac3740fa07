"""The procedure form embedded in a cms page, used with no JavaScript: errors next to each field,
what was typed kept (files too), exactly one submission, the receipt."""

import pytest
from wagtail.models import Site

from cms.models import StandardPage
from cms.seed import seed_site_root
from tramites_bridge.models import Submission
from tramites_bridge.tests.factories import ProcedureFactory, citizen_fields, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def embedded():
    """A standard page embedding a procedure form: (page, procedure)."""
    seed_site_root()
    procedure = ProcedureFactory(tupa_code="LF-01")
    home = Site.objects.get(is_default_site=True).root_page
    page = StandardPage(
        title="Trámites en línea",
        slug="tramites-en-linea",
        body=[("procedure_form", {"procedure": procedure, "intro": "Para su negocio."})],
    )
    home.add_child(instance=page)
    page.save_revision().publish()
    return page, procedure


def _token(html: str) -> str:
    marker = 'name="token" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def test_the_page_shows_the_form_with_fee_deadline_requirements_and_privacy_notice(
    client, embedded
):
    page, procedure = embedded
    html = client.get(page.url).content.decode()
    assert "S/. 139.40" in html
    assert "4 días hábiles" in html
    assert "Requisito dos" in html
    assert "Ley 29733" in html and "Por cuánto tiempo" in html
    assert 'name="consentimiento"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'for="tr-lf-01-ruc"' in html


def test_an_error_reshows_the_page_with_messages_typed_values_and_the_kept_file(client, embedded):
    page, procedure = embedded
    token = _token(client.get(page.url).content.decode())
    data = {
        "token": token,
        "pagina": page.pk,
        **citizen_fields(ruc="20123456787", nombres="Rosa Elvira"),
        "declaracion": pdf_upload("mi-declaracion.pdf"),
    }
    response = client.post(f"/tramites/formulario/{procedure.tupa_code}/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Trámites en línea</h1>" in html  # the embedding page, not a bare form
    assert "el último dígito no corresponde" in html
    assert 'aria-invalid="true"' in html
    assert 'value="Rosa Elvira"' in html
    assert "mi-declaracion.pdf" in html and "No necesita adjuntarlo otra vez" in html
    assert Submission.objects.count() == 0

    # the page shown again carries the same token, so the kept file is found
    assert _token(html) == token
    data.update(ruc="20123456786")
    data.pop("declaracion")
    response = client.post(f"/tramites/formulario/{procedure.tupa_code}/", data)
    assert response.status_code == 302
    submission = Submission.objects.get()
    assert response["Location"] == f"/tramites/constancia/{submission.code}/"
    assert submission.attachments.get().original_name == "mi-declaracion.pdf"


def test_a_double_click_makes_one_submission(client, embedded):
    page, procedure = embedded
    token = _token(client.get(page.url).content.decode())
    data = {"token": token, "pagina": page.pk, **citizen_fields()}
    first = client.post("/tramites/formulario/LF-01/", {**data, "declaracion": pdf_upload()})
    second = client.post("/tramites/formulario/LF-01/", {**data, "declaracion": pdf_upload()})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Submission.objects.count() == 1


def test_the_receipt_shows_code_procedure_date_fee_and_due_date(client, embedded):
    page, procedure = embedded
    token = _token(client.get(page.url).content.decode())
    response = client.post(
        "/tramites/formulario/LF-01/",
        {"token": token, **citizen_fields(), "declaracion": pdf_upload()},
        follow=True,
    )
    submission = Submission.objects.get()
    html = response.content.decode()
    assert submission.display_code in html
    assert procedure.name in html
    assert "S/. 139.40" in html
    assert submission.due_date.strftime("%d/%m/%Y") in html
    assert "Imprimir constancia" in html


def test_the_receipt_is_not_shown_to_another_browser(client, embedded, django_user_model):
    from django.test import Client

    page, procedure = embedded
    token = _token(client.get(page.url).content.decode())
    client.post(
        "/tramites/formulario/LF-01/",
        {"token": token, **citizen_fields(), "declaracion": pdf_upload()},
    )
    code = Submission.objects.get().code
    stranger = Client().get(f"/tramites/constancia/{code}/")
    assert stranger.status_code == 404
    assert "41234567" not in stranger.content.decode()
