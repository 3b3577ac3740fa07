"""The public and student pages meet WCAG 2.1 AA (no serious or critical axe violation), fit a
360-px phone without sideways scrolling, and can be used by keyboard."""

import pytest
from playwright.sync_api import expect

from tests.e2e.accessibility import assert_accessible, horizontal_overflow
from tests.fixtures import LIVE_DB

pytestmark = [pytest.mark.e2e, LIVE_DB]

PUBLIC_PAGES = ["/", "/programa/", "/buscar/?q=canal", "/cuenta/ingresar/"]


@pytest.fixture
def site_tree():
    from cms.seed import seed

    seed()


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_has_no_serious_accessibility_violation(phone_page, site_tree, path):
    phone_page.goto(path)
    assert_accessible(phone_page)
    assert horizontal_overflow(phone_page) == 0


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(page, site_tree):
    page.goto("/programa/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Saltar al contenido")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenido"


def test_login_form_can_be_filled_and_sent_by_keyboard(page, site_tree, make_user):
    from tests.fixtures import TEST_PASSWORD

    make_user("student", username="70000021")
    page.goto("/cuenta/ingresar/")
    page.get_by_label("DNI").focus()
    page.keyboard.type("70000021")
    page.keyboard.press("Tab")
    page.keyboard.type(TEST_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Salir")).to_be_visible()
