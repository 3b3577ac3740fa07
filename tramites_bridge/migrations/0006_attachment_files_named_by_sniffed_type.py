"""Attachments stored before this migration kept the extension the citizen typed (a PDF named
`carta.html` was `<random>.html` on disk). Each such file is copied to a new generated name with
the extension of its sniffed content type, its row points at the copy, then the old file is
deleted. The row's data (original_name, content_type, size, submission) is untouched; a row
whose file is missing from the storage is left as it is.

Not atomic: each row is updated on its own, after its copy is stored and before its old file is
deleted, so an interrupted run loses no file and can simply be run again."""

import uuid

from django.core.files import File
from django.db import migrations

# The accepted types at the time of this migration (tramites_bridge.validators.MAGIC_TYPES).
EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def rename_files_to_sniffed_type(apps, schema_editor):
    Attachment = apps.get_model("tramites_bridge", "Attachment")
    storage = Attachment._meta.get_field("file").storage
    for pk, old_name, content_type in (
        Attachment.objects.exclude(file="").values_list("pk", "file", "content_type").iterator()
    ):
        ext = EXTENSIONS.get(content_type, "bin")
        if old_name.lower().endswith(f".{ext}") or not storage.exists(old_name):
            continue
        with storage.open(old_name, "rb") as handle:
            new_name = storage.save(f"tramites/privado/{uuid.uuid4().hex}.{ext}", File(handle))
        Attachment.objects.filter(pk=pk).update(file=new_name)
        storage.delete(old_name)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("tramites_bridge", "0005_submission_anonymised_at"),
    ]

    operations = [
        migrations.RunPython(
            rename_files_to_sniffed_type, migrations.RunPython.noop, elidable=True
        ),
    ]
