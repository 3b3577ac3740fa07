"""A citizen starts a procedure from a site page, recovers from a mistake, gets a code and tracks
it; the back office marks it "observado" and the citizen's tracking page says what to do."""

import pytest
from playwright.sync_api import expect
from wagtail.models import Site

from tests.fixtures import LIVE_DB, TEST_PASSWORD
from tramites_bridge.tests.factories import PDF_BYTES

pytestmark = [pytest.mark.e2e, LIVE_DB]


@pytest.fixture
def tramites_page():
    from cms.models import StandardPage
    from cms.seed import seed_site_root
    from tramites_bridge.tests.factories import ProcedureFactory

    seed_site_root()
    procedure = ProcedureFactory(tupa_code="LF-01", name="Licencia de funcionamiento")
    page = StandardPage(
        title="Trámites en línea",
        slug="tramites-en-linea",
        body=[("procedure_form", {"procedure": procedure, "intro": ""})],
    )
    Site.objects.get(is_default_site=True).root_page.add_child(instance=page)
    page.save_revision().publish()
    return page


def test_citizen_submits_tracks_and_sees_what_the_back_office_asks(
    page, browser, live_server, make_user, tramites_page, tmp_path
):
    pdf = tmp_path / "declaracion-jurada.pdf"
    pdf.write_bytes(PDF_BYTES)

    # The citizen fills the embedded form and types a wrong RUC.
    page.goto("/tramites-en-linea/")
    form = page.locator("#tramite-lf-01")
    form.get_by_label("DNI del solicitante").fill("41234567")
    form.get_by_label("Nombres").fill("María Elena")
    form.get_by_label("Apellidos").fill("Quispe Huamán")
    form.get_by_label("RUC del titular").fill("20123456787")
    form.get_by_label("Giro del negocio").select_option("Bodega")
    form.get_by_label("Declaración jurada").set_input_files(str(pdf))
    form.get_by_label("He leído el aviso de privacidad").check()
    form.get_by_role("button", name="Presentar trámite").click()

    # The page comes back with the message next to the RUC, what was typed, and the file kept.
    form = page.locator("#tramite-lf-01")
    expect(form.get_by_text("el último dígito no corresponde")).to_be_visible()
    expect(form.get_by_label("Nombres")).to_have_value("María Elena")
    expect(form.get_by_text("declaracion-jurada.pdf")).to_be_visible()
    form.get_by_label("RUC del titular").fill("20123456786")
    form.get_by_label("He leído el aviso de privacidad").check()
    form.get_by_role("button", name="Presentar trámite").click()

    # The receipt shows the code.
    expect(page.get_by_role("heading", name="Constancia de presentación")).to_be_visible()
    code = page.get_by_label("Código de seguimiento").inner_text().strip()
    assert len(code) == 11 and code[5] == "-"
    expect(page.get_by_text("S/. 139.40")).to_be_visible()

    # The citizen tracks it, typing the code in lower case without the dash.
    page.goto("/tramites/seguimiento/")
    page.get_by_label("Código de seguimiento").fill(code.replace("-", "").lower())
    page.get_by_label("DNI del solicitante").fill("41234567")
    page.get_by_role("button", name="Consultar").click()
    expect(page.locator(".status-badge").first).to_have_text("Recibido")

    # The back office marks it "observado" with what the citizen must do.
    make_user("back_office", username="mesa-e2e")
    staff_context = browser.new_context(locale="es-PE", base_url=live_server.url)
    staff = staff_context.new_page()
    staff.goto("/admin/login/")
    staff.get_by_label("Nombre de usuario").fill("mesa-e2e")
    staff.get_by_label("Contraseña").fill(TEST_PASSWORD)
    staff.get_by_role("button", name="Iniciar sesión").click()
    staff.goto("/admin/tramites/bandeja/")
    staff.get_by_role("link", name=code).click()
    staff.get_by_label("Nuevo estado").select_option("observado")
    staff.get_by_label("Nota para el ciudadano").fill(
        "Adjunte el croquis del local en la mesa de partes del CAAC."
    )
    staff.get_by_role("button", name="Guardar estado").click()
    expect(staff.get_by_text("El trámite quedó «Observado».")).to_be_visible()
    staff_context.close()

    # The citizen's tracking page now says what to do.
    page.goto("/tramites/seguimiento/")
    page.get_by_label("Código de seguimiento").fill(code)
    page.get_by_label("DNI del solicitante").fill("41234567")
    page.get_by_role("button", name="Consultar").click()
    expect(page.locator(".status-badge").first).to_have_text("Observado")
    expect(page.get_by_role("heading", name="Lo que usted debe hacer")).to_be_visible()
    expect(page.get_by_text("Adjunte el croquis del local")).to_have_count(2)


