from django.core.management import call_command
from django.db import migrations


def create_cache_tables(apps, schema_editor):
    # The throttling counters fall back to the database cache while Redis is down; a site
    # migrated with Redis as CACHE_URL has no table for it yet (0002 made none then).
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("platform", "0005_retention_runs_count_import_jobs")]

    operations = [migrations.RunPython(create_cache_tables, migrations.RunPython.noop)]
