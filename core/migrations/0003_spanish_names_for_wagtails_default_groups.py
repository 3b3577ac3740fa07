"""Wagtail's first migrations create the groups "Moderators" and "Editors" and the workflow
"Moderators approval"; the admin speaks Spanish, so their names do too."""

from django.db import migrations

GROUPS = {"Moderators": "Moderadores", "Editors": "Editores"}
APPROVAL = {"Moderators approval": "Aprobación de moderadores"}


def _rename(apps, groups: dict[str, str], approval: dict[str, str]) -> None:
    Group = apps.get_model("auth", "Group")
    Task = apps.get_model("wagtailcore", "Task")
    Workflow = apps.get_model("wagtailcore", "Workflow")
    for old, new in groups.items():
        if not Group.objects.filter(name=new).exists():
            Group.objects.filter(name=old).update(name=new)
    for old, new in approval.items():
        Task.objects.filter(name=old).update(name=new)
        Workflow.objects.filter(name=old).update(name=new)


def forwards(apps, schema_editor) -> None:
    _rename(apps, GROUPS, APPROVAL)


def backwards(apps, schema_editor) -> None:
    _rename(
        apps,
        {new: old for old, new in GROUPS.items()},
        {new: old for old, new in APPROVAL.items()},
    )


class Migration(migrations.Migration):
    dependencies = [
        ("platform", "0002_cache_table"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("wagtailcore", "0048_add_default_workflows"),
        # the migrations that give the two groups their permissions look them up by their
        # English names: they must run first
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("wagtaildocs", "0002_initial_data"),
        ("wagtailimages", "0002_initial_data"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
