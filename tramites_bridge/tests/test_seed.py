import pytest
from wagtail.models import Page

from cms.seed import seed_site_root
from core.seed import seed as seed_accounts
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


def test_seed_adds_nine_cabinas_with_an_agent_a_guarantee_a_month_of_files_and_one_failed_delivery(
    client_for,
):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from tramites_bridge.models import Cabina, LedgerEntry, OutboxEvent

    seed_accounts()
    seed_site_root()
    seed()
    cabinas = list(Cabina.objects.prefetch_related("agents"))
    assert len(cabinas) == 9
    for cabina in cabinas:
        assert cabina.active and cabina.guarantee_date
        assert len(cabina.agents.all()) == 1
        guarantee = LedgerEntry.objects.get(cabina=cabina, kind="guarantee")
        assert guarantee.amount == Decimal("300.00")
        assert Submission.objects.filter(cabina=cabina, channel="cabina").exists()
    through_cabinas = Submission.objects.filter(cabina__isnull=False)
    month_ago = timezone.now() - timedelta(days=32)
    assert through_cabinas.count() >= 9
    assert not through_cabinas.filter(created_at__lt=month_ago).exists()
    assert through_cabinas.filter(created_at__lt=timezone.now() - timedelta(days=14)).exists()
    failed = OutboxEvent.objects.get(state="failed")
    assert failed.last_error
    page = client_for("back_office").get("/admin/tramites/envios/").content.decode()
    assert str(failed.event_id) in page and "Reenviar" in page
