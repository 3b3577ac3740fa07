import pytest
from django.contrib.auth.models import Group

from core.roles import ADMIN_ACCESS, ROLES
from tests.fixtures import ROLE_GROUPS

ADMIN_ROLES = {"presenter", "tv_staff", "coach", "validator", "back_office", "superuser"}


@pytest.mark.django_db
def test_every_role_group_exists_with_exactly_its_permissions():
    for name, perms in ROLES.items():
        group = Group.objects.get(name=name)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
        assert granted == set(perms), name


@pytest.mark.django_db
def test_students_and_cabina_agents_get_no_admin_access():
    assert ADMIN_ACCESS not in ROLES["Estudiantes"]
    assert ADMIN_ACCESS not in ROLES["Agentes de cabina"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["anonymous", *ROLE_GROUPS])
def test_admin_dashboard_opens_only_for_staff_roles(client_for, role):
    response = client_for(role).get("/admin/")
    if role in ADMIN_ROLES:
        assert response.status_code == 200
        assert "Panel" in response.content.decode() or "Inicio" in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")


@pytest.mark.django_db
def test_wagtails_default_groups_and_workflow_are_named_in_spanish(client_for):
    from wagtail.models import Workflow

    names = set(Group.objects.values_list("name", flat=True))
    assert {"Moderadores", "Editores"} <= names
    assert not {"Moderators", "Editors"} & names
    assert Workflow.objects.filter(name="Aprobación de moderadores").exists()
    # the permissions Wagtail's own migrations give the two groups were given before the rename
    for name in ("Moderadores", "Editores"):
        codenames = set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert {"access_admin", "add_image", "add_document"} <= codenames, name
    page = client_for("superuser").get("/admin/groups/").content.decode()
    assert "Moderadores" in page and "Moderators" not in page