def _login_site(page, username: str) -> None:
    page.goto("/cuenta/ingresar/")
    page.get_by_label("DNI", exact=True).fill(username)
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Ingresar").click()


def test_cabina_agent_submits_prints_and_sees_the_ledger_then_the_reversal(
    page, browser, live_server, make_user, tramites_page, tmp_path
):
    from tramites_bridge.models import Cabina, CabinaAgent

    pdf = tmp_path / "declaracion.pdf"
    pdf.write_bytes(PDF_BYTES)
    cabina = Cabina.objects.create(
        name="Cabina Mollepampa", address="Jr. Los Sauces 210", ruc="10401234569"
    )
    agent = make_user("cabina_agent", username="cabina-e2e")
    CabinaAgent.objects.create(cabina=cabina, user=agent)

    # The agent signs in on the site and submits for the citizen who is present.
    _login_site(page, "cabina-e2e")
    page.goto("/cabina/")
    expect(page.get_by_role("heading", name="Escritorio de la cabina")).to_be_visible()
    page.get_by_role("link", name="LF-01 · Licencia de funcionamiento").click()
    form = page.locator("#tramite-lf-01")
    form.get_by_label("DNI del solicitante").fill("43456789")
    form.get_by_label("Nombres").fill("Segundo")
    form.get_by_label("Apellidos").fill("Quiliche Tello")
    form.get_by_label("RUC del titular").fill("20123456786")
    form.get_by_label("Giro del negocio").select_option("Restaurante")
    form.get_by_label("Declaración jurada").set_input_files(str(pdf))
    form.get_by_label("He leído el aviso de privacidad").check()
    form.get_by_role("button", name="Presentar trámite").click()

    # The receipt, ready to print.
    expect(page.get_by_role("heading", name="Constancia de presentación")).to_be_visible()
    code = page.get_by_label("Código de seguimiento").inner_text().strip()
    expect(page.get_by_role("button", name="Imprimir constancia")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Imprimir constancia")).to_be_hidden()
    expect(page.get_by_text(code)).to_be_visible()
    page.emulate_media(media="screen")

    # This month's ledger shows S/. 4.00.
    page.goto("/cabina/cuenta/")
    expect(page.get_by_text("Trámite atendido")).to_be_visible()
    expect(page.locator("dd", has_text="S/. 4.00").last).to_be_visible()

    # The back office annuls it as improper.
    make_user("back_office", username="mesa-e2e-2")
    staff_context = browser.new_context(locale="es-PE", base_url=live_server.url)
    staff = staff_context.new_page()
    staff.goto("/admin/login/")
    staff.get_by_label("Nombre de usuario").fill("mesa-e2e-2")
    staff.get_by_label("Contraseña").fill(TEST_PASSWORD)
    staff.get_by_role("button", name="Iniciar sesión").click()
    staff.goto("/admin/tramites/bandeja/")
    staff.get_by_role("link", name=code).click()
    staff.get_by_label("Nuevo estado").select_option("anulado")
    staff.get_by_label("Nota para el ciudadano").fill("Improcedente: local fuera de la provincia.")
    staff.get_by_role("button", name="Guardar estado").click()
    expect(staff.get_by_text("El trámite quedó «Anulado por improcedente».")).to_be_visible()
    staff_context.close()

    # The agent's ledger shows the reversal and a total of zero.
    page.goto("/cabina/cuenta/")
    expect(page.get_by_text("Reversión por anulación")).to_be_visible()
    expect(page.get_by_text("S/. -4.00").first).to_be_visible()
    total = page.locator("dt", has_text="Total a pagar a la cabina").locator(
        "xpath=following-sibling::dd[1]"
    )
    expect(total).to_have_text("S/. 0.00")
