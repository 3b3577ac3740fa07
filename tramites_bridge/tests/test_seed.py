import pytest
from wagtail.models import Page

from cms.seed import seed_site_root
from config.seed import seed as seed_accounts
from tramites_bridge.models import Procedure, Submission
from tramites_bridge.seed import seed

pytestmark = pytest.mark.django_db


def test_seed_creates_the_catalogue_a_page_with_two_forms_and_submissions_once(client):
    seed_accounts()
    seed_site_root()
    created = seed()
    assert Procedure.objects.count() == 5
    licence = Procedure.objects.get(tupa_code="LF-01")
    kinds = set(licence.fields.values_list("kind", flat=True))
    assert {"ruc", "file"} <= kinds
    assert set(Submission.objects.values_list("status", flat=True)) >= {
        "recibido",
        "en_revision",
        "observado",
        "aprobado",
        "rechazado",
        "entregado",
    }
    page = Page.objects.get(slug="tramites-en-linea").specific
    blocks = [b for b in page.body if b.block_type == "procedure_form"]
    assert len(blocks) == 2
    html = client.get(page.url).content.decode()
    assert html.count('enctype="multipart/form-data"') == 2
    assert created
    assert seed() == []
