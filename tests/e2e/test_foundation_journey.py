import re

import pytest
from playwright.sync_api import expect

from tests.fixtures import LIVE_DB, TEST_PASSWORD

pytestmark = [pytest.mark.e2e, LIVE_DB]


@pytest.fixture
def site_tree():
    from cms.seed import seed

    seed()


def log_in(page, username):
    page.goto("/admin/")
    expect(page.get_by_label("Contraseña")).to_be_visible()
    page.get_by_label("Nombre de usuario").fill(username)
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("**/admin/")


def main_text(page) -> str:
    """The visible text of the page's main content."""
    main = page.get_by_role("main")
    expect(main).to_be_visible()
    return main.inner_text()


def assert_no_english(text: str, *phrases: str) -> None:
    """Each phrase was shown in English by Wagtail before our catalogue completed it."""
    left = [p for p in phrases if re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text)]
    assert not left, f"Textos en inglés en la página: {left}"


def test_home_page_renders_in_spanish(page, site_tree):
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "es"
    expect(page.get_by_role("heading", level=1)).to_have_text("Aprendiendo paso a paso")
    page.get_by_role("link", name="Programa", exact=True).click()
    # the click starts a navigation: wait for the new page's heading, not the old one's
    expect(page).to_have_url(re.compile(r"/programa/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Programa")


def test_admin_logs_in_and_sees_spanish_labels(page, make_user, site_tree):
    make_user("superuser", username="admin-e2e")
    log_in(page, "admin-e2e")

    # Dashboard: menu, site summary and help link.
    expect(page.get_by_role("button", name="Páginas", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Imágenes", exact=True)).to_be_visible()
    main = page.get_by_role("main")
    expect(
        main.get_by_role("link", name=re.compile(r"^\d+ páginas creadas en Paso a Paso$"))
    ).to_be_visible()
    expect(main.get_by_role("link", name="0 documentos creados en Paso a Paso")).to_be_visible()
    expect(main.get_by_role("link", name="0 imágenes creadas en Paso a Paso")).to_be_visible()
    guide = main.get_by_role("link", name=re.compile(r"^Guía del editor de Wagtail "))
    expect(guide).to_be_visible()
    body = page.locator("body").inner_text()
    assert "Páginas" in body
    assert "Imágenes" in body
    assert "Pages" not in body.split()
    assert_no_english(main_text(page), "Pages", "Images", "Documents", "created in", "editor guide")

    # Page explorer of the root.
    page.goto("/admin/pages/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Explorando: Root")
    expect(page.get_by_role("button", name="Mostrar filtros")).to_be_visible()
    text = main_text(page)
    assert re.search(r"\d+-\d+ de \d+ página", text), text
    assert_no_english(text, "Exploring", "of", "Pages")

    # Users.
    page.goto("/admin/users/")
    expect(page.get_by_role("columnheader", name="Nivel de acceso")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Último inicio de sesión")).to_be_visible()
    assert_no_english(main_text(page), "Users", "Access level", "Last login")

    # Workflows, with the filters open.
    page.goto("/admin/workflows/list/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Flujos de trabajo")
    page.get_by_role("button", name="Mostrar filtros").click()
    expect(page.get_by_text("Mostrar desactivados").first).to_be_visible()
    expect(page.get_by_text("Filtrar por").first).to_be_visible()
    assert_no_english(main_text(page), "Workflows", "Filter by", "Show disabled", "Name")

    # Reports: page types usage.
    page.goto("/admin/reports/page-types-usage/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Uso de tipos de página")
    expect(page.get_by_role("columnheader", name="Aplicación")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Última página editada")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Última edición")).to_be_visible()
    assert_no_english(
        main_text(page), "Page types usage", "App", "Last edited page", "Last edit", "Pages"
    )


def test_page_editor_speaks_spanish(page, make_user, site_tree):
    from cms.models import HomePage

    make_user("superuser", username="editora-e2e", first_name="Elena", last_name="Prueba")
    home = HomePage.objects.get()
    log_in(page, "editora-e2e")

    page.goto(f"/admin/pages/add/cms/standardpage/{home.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nuevo: Página estándar")
    page.get_by_role("button", name="Alternar estado").click()
    expect(page.get_by_text("Creación a cargo de Elena Prueba")).to_be_visible()
    expect(page.get_by_text("Referenciado 0 veces")).to_be_visible()
    page.get_by_role("button", name="Alternar revisiones").click()
    expect(page.get_by_role("heading", name="Métricas del contenido")).to_be_visible()
    expect(page.get_by_role("heading", name="Tiempo de lectura").first).to_be_visible()
    assert_no_english(
        main_text(page),
        "To be created by",
        "Referenced",
        "Content metrics",
        "Words",
        "Reading time",
        "Readability",
        "Checks",
    )

    # Saving without a title shows the validation message, then a complete page is created.
    page.get_by_role("button", name="Guardar borrador").click()
    expect(
        page.get_by_text("No se pudo crear la página debido a errores de validación.")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Ir al primer error")).to_be_visible()
    assert_no_english(main_text(page), "could not be created", "Go to the first error")
    page.get_by_role("textbox", name="Título").fill("Horarios de emisión")
    page.get_by_role("tab", name="Promocionar").click()
    page.get_by_role("textbox", name="Marquilla").fill("horarios-de-emision")
    page.get_by_role("button", name="Guardar borrador").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Horarios de emisión")
    assert home.get_children().filter(title="Horarios de emisión").exists()
    assert_no_english(main_text(page), "Saved", "Autosave", "Locking", "Page")


def test_workflow_review_dialogs_are_in_spanish(page, make_user, site_tree):
    from wagtail.models import GroupApprovalTask, Workflow, WorkflowPage, WorkflowTask

    from cms.models import HomePage, StandardPage

    reviewer = make_user("superuser", username="revisora-e2e")
    workflow = Workflow.objects.create(name="Revisión editorial")
    task = GroupApprovalTask.objects.create(name="Revisión de contenidos")
    WorkflowTask.objects.create(workflow=workflow, task=task, sort_order=0)
    WorkflowPage.objects.create(workflow=workflow, page=HomePage.objects.get())
    programa = StandardPage.objects.get(slug="programa")
    programa.save_revision(user=reviewer)
    workflow.start(programa, reviewer)

    log_in(page, "revisora-e2e")
    main = page.get_by_role("main")
    expect(main.get_by_role("columnheader", name="Privacidad y acceso").first).to_be_visible()
    assert_no_english(main_text(page), "Privacy and access", "Your pages and snippets")

    page.goto(f"/admin/pages/{programa.pk}/edit/")
    page.get_by_role("button", name="Más acciones").click()
    expect(page.get_by_role("button", name="Aprobar con comentario y Publicar")).to_be_visible()
    page.get_by_role("button", name="Solicitar cambios").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Comentario")).to_be_visible()
    expect(dialog.get_by_role("button", name="Solicitar cambios")).to_be_visible()
    assert_no_english(dialog.inner_text(), "Request changes", "Comment", "Approve")


def test_a_student_cannot_enter_the_admin(page, make_user):
    make_user("student", username="70000011")
    page.goto("/admin/login/")
    page.get_by_label("Nombre de usuario").fill("70000011")
    page.get_by_label("Contraseña").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.get_by_text("No tiene permiso para acceder a la administración.")).to_be_visible()
    assert "/admin/login/" in page.url
